"""What a 429 or 503 answer asks of the crawler, and how a site's delay backs off and recovers.

Pure functions with table tests beside them (tests/unit/test_politeness_rules.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.http import Response

__all__ = ["backed_off", "is_rate_limited", "parse_retry_after", "recovered"]

MIN_BACKOFF_DELAY = 1.0  # seconds: the least delay after a 429, even for a site without one


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


def backed_off(delay: float, floor: float, ceiling: float) -> float:
    """The site's delay after a 429: twice as long, capped; at least 1 s even for a site
    configured without delay (Scrapy ignores a slot's pause while its delay is 0)."""
    return min(ceiling, max(delay, floor, MIN_BACKOFF_DELAY / 2) * 2)


def recovered(delay: float, floor: float, recovery: float) -> float:
    """The delay after a success: ``recovery`` of the extra delay above ``floor`` removed."""
    return max(floor, delay - (delay - floor) * recovery)
