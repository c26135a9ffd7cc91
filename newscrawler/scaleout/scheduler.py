"""The scale-out scheduler: scrapy-redis' scheduler on the shared, site-fair frontier.

:class:`ClusterScheduler` (``SCHEDULER``) batches what the spider yields into Redis, leases
requests from :class:`~newscrawler.scaleout.queue.SiteFairQueue` and acknowledges them when the
engine is done, keeps this worker's lease alive, puts dead workers' requests back, and knows
when the crawl as a whole is over (docs/scaling.md, "How it works").
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING, Any

import redis
from scrapy import signals
from scrapy.utils.asyncio import call_later, create_looping_call
from scrapy_redis.scheduler import Scheduler as RedisScheduler

from newscrawler import keys
from newscrawler._compat import engine_in_progress, engine_is_open, wake_engine
from newscrawler.output.jsonl import last_whole_line
from newscrawler.politeness.slots import SLOT, assign_site_slot
from newscrawler.scaleout.keys import crawl_id, crawl_key, key_prefix, worker_id
from newscrawler.scaleout.politeness import ClusterPolitenessMiddleware
from newscrawler.scaleout.queue import SiteFairQueue, heartbeat_interval
from newscrawler.state.extension import CrawlState
from newscrawler.state.store import article_keys

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

__all__ = ["ClusterScheduler"]

logger = logging.getLogger(__name__)


class ClusterScheduler(RedisScheduler):
    """scrapy-redis' scheduler on a :class:`SiteFairQueue`: leases, heartbeat, end of crawl."""

    crawler: Crawler
    queue: SiteFairQueue
    GIVE_UP = 4  # leases' time without Redis before a worker stops

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ClusterScheduler:
        instance = super().from_crawler(crawler)
        instance.crawler = crawler
        return instance

    def open(self, spider: Spider) -> None:
        super().open(spider)  # builds the queue and the dupefilter, logs "Resuming crawl"
        if not isinstance(self.queue, SiteFairQueue):
            raise ValueError(f"{type(self).__name__} needs SCHEDULER_QUEUE_CLASS = "
                             f"{SiteFairQueue.__module__}.SiteFairQueue")
        settings = spider.settings
        self.worker = worker_id()
        self.crawl = crawl_id(settings)
        self.prefix = key_prefix(settings)
        self.key = crawl_key(settings)
        self.lease_seconds = settings.getfloat("REDIS_LEASE_SECONDS")
        self.crawl_ttl = settings.getint("REDIS_CRAWL_TTL")
        self.leased: dict[str, Request] = {}
        self.unacked: list[str] = []  # lease ids done, not yet acknowledged in Redis
        self.outbox: list[tuple[Request, str, str, float]] = []
        self._flush_call: Any = None
        self.redis_lost_at: float | None = None
        self.last_len = 0
        self._stopping: asyncio.Future[None] | None = None
        self.started = datetime.now(UTC).isoformat(timespec="seconds")
        self.politeness = self.crawler.get_downloader_middleware(ClusterPolitenessMiddleware)
        finished = self.server.get(f"{self.key}:finished")
        if finished:
            logger.warning(
                "crawl %s already finished (%s): this worker will find nothing to do. Start the "
                "next crawl with a new -s CRAWL_ID=... (the default changes every UTC hour)",
                self.crawl, finished.decode() if isinstance(finished, bytes) else finished)
        self._heartbeat(wake=False)  # the engine is not ready to be woken yet
        self._loop = create_looping_call(self._heartbeat)
        self._loop.start(heartbeat_interval(self.lease_seconds), now=False)
        pending, leased = self.queue.pending_and_leased()
        logger.info("crawl %s: worker %s joined the shared frontier (%d requests waiting, %d "
                    "taken by workers)", self.crawl, self.worker, pending, leased)

    def close(self, reason: str) -> None:
        if self._loop.running:
            self._loop.stop()
        try:
            if not self._flush():  # their parents stay leased: another worker redoes them
                self.leased.clear()
            # The engine waited for every request it was given: acknowledge them; anything
            # still unfinished (there should be none) goes back to the frontier.
            self.queue.ack(self.worker, self._done())
            handed_back = self.queue.requeue(self.worker, only_if_dead=False)
            if handed_back:
                logger.info("handed %d unfinished requests back to the frontier", handed_back)
            self.server.delete(f"{self.prefix}:alive:{self.worker}")
            if reason == "finished" and not self.queue.has_work():
                self._mark_finished()
        except redis.RedisError as exc:
            logger.error("could not leave the shared frontier cleanly: %s (the lease expires "
                         "in %.0f s; other workers then take over)", exc, self.lease_seconds)

    def _mark_finished(self) -> None:
        self.server.set(f"{self.key}:finished", datetime.now(UTC).isoformat(timespec="seconds"),
                        ex=self.crawl_ttl)
        logger.info("crawl %s finished: its keys expire in %d s", self.crawl, self.crawl_ttl)

    # Scrapy's scheduler interface

    def enqueue_request(self, request: Request) -> bool:
        """Batched: the requests a callback yields go to Redis in one script call at the end
        of the reactor's turn (or before anything reads the frontier or acknowledges a lease,
        so a parent request is never acknowledged before its children are in Redis). One
        synchronous round trip per request would hold up the reactor while a big feed is
        parsed, and with it the requests it is about to send. A request the dupefilter turns
        out to know gets Scrapy's ``request_dropped`` signal then, as if refused here."""
        site = assign_site_slot(request).meta[SLOT]
        fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
        delay = self.politeness.delay_for(site) if self.politeness is not None else 0.0
        self.outbox.append((request, fingerprint, site, delay))
        if self._flush_call is None:
            self._flush_call = call_later(0, self._flush)
        return True

    def _flush(self) -> bool:
        """Push the outbox; False if Redis failed (the requests stay for the next try)."""
        if self._flush_call is not None:
            self._flush_call.cancel()
            self._flush_call = None
        while self.outbox:
            batch = self.outbox[:500]
            try:
                ids = self.queue.push_many(batch, self.df.key)
            except redis.RedisError as exc:
                logger.error("could not enqueue %d requests in Redis (will retry): %s",
                             len(self.outbox), exc)
                return False
            del self.outbox[:len(batch)]
            for (request, *_), new_id in zip(batch, ids, strict=True):
                if new_id is None:
                    self.df.log(request, self.spider)
                    self.crawler.signals.send_catch_log(signals.request_dropped,
                                                        request=request, spider=self.spider)
                else:
                    self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        if not self._flush():
            return None
        while True:
            acks = self._done()
            try:
                found = self.queue.lease(self.worker, acks)
            except redis.RedisError as exc:
                self.unacked += acks  # acknowledged next time
                self._redis_lost(exc)
                return None
            if found is None:
                return None
            lease_id, payload = found
            try:
                request = self.queue.decode(payload)
            except Exception:
                logger.exception("dropping request %s of the frontier: cannot decode it",
                                 lease_id)
                self.unacked.append(lease_id)
                continue
            self.leased[lease_id] = request
            self.stats.inc_value("scheduler/dequeued/redis")
            return request

    def has_pending_requests(self) -> bool:
        if not self._flush():
            return True
        done = self._done()
        try:
            if done:
                self.queue.ack(self.worker, done)
            # Work leased by OTHER workers counts: it may still add articles to the frontier.
            return self.queue.has_work()
        except redis.RedisError as exc:
            self.unacked += done
            self._redis_lost(exc)
            return True  # unknown: not the end of the crawl

    def __len__(self) -> int:  # the progress line: a guess is better than an error
        with contextlib.suppress(redis.RedisError):
            self.last_len = len(self.queue)
        return self.last_len + len(self.outbox)

    # leases

    def _done(self) -> list[str]:
        """Lease ids of requests the engine no longer has in progress (outcome known)."""
        in_progress = engine_in_progress(self.crawler.engine)
        if in_progress is None:
            return []
        done = [lease_id for lease_id, request in self.leased.items()
                if request not in in_progress]
        for lease_id in done:
            del self.leased[lease_id]
        done += self.unacked  # undecodable, or not acknowledged while Redis was away
        self.unacked = []
        return done

    def _heartbeat(self, wake: bool = True) -> None:
        try:
            info = {"host": socket.gethostname(), "pid": os.getpid(), "started": self.started,
                    "output": _output_path(self.crawler)}
            pipe = self.server.pipeline(transaction=False)
            pipe.set(f"{self.prefix}:alive:{self.worker}", self.started,
                     px=int(self.lease_seconds * 1000))
            pipe.hset(f"{self.key}:workers", self.worker, json.dumps(info))
            for key in self.queue.crawl_keys():  # an abandoned crawl expires by itself
                pipe.expire(key, self.crawl_ttl)
            pipe.execute()
            self._reap()
            if self._flush():
                done = self._done()
                try:
                    self.queue.ack(self.worker, done)
                except redis.RedisError:
                    self.unacked += done
                    raise
            self.redis_lost_at = None
        except redis.RedisError as exc:
            self._redis_lost(exc)
        if wake:
            # new work and the end of the crawl are seen within a heartbeat, not Scrapy's 5 s
            wake_engine(self.crawler.engine)

    def _redis_lost(self, exc: Exception) -> None:
        """Without Redis a worker can neither get work nor know the crawl's end: after
        ``GIVE_UP`` leases' time it stops (its leases expire; other workers take over)."""
        now = monotonic()
        if self.redis_lost_at is None:
            self.redis_lost_at = now
            logger.warning("Redis unreachable: %s", exc)
        elif now - self.redis_lost_at > self.GIVE_UP * self.lease_seconds:
            message = f"Redis unreachable for {now - self.redis_lost_at:.0f} s: worker stopped"
            logger.error(message)
            self.stats.set_value(keys.RUN_FAILED, message)  # the crawl command: exit 1
            self.redis_lost_at = now  # once
            engine = self.crawler.engine
            if engine is not None and engine_is_open(engine):
                self._stopping = asyncio.ensure_future(
                    engine.close_spider_async(reason="redis_unreachable"))

    def _reap(self) -> None:
        workers = {_text(k): _text(v) for k, v in
                   self.server.hgetall(f"{self.key}:workers").items()}
        others = [w for w in workers if w != self.worker]
        if not others:
            return
        pipe = self.server.pipeline(transaction=False)
        for worker in others:
            pipe.exists(f"{self.prefix}:alive:{worker}")
        for worker, alive in zip(others, pipe.execute(), strict=True):
            if alive:
                continue
            self._settle_output(workers[worker])
            requeued = self.queue.requeue(worker, only_if_dead=True)
            if requeued >= 0:
                self.stats.inc_value(f"{keys.CLUSTER}/requeued_from_dead_workers", requeued)
                logger.log(logging.WARNING if requeued else logging.INFO,
                           "worker %s stopped renewing its lease: %d requests it had taken "
                           "went back to the frontier", worker, requeued)

    def _settle_output(self, info_json: str) -> None:
        """Record the dead worker's last JSON line as written, if its file is on this host."""
        try:
            info = json.loads(info_json)
        except ValueError:
            return
        state = CrawlState.of(self.crawler)
        if info.get("host") != socket.gethostname() or not info.get("output") or state is None:
            return
        line = last_whole_line(Path(info["output"]))
        try:
            item = json.loads(line) if line else None
        except ValueError:
            return
        if isinstance(item, dict) and item.get("url"):
            state.store.mark_written(article_keys(item["url"], item.get("feed_url"),
                                                  item.get("entry_id")))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _output_path(crawler: Crawler) -> str | None:
    output = crawler.stats.get_value(keys.OUTPUT) if crawler.stats else None
    return str(Path(output).resolve()) if output else None
