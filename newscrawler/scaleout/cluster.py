"""What the scale-out add-on (:mod:`newscrawler.scaleout.addon`) installs when ``REDIS_URL`` is set.

Every worker is a plain ``scrapy crawl feeds`` process; all they share is one Redis. Key names
below: ``C`` = ``<REDIS_KEY_PREFIX>:crawl:<CRAWL_ID>`` (this crawl), ``P`` = the prefix alone
(shared by all crawls). Sites are the politeness units of the single-process crawl
(``urls.site_key``: registrable domain, or the IP address).

The frontier (:class:`SiteFairQueue`, a scrapy-redis queue class)
    ``C:q:<site>`` sorted set of request ids per site (score: priority, then arrival);
    ``C:req`` hash id -> pickled request; ``C:sites`` sorted set of the sites with waiting
    requests, scored by when the site can next be served (the *ready* time). A worker takes the
    site that has been ready longest, its best request, and moves the site's ready time one
    delay on: requests are handed out round-robin over the sites that can be served now, so a
    site with 10,000 articles cannot fill the downloaders while 200 small sites wait. None of
    scrapy-redis' own queues does this: FIFO/LIFO hand out a big feed's articles in one block,
    and the priority queue orders equal priorities by the pickled bytes, which begin with the
    pickle's length: at random, so the site with most requests holds most downloader places,
    each request waiting there for the site's delay (bench/scaleout.py, scenario "fair").
    Sites whose next allowed start (``P:polite:<site>``, see below) is further away than the
    look-ahead are skipped, so waiting requests stay in Redis where any worker can take them.
    Enqueueing is one Lua script: ``SADD`` to the crawl's dupefilter and push happen atomically,
    so a request is either filtered or pending, never in between (batched: one call for all
    the requests a callback yields).

Leases: no lost work when a worker is killed
    Taking a request moves its id to ``C:leased`` (id -> worker, site, score) instead of
    deleting it. The worker acknowledges (deletes) the lease once Scrapy's engine is done with
    the request: downloaded, parsed, its items through the pipelines (written or dropped), its
    follow-up requests enqueued, or failed for good -- the engine's own in-progress set tells.
    A worker proves it is alive by renewing ``P:alive:<worker>`` (TTL ``REDIS_LEASE_SECONDS``)
    every few seconds; any worker that finds another's key expired puts that worker's leased
    requests back into the frontier (one Lua script, so two reapers cannot both do it). Before
    that, a reaper on the same host records the dead worker's last JSON line as written (a kill
    between "line flushed" and "article recorded" would otherwise make it a duplicate), and
    :class:`ClusterDedupePipeline` drops an article already written in this crawl, which a
    re-queued request can produce. A worker stopped by Ctrl-C hands back what it still holds.

The end of the crawl
    A worker's scheduler reports pending work while the frontier is non-empty or *any* worker
    holds a lease: a worker whose queue ran dry waits while others still process requests that
    may add articles, and all workers stop once the frontier is empty and nothing is leased.
    The scheduler wakes the engine at every heartbeat so that new work and the end are seen
    within a second, not Scrapy's 5 s. A worker that finishes so stores its feeds' validators
    (the whole crawl is done) and marks the crawl finished (``C:finished``).

Politeness across workers (:class:`ClusterPolitenessMiddleware`)
    The per-site rule of the single-process crawl (start two requests to a site at least
    ``delay_for(site)`` apart, at most ``CONCURRENT_REQUESTS_PER_DOMAIN`` in flight, a
    ``Retry-After`` pauses the site, a 429 doubles its delay) is a *reservation* in Redis,
    made right before the request is sent. A Lua script reads the server's ``TIME`` (the
    workers' clocks do not matter) and grants the request if the site has a free place and its
    ``next`` start time has passed, then sets ``next = now + delay`` and records the hold;
    otherwise it answers how long to wait, and the request sleeps (``asyncio.sleep``: other
    sites' requests go on). When the granted request enters the downloader slot, i.e. is sent,
    a second script moves ``next`` on to ``now + delay`` if that is later: a reactor that was
    busy between grant and send (parsing a feed, say) cannot shorten the gap to the next
    request. Holds are released when the response (or error) comes back, and ignored once
    their worker's alive key has expired. A 429/503 moves ``next`` to ``now + Retry-After``
    for every worker, and the doubled delay of the worker that saw it is shared
    (``backoff``): every worker spaces its starts by the larger delay, which recovers a little
    at each start, like the local one. The reservation is the only clock: the worker's own
    Scrapy slot keeps no delay of its own (a second wait after the grant, which the other
    workers cannot see, would let them start too early). robots.txt is fetched once per site
    and crawl for all workers (:class:`SharedRobotsTxtMiddleware`).

Redis away
    A worker keeps what it could not enqueue or acknowledge and retries at every heartbeat;
    after four leases' time without Redis it stops (exit status 1).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
from collections.abc import Coroutine
from datetime import UTC, datetime
from itertools import count
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING, Any

import redis
import redis.asyncio
from itemadapter import ItemAdapter
from scrapy import Request, signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import DropItem, IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.asyncio import call_later, create_looping_call
from scrapy.utils.defer import maybe_deferred_to_future as maybe_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy_redis.queue import Base as RedisQueueBase
from scrapy_redis.scheduler import Scheduler as RedisScheduler
from twisted.internet.defer import Deferred

from newscrawler import keys
from newscrawler.output.jsonl import last_whole_line
from newscrawler.politeness.rules import is_rate_limited
from newscrawler.politeness.slots import SLOT, SitePolitenessMiddleware, assign_site_slot
from newscrawler.scaleout.keys import crawl_id, crawl_key, key_prefix, worker_id
from newscrawler.scaleout.state import RedisState
from newscrawler.state.extension import CrawlState
from newscrawler.state.store import article_keys

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.robotstxt import RobotParser

__all__ = ["ClusterDedupePipeline", "ClusterPolitenessMiddleware", "ClusterScheduler",
           "SharedPoliteness", "SharedRobotsTxtMiddleware", "SiteFairQueue"]

logger = logging.getLogger(__name__)
STATS = keys.CLUSTER

# KEYS: none (names are built from ARGV[1], the crawl prefix C: one Redis, not Redis Cluster).
# ARGV: C, dupefilter key, key TTL, then 5 values per request: fingerprint ('' = do not
# filter), site, priority, payload, delay. Returns one id per request, 0 when the dupefilter
# had seen it.
PUSH = r"""
local C, ttl = ARGV[1], ARGV[3]
local out = {}
for i = 4, #ARGV, 5 do
  local fp, site = ARGV[i], ARGV[i + 1]
  if fp ~= '' and redis.call('SADD', ARGV[2], fp) == 0 then
    table.insert(out, 0)
  else
    local id = redis.call('INCR', C .. ':seq')
    local score = -tonumber(ARGV[i + 2]) * 4294967296 + id
    redis.call('HSET', C .. ':req', id, ARGV[i + 3])
    redis.call('ZADD', C .. ':q:' .. site, string.format('%.17g', score), id)
    redis.call('EXPIRE', C .. ':q:' .. site, ttl)
    redis.call('INCR', C .. ':pending')
    redis.call('HSET', C .. ':gap', site, ARGV[i + 4])
    if not redis.call('ZSCORE', C .. ':sites', site) then
      redis.call('ZADD', C .. ':sites', redis.call('HGET', C .. ':ready', site) or '0', site)
    end
    table.insert(out, id)
  end
