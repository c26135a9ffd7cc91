"""The state store in an SQLite file, ``state.sqlite3`` in ``STATE_DIR`` (the default backend).

Inspect it with the ``sqlite3`` CLI. The rules every backend keeps are in ``state/store.py``.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING

from newscrawler.errors import ConfigError
from newscrawler.state.store import FeedValidators

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

__all__ = ["SQLiteState"]


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

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> SQLiteState:
        return cls(Path(settings.get("STATE_DIR")).expanduser())

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
