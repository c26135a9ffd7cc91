"""Scheduling for politeness: a request leaves the queue only when its site can take it.

Scrapy's ``DownloaderAwarePriorityQueue`` hands out the next request of the site with the
fewest downloads in progress, but it does so as soon as the engine has room, and a request
then waits *inside* the downloader for its site's delay (or for robots.txt) while it counts
against ``CONCURRENT_REQUESTS``. With a 2 s delay, ten requests parked behind three busy
sites leave every other site idle. This queue keeps them in the scheduler instead:

* a site with a request in progress (or a robots.txt download) gets no second one, unless its
  slot allows more than one at a time;
* a site whose delay runs for more than ``SCHEDULER_READY_LEAD`` seconds gets none yet, and the
  engine is woken when the first such site becomes ready;
* a site whose robots.txt is not known yet gets its robots.txt fetched first, through the
  robots.txt middleware, and its request stays queued until the site's delay after that has
  run. Handed out at once, the request would hold one of ``CONCURRENT_REQUESTS`` for the
  robots.txt download plus the whole delay, doing nothing (half the places, with 2 s delays
  and 1 s responses, while a broad crawl starts);
* a site whose requests are refused without being sent (its breaker is open, see
  ``breaker.py``, or its host's robots.txt is unavailable, see ``robots.py``) is ready at once:
  its requests fail in the downloader middlewares, before they reach the site's slot, so
  holding them for the delay (60 s each for reddit.com) would only keep the crawl waiting;
* among ready sites, feeds go first (a site whose feed is unread may have the longest chain),
  then the site with the most queued requests: the longest chain bounds the crawl, so it
  must never wait.

:meth:`PoliteSlotPriorityQueue.waiting_sites` tells the progress line which sites the crawl
waits for, and how long.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING, Any

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.pqueues import DownloaderAwarePriorityQueue
from scrapy.utils.asyncio import call_later
from scrapy.utils.httpobj import urlparse_cached

from newscrawler import keys
from newscrawler._compat import path_safe, wake_engine
from newscrawler.politeness.breaker import SiteBreakerMiddleware
from newscrawler.politeness.robots import Rfc9309RobotsTxtMiddleware
from newscrawler.politeness.slots import SLOT, assign_site_slot
from newscrawler.safety.middleware import AddressSafetyMiddleware

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.core.downloader import Slot

__all__ = ["PoliteSlotPriorityQueue", "SiteWait", "seconds_until_ready"]

logger = logging.getLogger(__name__)
# where a queued site is (PoliteSlotPriorityQueue.pop)
_FRESH, _READY, _DELAYED, _BUSY = "fresh", "ready", "delayed", "busy"


@dataclass(frozen=True, slots=True)
class SiteWait:
    """A site whose queued requests wait for its delay."""

    seconds: float
    site: str
    requests: int


def seconds_until_ready(slot: Slot | None, now: float) -> float:
    """Seconds until the site's downloader slot lets its next request go (<= 0: now)."""
    return slot.lastseen + slot.delay - now if slot is not None and slot.delay else 0.0