end
if #out > 0 then redis.call('DEL', C .. ':finished') end
return out
"""

# ARGV: C, P, worker, look-ahead seconds, then ids this worker is done with (acknowledged
# first). Returns {id, payload} of the leased request, or false when no site can be served
# within the look-ahead.
LEASE = r"""
local C, P, worker, ahead = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local mine = worker .. '\t'
for i = 5, #ARGV do
  local v = redis.call('HGET', C .. ':leased', ARGV[i])
  if v and string.sub(v, 1, #mine) == mine then
    redis.call('HDEL', C .. ':leased', ARGV[i])
    redis.call('HDEL', C .. ':req', ARGV[i])
  end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local sites = C .. ':sites'
for _ = 1, 64 do
  local head = redis.call('ZRANGEBYSCORE', sites, '-inf', now + ahead, 'WITHSCORES', 'LIMIT', 0, 1)
  if #head == 0 then return false end
  local site, ready = head[1], tonumber(head[2])
  local q = C .. ':q:' .. site
  local nxt = tonumber(redis.call('HGET', P .. ':polite:' .. site, 'next') or '0')
  if nxt > now + ahead then
    redis.call('ZADD', sites, string.format('%.17g', nxt), site)   -- paused (Retry-After)
  else
    local popped = redis.call('ZPOPMIN', q)
    if #popped == 0 then
      redis.call('ZREM', sites, site)
    else
      local id = popped[1]
      redis.call('DECR', C .. ':pending')
      redis.call('HSET', C .. ':leased', id, mine .. site .. '\t' .. popped[2])
      local gap = tonumber(redis.call('HGET', C .. ':gap', site) or '0')
      local later = string.format('%.17g', math.max(ready, now, nxt) + gap)
      if redis.call('EXISTS', q) == 1 then
        redis.call('ZADD', sites, later, site)
      else
        redis.call('ZREM', sites, site)
        redis.call('HSET', C .. ':ready', site, later)
      end
      return {id, redis.call('HGET', C .. ':req', id)}
    end
  end
end
return false
"""

# ARGV: C, worker, P when only a DEAD worker's leases may be taken ('' = own, at close), key
# TTL. Puts the worker's leased requests back in the frontier, forgets the worker; returns how
# many requests went back, or -1 when the worker turned out to be alive.
REQUEUE = r"""
local C, w = ARGV[1], ARGV[2]
if ARGV[3] ~= '' and redis.call('EXISTS', ARGV[3] .. ':alive:' .. w) == 1 then return -1 end
local leased = redis.call('HGETALL', C .. ':leased')
local n = 0
for i = 1, #leased, 2 do
  local owner, site, score = string.match(leased[i + 1], '^([^\t]*)\t([^\t]*)\t(.*)$')
  if owner == w then
    local id = leased[i]
    redis.call('HDEL', C .. ':leased', id)
    redis.call('ZADD', C .. ':q:' .. site, score, id)
    redis.call('EXPIRE', C .. ':q:' .. site, ARGV[4])
    redis.call('INCR', C .. ':pending')
    if not redis.call('ZSCORE', C .. ':sites', site) then
      redis.call('ZADD', C .. ':sites', redis.call('HGET', C .. ':ready', site) or '0', site)
    end
    n = n + 1
  end
end
redis.call('HDEL', C .. ':workers', w)
return n
"""

# KEYS: P:polite:<site> (hash: next start, shared back-off delay), P:holds:<site> (sorted set
# token -> deadline). ARGV: token ("<worker>|<n>"), delay, places (0 = no limit), hold deadline
# seconds, alive-key prefix, poll seconds, the site's normal delay (floor), back-off recovery.
# Returns {1, delay used} when granted, else {0, seconds to wait}.
ACQUIRE = r"""
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local delay, places = tonumber(ARGV[2]), tonumber(ARGV[3])
local nxt = tonumber(redis.call('HGET', KEYS[1], 'next') or '0')
if places > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  local live = 0
  for _, token in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
    local w = string.match(token, '^(.*)|[^|]*$')
    if w and redis.call('EXISTS', ARGV[5] .. w) == 1 then
      live = live + 1
    else
      redis.call('ZREM', KEYS[2], token)   -- its worker is dead
    end
  end
  if live >= places then
    return {0, string.format('%.6f', math.max(nxt - now, tonumber(ARGV[6])))}
  end
end
if nxt > now then return {0, string.format('%.6f', nxt - now)} end
local shared = tonumber(redis.call('HGET', KEYS[1], 'backoff') or '0')
if shared > 0 then
  -- another worker was told to slow down: every worker does; each start recovers a little
  local floor, recovery = tonumber(ARGV[7]), tonumber(ARGV[8])
  delay = math.max(delay, shared)
  local after = math.max(floor, shared - (shared - floor) * recovery)
  if after <= floor + 0.01 then
    redis.call('HDEL', KEYS[1], 'backoff')
  else
    redis.call('HSET', KEYS[1], 'backoff', string.format('%.6f', after))
  end
end
redis.call('HSET', KEYS[1], 'next', string.format('%.17g', now + delay))
redis.call('PEXPIRE', KEYS[1], math.floor((delay + 3600) * 1000))
if places > 0 then
  redis.call('ZADD', KEYS[2], string.format('%.17g', now + tonumber(ARGV[4])), ARGV[1])
  redis.call('PEXPIRE', KEYS[2], math.floor((tonumber(ARGV[4]) + 60) * 1000))
end
return {1, string.format('%.6f', delay)}
"""

# KEYS: P:polite:<site>. ARGV: delay. The granted request is being sent now: the next start is
# counted from now, not from the grant (a busy reactor may send a request late).
CONFIRM = r"""
local t = redis.call('TIME')
local later = tonumber(t[1]) + tonumber(t[2]) / 1000000 + tonumber(ARGV[1])
if later > tonumber(redis.call('HGET', KEYS[1], 'next') or '0') then
  redis.call('HSET', KEYS[1], 'next', string.format('%.17g', later))
end
return 1
"""

# KEYS: P:polite:<site>. ARGV: delay. A 429 made some worker double its delay: share it.
BACK_OFF = r"""
if tonumber(ARGV[1]) > tonumber(redis.call('HGET', KEYS[1], 'backoff') or '0') then
  redis.call('HSET', KEYS[1], 'backoff', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], math.floor((tonumber(ARGV[1]) + 3600) * 1000))
