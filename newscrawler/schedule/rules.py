"""When a source is polled next, and how healthy it is: pure functions of its record and a poll.

The interval starts at the feed's pace (half its entries' span: ``adapted_interval``) and
adapts to the share of a poll's entries that were already seen (Media Cloud's rule): two
thirds or more seen, the feed publishes slower than it is polled, and the interval grows by
half; less than a third seen, entries may have scrolled out of the feed unseen, and it halves.
It stays within ``POLL_MIN_INTERVAL``..``POLL_MAX_INTERVAL`` and is never shorter than the feed
asks (``<ttl>``, ``sy:updatePeriod``, ``Cache-Control``, ``Expires``, ``Retry-After``:
``hints.py``; a hint longer than the maximum is capped there, so a year-long ``<ttl>`` cannot
silence a source). Failures back off linearly, reaching the maximum interval when the source
counts as dead (``POLL_DEAD_AFTER`` failures in a row); a dead source is still polled at the
maximum interval, since feeds come back from what looks like death, and one success revives it.
Table tests: tests/unit/test_schedule_rules.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from newscrawler.schedule.record import SourceRecord

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

__all__ = [
    "PollLimits", "adapted_interval", "after_failure", "after_fetch", "after_not_modified",
    "articles_per_day", "failure_delay", "is_dead", "is_due", "poll_delay", "status",
]

GROWTH = 1.5              # interval factor when most entries were already seen
SHRINK = 0.5              # ... when most were new
SEEN_TO_GROW = 2 / 3      # share of entries already seen at or above which the interval grows
SEEN_TO_SHRINK = 1 / 3    # ... below which it shrinks
DAYS_KEPT = 8             # days of new-entry counts kept per source (a week, and today)
STALE_AFTER = 86400.0     # seconds of 304s / identical bodies before the report says so


@dataclass(frozen=True, slots=True)
class PollLimits:
    min_interval: float = 600.0
    max_interval: float = 86400.0
    first_interval: float = 6 * 3600.0
    dead_after: int = 30

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> PollLimits:
        return cls(settings.getfloat("POLL_MIN_INTERVAL"), settings.getfloat("POLL_MAX_INTERVAL"),
                   settings.getfloat("POLL_FIRST_INTERVAL"), settings.getint("POLL_DEAD_AFTER"))

    def clamp(self, seconds: float) -> float:
        return min(self.max_interval, max(self.min_interval, seconds))


def adapted_interval(previous: float | None, entries: int, new: int, limits: PollLimits,
                     gap: float | None = None) -> float:
    """The interval after a successful poll that saw ``entries`` of which ``new`` were new.

    The first poll's share says nothing (every entry is new): the interval starts where half
    the feed's entries are new at its pace (``gap``: the median time between its entries'
    dates), or at ``POLL_FIRST_INTERVAL`` for a feed without dates. Shown by bench/polling.py:
    a feed publishing every 5 minutes, started at 6 h, lost most of its day's articles.
    A poll without entries, or a 304, counts as "all seen".
    """
    if previous is None:
        if gap is not None and entries > 1:
            return limits.clamp(gap * entries / 2)
        return limits.clamp(limits.first_interval)
    seen_share = 1.0 if entries <= 0 else (entries - min(new, entries)) / entries
    if seen_share >= SEEN_TO_GROW:
        return limits.clamp(previous * GROWTH)
    if seen_share < SEEN_TO_SHRINK:
        return limits.clamp(previous * SHRINK)
    return limits.clamp(previous)


def failure_delay(failures: int, limits: PollLimits) -> float:
    """Linear back-off: the minimum after one failure, the maximum at ``dead_after`` and on."""
    if failures <= 0:
        return limits.min_interval
    steps = max(1, limits.dead_after - 1)
    share = min(1.0, (failures - 1) / steps)
    return limits.min_interval + (limits.max_interval - limits.min_interval) * share


def poll_delay(interval: float, hint: float | None, limits: PollLimits) -> float:
    """Seconds to the next poll: the interval, or longer when the feed asks (capped)."""
    return min(limits.max_interval, max(interval, hint or 0.0))


def is_dead(record: SourceRecord, limits: PollLimits) -> bool:
    return record.failures >= limits.dead_after


def is_due(record: SourceRecord, now: float) -> bool:
    return record.next_due <= now


def after_fetch(record: SourceRecord, now: float, *, entries: int, new: int,
                hint: float | None, body_hash: str | None, probe: bool,
                limits: PollLimits, gap: float | None = None) -> SourceRecord:
    """The record after a poll that got the feed's body (HTTP 200) and parsed it.

    ``probe``: the poll was sent without validators because the feed had answered 304 (or the
    same body) for longer than ``CONDITIONAL_MAX_AGE``. A probe that finds new entries proves
    the validators lie: the source is fetched unconditionally from then on. One that finds none
    starts that clock again.
    """
    interval = adapted_interval(record.interval, entries, new, limits, gap)
    same_body = body_hash is not None and body_hash == record.body_hash
    if probe:
        unchanged_since = None if new else now
    elif same_body:
        unchanged_since = record.unchanged_since or now
    else:
        unchanged_since = None
    return replace(
        record, last_poll=now, last_success=now, failures=0, entries=entries, new_entries=new,
        interval=interval, next_due=now + poll_delay(interval, hint, limits),
        validators_untrusted=record.validators_untrusted or (probe and new > 0),
        body_hash=body_hash or record.body_hash, unchanged_since=unchanged_since,
        daily_new=_add_daily(record.daily_new, now, new),
    )


def after_not_modified(record: SourceRecord, now: float, *, hint: float | None,
                       limits: PollLimits) -> SourceRecord:
    """The record after a 304: a poll with nothing new."""
    interval = adapted_interval(record.interval, record.entries, 0, limits)
    return replace(
        record, last_poll=now, last_success=now, failures=0, new_entries=0, interval=interval,
        next_due=now + poll_delay(interval, hint, limits),
        unchanged_since=record.unchanged_since or now,
    )


def after_failure(record: SourceRecord, now: float, *, reason: str, hint: float | None,
                  limits: PollLimits) -> SourceRecord:
    """The record after a failed poll: backed off, never removed; the learned interval kept."""
    failures = record.failures + 1
    delay = max(failure_delay(failures, limits), min(limits.max_interval, hint or 0.0))
    return replace(record, last_poll=now, failures=failures, last_error=reason,
                   new_entries=0, next_due=now + delay)


def status(record: SourceRecord, now: float, limits: PollLimits) -> str:
    """``new``, ``dead``, ``failing``, ``not modified for N days`` or ``ok``."""
    if record.last_poll is None:
        return "new"
    if is_dead(record, limits):
        return "dead"
    if record.failures:
        return "failing"
    if record.unchanged_since is not None and now - record.unchanged_since >= STALE_AFTER:
        days = int((now - record.unchanged_since) // 86400)
        return f"not modified for {days} day{'s' if days != 1 else ''}"
    return "ok"


def articles_per_day(record: SourceRecord, now: float, days: int = 7) -> float:
    """New entries per day over the last ``days`` days (today included)."""
    first = _day(now - (days - 1) * 86400)
    return sum(n for day, n in record.daily_new if day >= first) / days


def _day(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).date().isoformat()


def _add_daily(daily: tuple[tuple[str, int], ...], now: float, new: int
               ) -> tuple[tuple[str, int], ...]:
    counts = dict(daily)
    today = _day(now)
    counts[today] = counts.get(today, 0) + new
    oldest = (datetime.fromtimestamp(now, UTC) - timedelta(days=DAYS_KEPT - 1)).date().isoformat()
    return tuple(sorted((day, n) for day, n in counts.items() if day >= oldest))
