"""The state store in an SQLite file, ``state.sqlite3`` in ``STATE_DIR`` (the default backend).

Inspect it with the ``sqlite3`` CLI. The rules every backend keeps are in ``state/store.py``.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING

from newscrawler.errors import ConfigError
from newscrawler.schedule.record import SourceRecord, from_row, row_columns, to_row
from newscrawler.state.store import FeedValidators

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from scrapy.settings import BaseSettings

__all__ = ["SQLiteState"]


class SQLiteState:
    """SQLite file ``state.sqlite3`` in ``STATE_DIR``; inspect it with the ``sqlite3`` CLI."""

    SCHEMA = """
        CREATE TABLE IF NOT EXISTS written (
            key TEXT PRIMARY KEY,          -- 'url:<canonical url>' or 'id:<feed url> <guid>'
            written_at REAL NOT NULL       -- unix time the JSON line was flushed
        );
        -- what STATE_RETENTION_DAYS forgets is one range of this index
        CREATE INDEX IF NOT EXISTS written_at ON written (written_at);
        CREATE TABLE IF NOT EXISTS feeds (
            url TEXT PRIMARY KEY,
            etag TEXT,
            last_modified TEXT,
            updated_at REAL NOT NULL
        );
        -- one row per source: its schedule and health (newscrawler/schedule/record.py);
        -- created on open, so a state file from before it keeps working
        CREATE TABLE IF NOT EXISTS sources (
            url TEXT PRIMARY KEY,
            next_due REAL NOT NULL,        -- unix time; 0: new to the list, due at once
            last_poll REAL,
            last_success REAL,
            failures INTEGER NOT NULL DEFAULT 0,   -- consecutive
            last_error TEXT,
            entries INTEGER NOT NULL DEFAULT 0,
            new_entries INTEGER NOT NULL DEFAULT 0,
            interval REAL,                 -- seconds
            validators_untrusted INTEGER NOT NULL DEFAULT 0,
            body_hash TEXT,
            unchanged_since REAL,
            daily_new TEXT NOT NULL DEFAULT '{}'   -- JSON: UTC day -> new entries
        );
        -- the due ones are one range scan of this index, at any number of sources
        CREATE INDEX IF NOT EXISTS sources_next_due ON sources (next_due);
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
        # one transaction for the article's keys (autocommit made each key its own): its URL
        # and entry id are recorded together, and it costs 0.05 ms an article, not 0.065
        self.db.execute("BEGIN")
        self.db.executemany(
            "INSERT OR IGNORE INTO written (key, written_at) VALUES (?, ?)",
            [(key, now) for key in keys],
        )
        self.db.execute("COMMIT")

    def prune_written(self, before: float, batch: int) -> int:
        forgotten = 0
        while True:  # autocommit: each batch is its own transaction, the file is never locked long
            cursor = self.db.execute(
                "DELETE FROM written WHERE rowid IN "
                "(SELECT rowid FROM written WHERE written_at < ? LIMIT ?)", (before, batch))
            forgotten += cursor.rowcount
            if cursor.rowcount < batch:
                return forgotten

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

    # sources

    def add_sources(self, urls: Iterable[str], now: float) -> int:
        before = self.db.total_changes
        self.db.execute("BEGIN")
        self.db.executemany("INSERT OR IGNORE INTO sources (url, next_due) VALUES (?, ?)",
                            ((url, now) for url in urls))
        self.db.execute("COMMIT")
        return self.db.total_changes - before

    def due_sources(self, now: float) -> set[str]:
        rows = self.db.execute("SELECT url FROM sources WHERE next_due <= ?", (now,))
        return {url for (url,) in rows}

    def claim_due(self, urls: Sequence[str], now: float, until: float) -> set[str]:
        # one process per state file: nobody else to keep the sources from (``until`` unused).
        # Looked up by the primary key; next_due is compared here, not in SQL, so that SQLite
        # cannot pick the next_due index and scan every due source for each batch
        found: set[str] = set()
        for start in range(0, len(urls), _MAX_VARIABLES):
            part = urls[start:start + _MAX_VARIABLES]
            rows = self.db.execute(
                f"SELECT url, next_due FROM sources WHERE url IN ({','.join('?' * len(part))})",
                part)
            found.update(url for url, next_due in rows if next_due <= now)
        return found

    def earliest_due(self, after: float) -> float | None:
        row = self.db.execute("SELECT min(next_due) FROM sources WHERE next_due > ?", (after,))
        return row.fetchone()[0]

    def source(self, url: str) -> SourceRecord | None:
        cursor = self.db.execute(f"SELECT {_COLUMNS} FROM sources WHERE url = ?", (url,))
        row = cursor.fetchone()
        return from_row(dict(zip(row_columns(), row, strict=True))) if row else None

    def sources(self) -> list[SourceRecord]:
        cursor = self.db.execute(f"SELECT {_COLUMNS} FROM sources ORDER BY url")
        return [from_row(dict(zip(row_columns(), row, strict=True))) for row in cursor]

    def save_sources(self, records: Iterable[SourceRecord]) -> int:
        rows = [to_row(record) for record in records]
        if not rows:
            return 0
        marks = ", ".join(f":{name}" for name in row_columns())
        self.db.execute("BEGIN")
        self.db.executemany(f"INSERT OR REPLACE INTO sources ({_COLUMNS}) VALUES ({marks})", rows)
        self.db.execute("COMMIT")
        return len(rows)

    def close(self) -> None:
        self.db.close()


_COLUMNS = ", ".join(row_columns())
_MAX_VARIABLES = 999  # SQLite's smallest limit on "?" in one statement (before 3.32)
