"""Per-site politeness on top of Scrapy's downloader slots.

Scrapy keys its slots by host name; news sites spread one server farm over many host names, so
every request is put in the slot of its *site* (registrable domain, see ``urls.site_key``).
The slot's own mechanisms then do the work: ``CONCURRENT_REQUESTS_PER_DOMAIN = 1`` and a delay
between the starts of two requests. This middleware only keeps each slot's delay right:

* never below ``DOWNLOAD_DELAY`` plus ``POLITENESS_MARGIN`` (server clocks and a loaded machine
  shift arrivals a little, so a crawler that waits exactly the delay is sometimes seen early by
  the site); the delay counts from when a request is really sent, and the first request to a
  site counts as sent ``POLITENESS_NEW_CONNECTION_MARGIN`` later (see ``downloader.py``);
* a ``DOWNLOAD_SLOTS`` entry for the site (e.g. ``reddit.com``) replaces ``DOWNLOAD_DELAY``;
* a robots.txt ``Crawl-delay`` larger than that wins (Scrapy parses it but never applies it),
  up to ``CRAWL_DELAY_MAX``;
* a 429 (or a 503 with ``Retry-After``) doubles the site's delay, up to
  ``BACKOFF_MAX_DELAY``; every success then takes ``BACKOFF_RECOVERY`` of the extra delay back
  off, so it recovers slowly;
* ``Retry-After`` also pauses the whole slot for that long, not just the one request
  (RetryMiddleware then retries the request itself).
"""

from __future__ import annotations

from time import monotonic
from typing import TYPE_CHECKING, Any

from scrapy import Request, signals
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

from newscrawler import keys
from newscrawler.politeness.rules import (
    backed_off,
    is_rate_limited,
    parse_retry_after,
    recovered,
)
from newscrawler.utils.urls import site_key

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.robotstxt import RobotParser
    from scrapy.settings import BaseSettings

__all__ = ["SitePolitenessMiddleware", "SiteSlotSpiderMiddleware", "assign_site_slot"]

SLOT = keys.DOWNLOAD_SLOT


def assign_site_slot(request: Request) -> Request:
    """Put ``request`` in its site's downloader slot (unless something chose one already)."""
    if SLOT not in request.meta:
        host = urlparse_cached(request).hostname or ""
        request.meta[SLOT] = site_key(host)
    return request


class SiteSlotSpiderMiddleware:
    """Spider middleware: requests get their site's slot before the scheduler ranks them
    (``DownloaderAwarePriorityQueue`` reads the slot when a request is queued)."""

    async def process_start(self, start: Any) -> Any:
        async for item_or_request in start:
            yield _with_slot(item_or_request)

    def process_spider_output(self, response: Response, result: Any) -> Any:
        for item_or_request in result:
            yield _with_slot(item_or_request)

    async def process_spider_output_async(self, response: Response, result: Any) -> Any:
        async for item_or_request in result:
            yield _with_slot(item_or_request)


def _with_slot(item_or_request: Any) -> Any:
    if isinstance(item_or_request, Request):
        assign_site_slot(item_or_request)
    return item_or_request


class SitePolitenessMiddleware:
    """Downloader middleware: the slot of requests the engine makes itself (robots.txt), and
    each slot's delay."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings: BaseSettings = crawler.settings
        self.base_delay = settings.getfloat("DOWNLOAD_DELAY")
        self.margin = settings.getfloat("POLITENESS_MARGIN")
        self.max_retry_after = settings.getfloat("RETRY_AFTER_MAX")
        self.max_crawl_delay = settings.getfloat("CRAWL_DELAY_MAX")
        self.max_backoff = settings.getfloat("BACKOFF_MAX_DELAY")
        self.recovery = settings.getfloat("BACKOFF_RECOVERY")
        self.user_agent = settings.get("USER_AGENT", "")
        self.per_slot = settings.getdict("DOWNLOAD_SLOTS")
        self.crawl_delays: dict[str, float] = {}   # site -> robots.txt Crawl-delay
        self.backoff: dict[str, float] = {}        # site -> delay while backing off
        crawler.signals.connect(self._request_reached_downloader,
                                signal=signals.request_reached_downloader)
        crawler.signals.connect(self._robots_parsed, signal=signals.robots_parsed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SitePolitenessMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        assign_site_slot(request)

    def process_response(self, request: Request, response: Response) -> Response:
        key = request.meta[SLOT]
        if response.status == 429:
            # counted here: RetryMiddleware turns it into a retry before the engine sees it
            self.crawler.stats.inc_value(keys.RESPONSES_429)
        if is_rate_limited(response):
            # The site says our rate is too high: slow down for good, not just this once.
            self.backoff[key] = backed_off(self.delay_for(key), self.floor_for(key),
                                           self.max_backoff)
            self.crawler.stats.inc_value(keys.BACKOFFS)
            self._apply_delay(key)
            header = response.headers.get(b"Retry-After")
            wait = parse_retry_after(header.decode("latin-1") if header else None)
            if wait is not None:
                self._pause_slot(key, min(wait, self.max_retry_after))
        elif key in self.backoff and response.status < 400:
            delay = recovered(self.backoff[key], self.floor_for(key), self.recovery)
            if delay <= self.floor_for(key) + 0.01:
                del self.backoff[key]
            else:
                self.backoff[key] = delay
        return response

    def floor_for(self, key: str) -> float:
        """The site's delay when all is well: configured delay or Crawl-delay, plus margin."""
        configured = float(self.per_slot.get(key, {}).get("delay", self.base_delay))
        delay = max(configured, self.crawl_delays.get(key, 0.0))
        return delay + self.margin if delay else 0.0

    def delay_for(self, key: str) -> float:
        return self.backoff.get(key, self.floor_for(key))

    def _request_reached_downloader(self, request: Request, **_: Any) -> None:
        self._apply_delay(request.meta.get(SLOT))

    def _apply_delay(self, key: str | None) -> None:
        slot = self._slot(key)
        if slot is None or key is None:
            return
        slot.delay = self.delay_for(key)

    def _robots_parsed(self, robotparser: RobotParser, request: Request, **_: Any) -> None:
        delay = robotparser.crawl_delay(self.user_agent)
        if delay:
            key = site_key(urlparse_cached(request).hostname or "")
            self.crawl_delays[key] = min(float(delay), self.max_crawl_delay)

    def _pause_slot(self, key: str, seconds: float) -> None:
        """Hold every request of the slot for ``seconds`` from now.

        Scrapy starts a slot's next request ``delay`` seconds after ``lastseen``; moving
        ``lastseen`` forward delays the whole slot without a timer of our own.
        """
        slot = self._slot(key)
        if slot is not None:
            slot.lastseen = max(slot.lastseen, monotonic() + seconds - slot.delay)

    def _slot(self, key: str | None) -> Any:
        engine = self.crawler.engine
        if key is None or engine is None:
            return None
        return engine.downloader.slots.get(key)
