"""Per-site politeness held across all workers: atomic reservations in Redis before each send.

:class:`ClusterPolitenessMiddleware` takes the place of the single-process
:class:`~newscrawler.politeness.slots.SitePolitenessMiddleware`; :class:`SharedPoliteness` is
its Redis side. The rule and how the reservation keeps it are in docs/scaling.md, "How it works".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from itertools import count
from time import monotonic
from typing import TYPE_CHECKING, Any

import redis
import redis.asyncio
from scrapy import signals

from newscrawler import keys
from newscrawler.politeness.rules import is_rate_limited
from newscrawler.politeness.slots import SLOT, SitePolitenessMiddleware, assign_site_slot
from newscrawler.scaleout.keys import key_prefix, worker_id
from newscrawler.scaleout.scripts import lua_script

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

__all__ = ["ClusterPolitenessMiddleware", "SharedPoliteness"]

logger = logging.getLogger(__name__)


class SharedPoliteness:
    """Atomic per-site reservations in Redis (asyncio client: the reactor never blocks)."""

    POLL = 0.05  # seconds between two tries while the site has no free place

    def __init__(self, url: str, prefix: str, worker: str, hold_seconds: float) -> None:
        self.client = redis.asyncio.Redis.from_url(url, socket_timeout=30,
                                                   socket_connect_timeout=10)
        self.prefix = prefix
        self.worker = worker
        self.hold_seconds = hold_seconds
        self.tokens = count(1)
        self._acquire = self.client.register_script(lua_script("acquire"))
        self._pause = self.client.register_script(lua_script("pause"))
        self._back_off = self.client.register_script(lua_script("back_off"))
        self._confirm = self.client.register_script(lua_script("confirm"))

    def keys(self, site: str) -> list[str]:
        return [f"{self.prefix}:polite:{site}", f"{self.prefix}:holds:{site}"]

    async def acquire(self, site: str, delay: float, places: int, *, floor: float = 0.0,
                      recovery: float = 0.0) -> tuple[str, float, float]:
        """Wait until ``site`` may get a request from us.

        ``delay``: this worker's delay for the site (a shared back-off may make it longer);
        ``floor`` and ``recovery``: how the shared back-off returns to normal. Returns the hold
        token, the delay the reservation used and the seconds waited.
        """
        token = f"{self.worker}|{next(self.tokens)}"
        started = monotonic()
        while True:
            granted, value = await self._acquire(
                keys=self.keys(site),
                args=[token, delay, places, self.hold_seconds, f"{self.prefix}:alive:",
                      self.POLL, floor, recovery])
            if int(granted):
                return token, float(value), monotonic() - started
            await asyncio.sleep(float(value))

    async def confirm(self, site: str, delay: float) -> None:
        """The granted request is going out now: no other start before now + ``delay``."""
        await self._confirm(keys=self.keys(site)[:1], args=[delay])

    async def release(self, site: str, token: str) -> None:
        await self.client.zrem(self.keys(site)[1], token)

    async def pause(self, site: str, seconds: float) -> None:
        await self._pause(keys=self.keys(site)[:1], args=[seconds])

    async def back_off(self, site: str, delay: float) -> None:
        await self._back_off(keys=self.keys(site)[:1], args=[delay])

    async def close(self) -> None:
        await self.client.aclose()


class ClusterPolitenessMiddleware(SitePolitenessMiddleware):
    """The single-process politeness middleware, plus the same rule held across all workers.

    Takes the place of :class:`~newscrawler.politeness.slots.SitePolitenessMiddleware` in
    ``DOWNLOADER_MIDDLEWARES`` (same priority, 570). The base class still decides the site's
    slot and its delay (configured, Crawl-delay, back-off); ``process_request`` waits for a
    cluster-wide reservation with that delay, ``Retry-After`` and back-off reach every
    worker, and the local slot's own delay is zeroed: one clock, in Redis.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        lease = settings.getfloat("REDIS_LEASE_SECONDS")
        self.shared = SharedPoliteness(
            str(settings.get("REDIS_URL")), key_prefix(settings), worker_id(),
            hold_seconds=settings.getfloat("DOWNLOAD_TIMEOUT") + lease)
        self.places = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        self.connect_margin = settings.getfloat("POLITENESS_NEW_CONNECTION_MARGIN", 0.0)
        self.connected: set[str] = set()  # sites this worker has sent a request to
        self.held: dict[Request, tuple[str, str]] = {}
        self.granted: dict[Request, float] = {}  # delay of a granted request not yet sent
        self._tasks: set[asyncio.Task[None]] = set()
        crawler.signals.connect(self._confirm_start, signal=signals.request_reached_downloader)
        crawler.signals.connect(self._release_request, signal=signals.request_left_downloader)
        crawler.signals.connect(self._spider_closed, signal=signals.spider_closed)

    async def process_request(self, request: Request) -> None:
        site = assign_site_slot(request).meta[SLOT]
        places = int(self.per_slot.get(site, {}).get("concurrency", self.places))
        token, delay, waited = await self.shared.acquire(
            site, self.delay_for(site), places, floor=self.floor_for(site),
            recovery=self.recovery)
        self.held[request] = (site, token)
        self.granted[request] = delay
        if waited > 0.001:
            self.crawler.stats.inc_value(f"{keys.CLUSTER}/politeness_waits")
            self.crawler.stats.inc_value(f"{keys.CLUSTER}/politeness_wait_seconds",
                                         round(waited, 3))

    def process_response(self, request: Request, response: Response) -> Response:
        self._release_request(request)  # a response a later middleware made up (cache)
        response = super().process_response(request, response)
        if is_rate_limited(response):  # the base class doubled our delay: every worker's
            site = request.meta[SLOT]
            self._spawn(self.shared.back_off(site, self.delay_for(site)))
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        self._release_request(request)  # a later middleware refused it: never sent
        return None

    def _confirm_start(self, request: Request, **_: Any) -> None:
        """The request enters its downloader slot, to be sent at once.

        The shared reservation is the only clock: the local slot's own delay (set by the base
        class, whose handler of this signal runs first) would make the request wait a second
        time, after its reservation, and the other workers could not see that wait; so it is
        zeroed. The start is then confirmed in Redis, however late the reactor got here after
        the grant; the first request this worker sends to a site also has to open a
        connection, hence ``POLITENESS_NEW_CONNECTION_MARGIN`` on top, as in one process.
        """
        key = request.meta.get(SLOT)
        slot = self._slot(key)
        if slot is not None:
            slot.delay = 0.0
        delay = self.granted.pop(request, None)
        if delay and key is not None:
            if key not in self.connected:
                self.connected.add(key)
                delay += self.connect_margin
            self._spawn(self.shared.confirm(key, delay))

    def _release_request(self, request: Request, **_: Any) -> None:
        self.granted.pop(request, None)
        held = self.held.pop(request, None)
        if held is not None:
            self._spawn(self.shared.release(*held))

    def _pause_slot(self, key: str, seconds: float) -> None:
        super()._pause_slot(key, seconds)
        self._spawn(self.shared.pause(key, seconds))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.warning("shared politeness: %s", task.exception())

    async def _spider_closed(self, spider: Spider, reason: str) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(redis.RedisError, OSError):
            await self.shared.close()
