"""robots.txt fetched ahead of a site's first request, for schedulers that do not do it first;
and the ``Sitemap:`` lines of a site's robots.txt, as Scrapy read it.

The default queue (``politeness/queue.py``) fetches each site's robots.txt before handing out
the site's first request; the Redis frontier of the scale-out add-on does not, and turns
``ROBOTSTXT_PREFETCH`` on instead.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.robotstxt import ProtegoRobotParser, PythonRobotParser, RobotParser
from scrapy.utils.httpobj import urlparse_cached

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["prefetch_robots", "robots_sitemaps", "sitemap_lines"]


def prefetch_robots(crawler: Crawler, urls: list[str]) -> list[asyncio.Task[Any]]:
    """Start fetching the first listed sites' robots.txt at once, through Scrapy's own
    RobotsTxtMiddleware (which keeps the parsers): for schedulers that do not fetch robots.txt
    first by themselves (``ROBOTSTXT_PREFETCH``).

    Otherwise a site's first request waits inside the downloader for its robots.txt, and
    both count against CONCURRENT_REQUESTS: with 10 of them, only 5 sites could start.
    """
    robots = _robots_middleware(crawler)
    if robots is None:
        return []
    first_url_per_site = {urlparse_cached(Request(url)).netloc: url for url in reversed(urls)}
    # These bypass the engine's CONCURRENT_REQUESTS check: never start more than it allows.
    room = crawler.settings.getint("CONCURRENT_REQUESTS")
    return [asyncio.ensure_future(robots.robot_parser(Request(url)))
            for url in list(first_url_per_site.values())[:room]]


async def robots_sitemaps(crawler: Crawler, url: str) -> list[str] | None:
    """The absolute URLs of the ``Sitemap:`` lines in the robots.txt of ``url``'s site.

    Read from the parser Scrapy's RobotsTxtMiddleware keeps for the site (no second download:
    ``url`` itself went through it). None when no robots.txt was read: ``ROBOTSTXT_OBEY`` is
    off, or the download failed.
    """
    robots = _robots_middleware(crawler)
    if robots is None:
        return None
    request = Request(url)
    parser = await robots.robot_parser(request)
    if parser is None:
        return None
    parts = urlparse_cached(request)
    return [urljoin(f"{parts.scheme}://{parts.netloc}/robots.txt", line)
            for line in sitemap_lines(parser)]


def sitemap_lines(parser: RobotParser) -> list[str]:
    """``Sitemap:`` values as written. Scrapy's RobotParser interface has no accessor: this
    reads the library object of the two parsers that keep them (Protego, Scrapy's default,
    and the standard library's); any other ROBOTSTXT_PARSER gives none."""
    if isinstance(parser, ProtegoRobotParser):
        return [str(line) for line in parser.rp.sitemaps]
    if isinstance(parser, PythonRobotParser):
        return list(parser.rp.site_maps() or ())
    return []


def _robots_middleware(crawler: Crawler) -> RobotsTxtMiddleware | None:
    """Scrapy's robots.txt middleware (or the scale-out add-on's subclass) of this crawl."""
    if not crawler.settings.getbool("ROBOTSTXT_OBEY") or crawler.engine is None:
        return None
    return next((mw for mw in crawler.engine.downloader.middleware.middlewares
                 if isinstance(mw, RobotsTxtMiddleware)), None)
