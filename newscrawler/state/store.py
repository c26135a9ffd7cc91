"""The crawler's memory between runs: the store interface, and how a run opens its store.

What is remembered: articles already written (by canonical URL and by feed entry id), feeds'
HTTP validators, and each source's schedule and health (``schedule/record.py``). The backend is
a class named by the ``STATE_STORE`` setting (SQLite by default; the scale-out add-on names the
Redis one), so no module here knows any backend.

Rules every backend keeps, so that a crash loses nothing:
* an article is recorded only after its JSON line is flushed (the writer pipeline calls
  :meth:`StateStore.mark_written`), so a kill between the two duplicates at most that one
  article and never loses it;
* a feed's ETag / Last-Modified are remembered during the run and stored only when the run
  finishes cleanly (:meth:`StateStore.commit_validators`): a killed run must not leave a
  validator that makes the next run skip a feed whose articles were never written;
* a source's schedule is saved (:meth:`StateStore.save_sources`) under the same rule, by the
  ``PollSchedule`` extension, when the crawl is idle or finished: a killed run leaves its
  sources due, so the restart polls them again.

In watch mode the crawl never finishes: both are committed each time it is idle (every request
done, so every article of every polled feed is written or failed).

Articles written more than ``STATE_RETENTION_DAYS`` ago are forgotten
(:meth:`StateStore.prune_written`, called by the ``CrawlState`` extension as a crawl starts and
closes): feeds and sitemaps list recent items only, so the store stays the size of the last few
months, not of every article ever written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, Self

from scrapy.utils.misc import load_object

from newscrawler.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from scrapy.settings import BaseSettings

    from newscrawler.schedule.record import SourceRecord

__all__ = ["FeedValidators", "StateStore", "article_keys", "open_store"]


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
    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self: ...
    def is_written(self, keys: list[str]) -> bool: ...
    def mark_written(self, keys: list[str]) -> None: ...
    def prune_written(self, before: float, batch: int) -> int:
        """Forget the articles written before ``before`` (unix time), at most ``batch`` keys per
        statement, each its own short transaction; returns how many were forgotten."""
    def validators(self, feed_url: str) -> FeedValidators: ...
    def remember_validators(self, feed_url: str, validators: FeedValidators) -> None: ...
    def commit_validators(self) -> int: ...
    # sources: schedule and health
    def add_sources(self, urls: Iterable[str], now: float) -> int:
        """Make unknown sources known, due at ``now``; returns how many were new."""
    def due_sources(self, now: float) -> set[str]:
        """URLs of the known sources due at ``now``: one indexed range query."""
    def claim_due(self, urls: Sequence[str], now: float, until: float) -> set[str]:
        """Those of ``urls`` (a batch of the list) known and due at ``now``, one indexed lookup
        per batch (the frontier's cost does not grow with the whole list); they are not due to
        any other process sharing the store until ``until`` or their saved record: one worker
        polls a due source."""
    def earliest_due(self, after: float) -> float | None:
        """The first due time later than ``after`` of any known source, or None."""
    def source(self, url: str) -> SourceRecord | None: ...
    def sources(self) -> list[SourceRecord]: ...
    def save_sources(self, records: Iterable[SourceRecord]) -> int: ...
    def close(self) -> None: ...


def open_store(settings: BaseSettings) -> StateStore:
    """The store ``STATE_STORE`` names, opened; a store that cannot open raises ConfigError."""
    path = settings.get("STATE_STORE")
    try:
        store_class = load_object(path)
    except (ImportError, NameError, ValueError, AttributeError) as exc:
        raise ConfigError(f"setting STATE_STORE={path!r} names no class: {exc}") from None
    return store_class.from_settings(settings)
