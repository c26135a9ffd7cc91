"""The feeds report's rows and text (report/health.py)."""

from __future__ import annotations

import json

import pytest

from newscrawler.report.health import health_rows, human_duration, to_json, to_table
from newscrawler.schedule.record import SourceRecord
from newscrawler.schedule.rules import PollLimits

NOW = 1_800_000_000.0  # 2027-01-15T08:00Z
LIMITS = PollLimits()


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "-"), (0, "0s"), (90, "1m30s"), (600, "10m"), (5400, "1h30m"), (86400, "1d"),
     (90061, "1d1h")],
)
def test_human_duration(seconds, text):
    assert human_duration(seconds) == text


def test_one_row_per_source_with_its_status_and_the_last_error_only_while_failing():
    records = [
        SourceRecord("https://a.example/rss", next_due=NOW + 3600, last_poll=NOW - 60,
                     last_success=NOW - 60, interval=3600, daily_new=(("2027-01-15", 14),)),
        SourceRecord("https://b.example/rss", next_due=NOW - 1, last_poll=NOW - 60,
                     failures=2, last_error="HTTP 503", interval=3600),
        SourceRecord("https://c.example/rss", next_due=NOW + 60, last_poll=NOW - 60,
                     last_success=NOW - 60, last_error="HTTP 500 long ago"),
    ]
    rows = health_rows(records, NOW, LIMITS)
    assert [(r.status, r.failures, r.last_error, r.articles_per_day, r.next_due) for r in rows] == [
        ("ok", 0, None, 2.0, "2027-01-15T09:00Z"),
        ("failing", 2, "HTTP 503", 0.0, "now"),
        ("ok", 0, None, 0.0, "2027-01-15T08:01Z"),
    ]
    table = to_table(rows).splitlines()
    assert table[0].split() == ["status", "last", "success", "fails", "last", "error",
                                "art/day", "interval", "next", "due", "source"]
    assert table[2].split() == ["failing", "never", "2", "HTTP", "503", "0", "1h", "now",
                                "https://b.example/rss"]
    assert table[-1] == "3 sources: 1 failing, 2 ok"
    assert json.loads(to_json(rows))[1]["last_error"] == "HTTP 503"


def test_an_empty_store_reports_no_sources():
    assert to_table([]).splitlines()[-1] == "0 sources: none"
