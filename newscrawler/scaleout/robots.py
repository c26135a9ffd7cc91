"""robots.txt fetched once per site and crawl for all workers, not once per worker.

:class:`SharedRobotsTxtMiddleware` replaces the project's robots.txt middleware when scaled out
(docs/scaling.md, "How it works"); it keeps that middleware's RFC 9309 rules.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from time import monotonic
from typing import TYPE_CHECKING

import redis
import redis.asyncio
from scrapy import Request, signals
from scrapy.http import Response

from newscrawler.politeness.robots import Rfc9309RobotsTxtMiddleware
from newscrawler.scaleout.keys import crawl_key, worker_id

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

__all__ = ["SharedRobotsTxtMiddleware"]

logger = logging.getLogger(__name__)


class SharedRobotsTxtMiddleware(Rfc9309RobotsTxtMiddleware):
    """The project's robots.txt middleware, with one fetch per site for all workers of a crawl.

    Otherwise every worker that touches a site fetches its robots.txt: one more request per
    site and worker, each a politeness delay long. The first worker to need it takes a short
    lock (``C:robots-lock:<netloc>``), fetches it and stores status and body in ``C:robots``;
    the others wait for that copy and parse it themselves (the same RFC 9309 rules: a stored
    503 skips the site for every worker; Scrapy's own parser and ``robots_parsed`` signal, so
    Crawl-delay is seen everywhere). A failed fetch is not shared: the next worker tries
    again, as a single process would on its next run.
    """

    POLL = 0.1  # seconds between two looks while another worker fetches

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.client = redis.asyncio.Redis.from_url(str(settings.get("REDIS_URL")),
                                                   socket_timeout=30, socket_connect_timeout=10)
        self.key = f"{crawl_key(settings)}:robots"
        self.ttl = settings.getint("REDIS_CRAWL_TTL")
        self.lock_seconds = settings.getfloat("DOWNLOAD_TIMEOUT") + 10
        self.worker = worker_id()
        crawler.signals.connect(self._spider_closed, signal=signals.spider_closed)

    async def fetch_robots(self, robots_url: str, netloc: str, request: Request) -> None:
        try:
            shared = await self._shared_copy(netloc)
        except redis.RedisError as exc:
            logger.warning("shared robots.txt of %s unavailable: %s", netloc, exc)
            shared = None
        if shared is not None:
            status, body = shared
            self.crawler.stats.inc_value("robotstxt/shared_by_another_worker")
            await self._parse_robots(Response(robots_url, status=status, body=body), netloc,
                                     request)
            return
        try:
            response = await self.download_robots(robots_url)
        except Exception as exc:
            with contextlib.suppress(redis.RedisError):
                await self.client.delete(f"{self.key}-lock:{netloc}")
            self._robots_error(exc, netloc)
            return
        with contextlib.suppress(redis.RedisError):
            pipe = self.client.pipeline(transaction=True)  # stored and unlocked at once
            pipe.hset(self.key, netloc, b"%d\n" % response.status + response.body)
            pipe.expire(self.key, self.ttl)
            pipe.delete(f"{self.key}-lock:{netloc}")
            await pipe.execute()
        await self._parse_robots(response, netloc, request)

    async def _shared_copy(self, netloc: str) -> tuple[int, bytes] | None:
        """Another worker's copy, waiting while one fetches it; None: fetch it yourself."""
        lock = f"{self.key}-lock:{netloc}"
        deadline = monotonic() + self.lock_seconds
        while True:
            stored = await self.client.hget(self.key, netloc)
            if stored is None and await self.client.set(lock, self.worker, nx=True,
                                                        px=int(self.lock_seconds * 1000)):
                # Stored between our look and our lock (the fetcher stores and unlocks at
                # once)? Then use it; else this worker fetches it.
                stored = await self.client.hget(self.key, netloc)
                if stored is None:
                    return None
                await self.client.delete(lock)
            if stored is not None:
                status, _, body = stored.partition(b"\n")
                return int(status), body
            if monotonic() > deadline:
                return None
            await asyncio.sleep(self.POLL)

    async def _spider_closed(self, spider: Spider, reason: str) -> None:
        with contextlib.suppress(redis.RedisError, OSError):
            await self.client.aclose()
