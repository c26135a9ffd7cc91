"""robots.txt fetched once per site and crawl for all workers, not once per worker.

:class:`SharedRobotsTxtMiddleware` replaces Scrapy's ``RobotsTxtMiddleware`` when scaled out
(docs/scaling.md, "How it works").
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
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future as maybe_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from newscrawler import keys
from newscrawler.scaleout.keys import crawl_key, worker_id

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.robotstxt import RobotParser

__all__ = ["SharedRobotsTxtMiddleware"]

logger = logging.getLogger(__name__)


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with one fetch per site for all workers of a crawl.

    Otherwise every worker that touches a site fetches its robots.txt: one more request per
    site and worker, each a politeness delay long. The first worker to need it takes a short
    lock (``C:robots-lock:<netloc>``), fetches it as Scrapy does and stores status and body in
    ``C:robots``; the others wait for that copy and parse it themselves (Scrapy's own parser and
    ``robots_parsed`` signal, so Crawl-delay is seen everywhere). A failed fetch is not shared:
    the next worker tries again, as a single process would on its next run.
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

    async def robot_parser(self, request: Request) -> RobotParser | None:
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc not in self._parsers:
            self._parsers[netloc] = Deferred()  # this worker's other requests wait on it
            robots_url = f"{url.scheme}://{netloc}/robots.txt"
            try:
                shared = await self._shared_copy(netloc)
            except redis.RedisError as exc:
                logger.warning("shared robots.txt of %s unavailable: %s", netloc, exc)
                shared = None
            if shared is not None:
                status, body = shared
                self._stats.inc_value("robotstxt/shared_by_another_worker")
                response = Response(robots_url, status=status, body=body)
                await self._parse_robots(response, netloc, request)
            else:
                await self._fetch(robots_url, netloc, request)
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            return await maybe_future(parser)
        return parser

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

    async def _fetch(self, robots_url: str, netloc: str, request: Request) -> None:
        """What Scrapy's ``robot_parser`` does on a miss, plus sharing the result."""
        robots_request = Request(robots_url, priority=self.DOWNLOAD_PRIORITY,
                                 meta={keys.DONT_OBEY_ROBOTSTXT: True}, callback=NO_CALLBACK)
        try:
            response = await self.crawler.engine.download_async(robots_request)
            with contextlib.suppress(redis.RedisError):
                pipe = self.client.pipeline(transaction=True)  # stored and unlocked at once
                pipe.hset(self.key, netloc, b"%d\n" % response.status + response.body)
                pipe.expire(self.key, self.ttl)
                pipe.delete(f"{self.key}-lock:{netloc}")
                await pipe.execute()
            await self._parse_robots(response, netloc, request)
        except Exception as exc:
            with contextlib.suppress(redis.RedisError):
                await self.client.delete(f"{self.key}-lock:{netloc}")
            if not isinstance(exc, IgnoreRequest):
                logger.error("Error downloading %(request)s: %(f_exception)s",
                             {"request": request, "f_exception": exc}, exc_info=True,
                             extra={"spider": self.crawler.spider})
            self._robots_error(exc, netloc)
        self._stats.inc_value("robotstxt/request_count")

    async def _spider_closed(self, spider: Spider, reason: str) -> None:
        with contextlib.suppress(redis.RedisError, OSError):
            await self.client.aclose()