class PoliteSlotPriorityQueue(DownloaderAwarePriorityQueue):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = self.crawler.settings
        self.lead = settings.getfloat("SCHEDULER_READY_LEAD")
        self.total_concurrency = settings.getint("CONCURRENT_REQUESTS")
        self.default_concurrency = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        self.concurrency = {key: int(slot["concurrency"])
                            for key, slot in settings.getdict("DOWNLOAD_SLOTS").items()
                            if "concurrency" in slot}
        self._wakeup: Any = None
        self._wakeup_at = float("inf")
        self._robots: RobotsTxtMiddleware | None = None
        self._safety: AddressSafetyMiddleware | None = None
        self._breaker: SiteBreakerMiddleware | None = None
        self._middlewares_found = False
        # robots.txt downloads this queue started: netloc -> (site, task); and the hosts whose
        # turn is over (fetched, failed, or refused by the address rule)
        self._robots_started: dict[str, tuple[str, asyncio.Future[Any]]] = {}
        self._robots_tried: set[str] = set()
        # where each queued site is (see pop)
        self.clock = monotonic
        self._count = sum(len(queue) for queue in self.pqueues.values())
        self._placed: dict[str, str] = {}
        self._fresh: list[str] = []
        self._ready: list[tuple[int, int, str]] = []
        self._delayed: list[tuple[float, str]] = []
        self._busy: set[str] = set()
        self._initialised = False

    # Which sites may go is kept, not recomputed over every queued site for every request
    # handed out (13 s of a 45 s window at 100,000 feeds over 5,000 sites). Each site is in
    # one of three places:
    # * ``_ready``: a heap of (priority, -queued, site): the order of the rule above; an entry
    #   whose site's figures changed since is stale, and is skipped or pushed again when met;
    # * ``_delayed``: a heap of (ready time - SCHEDULER_READY_LEAD, site) for sites whose delay
    #   runs: a site's next request is only ever sent later than its heap time says (a slot's
    #   delay only grows without a download, and a download puts its site in ``_busy``);
    # * ``_busy``: sites with a download (or a robots.txt download) in progress: at most
    #   CONCURRENT_REQUESTS of them, looked at again on every pop.
    # A pop thus costs O(log sites) plus the busy ones, not O(sites).

    def push(self, request: Request) -> None:
        key = assign_site_slot(request).meta[SLOT]  # the key the parent class files it under
        super().push(request)
        self._count += 1
        if key not in self._placed:
            self._placed[key] = _FRESH
            self._fresh.append(key)
        elif self._placed[key] == _READY:  # its rank changed: the old entry is now stale
            self._enter_ready(key)

    def __len__(self) -> int:
        return self._count  # the parent sums a queue per site

    def pop(self) -> Request | None:
        if not self.pqueues:
            return None
        now = self.clock()
        self._forget_finished_robots()
        outstanding, room = self._outstanding_and_room()
        slots = self.crawler.engine.downloader.slots  # type: ignore[union-attr]
        self._find_middlewares()
        self._place_changed(outstanding, slots, now)
        while self._ready:
            rank = heapq.heappop(self._ready)
            key = rank[-1]
            if key not in self.pqueues or self._placed.get(key) != _READY:
                continue  # the site was served, or moved on, since this entry was made
            if rank != self._rank(key):
                self._enter_ready(key)  # stale: its place is by its figures of now
                continue
            if not self._place(key, outstanding, slots, now):
                continue  # not ready after all: delayed or busy now
            waiting_for_robots = self._needs_robots(key)
            if waiting_for_robots is None:
                self._placed[key] = _BUSY
                self._busy.add(key)
                return self._pop_from(key)
            if room <= 0:
                heapq.heappush(self._ready, rank)
                return None  # the engine asks again when a download ends
            self._fetch_robots(waiting_for_robots, key)
            self._placed[key] = _BUSY
            self._busy.add(key)
            room -= 1
        if self._delayed:
            self._wake_engine(max(0.0, self._delayed[0][0] - now), now)
        return None

    def _place_changed(self, outstanding: Counter[str], slots: dict[str, Slot],
                       now: float) -> None:
        """Sites new to the queue, sites whose download ended and sites whose delay is over
        are placed again; every site that may go is then in ``_ready``."""
        if not self._initialised:  # queues a JOBDIR brought back: never pushed here
            self._initialised = True
            for key in self.pqueues:
                if key not in self._placed:
                    self._placed[key] = _FRESH
                    self._fresh.append(key)
        changed, self._fresh = self._fresh, []
        for key in list(self._busy):
            if outstanding[key] < self._concurrency_of(key):
                self._busy.discard(key)
                changed.append(key)
        while self._delayed and self._delayed[0][0] <= now:
            _, key = heapq.heappop(self._delayed)
            if self._placed.get(key) == _DELAYED:
                changed.append(key)
        for key in changed:
            self._place(key, outstanding, slots, now)

    def _place(self, key: str, outstanding: Counter[str], slots: dict[str, Slot],
               now: float) -> bool:
        """Put the site where it belongs now; True if that is among the ready ones."""
        if key not in self.pqueues:
            self._placed.pop(key, None)
            self._busy.discard(key)
            return False
        if outstanding[key] >= self._concurrency_of(key):
            self._placed[key] = _BUSY
            self._busy.add(key)
            return False
        wait = seconds_until_ready(slots.get(key), now)
        if wait <= self.lead or self._refused_unsent(key, now):
            if self._placed.get(key) != _READY:
                self._enter_ready(key)
            return True
        self._placed[key] = _DELAYED
        heapq.heappush(self._delayed, (now + wait - self.lead, key))
        return False

    def _enter_ready(self, key: str) -> None:
        self._placed[key] = _READY
        heapq.heappush(self._ready, self._rank(key))

    def _rank(self, key: str) -> tuple[int, int, str]:
        queue = self.pqueues[key]
        # feeds first (their chains are not known yet), then the longest chain
        return (queue.curprio or 0, -len(queue), key)

    def _concurrency_of(self, key: str) -> int:
        return self.concurrency.get(key, self.default_concurrency)

    def waiting_sites(self) -> list[SiteWait]:
        """Sites whose queued requests wait for their delay, the soonest ready first."""
        now = self.clock()
        self._find_middlewares()
        slots = self.crawler.engine.downloader.slots  # type: ignore[union-attr]
        waits = [SiteWait(seconds_until_ready(slots.get(key), now), key, len(queue))
                 for key, queue in self.pqueues.items()]
        return sorted((wait for wait in waits
                       if wait.seconds > self.lead and not self._refused_unsent(wait.site, now)),
                      key=lambda wait: wait.seconds)

    def _refused_unsent(self, key: str, now: float) -> bool:
        """The site's next request will be refused by a middleware without being sent."""
        if self._breaker is not None and self._breaker.is_open(key, now):
            return True
        robots = self._robots
        if isinstance(robots, Rfc9309RobotsTxtMiddleware) and key in robots.unavailable_sites:
            with suppress(NotImplementedError):  # a queue class without peek
                request = self.pqueues[key].peek()
                return request is not None and robots.skips(request)
        return False

    def _pop_from(self, key: str) -> Request | None:
        queue = self.pqueues[key]
        request = queue.pop()
        if request is not None:
            self._count -= 1
        if len(queue) == 0:
            del self.pqueues[key]
            self._placed.pop(key, None)
            self._busy.discard(key)
            queue.close()
            if self.key:
                with suppress(OSError):
                    Path(self.key, path_safe(key)).rmdir()
        return request

    def _outstanding_and_room(self) -> tuple[Counter[str], int]:
        """Requests per site inside the downloader (robots.txt requests and requests still
        waiting for their robots.txt included: the downloader's slots see neither yet), and
        how many more the downloader may start."""
        engine = self.crawler.engine
        assert engine is not None
        active = engine.downloader.active
        outstanding: Counter[str] = Counter()
        for request in active:
            outstanding[assign_site_slot(request).meta[SLOT]] += 1
        not_yet_active = 0
        if self._robots_started:
            robots_active = {urlparse_cached(request).netloc for request in active
                             if request.meta.get(keys.DONT_OBEY_ROBOTSTXT)}
            for netloc, (key, _task) in self._robots_started.items():
                if netloc not in robots_active:  # its task has not reached the downloader yet
                    outstanding[key] += 1
                    not_yet_active += 1
        return outstanding, self.total_concurrency - len(active) - not_yet_active

    # robots.txt first

    def _needs_robots(self, key: str) -> Request | None:
        """The site's next request, if the robots.txt of its host is still to be fetched."""
        self._find_middlewares()
        if self._robots is None:
            return None
        try:
            request = self.pqueues[key].peek()
        except NotImplementedError:  # a queue class without peek: robots.txt as Scrapy does
            return None
        if request is None or request.meta.get(keys.DONT_OBEY_ROBOTSTXT):
            return None
        url = urlparse_cached(request)
        if url.scheme not in ("http", "https"):
            return None
        if url.netloc in self._robots_started or url.netloc in self._robots_tried:
            return None  # (known to RobotsTxtMiddleware some other way: it answers at once)
        return request

    def _fetch_robots(self, request: Request, key: str) -> None:
        task = asyncio.ensure_future(self._robots_for(request))
        self._robots_started[urlparse_cached(request).netloc] = (key, task)

    async def _robots_for(self, request: Request) -> None:
        # robots.txt of a link is fetched only if the link itself may be: the robots.txt
        # request carries nothing of the feed that listed the link, so the address rule
        # (newscrawler/safety/middleware.py) is applied to the link first, as the downloader would.
        try:
            if self._safety is not None and not await self._safety.may_fetch(request):
                return  # handed out, the request is refused by the downloader, as ever
            assert self._robots is not None  # found by _needs_robots
            await self._robots.robot_parser(request)  # keeps the parser, counts failures
        except Exception:
            logger.exception("robots.txt for %s", request.url)
        finally:
            self._ask_engine()

    def _forget_finished_robots(self) -> None:
        for netloc in [n for n, (_, task) in self._robots_started.items() if task.done()]:
            del self._robots_started[netloc]
            self._robots_tried.add(netloc)

    def _find_middlewares(self) -> None:
        if not self._middlewares_found:
            self._robots = self.crawler.get_downloader_middleware(RobotsTxtMiddleware)
            self._safety = self.crawler.get_downloader_middleware(AddressSafetyMiddleware)
            self._breaker = self.crawler.get_downloader_middleware(SiteBreakerMiddleware)
            self._middlewares_found = True

    # waking the engine

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
        self._ask_engine()

    def _ask_engine(self) -> None:
        wake_engine(self.crawler.engine)

