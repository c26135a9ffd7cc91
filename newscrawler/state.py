"""The crawler's memory between runs: articles already written and feeds' HTTP validators.

The one module that reads and writes ``STATE_DIR`` (or Redis when the crawl is scaled out):
an interface with one implementation per backend, chosen by :func:`open_state`.

Rules that keep it crash safe:
* an article is recorded only after its JSON line is flushed (the writer pipeline calls
  :meth:`StateStore.mark_written`), so a kill between the two duplicates at most that one
  article and never loses it;
* a feed's ETag / Last-Modified are remembered during the run and stored only when the run
  finishes cleanly (:meth:`StateStore.commit_validators`): a killed run must not leave a
  validator that makes the next run skip a feed whose articles were never written.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from newscrawler.errors import ConfigError

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

__all__ = ["FeedValidators", "SQLiteState", "StateStore", "article_keys", "open_state"]


@dataclass(frozen=True, slots=True)
class FeedValidators:
    etag: str | None = None
    last_modified: str | None = None

    def __bool__(self) -> bool:
        return bool(self.etag or self.last_modified)


def article_keys(url: str, feed_url: str | None = None, entry_id: str | None = None) -> list[str]:
    """The keys under which an article is remembered: its canonical URL and its entry id.

    Entry ids are only unique within their feed (some feeds number their items 1, 2, 3...),
    so they are stored qualified by the feed URL.
    """
    keys = [f"url:{url}"]
    if entry_id and feed_url:
        keys.append(f"id:{feed_url} {entry_id}")
    return keys


class StateStore(Protocol):
    def is_written(self, keys: list[str]) -> bool: ...
    def mark_written(self, keys: list[str]) -> None: ...
    def validators(self, feed_url: str) -> FeedValidators: ...
    def remember_validators(self, feed_url: str, validators: FeedValidators) -> None: ...
    def commit_validators(self) -> int: ...
    def close(self) -> None: ...


class SQLiteState:
    """SQLite file ``state.sqlite3`` in ``STATE_DIR``; inspect it with the ``sqlite3`` CLI."""

    SCHEMA = """
        CREATE TABLE IF NOT EXISTS written (
            key TEXT PRIMARY KEY,          -- 'url:<canonical url>' or 'id:<feed url> <guid>'
            written_at REAL NOT NULL       -- unix time the JSON line was flushed
        );
        CREATE TABLE IF NOT EXISTS feeds (
            url TEXT PRIMARY KEY,
            etag TEXT,
            last_modified TEXT,
            updated_at REAL NOT NULL
        );
    """

    def __init__(self, directory: Path) -> None:
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self.path = directory / "state.sqlite3"
            self.db = sqlite3.connect(self.path, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across kills
            self.db.executescript(self.SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"cannot use STATE_DIR {directory}: {exc}") from None
        self.pending: dict[str, FeedValidators] = {}

    def is_written(self, keys: list[str]) -> bool:
        marks = ",".join("?" * len(keys))
        row = self.db.execute(f"SELECT 1 FROM written WHERE key IN ({marks}) LIMIT 1", keys)
        return row.fetchone() is not None

    def mark_written(self, keys: list[str]) -> None:
        now = time.time()
        self.db.executemany(
            "INSERT OR IGNORE INTO written (key, written_at) VALUES (?, ?)",
            [(key, now) for key in keys],
        )

    def validators(self, feed_url: str) -> FeedValidators:
        row = self.db.execute(
            "SELECT etag, last_modified FROM feeds WHERE url = ?", (feed_url,)
        ).fetchone()
        return FeedValidators(*row) if row else FeedValidators()

    def remember_validators(self, feed_url: str, validators: FeedValidators) -> None:
        self.pending[feed_url] = validators

    def commit_validators(self) -> int:
        now = time.time()
        self.db.execute("BEGIN")
        self.db.executemany(
            "INSERT OR REPLACE INTO feeds (url, etag, last_modified, updated_at) "
            "VALUES (?, ?, ?, ?)",
            [(url, v.etag, v.last_modified, now) for url, v in self.pending.items()],
        )
        self.db.execute("COMMIT")
        count, self.pending = len(self.pending), {}
        return count

    def close(self) -> None:
        self.db.close()


def open_state(settings: BaseSettings) -> StateStore:
    """The store the settings ask for: Redis with ``REDIS_URL``, else SQLite in ``STATE_DIR``."""
    if settings.get("REDIS_URL"):  # scaled out (docs/scaling.md): shared by every worker
        from newscrawler.state_redis import RedisState

        return RedisState(settings)
    return SQLiteState(Path(settings.get("STATE_DIR")).expanduser())
