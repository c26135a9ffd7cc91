"""Conditional source requests: send back a feed's or sitemap's ETag / Last-Modified, let a 304
mean "no work". Every request with ``keys.FEED_URL`` (any source document) gets them.

Scrapy's HTTP cache is the wrong tool for this: on a 304 it replays the stored body, so the
spider would parse the old feed again and request its articles again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.http import Response

from newscrawler import keys
from newscrawler.state.extension import CrawlState
from newscrawler.state.store import FeedValidators

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["ConditionalFeedMiddleware", "is_feed_request", "is_not_modified"]


def is_feed_request(request: Request) -> bool:
    return keys.FEED_URL in request.meta


def is_not_modified(response: Response) -> bool:
    return response.status == 304


class ConditionalFeedMiddleware:
    """Downloader middleware; the validators live in the run's state store (``CrawlState``)."""

    def __init__(self, state: CrawlState | None) -> None:
        self.state = state

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalFeedMiddleware:
        return cls(CrawlState.of(crawler))

    def process_request(self, request: Request) -> None:
        if self.state is None or self.state.recrawl or not is_feed_request(request):
            return
        known = self.state.store.validators(request.meta[keys.FEED_URL])
        if known.etag:
            request.headers.setdefault(b"If-None-Match", known.etag.encode("latin-1"))
        if known.last_modified:
            request.headers.setdefault(b"If-Modified-Since",
                                       known.last_modified.encode("latin-1"))

    def process_response(self, request: Request, response: Response) -> Response:
        if self.state is not None and is_feed_request(request) and response.status == 200:
            validators = FeedValidators(
                etag=_header(response, b"ETag"), last_modified=_header(response, b"Last-Modified")
            )
            if validators:
                self.state.store.remember_validators(request.meta[keys.FEED_URL], validators)
        return response


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
