"""Scheduling for politeness: a request leaves the queue only when its site can take it.

Scrapy's ``DownloaderAwarePriorityQueue`` hands out the next request of the site with the
fewest downloads in progress, but it does so as soon as the engine has room, and a request
then waits *inside* the downloader for its site's delay (or for robots.txt) while it counts
against ``CONCURRENT_REQUESTS``. With a 2 s delay, ten requests parked behind three busy
sites leave every other site idle. This queue keeps them in the scheduler instead:

* a site with a request in progress (or waiting for robots.txt) gets no second one, unless its
  slot allows more than one at a time;
* a site whose delay runs for more than ``SCHEDULER_READY_LEAD`` seconds gets none yet, and the
  engine is woken when the first such site becomes ready;
* among ready sites, feeds go first (a site whose feed is unread may have the longest chain),
  then the site with the most queued requests: the longest chain bounds the crawl, so it
  must never wait.
"""

from __future__ import annotations

from collections import Counter
from contextlib import suppress
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING, Any

from scrapy.pqueues import DownloaderAwarePriorityQueue, _path_safe
from scrapy.utils.asyncio import call_later

from newscrawler.politeness import SLOT, assign_site_slot

if TYPE_CHECKING:
    from scrapy import Request

__all__ = ["PoliteSlotPriorityQueue"]


class PoliteSlotPriorityQueue(DownloaderAwarePriorityQueue):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = self.crawler.settings
        self.lead = settings.getfloat("SCHEDULER_READY_LEAD")
        self.default_concurrency = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        self.per_slot = settings.getdict("DOWNLOAD_SLOTS")
        self._wakeup: Any = None
        self._wakeup_at = float("inf")

    def pop(self) -> Request | None:
        if not self.pqueues:
            return None
        now = monotonic()
        outstanding = self._outstanding()
        ready: list[tuple[int, int, str]] = []
        soonest = float("inf")
        for key, queue in self.pqueues.items():
            if outstanding[key] >= self._concurrency(key):
                continue
            wait = self._wait(key, now)
            if wait <= self.lead:
                # feeds first (their chains are not known yet), then the longest chain
                ready.append((queue.curprio or 0, -len(queue), key))
            else:
                soonest = min(soonest, wait - self.lead)
        if not ready:
            if soonest < float("inf"):
                self._wake_engine(soonest, now)
            return None
        *_, key = min(ready)
        return self._pop_from(key)

    def _pop_from(self, key: str) -> Request | None:
        queue = self.pqueues[key]
        request = queue.pop()
        if len(queue) == 0:
            del self.pqueues[key]
            queue.close()
            if self.key:
                with suppress(OSError):
                    Path(self.key, _path_safe(key)).rmdir()
        return request

    def _outstanding(self) -> Counter[str]:
        """Requests per site inside the downloader, robots.txt requests and requests still
        waiting for their robots.txt included (the downloader's slots see neither yet)."""
        engine = self.crawler.engine
        assert engine is not None
        return Counter(assign_site_slot(request).meta[SLOT]
                       for request in engine.downloader.active)

    def _concurrency(self, key: str) -> int:
        return int(self.per_slot.get(key, {}).get("concurrency", self.default_concurrency))

    def _wait(self, key: str, now: float) -> float:
        """Seconds until the site's downloader slot lets its next request go."""
        slot = self.crawler.engine.downloader.slots.get(key)  # type: ignore[union-attr]
        if slot is None or not slot.delay:
            return 0.0
        return slot.lastseen + slot.delay - now

    def _wake_engine(self, delay: float, now: float) -> None:
        """Ask the engine for requests again when the first waiting site is ready: it only
        asks by itself after a download ends or every 5 s."""
        if now + delay >= self._wakeup_at and self._wakeup is not None:
            return
        if self._wakeup is not None:
            self._wakeup.cancel()
        self._wakeup_at = now + delay
        self._wakeup = call_later(delay, self._wake)

    def _wake(self) -> None:
        self._wakeup, self._wakeup_at = None, float("inf")
        engine = self.crawler.engine
        if engine is not None and engine._slot is not None:
            engine._slot.nextcall.schedule()
