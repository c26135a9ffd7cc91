"""Turning a list's inputs into a :class:`FeedList`: each format hands every line, outline or
item to a :class:`Collector`, which keeps the valid ones and writes one problem line for each
input it skips. A URL listed twice is kept once (the first occurrence, with its options); every
later copy is reported ("duplicate of line N") so conflicting options do not go unnoticed.
URLs are compared after trimming, with scheme and host case-insensitive."""

from __future__ import annotations

from collections.abc import Mapping

from newscrawler.sources.listtypes import OPTION_VALUES, FeedList, FeedListError, FeedSource
from newscrawler.sources.listurls import url_identity, url_problem

__all__ = ["Collector", "SkipInput", "checked_option"]


class SkipInput(Exception):
    """This input (line, outline, item) is invalid; the message says why."""


def checked_option(key: str, value: str) -> str:
    """``value`` normalised, or :class:`SkipInput` for an unknown option or value."""
    allowed = OPTION_VALUES.get(key)
    if allowed is None:
        raise SkipInput(f"unknown option {key!r} (known options: {', '.join(OPTION_VALUES)})")
    value = value.strip().lower()
    if value not in allowed:
        choices = " or ".join(f"{key}={choice}" for choice in allowed)
        raise SkipInput(f"bad value for {key}: {value!r} (use {choices})")
    return value


class Collector:
    """Accumulates valid, de-duplicated sources and one problem line per skipped input."""

    def __init__(self, origin: str, unit: str) -> None:
        self.origin = origin
        self.unit = unit
        self.sources: list[FeedSource] = []
        self.problems: list[str] = []
        self._first_seen: dict[str, FeedSource] = {}

    def skip(self, where: str, reason: str) -> None:
        self.problems.append(f"{where}: {reason}")

    def add(
        self,
        url: str,
        *,
        where: str,
        line: int | None = None,
        category: str | None = None,
        options: Mapping[str, str] | None = None,
    ) -> None:
        url = url.strip()
        problem = url_problem(url)
        if problem:
            self.skip(where, problem)
            return
        key = url_identity(url)
        first = self._first_seen.get(key)
        if first is not None:
            seen_at = f"line {first.line}" if first.line else "an earlier item"
            self.skip(where, f"duplicate of {seen_at}, skipped: {url!r}")
            return
        options = dict(options or {})
        source = FeedSource(
            url=url,
            category=category,
            render=options.get("render"),
            line=line,
            options=options,
        )
        self._first_seen[key] = source
        self.sources.append(source)

    def finish(self, empty_reason: str) -> FeedList:
        if not self.sources:
            raise FeedListError(self._nothing_valid_message(empty_reason))
        return FeedList(tuple(self.sources), tuple(self.problems), self.origin)

    def _nothing_valid_message(self, empty_reason: str) -> str:
        if not self.problems:
            return f"no valid feed URL in {self.origin}: {empty_reason}"
        count = len(self.problems)
        units = self.unit if count == 1 else f"{self.unit}s"
        return (
            f"no valid feed URL in {self.origin} ({count} {units} skipped; "
            f"first: {self.problems[0]})"
        )
