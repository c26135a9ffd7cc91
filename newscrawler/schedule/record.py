"""What the state store keeps per source (feed or sitemap): its schedule and its health.

A plain frozen value: the rules in ``rules.py`` take one and return the next; the backends store
its fields as columns (SQLite) or as JSON (Redis) through :func:`to_row` / :func:`from_row`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

__all__ = ["SourceRecord", "from_row", "row_columns", "to_row"]


@dataclass(frozen=True, slots=True)
class SourceRecord:
    url: str
    next_due: float = 0.0                 # unix time; 0: due at once (a source new to the list)
    last_poll: float | None = None        # unix time of the last poll, whatever its outcome
    last_success: float | None = None     # ... of the last poll that got the feed (200 or 304)
    failures: int = 0                     # consecutive failed polls
    last_error: str | None = None         # one human line: why the last failed poll failed
    entries: int = 0                      # entries in the feed at the last successful poll
    new_entries: int = 0                  # ... of which were new
    interval: float | None = None         # seconds: the learned interval between two polls
    validators_untrusted: bool = False    # its 304s lied once: always fetched unconditionally
    body_hash: str | None = None          # of the last 200 body: an identical body is no change
    unchanged_since: float | None = None  # unix time since which it answers 304 / the same body
    # new entries per UTC day ("2026-12-06": 12), the last 8 days: articles per day in a week
    daily_new: tuple[tuple[str, int], ...] = ()


def row_columns() -> tuple[str, ...]:
    return tuple(f.name for f in fields(SourceRecord))


def to_row(record: SourceRecord) -> dict[str, Any]:
    """Plain values (text, numbers, None) for a table row or a JSON document."""
    row = asdict(record)
    row["validators_untrusted"] = int(record.validators_untrusted)
    row["daily_new"] = json.dumps(dict(record.daily_new), separators=(",", ":"))
    return row


def from_row(row: Mapping[str, Any]) -> SourceRecord:
    values = {name: row[name] for name in row_columns() if name in row}
    values["validators_untrusted"] = bool(values.get("validators_untrusted"))
    raw_daily = values.get("daily_new") or "{}"
    try:
        daily = json.loads(raw_daily) if isinstance(raw_daily, str) else dict(raw_daily)
    except ValueError:
        daily = {}
    values["daily_new"] = tuple(sorted((str(day), int(n)) for day, n in daily.items()))
    return SourceRecord(**values)
