"""The frontier: due sources go to Scrapy's scheduler a batch at a time, not all at once.

Queued all at start, 100,000 due feeds are 100,000 ``Request`` objects in memory for the whole
crawl (729 MB peak at 100,000 feeds against 513 MB at 10,000). The spider's ``start()`` asks the
state store for the due sources ``FRONTIER_BATCH`` listed sources at a time (one indexed query per
batch, ``PollSchedule.due_batches``) and yields the next batch only when fewer than
``FRONTIER_BATCH`` listed sources are outstanding (handed out and not yet answered:
``PollSchedule.in_flight``), so the queue stays bounded at any list size. Sources, not queued
requests, are counted: a sitemap of 5,000 articles of one site must not keep every other site
from starting while its articles wait out the site's delay one by one.

Why not only Scrapy's own means: Scrapy 2.19 consumes ``start()`` eagerly (it reads the next
start request as soon as the last one is scheduled, whether or not the downloader has room), so
``start()`` must wait itself; it waits on Scrapy's signals, not a timer. Scrapy's disk queues
(``JOBDIR``) bound the memory too but write and read every request through pickle:
``python -m bench.many_feeds`` measures both side by side (docs/schedule.md).

Batches are taken in :func:`interleave_sites` order, so that a batch covers as many sites as it
can: a list that names a site's 20 feeds in a row would otherwise give the politeness queue
1,000 requests of 50 sites, each able to take one request every ``DOWNLOAD_DELAY``.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.utils.asyncio import call_later

from newscrawler import keys
from newscrawler import signals as news_signals

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["Frontier", "interleave_sites"]


def interleave_sites(urls: Sequence[str]) -> list[str]:
    """The URLs round-robin over their hosts (each host's URLs in list order): the first N
    cover min(N, hosts) hosts."""
    by_host: dict[str, list[str]] = defaultdict(list)
    for url in urls:
        by_host[urlsplit(url).hostname or ""].append(url)
    rounds = max((len(group) for group in by_host.values()), default=0)
    groups = list(by_host.values())
    return [group[turn] for turn in range(rounds) for group in groups if turn < len(group)]


# Requests queued (articles of the feeds read, mostly) beyond which no batch goes, however few
# sources are outstanding: feeds read faster than their sites let their articles go would
# otherwise pile articles up without bound. Ten batches: about 25 MB of requests.
MAX_QUEUED_BATCHES = 10


def has_room(outstanding: int, queued: int, batch: int) -> bool:
    """May the next batch go? Unbounded (batch 0) always; else with less than one batch of
    sources outstanding and less than MAX_QUEUED_BATCHES batches of requests queued."""
    return batch <= 0 or (outstanding < batch and queued < MAX_QUEUED_BATCHES * batch)


class Frontier:
    """Tells ``start()`` when the next batch of sources may go."""

    def __init__(self, crawler: Crawler, batch: int,
                 outstanding: Callable[[], int] | None = None) -> None:
        self.crawler = crawler
        self.batch = batch
        # listed sources handed out and not yet answered; without a schedule, queued requests
        self.outstanding = outstanding or self.queued
        self._room: asyncio.Future[None] | None = None
        if batch > 0:
            # a source answered (or dropped): the moments the count goes down; and the
            # scheduler with nothing to hand out (also sent while sites wait out their
            # delays): a crawl that ran dry always gets its next batch
            for signal in (news_signals.feed_fetched, news_signals.feed_not_modified,
                           news_signals.feed_failed, signals.request_dropped,
                           signals.scheduler_empty):
                crawler.signals.connect(self._check_room, signal=signal)

    def queued(self) -> int:
        engine = self.crawler.engine
        scheduler = engine.scheduler if engine is not None else None
        return len(scheduler) if scheduler is not None else 0  # type: ignore[arg-type]

    def record_queued(self) -> None:
        """Keep the most requests queued when a batch was done (the crawl's stats say it)."""
        self.crawler.stats.max_value(keys.FRONTIER_PEAK_QUEUED, self.queued())

    async def room(self) -> None:
        """Returns once fewer than one batch of sources are outstanding, or the crawl ran dry."""
        self.record_queued()
        while not self._may_go():
            self._room = asyncio.get_running_loop().create_future()
            try:
                await self._room
            finally:
                self._room = None

    def _may_go(self) -> bool:
        if has_room(self.outstanding(), self.queued(), self.batch):
            return True
        # nothing queued, nothing downloading: whatever is counted as outstanding is not
        # coming back through the scheduler (a guard: the crawl must never wait for nothing)
        engine = self.crawler.engine
        return engine is not None and not self.queued() and not engine.downloader.active

    def _check_room(self, **_: Any) -> None:
        if self._room is not None and not self._room.done():
            # after the reactor's turn: the PollSchedule's own handler of the same signal has
            # then taken the answered source off its count, whatever the handlers' order
            call_later(0, self._wake_if_room)

    def _wake_if_room(self) -> None:
        if self._room is not None and not self._room.done() and self._may_go():
            self._room.set_result(None)
