"""What a 429 or 503 answer asks of the crawler: predicates with table tests beside them."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.http import Response

__all__ = ["is_rate_limited", "parse_retry_after"]


def is_rate_limited(response: Response) -> bool:
    """429 always; 503 only when it says when to come back (otherwise it is an outage)."""
    if response.status == 429:
        return True
    return response.status == 503 and b"Retry-After" in response.headers


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` in delta-seconds or as an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
