"""The frontier: due sources go to Scrapy's scheduler a batch at a time, not all at once.

Queued all at start, 100,000 due feeds are 100,000 ``Request`` objects in memory for the whole
crawl (729 MB peak at 100,000 feeds against 513 MB at 10,000). The spider's ``start()`` asks the
state store for the due sources ``FRONTIER_BATCH`` listed sources at a time (one indexed query per
batch, ``PollSchedule.due_batches``) and yields the next batch only when the scheduler holds fewer
than ``FRONTIER_BATCH`` requests, so the queue stays bounded at any list size.

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
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals

from newscrawler import keys

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


def has_room(queued: int, batch: int) -> bool:
    """May the next batch be queued? Unbounded (batch 0) always; else below one batch."""
    return batch <= 0 or queued < batch


class Frontier:
    """Tells ``start()`` when the scheduler has room for the next batch of sources."""

    def __init__(self, crawler: Crawler, batch: int) -> None:
        self.crawler = crawler
        self.batch = batch
        self._room: asyncio.Future[None] | None = None
        # A request leaves the scheduler for the downloader (request_reached_downloader), or
        # the scheduler has nothing ready to hand out (scheduler_empty: also sent while sites
        # wait out their delays): the two moments the queue may have shrunk enough.
        if batch > 0:  # (len(scheduler) sums a queue per site: not asked when unbounded)
            crawler.signals.connect(self._check_room,
                                    signal=signals.request_reached_downloader)
            crawler.signals.connect(self._check_room, signal=signals.scheduler_empty)

    def queued(self) -> int:
        engine = self.crawler.engine
        scheduler = engine.scheduler if engine is not None else None
        return len(scheduler) if scheduler is not None else 0  # type: ignore[arg-type]

    def record_queued(self) -> None:
        """Keep the most requests queued when a batch was done (the run summary says it)."""
        self.crawler.stats.max_value(keys.FRONTIER_PEAK_QUEUED, self.queued())

    async def room(self) -> None:
        """Returns once the scheduler holds fewer than one batch of requests."""
        self.record_queued()
        while not has_room(self.queued(), self.batch):
            self._room = asyncio.get_running_loop().create_future()
            try:
                await self._room
            finally:
                self._room = None

    def _check_room(self, **_: Any) -> None:
        if self._room is not None and not self._room.done() \
                and has_room(self.queued(), self.batch):
            self._room.set_result(None)
