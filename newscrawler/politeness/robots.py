"""robots.txt fetched ahead of a site's first request, for schedulers that do not do it first.

The default queue (``politeness/queue.py``) fetches each site's robots.txt before handing out
the site's first request; the Redis frontier of the scale-out add-on does not, and turns
``ROBOTSTXT_PREFETCH`` on instead.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.utils.httpobj import urlparse_cached

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["prefetch_robots"]


def prefetch_robots(crawler: Crawler, urls: list[str]) -> list[asyncio.Task[Any]]:
    """Start fetching the first listed sites' robots.txt at once, through Scrapy's own
    RobotsTxtMiddleware (which keeps the parsers): for schedulers that do not fetch robots.txt
    first by themselves (``ROBOTSTXT_PREFETCH``).

    Otherwise a site's first request waits inside the downloader for its robots.txt, and
    both count against CONCURRENT_REQUESTS: with 10 of them, only 5 sites could start.
    """
    if not crawler.settings.getbool("ROBOTSTXT_OBEY") or crawler.engine is None:
        return []
    robots = next((mw for mw in crawler.engine.downloader.middleware.middlewares
                   if isinstance(mw, RobotsTxtMiddleware)), None)
    if robots is None:
        return []
    first_url_per_site = {urlparse_cached(Request(url)).netloc: url for url in reversed(urls)}
    # These bypass the engine's CONCURRENT_REQUESTS check: never start more than it allows.
    room = crawler.settings.getint("CONCURRENT_REQUESTS")
    return [asyncio.ensure_future(robots.robot_parser(Request(url)))
            for url in list(first_url_per_site.values())[:room]]
