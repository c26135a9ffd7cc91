"""The shared frontier in Redis: per-site queues served round-robin, requests handed out on leases.

:class:`SiteFairQueue` is the scrapy-redis queue class (``SCHEDULER_QUEUE_CLASS``) the
scale-out add-on installs; its keys and why it is fair are in docs/scaling.md, "How it works".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy_redis.queue import Base as RedisQueueBase

from newscrawler.politeness.slots import SLOT, assign_site_slot
from newscrawler.scaleout.keys import key_prefix, worker_id
from newscrawler.scaleout.scripts import lua_script

if TYPE_CHECKING:
    import redis
    from scrapy import Request, Spider

__all__ = ["SiteFairQueue", "heartbeat_interval"]


def heartbeat_interval(lease: float) -> float:
    """Seconds between two heartbeats: a few per lease, at most one a second."""
    return max(0.05, min(1.0, lease / 4))


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
        # A site whose next start is further away than two heartbeats stays in Redis, where
        # whichever worker is free by then can take its requests.
        self.ahead = 2 * heartbeat_interval(settings.getfloat("REDIS_LEASE_SECONDS", 30.0))
        self.ttl = settings.getint("REDIS_CRAWL_TTL", 7 * 24 * 3600)
        self._push = server.register_script(lua_script("push"))
        self._lease = server.register_script(lua_script("lease"))
        self._requeue = server.register_script(lua_script("requeue"))

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
