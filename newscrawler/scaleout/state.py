"""The crawler's memory in Redis, shared by every worker of a scaled-out crawl.

Same rules as :class:`newscrawler.state.store.SQLiteState` (see that module): an article is recorded
after its JSON line is flushed, validators are stored only when the run finishes cleanly. Keys
(``P`` = ``REDIS_KEY_PREFIX``; inspect them with ``redis-cli``):

* ``P:state:written`` -- set of article keys (``url:<canonical url>``, ``id:<feed url> <guid>``)
  written by any worker of any crawl: a feed entry found there is not requested again;
* ``P:state:written_at`` -- sorted set of the same keys -> unix time written: what
  ``STATE_RETENTION_DAYS`` forgets is one ``ZRANGEBYSCORE`` (a set member has no TTL of its
  own; keys written before this index existed are kept);
* ``P:state:feeds`` -- hash feed URL -> JSON ``{"etag", "last_modified", "updated_at"}``;
* ``P:state:sources`` -- hash source URL -> JSON of its schedule and health (the fields of
  ``newscrawler.schedule.record.SourceRecord``), saved with the validators' rule;
* ``P:state:due`` -- sorted set source URL -> next due time (unix seconds): the due ones are
  one ``ZRANGEBYSCORE``; a worker claims the due ones of a batch by moving them
  ``POLL_MIN_INTERVAL`` on (``lua/claim_due.lua``), so that one worker polls each;
* ``P:crawl:<CRAWL_ID>:written`` -- the same keys, for this crawl only: what
  the cluster's ``ClusterDedupePipeline`` checks so that a request re-queued from a
  killed worker cannot write its article twice.

Every call is one short round trip on the reactor thread, like scrapy-redis' own scheduler
(sub-millisecond on a LAN); nothing here waits on anything but Redis itself.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from newscrawler.errors import ConfigError
from newscrawler.scaleout.keys import check_settings, crawl_key, key_prefix, redacted
from newscrawler.scaleout.scripts import lua_script
from newscrawler.schedule.record import SourceRecord, from_row, to_row
from newscrawler.state.store import FeedValidators

try:
    import redis
except ImportError:  # pragma: no cover - the redis extra is not installed
    redis = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from scrapy.settings import BaseSettings

__all__ = ["RedisState"]

MIN_VERSION = (6, 2)  # SMISMEMBER


class RedisState:
    """:class:`~newscrawler.state.store.StateStore` in Redis: ``STATE_STORE`` when scaled out."""

    def __init__(self, settings: BaseSettings) -> None:
        url = str(settings.get("REDIS_URL"))
        if redis is None:
            raise ConfigError("REDIS_URL needs the redis extra: pip install 'newscrawler[redis]'")
        check_settings(settings)  # opened first by the crawl command's validation: fail fast
        prefix = key_prefix(settings)
        self.written_key = f"{prefix}:state:written"
        self.written_at_key = f"{prefix}:state:written_at"
        self.feeds_key = f"{prefix}:state:feeds"
        self.sources_key = f"{prefix}:state:sources"
        self.due_key = f"{prefix}:state:due"
        self.crawl_written_key = f"{crawl_key(settings)}:written"
        try:
            self.client = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10,
                                               retry_on_timeout=True)
            version = str(self.client.info("server").get("redis_version", "0"))
        except (redis.RedisError, ValueError) as exc:
            raise ConfigError(f"cannot use REDIS_URL {redacted(url)}: {exc}") from None
        numbers = tuple(int(part) for part in version.split(".")[:2] if part.isdigit())
        if numbers < MIN_VERSION:
            self.client.close()
            raise ConfigError(f"Redis at {redacted(url)} is version {version}; scaling out "
                              f"needs {'.'.join(map(str, MIN_VERSION))} or later")
        self.pending: dict[str, FeedValidators] = {}
        self._claim_due = self.client.register_script(lua_script("claim_due"))

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> RedisState:
        return cls(settings)

    def is_written(self, keys: list[str]) -> bool:
        return any(self.client.smismember(self.written_key, keys))

    def written_in_crawl(self, keys: list[str]) -> bool:
        """Written by some worker of THIS crawl (``recrawl=1`` does not change that)."""
        return any(self.client.smismember(self.crawl_written_key, keys))

    def mark_written(self, keys: list[str]) -> None:
        pipe = self.client.pipeline(transaction=True)
        pipe.sadd(self.written_key, *keys)
        pipe.zadd(self.written_at_key, dict.fromkeys(keys, time.time()))
        pipe.sadd(self.crawl_written_key, *keys)
        pipe.execute()

    def prune_written(self, before: float, batch: int) -> int:
        forgotten = 0
        while True:
            old = self.client.zrangebyscore(self.written_at_key, "-inf", f"({before!r}",
                                            start=0, num=batch)
            if old:
                pipe = self.client.pipeline(transaction=True)
                pipe.srem(self.written_key, *old)
                pipe.zrem(self.written_at_key, *old)
                pipe.execute()
            forgotten += len(old)
            if len(old) < batch:
                return forgotten

    def validators(self, feed_url: str) -> FeedValidators:
        raw = self.client.hget(self.feeds_key, feed_url)
        if not raw:
            return FeedValidators()
        try:
            stored = json.loads(raw)
        except ValueError:
            return FeedValidators()
        return FeedValidators(stored.get("etag"), stored.get("last_modified"))

    def remember_validators(self, feed_url: str, validators: FeedValidators) -> None:
        self.pending[feed_url] = validators

    def commit_validators(self) -> int:
        """Store this worker's validators; called on a clean finish, i.e. when the whole crawl is
        done (a worker only finishes when no worker has work left)."""
        if self.pending:
            now = time.time()
            self.client.hset(self.feeds_key, mapping={
                url: json.dumps({"etag": v.etag, "last_modified": v.last_modified,
                                 "updated_at": now})
                for url, v in self.pending.items()})
        count, self.pending = len(self.pending), {}
        return count

    # sources

    def add_sources(self, urls: Iterable[str], now: float) -> int:
        added = 0
        batch: dict[str, float] = {}
        for url in urls:
            batch[url] = now
            if len(batch) >= SOURCES_BATCH:
                added += self.client.zadd(self.due_key, batch, nx=True)
                batch = {}
        if batch:
            added += self.client.zadd(self.due_key, batch, nx=True)
        return added

    def due_sources(self, now: float) -> set[str]:
        return {url.decode() for url in self.client.zrangebyscore(self.due_key, "-inf", now)}

    def claim_due(self, urls: Sequence[str], now: float, until: float) -> set[str]:
        claimed: set[str] = set()
        for start in range(0, len(urls), SOURCES_BATCH):
            part = list(urls[start:start + SOURCES_BATCH])
            found = self._claim_due(keys=[self.due_key], args=[repr(now), repr(until), *part])
            claimed.update(url.decode() for url in found)
        return claimed

    def earliest_due(self, after: float) -> float | None:
        first = self.client.zrangebyscore(self.due_key, f"({after!r}", "+inf", start=0, num=1,
                                          withscores=True)
        return float(first[0][1]) if first else None

    def source(self, url: str) -> SourceRecord | None:
        raw = self.client.hget(self.sources_key, url)
        if raw:
            return from_row(json.loads(raw))
        due = self.client.zscore(self.due_key, url)
        return None if due is None else SourceRecord(url, next_due=float(due))

    def sources(self) -> list[SourceRecord]:
        records = {url.decode(): SourceRecord(url.decode(), next_due=float(due)) for url, due
                   in self.client.zscan_iter(self.due_key, count=SOURCES_BATCH)}
        for url, raw in self.client.hscan_iter(self.sources_key, count=SOURCES_BATCH):
            records[url.decode()] = from_row(json.loads(raw))
        return [records[url] for url in sorted(records)]

    def save_sources(self, records: Iterable[SourceRecord]) -> int:
        count = 0
        pipe = self.client.pipeline(transaction=True)
        for record in records:
            pipe.hset(self.sources_key, record.url, json.dumps(to_row(record)))
            pipe.zadd(self.due_key, {record.url: record.next_due})
            count += 1
        if count:
            pipe.execute()
        return count

    def close(self) -> None:
        self.client.close()


SOURCES_BATCH = 10_000  # sources per Redis command when adding or scanning many
