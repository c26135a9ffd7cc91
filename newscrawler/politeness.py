"""Per-site politeness on top of Scrapy's downloader slots.

Scrapy keys its slots by host name; news sites spread one server farm over many host names, so
every request is put in the slot of its *site* (registrable domain, see ``urls.site_key``).
The slot's own mechanisms then do the work: ``CONCURRENT_REQUESTS_PER_DOMAIN = 1`` and a delay
between the starts of two requests. This middleware only keeps each slot's delay right:

* never below ``DOWNLOAD_DELAY`` plus ``POLITENESS_MARGIN`` (arrival times drift by milliseconds
  with connection set-up, so a crawler that waits exactly the delay is sometimes seen early);
* a ``DOWNLOAD_SLOTS`` entry for the site (e.g. ``reddit.com``) replaces ``DOWNLOAD_DELAY``;
* ``Retry-After`` on 429/503 pauses the whole slot, not just the one request
  (RetryMiddleware then retries the request itself).
"""

from __future__ import annotations

from time import monotonic
from typing import TYPE_CHECKING, Any

from scrapy import Request, signals
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

from newscrawler.ratelimit import is_rate_limited, retry_delay
from newscrawler.urls import site_key

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

__all__ = ["SitePolitenessMiddleware", "assign_site_slot"]

SLOT = "download_slot"


def assign_site_slot(request: Request) -> Request:
    """Put ``request`` in its site's downloader slot (unless something chose one already)."""
    if SLOT not in request.meta:
        host = urlparse_cached(request).hostname or ""
        request.meta[SLOT] = site_key(host)
    return request


class SitePolitenessMiddleware:
    """Downloader middleware; also a spider middleware so the scheduler sees the slot early."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings: BaseSettings = crawler.settings
        self.base_delay = settings.getfloat("DOWNLOAD_DELAY")
        self.margin = settings.getfloat("POLITENESS_MARGIN")
        self.max_retry_after = settings.getfloat("RETRY_AFTER_MAX")
        self.per_slot = settings.getdict("DOWNLOAD_SLOTS")
        crawler.signals.connect(self._request_reached_downloader,
                                signal=signals.request_reached_downloader)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SitePolitenessMiddleware:
        return cls(crawler)

    # spider middleware side: requests get their slot before the scheduler ranks them
    async def process_start(self, start: Any) -> Any:
        async for item_or_request in start:
            yield self._with_slot(item_or_request)

    def process_spider_output(self, response: Response, result: Any) -> Any:
        for item_or_request in result:
            yield self._with_slot(item_or_request)

    async def process_spider_output_async(self, response: Response, result: Any) -> Any:
        async for item_or_request in result:
            yield self._with_slot(item_or_request)

    # downloader middleware side: covers requests the engine makes itself (robots.txt)
    def process_request(self, request: Request) -> None:
        assign_site_slot(request)

    def process_response(self, request: Request, response: Response) -> Response:
        if is_rate_limited(response):
            self.crawler.stats.inc_value("newscrawler/rate_limited")
            wait = retry_delay(response, default=self.delay_for(request.meta[SLOT]))
            self._pause_slot(request.meta[SLOT], min(wait, self.max_retry_after))
        return response

    def delay_for(self, key: str) -> float:
        configured = self.per_slot.get(key, {}).get("delay", self.base_delay)
        return float(configured) + self.margin if configured else 0.0

    def _with_slot(self, item_or_request: Any) -> Any:
        if isinstance(item_or_request, Request):
            assign_site_slot(item_or_request)
        return item_or_request

    def _request_reached_downloader(self, request: Request, **_: Any) -> None:
        slot = self._slot(request.meta.get(SLOT))
        if slot is not None:
            slot.delay = max(slot.delay, self.delay_for(request.meta[SLOT]))

    def _pause_slot(self, key: str, seconds: float) -> None:
        """Hold every request of the slot for ``seconds`` from now.

        Scrapy starts a slot's next request ``delay`` seconds after ``lastseen``; moving
        ``lastseen`` forward is how AutoThrottle-style code delays a slot without a timer.
        """
        slot = self._slot(key)
        if slot is not None:
            slot.lastseen = max(slot.lastseen, monotonic() + seconds - slot.delay)

    def _slot(self, key: str | None) -> Any:
        engine = self.crawler.engine
        if key is None or engine is None:
            return None
        return engine.downloader.slots.get(key)
