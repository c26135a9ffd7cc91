"""When a source is polled next and how healthy it is (schedule/rules.py, schedule/hints.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newscrawler.schedule import rules
from newscrawler.schedule.hints import entry_gap, feed_poll_hint, http_poll_hint
from newscrawler.schedule.record import SourceRecord, from_row, to_row

LIMITS = rules.PollLimits(min_interval=600, max_interval=86400, first_interval=21600,
                          dead_after=30)
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC).timestamp()
HOUR = 3600.0
FEED = "https://example.com/feed.xml"


@pytest.mark.parametrize(
    ("previous", "entries", "new", "expected"),
    [
        (None, 20, 20, 21600),          # first poll: every entry is new, the pace unknown
        (HOUR, 20, 0, 1.5 * HOUR),      # all seen: it publishes slower than polled
        (HOUR, 20, 6, 1.5 * HOUR),      # 70 % seen: still grows
        (HOUR, 20, 10, HOUR),           # half new: about right
        (HOUR, 20, 14, 0.5 * HOUR),     # 30 % seen: entries may scroll out unseen
        (HOUR, 20, 20, 0.5 * HOUR),
        (HOUR, 0, 0, 1.5 * HOUR),       # an empty feed counts as nothing new
        (800, 10, 10, 600),             # never below POLL_MIN_INTERVAL
        (80000, 10, 0, 86400),          # never above POLL_MAX_INTERVAL
    ],
)
def test_the_interval_grows_when_entries_were_seen_and_shrinks_when_new(
        previous, entries, new, expected):
    assert rules.adapted_interval(previous, entries, new, LIMITS) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("gap", "entries", "expected"),
    [
        (None, 20, 21600),        # undated: POLL_FIRST_INTERVAL
        (300, 20, 3000),          # every 5 min, 20 entries: half of them new in 50 min
        (300, 4, 600),            # ... 4 entries: 10 min, the minimum
        (3600, 20, 36000),        # hourly
        (86400, 20, 86400),       # daily: the maximum
        (300, 1, 21600),          # one entry says nothing about a pace
    ],
)
def test_the_first_interval_follows_the_feeds_pace_when_it_has_dates(gap, entries, expected):
    assert rules.adapted_interval(None, entries, entries, LIMITS, gap) == expected


@pytest.mark.parametrize(
    ("published", "gap"),
    [
        ([], None),
        (["2026-12-06T12:00:00+00:00"], None),
        (["2026-12-06T12:00:00+00:00", None, "2026-12-06T11:55:00+00:00",
          "2026-12-06T11:50:00+00:00"], 300),
        (["2026-12-06T11:00:00+00:00", "2026-12-06T12:00:00+00:00",
          "2026-12-06T11:59:00+00:00"], 60 * 30),   # order does not matter: median of 1, 59
        (["2026-12-06T12:00:00+00:00"] * 3, None),  # every entry stamped alike
        (["yesterday", "2026-12-06T12:00:00"], None),
    ],
)
def test_entry_gap_is_the_median_time_between_entry_dates(published, gap):
    assert entry_gap(published) == gap


@pytest.mark.parametrize(
    ("failures", "expected"),
    [(1, 600), (2, 600 + 85800 / 29), (15, 600 + 85800 * 14 / 29), (30, 86400), (500, 86400)],
)
def test_failures_back_off_linearly_up_to_the_maximum_at_death(failures, expected):
    assert rules.failure_delay(failures, LIMITS) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("interval", "hint", "expected"),
    [
        (HOUR, None, HOUR),
        (HOUR, 2 * HOUR, 2 * HOUR),     # the feed asks for longer: honoured
        (HOUR, 60, HOUR),               # a shorter hint changes nothing
        (HOUR, 400 * 86400, 86400),     # a year-long <ttl> is capped at the maximum
    ],
)
def test_the_next_poll_is_never_sooner_than_the_feed_asks(interval, hint, expected):
    assert rules.poll_delay(interval, hint, LIMITS) == expected


def test_a_dead_source_is_still_polled_at_the_maximum_and_one_success_revives_it():
    record = SourceRecord(FEED, interval=HOUR)
    for _ in range(35):
        record = rules.after_failure(record, NOW, reason="HTTP 503", hint=None, limits=LIMITS)
    assert rules.is_dead(record, LIMITS) and rules.status(record, NOW, LIMITS) == "dead"
    assert record.next_due == NOW + 86400
    assert record.interval == HOUR  # what it learnt before it died is kept
    assert record.last_error == "HTTP 503"
    revived = rules.after_fetch(record, NOW + 10, entries=5, new=5, hint=None, body_hash="h",
                                probe=False, limits=LIMITS)
    assert revived.failures == 0 and rules.status(revived, NOW + 10, LIMITS) == "ok"
    assert revived.next_due == NOW + 10 + HOUR / 2


def test_retry_after_on_a_failure_is_honoured():
    record = rules.after_failure(SourceRecord(FEED), NOW, reason="HTTP 429", hint=7200,
                                 limits=LIMITS)
    assert record.next_due == NOW + 7200 and record.failures == 1


def test_a_304_is_a_poll_with_nothing_new_and_starts_the_unchanged_clock():
    record = SourceRecord(FEED, interval=HOUR, entries=10, last_poll=NOW - HOUR)
    after = rules.after_not_modified(record, NOW, hint=None, limits=LIMITS)
    assert after.interval == 1.5 * HOUR and after.unchanged_since == NOW
    later = rules.after_not_modified(after, NOW + HOUR, hint=None, limits=LIMITS)
    assert later.unchanged_since == NOW  # since the first of them


@pytest.mark.parametrize(
    ("probe", "body_hash", "new", "unchanged_since", "untrusted"),
    [
        (False, "same", 0, NOW - HOUR, False),   # 200 with an identical body: no change
        (False, "other", 0, None, False),        # the body changed
        (True, "other", 3, None, True),          # a probe found new entries: they lied
        (True, "same", 0, NOW, False),           # a probe found nothing: the clock restarts
    ],
)
def test_a_fetch_tracks_identical_bodies_and_catches_lying_validators(
        probe, body_hash, new, unchanged_since, untrusted):
    record = SourceRecord(FEED, interval=HOUR, body_hash="same", unchanged_since=NOW - HOUR)
    after = rules.after_fetch(record, NOW, entries=10, new=new, hint=None, body_hash=body_hash,
                              probe=probe, limits=LIMITS)
    assert after.unchanged_since == unchanged_since
    assert after.validators_untrusted is untrusted


def test_untrusted_validators_stay_untrusted():
    record = SourceRecord(FEED, interval=HOUR, validators_untrusted=True)
    after = rules.after_fetch(record, NOW, entries=10, new=0, hint=None, body_hash="x",
                              probe=False, limits=LIMITS)
    assert after.validators_untrusted


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (SourceRecord(FEED), "new"),
        (SourceRecord(FEED, last_poll=NOW), "ok"),
        (SourceRecord(FEED, last_poll=NOW, failures=3), "failing"),
        (SourceRecord(FEED, last_poll=NOW, failures=30), "dead"),
        (SourceRecord(FEED, last_poll=NOW, unchanged_since=NOW - 3 * 86400 - 5),
         "not modified for 3 days"),
        (SourceRecord(FEED, last_poll=NOW, unchanged_since=NOW - 86400), "not modified for 1 day"),
        (SourceRecord(FEED, last_poll=NOW, unchanged_since=NOW - 5 * HOUR), "ok"),
    ],
)
def test_status(record, expected):
    assert rules.status(record, NOW, LIMITS) == expected


def test_articles_per_day_counts_the_last_week_only():
    record = SourceRecord(FEED)
    for days_ago, new in [(9, 700), (6, 7), (1, 7), (0, 14)]:
        record = rules.after_fetch(record, NOW - days_ago * 86400, entries=new, new=new,
                                   hint=None, body_hash=None, probe=False, limits=LIMITS)
    assert rules.articles_per_day(record, NOW) == 4.0
    assert len(record.daily_new) <= rules.DAYS_KEPT


def test_a_record_survives_its_row():
    record = SourceRecord(FEED, next_due=NOW, failures=2, last_error="HTTP 500",
                          validators_untrusted=True, daily_new=(("2026-12-06", 3),))
    assert from_row(to_row(record)) == record


@pytest.mark.parametrize(
    ("feed", "expected"),
    [
        ({}, None),
        ({"ttl": "60"}, 3600),
        ({"ttl": "soon"}, None),
        ({"sy_updateperiod": "hourly"}, 3600),
        ({"sy_updateperiod": "daily", "sy_updatefrequency": "4"}, 21600),
        ({"sy_updateperiod": "daily", "sy_updatefrequency": "0"}, 86400),
        ({"sy_updateperiod": "fortnightly"}, None),
        ({"ttl": "30", "sy_updateperiod": "hourly"}, 3600),  # the longest wins
    ],
)
def test_feed_poll_hint(feed, expected):
    assert feed_poll_hint(feed) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"cache-control": "public, max-age=1800"}, 1800),
        ({"cache-control": "no-cache"}, None),
        ({"expires": "Sun, 06 Dec 2026 14:00:00 GMT",
          "date": "Sun, 06 Dec 2026 12:00:00 GMT"}, 7200),
        ({"expires": "0"}, None),
        ({"retry-after": "120"}, 120),
        ({"retry-after": "Sun, 06 Dec 2026 13:00:00 GMT"}, 3600),
        ({"cache-control": "max-age=60", "retry-after": "600"}, 600),
    ],
)
def test_http_poll_hint(headers, expected):
    assert http_poll_hint(headers, datetime.fromtimestamp(NOW, UTC)) == expected
