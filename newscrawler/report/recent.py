"""The last few lines of a kind, and how many there were: what a summary lists stays bounded.

A crawl in watch mode runs for days; a list of every failed article (or feed, or warning) it
met would grow with every poll round, in memory and in the summary. Each list keeps the newest
``limit`` lines (a line seen again moves to the end) and counts the rest.
"""

from __future__ import annotations

from collections import OrderedDict

__all__ = ["RecentLines"]


class RecentLines:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.lines: OrderedDict[str, str] = OrderedDict()  # key -> line, oldest first
        self.total = 0  # keys added, a key counted again only after it was let go

    def add(self, key: str, line: str) -> None:
        if key in self.lines:
            self.lines.move_to_end(key)
        else:
            self.total += 1
        self.lines[key] = line
        if len(self.lines) > self.limit:
            self.lines.popitem(last=False)

    def __contains__(self, key: str) -> bool:
        return key in self.lines

    def __len__(self) -> int:
        return len(self.lines)

    @property
    def left_out(self) -> int:
        """Lines no longer kept (older than the newest ``limit``)."""
        return self.total - len(self.lines)
