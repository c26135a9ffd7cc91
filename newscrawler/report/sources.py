"""What became of each line of the feed list: the documents it led to, their kinds, its outcome.

A line can lead to several documents (a home page to its feed, a sitemap index to its child
sitemaps), so outcomes are kept per line, not per document: a line is ok when a document with
entries was read, not modified when it answered 304, failed when nothing came of it but errors.
Pure bookkeeping, fed by the run summary's signal handlers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from newscrawler.sources.parsed import SourceKind

__all__ = ["Outcome", "SourceBook", "SourceRecord"]

Outcome = Literal["ok", "failed", "not modified", "pending"]
# documents that only lead to others: read alone, they are not yet a source's success
_WAYPOINTS = (SourceKind.HTML_PAGE, SourceKind.SITEMAP_INDEX)


@dataclass
class SourceRecord:
    kinds: list[SourceKind] = field(default_factory=list)  # in the order first read
    documents: int = 0
    entries: int = 0           # listed by its feeds and sitemaps, before any filter
    read_entry_list: bool = False  # a feed or sitemap (not only a waypoint) was read
    failures: int = 0
    not_modified: int = 0
    polls: int = 0             # times the listed document answered (watch mode: many)

    @property
    def outcome(self) -> Outcome:
        if self.read_entry_list:
            return "ok"
        if self.not_modified:
            return "not modified"
        if self.failures:
            return "failed"
        # an index whose children all lie outside the window: read, nothing to do
        return "ok" if self.documents else "pending"

    @property
    def kind(self) -> str:
        """What the line turned out to be: ``HTML page -> sitemap index -> news sitemap``."""
        return " -> ".join(self.kinds) or "unknown"


class SourceBook:
    def __init__(self) -> None:
        self.records: dict[str, SourceRecord] = {}

    def expect(self, sources: list[str]) -> None:
        """The feed list, so that lines come in its order."""
        for source in sources:
            self._record(source)

    def _record(self, source: str) -> SourceRecord:
        return self.records.setdefault(source, SourceRecord())

    def fetched(self, source: str, kind: SourceKind | None, entries: int) -> None:
        record = self._record(source)
        record.documents += 1
        if kind is not None and kind not in record.kinds:
            record.kinds.append(kind)
        if kind not in _WAYPOINTS:  # None: a feed, told by a sender that names no kind
            record.read_entry_list = True
            record.entries += entries

    def failed(self, source: str) -> None:
        self._record(source).failures += 1

    def not_modified(self, source: str) -> None:
        self._record(source).not_modified += 1

    def polled(self, source: str) -> None:
        self._record(source).polls += 1

    def outcomes(self) -> Counter[Outcome]:
        return Counter(record.outcome for record in self.records.values())

    def kinds(self) -> Counter[SourceKind]:
        """Listed sources by the kind of their first document."""
        return Counter(r.kinds[0] for r in self.records.values() if r.kinds)

    def lines(self) -> list[str]:
        """One line per source that was read: its URL, what it was, what it listed."""
        out = []
        for url, record in self.records.items():
            if not record.documents:
                continue
            polls = f"polled {record.polls} times, " if record.polls > 1 else ""
            documents = f"{record.documents} documents, " if record.documents > 1 else ""
            entries = f"{record.entries:,} {'entry' if record.entries == 1 else 'entries'}"
            total = " in all" if record.polls > 1 else ""
            out.append(f"{url}: {record.kind}, {polls}{documents}{entries}{total}")
        return out
