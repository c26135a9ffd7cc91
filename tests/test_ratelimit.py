from datetime import UTC, datetime

import pytest
from scrapy.http import Response

from newscrawler.ratelimit import is_rate_limited, parse_retry_after, retry_delay

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


def test_retry_delay_falls_back_to_the_default_without_header():
    assert retry_delay(Response("http://x/", status=429), default=7.5) == 7.5
    assert retry_delay(Response("http://x/", status=429, headers={"Retry-After": "12"}),
                       default=7.5) == 12.0
