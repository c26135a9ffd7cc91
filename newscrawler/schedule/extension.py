"""The ``PollSchedule`` extension: which listed sources are due, and what each poll taught.

The spider asks :meth:`PollSchedule.due` which sources to poll; the outcome of each poll comes
from the spider's signals (``feed_fetched``, ``feed_not_modified``, ``feed_failed``) and, for the
hints in its headers and the hash of its body, from Scrapy's ``response_received``. The new
records wait in memory and are saved when the crawl is idle (every request done: the articles of
every polled feed are written or failed) — the store's rule for validators (state/store.py).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scrapy import signals

from newscrawler import keys
from newscrawler import signals as news_signals
from newscrawler.schedule import rules
from newscrawler.schedule.hints import http_poll_hint
from newscrawler.schedule.record import SourceRecord
from newscrawler.state.extension import CrawlState

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from newscrawler.state.store import StateStore

__all__ = ["PollSchedule"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Answer:
    """What a feed's last response said beyond its body: hint, body hash, probe or not."""

    hint: float | None = None
    body_hash: str | None = None
    probe: bool = False


class PollSchedule:
    def __init__(self, crawler: Crawler, clock: Callable[[], float] = time.time) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.limits = rules.PollLimits.from_settings(settings)
        self.conditional_max_age = settings.getfloat("CONDITIONAL_MAX_AGE")
        self.poll_all = settings.get("DUE") == "all" or settings.getbool("RECRAWL")
        self.clock = clock
        self.listed = False                          # the feed list's sources are in the store
        self.pending: dict[str, SourceRecord] = {}   # polled in this run, not yet saved
        self.in_flight: set[str] = set()             # sources handed out and not yet answered
        self.aliases: dict[str, str] = {}            # feed found on a listed page -> that page
        self.answers: dict[str, _Answer] = {}        # feed URL -> its last response's extras
        connect = crawler.signals.connect
        connect(self.request_scheduled, signal=signals.request_scheduled)
        connect(self.response_received, signal=signals.response_received)
        connect(self.feed_fetched, signal=news_signals.feed_fetched)
        connect(self.feed_not_modified, signal=news_signals.feed_not_modified)
        connect(self.feed_failed, signal=news_signals.feed_failed)
        connect(self.request_done_without_outcome, signal=signals.request_dropped)
        connect(self.request_done_without_outcome, signal=signals.spider_error)
        connect(self.spider_idle, signal=signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PollSchedule:
        return cls(crawler)

    @classmethod
    def of(cls, crawler: Crawler) -> PollSchedule | None:
        """The run's PollSchedule, or None when the extension is turned off."""
        return crawler.get_extension(cls)

    @property
    def store(self) -> StateStore:
        # resolved on use: the CrawlState extension is built before, but is reachable through
        # crawler.get_extension only once every extension is built
        state = CrawlState.of(self.crawler)
        assert state is not None, "PollSchedule needs the CrawlState extension"
        return state.store

    # what the spider asks

    def due(self, urls: Sequence[str]) -> list[str]:
        """The listed sources to poll now, in list order; they count as in flight from now.

        New sources are due at once; ``DUE = "all"`` (or ``RECRAWL``) makes every source due
        for the first pass only (watch mode then follows the schedule).
        """
        return [url for batch in self.due_batches(urls, len(urls)) for url in batch]

    def due_batches(self, urls: Sequence[str], size: int) -> Iterator[list[str]]:
        """One pass over the list, ``size`` listed sources at a time (0: all at once): the due
        ones of each, looked up with one indexed query when the batch is asked for."""
        if not self.listed:
            # once a run: the list does not change while it runs (0.4 s at 100,000 sources)
            self.store.add_sources(urls, self.clock())
            self.listed = True
        poll_all, self.poll_all = self.poll_all, False
        size = size if size > 0 else max(1, len(urls))
        stats = self.crawler.stats
        waiting = 0
        for start in range(0, len(urls), size):
            batch = urls[start:start + size]
            now = self.clock()
            # claimed: workers sharing the store (Redis) do not poll one source twice; the
            # claim lasts the shortest interval, or until this run saves the poll
            due = set(batch) if poll_all else self.store.claim_due(
                batch, now, now + self.limits.min_interval)
            chosen = [url for url in batch if url in due and url not in self.in_flight
                      and not (url in self.pending and self.pending[url].next_due > now)]
            self.in_flight.update(chosen)
            waiting += sum(1 for url in batch if url not in self.in_flight)
            stats.set_value(keys.FEEDS_NOT_DUE, waiting)
            if start + size >= len(urls):  # the last batch: the pass is whole
                self._record_next_due()
            yield chosen
        if not urls:
            stats.set_value(keys.FEEDS_NOT_DUE, 0)
            self._record_next_due()

    def _record_next_due(self) -> None:
        next_due = self.next_due()
        if next_due is not None:
            self.crawler.stats.set_value(keys.NEXT_DUE, _iso(next_due))

    def next_due(self) -> float | None:
        """When the first source that is not due now comes due (unix time), or None."""
        now = self.clock()
        times = [r.next_due for r in self.pending.values() if r.next_due > now]
        if (stored := self.store.earliest_due(now)) is not None:
            times.append(stored)
        return min(times) if times else None

    def record(self, feed_url: str) -> SourceRecord:
        """The source's record as this run knows it (polled in this run, or stored)."""
        url = self.aliases.get(feed_url, feed_url)
        return self.pending.get(url) or self.store.source(url) or SourceRecord(url)

    # what the crawl tells

    def request_scheduled(self, request: Request, **_: Any) -> None:
        feed_url, source = request.meta.get(keys.FEED_URL), request.meta.get(keys.SOURCE)
        if feed_url and source and feed_url != source:
            self.aliases[feed_url] = source

    def response_received(self, response: Response, request: Request, **_: Any) -> None:
        feed_url = request.meta.get(keys.FEED_URL)
        if not feed_url:
            return
        headers = {key.decode("latin-1").lower(): values[0].decode("latin-1")
                   for key, values in response.headers.items() if values}
        self.answers[feed_url] = _Answer(
            hint=http_poll_hint(headers, datetime.fromtimestamp(self.clock(), UTC)),
            body_hash=hashlib.sha256(response.body).hexdigest() if response.status == 200
            else None,
            probe=bool(request.meta.get(keys.VALIDATORS_PROBE)),
        )

    def request_done_without_outcome(self, **kwargs: Any) -> None:
        """A feed request dropped (a duplicate) or whose callback raised: not in flight any more,
        or watch mode would never poll its source again."""
        carrier = kwargs.get("request") or kwargs.get("response")
        source = getattr(carrier, "meta", {}).get(keys.SOURCE)
        if source:
            self.in_flight.discard(source)

    def feed_fetched(self, url: str, entries: int, new_entries: int | None = None,
                     poll_hint: float | None = None, entry_gap: float | None = None,
                     **_: Any) -> None:
        answer = self.answers.pop(url, _Answer())
        record = self.record(url)
        self._polled(rules.after_fetch(
            record, self.clock(), entries=entries,
            new=entries if new_entries is None else new_entries,
            hint=_longest(poll_hint, answer.hint), body_hash=answer.body_hash,
            probe=answer.probe, limits=self.limits, gap=entry_gap))

    def feed_not_modified(self, url: str, **_: Any) -> None:
        answer = self.answers.pop(url, _Answer())
        self._polled(rules.after_not_modified(self.record(url), self.clock(), hint=answer.hint,
                                              limits=self.limits))

    def feed_failed(self, url: str, reason: str, **_: Any) -> None:
        answer = self.answers.pop(url, _Answer())
        self._polled(rules.after_failure(self.record(url), self.clock(), reason=reason,
                                         hint=answer.hint, limits=self.limits))

    def _polled(self, record: SourceRecord) -> None:
        self.pending[record.url] = record
        self.in_flight.discard(record.url)

    def spider_idle(self, spider: Spider) -> None:
        """Idle: every request is done, so what was learnt is safe to keep (also at the end of a
        run that finishes: its last idle comes before it closes)."""
        self.commit()

    def commit(self) -> int:
        if not self.pending:
            return 0  # a spider that polls no source (or a crawl without CrawlState)
        saved = self.store.save_sources(self.pending.values())
        self.pending.clear()
        if saved:
            self.crawler.stats.inc_value(keys.SOURCES_SAVED, saved)
        return saved


def _longest(*hints: float | None) -> float | None:
    known = [hint for hint in hints if hint is not None]
    return max(known) if known else None


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).replace(microsecond=0).isoformat()
