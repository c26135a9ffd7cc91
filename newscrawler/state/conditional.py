"""Conditional source requests: send back a feed's or sitemap's ETag / Last-Modified, let a 304
mean "no work". Every request with ``keys.FEED_URL`` (any source document) gets them.

Scrapy's HTTP cache is the wrong tool for this: on a 304 it replays the stored body, so the
spider would parse the old feed again and request its articles again.

Validators can lie: some servers keep an ETag or Last-Modified after the feed changed. A feed
that has answered 304 (or the same body) for longer than ``CONDITIONAL_MAX_AGE`` is fetched once
without them (a probe); if that finds new entries, its record is marked and it is always
fetched unconditionally from then on (``schedule/rules.after_fetch`` keeps the mark).
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.http import Response

from newscrawler import keys
from newscrawler.schedule.extension import PollSchedule
from newscrawler.state.extension import CrawlState
from newscrawler.state.store import FeedValidators

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from newscrawler.schedule.record import SourceRecord

__all__ = ["ConditionalFeedMiddleware", "ValidatorUse", "is_feed_request", "is_not_modified",
           "validator_use"]


class ValidatorUse(Enum):
    SEND = "send"      # send the stored ETag / Last-Modified
    PROBE = "probe"    # withhold them this once: the 304s have lasted too long to trust
    NEVER = "never"    # a probe caught them lying: never send them again


def is_feed_request(request: Request) -> bool:
    return keys.FEED_URL in request.meta


def is_not_modified(response: Response) -> bool:
    return response.status == 304


def validator_use(record: SourceRecord, now: float, max_age: float) -> ValidatorUse:
    """Whether a feed's next request carries its validators (table tests beside it)."""
    if record.validators_untrusted:
        return ValidatorUse.NEVER
    if record.unchanged_since is not None and now - record.unchanged_since >= max_age:
        return ValidatorUse.PROBE
    return ValidatorUse.SEND


class ConditionalFeedMiddleware:
    """Downloader middleware; the validators live in the run's state store (``CrawlState``)."""

    def __init__(self, state: CrawlState | None, schedule: PollSchedule | None = None,
                 max_age: float = float("inf"), stats: StatsCollector | None = None) -> None:
        self.state = state
        self.schedule = schedule  # knows each feed's record: whether its validators are trusted
        self.max_age = max_age    # CONDITIONAL_MAX_AGE
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalFeedMiddleware:
        return cls(CrawlState.of(crawler), PollSchedule.of(crawler),
                   crawler.settings.getfloat("CONDITIONAL_MAX_AGE"), crawler.stats)

    def process_request(self, request: Request) -> None:
        if self.state is None or self.state.recrawl or not is_feed_request(request):
            return
        if self.schedule is not None:
            use = validator_use(self.schedule.record(request.meta[keys.FEED_URL]),
                                self.schedule.clock(), self.max_age)
            if use is ValidatorUse.PROBE:
                request.meta[keys.VALIDATORS_PROBE] = True
                if self.stats is not None:
                    self.stats.inc_value(keys.VALIDATOR_PROBES)
            if use is not ValidatorUse.SEND:
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
