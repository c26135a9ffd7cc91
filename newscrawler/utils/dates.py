"""The one place that turns dates into the output form: ISO 8601 in UTC, with its offset.

Feeds give RFC 822 strings or ``time.struct_time`` (feedparser), pages give ISO strings with or
without a zone, or a bare day (htmldate). Everything goes through :func:`to_utc_iso`.
"""

from __future__ import annotations

import calendar
import time
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

__all__ = ["parse_utc", "to_utc_iso"]


def to_utc_iso(value: object) -> str | None:
    """Return ``value`` as ``YYYY-MM-DDTHH:MM:SS+00:00``, or None when it is not a date.

    A value without a zone is taken as UTC: news sites that omit the zone mostly publish in
    UTC-ish server time, and a date with a guessed zone is more useful to a reader of the
    output than no date. A bare day becomes midnight UTC of that day.
    """
    parsed = parse_utc(value)
    return None if parsed is None else parsed.replace(microsecond=0).isoformat()


def parse_utc(value: object) -> datetime | None:
    """``value`` as an aware datetime in UTC (same rules as :func:`to_utc_iso`), or None."""
    parsed = _as_datetime(value)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _as_datetime(value: object) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, time.struct_time):
        # feedparser's *_parsed values are already normalised to UTC.
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    if isinstance(value, str):
        return _parse_string(value.strip())
    return None


def _parse_string(text: str) -> datetime | None:
    if not text:
        return None
    iso = text.replace("Z", "+00:00") if text.endswith("Z") else text
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
