"""The feeds report: one row per source, from the schedule and health the store keeps.

Pure: records in, rows and text out (``scrapy feeds-report`` prints them). Table tests in
tests/unit/test_health.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from newscrawler.schedule import rules
from newscrawler.schedule.record import SourceRecord

__all__ = ["HealthRow", "health_rows", "human_duration", "to_json", "to_table"]

ERROR_WIDTH = 40  # characters of the last error in the table (--json has all of it)


@dataclass(frozen=True, slots=True)
class HealthRow:
    url: str
    status: str                    # new, ok, failing, dead, not modified for N days
    last_success: str | None       # ISO 8601, UTC
    failures: int                  # consecutive
    last_error: str | None         # of the last failed poll (shown while it is failing)
    articles_per_day: float        # new entries a day over the last week
    interval: float | None         # seconds: the learned interval between polls
    next_due: str                  # ISO 8601, UTC; "now" for a source due already


def health_rows(records: Iterable[SourceRecord], now: float,
                limits: rules.PollLimits) -> list[HealthRow]:
    return [
        HealthRow(
            url=record.url,
            status=rules.status(record, now, limits),
            last_success=_iso(record.last_success),
            failures=record.failures,
            last_error=record.last_error if record.failures else None,
            articles_per_day=round(rules.articles_per_day(record, now), 1),
            interval=record.interval,
            next_due="now" if rules.is_due(record, now) else _iso(record.next_due) or "now",
        )
        for record in records
    ]


def to_json(rows: list[HealthRow]) -> str:
    return json.dumps([asdict(row) for row in rows], indent=2, ensure_ascii=False)


def to_table(rows: list[HealthRow]) -> str:
    header = ("status", "last success", "fails", "last error", "art/day", "interval",
              "next due", "source")
    cells = [header] + [
        (row.status, row.last_success or "never", str(row.failures),
         _short(row.last_error or "-"), f"{row.articles_per_day:g}",
         human_duration(row.interval), row.next_due, row.url)
        for row in rows
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(header) - 1)]
    lines = ["  ".join([*(c.ljust(w) for c, w in zip(line, widths, strict=False)), line[-1]])
             for line in cells]
    counts: dict[str, int] = {}
    for row in rows:
        kind = "not modified" if row.status.startswith("not modified") else row.status
        counts[kind] = counts.get(kind, 0) + 1
    lines.append(f"{len(rows)} sources: " + (", ".join(f"{n} {kind}" for kind, n in
                                                      sorted(counts.items())) or "none"))
    return "\n".join(line.rstrip() for line in lines)


def human_duration(seconds: float | None) -> str:
    """``90`` -> ``1m30s``, ``5400`` -> ``1h30m``, ``None`` -> ``-``."""
    if seconds is None:
        return "-"
    whole = round(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")]
    shown = [f"{n}{unit}" for n, unit in parts if n][:2]
    return "".join(shown) or "0s"


def _iso(moment: float | None) -> str | None:
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%MZ")


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= ERROR_WIDTH else text[:ERROR_WIDTH - 1] + "…"
