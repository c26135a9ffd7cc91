"""How long a feed asks not to be polled again: pure functions of its document and headers.

The document's ``<ttl>`` (minutes) and RSS syndication module (``sy:updatePeriod`` /
``sy:updateFrequency``), as feedparser exposes them; the response's ``Cache-Control: max-age``,
``Expires`` (against its ``Date``) and ``Retry-After``. The longest wins: a poll sooner than
any of them is wasted on the feed's server. ``rules.poll_delay`` caps it.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from newscrawler.politeness.rules import parse_retry_after

__all__ = ["SYNDICATION_PERIODS", "entry_gap", "feed_poll_hint", "http_poll_hint"]

SYNDICATION_PERIODS = {"hourly": 3600.0, "daily": 86400.0, "weekly": 7 * 86400.0,
                       "monthly": 30 * 86400.0, "yearly": 365 * 86400.0}
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


def feed_poll_hint(feed: Mapping[str, Any]) -> float | None:
    """Seconds the feed document asks between polls (feedparser's ``parsed.feed``), or None."""
    hints: list[float] = []
    ttl = _number(feed.get("ttl"))
    if ttl is not None and ttl > 0:
        hints.append(ttl * 60)
    period = SYNDICATION_PERIODS.get(str(feed.get("sy_updateperiod") or "").strip().lower())
    if period is not None:
        frequency = _number(feed.get("sy_updatefrequency"))
        hints.append(period / frequency if frequency and frequency > 0 else period)
    return max(hints) if hints else None


def http_poll_hint(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds the response's headers (lower-case names) ask before the next request, or None."""
    now = now or datetime.now(UTC)
    hints: list[float] = []
    if match := _MAX_AGE.search(headers.get("cache-control", "")):
        hints.append(float(match.group(1)))
    if (expires := _date(headers.get("expires"))) is not None:
        base = _date(headers.get("date")) or now
        hints.append(max(0.0, (expires - base).total_seconds()))
    if (retry_after := parse_retry_after(headers.get("retry-after"), now)) is not None:
        hints.append(retry_after)
    return max(hints) if hints else None


def entry_gap(published: Iterable[str | None]) -> float | None:
    """The feed's pace: the median time between its entries' dates (ISO 8601), in seconds.

    None with fewer than two dated entries, or when they all share one date (a feed that
    stamps every entry with the build time tells nothing).
    """
    stamps = sorted((moment for moment in map(_iso_time, published) if moment is not None),
                    reverse=True)
    gaps = [newer - older for newer, older in itertools.pairwise(stamps)]
    if not gaps:
        return None
    gap = statistics.median(gaps)
    return gap if gap > 0 else None


def _iso_time(value: str | None) -> float | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _number(value: Any) -> float | None:
    try:
        return float(str(value).strip())
    except (TypeError, ValueError):
        return None


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None  # "Expires: 0" and other invalid dates mean "already expired"
    return when if when.tzinfo else when.replace(tzinfo=UTC)