end
return 1
"""

# KEYS: P:polite:<site>. ARGV: seconds. Nobody starts a request to the site before now + seconds.
PAUSE = r"""
local t = redis.call('TIME')
local until_ = tonumber(t[1]) + tonumber(t[2]) / 1000000 + tonumber(ARGV[1])
if until_ > tonumber(redis.call('HGET', KEYS[1], 'next') or '0') then
  redis.call('HSET', KEYS[1], 'next', string.format('%.17g', until_))
  redis.call('PEXPIRE', KEYS[1], math.floor((tonumber(ARGV[1]) + 3600) * 1000))
end
return string.format('%.6f', until_)
"""


def heartbeat_interval(lease: float) -> float:
    """Seconds between two heartbeats: a few per lease, at most one a second."""
    return max(0.05, min(1.0, lease / 4))


# -- the frontier ---------------------------------------------------------------------------

class SiteFairQueue(RedisQueueBase):
    """scrapy-redis queue class: per-site queues served round-robin, requests on leases.

    ``key`` is the crawl prefix ``C`` (``SCHEDULER_QUEUE_KEY``). ``push``/``pop`` keep the
    scrapy-redis interface (``pop`` leases to this process's worker id); the cluster scheduler
    uses :meth:`push_unique`, :meth:`lease`, :meth:`ack` and :meth:`requeue`.
    """

    def __init__(self, server: redis.Redis, spider: Spider, key: str,
                 serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        settings = spider.settings
        self.prefix = key_prefix(settings)
        self.ahead = 2 * heartbeat_interval(settings.getfloat("REDIS_LEASE_SECONDS", 30.0))
        self.ttl = settings.getint("REDIS_CRAWL_TTL", 7 * 24 * 3600)
        self._push = server.register_script(PUSH)
        self._lease = server.register_script(LEASE)
        self._requeue = server.register_script(REQUEUE)

    def __len__(self) -> int:
        return int(self.server.get(f"{self.key}:pending") or 0)

    def push(self, request: Request) -> None:
        site = assign_site_slot(request).meta[SLOT]
        self.push_unique(request, "", "", site, 0.0)

    def push_unique(self, request: Request, fingerprint: str, dupefilter_key: str, site: str,
                    delay: float) -> int | None:
        """Enqueue unless ``fingerprint`` is in ``dupefilter_key`` (checked and added at once)."""
        return self.push_many([(request, fingerprint, site, delay)], dupefilter_key)[0]

    def push_many(self, batch: list[tuple[Request, str, str, float]], dupefilter_key: str
                  ) -> list[int | None]:
        """:meth:`push_unique` for (request, fingerprint, site, delay) tuples, one round trip."""
        args: list[Any] = [self.key, dupefilter_key, self.ttl]
        for request, fingerprint, site, delay in batch:
            args += [fingerprint, site, int(request.priority), self._encode_request(request),
                     delay]
        return [int(new_id) or None for new_id in self._push(args=args)]

    def lease(self, worker: str, acks: list[str]) -> tuple[str, bytes] | None:
        """Acknowledge ``acks``, then lease the next request: (id, payload) or None."""
        found = self._lease(args=[self.key, self.prefix, worker, self.ahead, *acks])
        if not found:
            return None
        lease_id, payload = found
        return lease_id.decode() if isinstance(lease_id, bytes) else str(lease_id), payload

    def decode(self, payload: bytes) -> Request:
        return self._decode_request(payload)

    def pop(self, timeout: int = 0) -> Request | None:
        found = self.lease(worker_id(), [])
        return None if found is None else self.decode(found[1])

    def ack(self, worker: str, ids: list[str]) -> None:
        if ids:
            # A lease call that finds nothing to hand out only acknowledges.
            self._lease(args=[self.key, self.prefix, worker, -1e12, *ids])

    def requeue(self, worker: str, *, only_if_dead: bool) -> int:
        return int(self._requeue(args=[self.key, worker, self.prefix if only_if_dead else "",
                                       self.ttl]))

    def pending_and_leased(self) -> tuple[int, int]:
        pipe = self.server.pipeline(transaction=False)
        pipe.get(f"{self.key}:pending")
        pipe.hlen(f"{self.key}:leased")
        pending, leased = pipe.execute()
        return int(pending or 0), int(leased or 0)

    def has_work(self) -> bool:
        return any(self.pending_and_leased())

    def crawl_keys(self) -> list[str]:
        return [f"{self.key}:{name}" for name in (
            "seq", "req", "sites", "ready", "gap", "pending", "leased", "workers", "dupefilter",
            "written", "finished")]

    def clear(self) -> None:
        sites = self.server.zrange(f"{self.key}:sites", 0, -1)
        self.server.delete(*self.crawl_keys(),
                           *(f"{self.key}:q:{s.decode() if isinstance(s, bytes) else s}"
                             for s in sites))


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
        slot = getattr(self.crawler.engine, "_slot", None)
        in_progress = getattr(slot, "inprogress", None)  # Scrapy's engine: no public API
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
            self._wake_engine()

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
            if engine is not None and getattr(engine, "_slot", None) is not None:
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
                self.stats.inc_value(f"{STATS}/requeued_from_dead_workers", requeued)
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

    def _wake_engine(self) -> None:
        """Let the engine ask for requests now rather than at its next 5 s heartbeat."""
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None and slot.closing is None:
            slot.nextcall.schedule()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _output_path(crawler: Crawler) -> str | None:
    output = crawler.stats.get_value(keys.OUTPUT) if crawler.stats else None
    return str(Path(output).resolve()) if output else None


class ClusterDedupePipeline:
    """Drop an article another worker (or this one) already wrote in this crawl.

    A request re-queued from a killed worker may have had its article written just before the
    kill; fetching it again is harmless, writing it twice is not. Runs just before the writer.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        state = CrawlState.of(crawler)
        if state is None or not isinstance(state.store, RedisState):
            raise NotConfigured("ClusterDedupePipeline needs the Redis state store "
                                "(STATE_STORE, set by the scale-out add-on)")
        self.store: RedisState = state.store

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ClusterDedupePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        if self.store.written_in_crawl(article_keys(
                adapter["url"], adapter.get("feed_url"), adapter.get("entry_id"))):
            self.crawler.stats.inc_value(f"{keys.DROPPED}/written by another worker")
            raise DropItem(f"already written in this crawl: {adapter['url']}", log_level="INFO")
        return item


# -- politeness across workers --------------------------------------------------------------

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
        self._acquire = self.client.register_script(ACQUIRE)
        self._pause = self.client.register_script(PAUSE)
        self._back_off = self.client.register_script(BACK_OFF)
        self._confirm = self.client.register_script(CONFIRM)

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
            self.crawler.stats.inc_value(f"{STATS}/politeness_waits")
            self.crawler.stats.inc_value(f"{STATS}/politeness_wait_seconds", round(waited, 3))

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
