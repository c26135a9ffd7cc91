from datetime import UTC, datetime

import pytest
from scrapy.http import Response

from newscrawler.politeness.rules import backed_off, is_rate_limited, parse_retry_after, recovered

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 5 ", 5.0),
        ("Thu, 01 Jan 2026 12:00:30 GMT", 30.0),
        ("Thu, 01 Jan 2026 11:59:00 GMT", 0.0),  # a date in the past: go now
        ("", None),
        (None, None),
        ("soon", None),
        ("-5", None),
    ],
)
def test_retry_after_in_seconds_or_http_date(value, seconds):
    assert parse_retry_after(value, now=NOW) == seconds


@pytest.mark.parametrize(
    ("status", "headers", "limited"),
    [
        (429, {}, True),
        (429, {"Retry-After": "3"}, True),
        (503, {"Retry-After": "3"}, True),
        (503, {}, False),
        (200, {"Retry-After": "3"}, False),
        (500, {}, False),
    ],
)
def test_rate_limited_answers(status, headers, limited):
    response = Response("http://127.0.0.2/", status=status, headers=headers)
    assert is_rate_limited(response) is limited


@pytest.mark.parametrize(
    ("delay", "floor", "ceiling", "after"),
    [
        (2.1, 2.1, 120, 4.2),      # first 429: twice the delay
        (4.2, 2.1, 120, 8.4),
        (100, 2.1, 120, 120),      # capped
        (0.0, 2.1, 120, 4.2),      # never below twice the floor
        (0.0, 0.0, 120, 1.0),      # a site crawled without delay gets one now
    ],
)
def test_429_without_retry_after_doubles_the_delay_up_to_a_cap(delay, floor, ceiling, after):
    assert backed_off(delay, floor, ceiling) == pytest.approx(after)


@pytest.mark.parametrize(
    ("delay", "floor", "recovery", "after"),
    [
        (10.0, 2.0, 0.2, 8.4),     # one success removes a fifth of the extra delay
        (2.0, 2.0, 0.2, 2.0),      # never below the floor
        (2.5, 2.0, 1.0, 2.0),
    ],
)
def test_delay_recovers_slowly_after_successes(delay, floor, recovery, after):
    assert recovered(delay, floor, recovery) == pytest.approx(after)
