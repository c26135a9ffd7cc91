"""The circuit breaker: which failures count, when a site is left alone, and when it is back."""

from __future__ import annotations

import pytest
from OpenSSL import SSL
from scrapy import Request
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error

from newscrawler import keys
from newscrawler import signals as news_signals
from newscrawler.politeness.breaker import (
    SiteBreakerMiddleware,
    SiteUnreachable,
    breaker_opens,
    is_connection_failure,
    unreachable_reason,
)
from newscrawler.politeness.robots import RobotsUnavailable
from newscrawler.politeness.slots import assign_site_slot

URL = "https://www.deadnews.com/story"


@pytest.mark.parametrize(
    ("exc", "counts"),
    [
        (CannotResolveHostError("DNS lookup failed: no results for hostname lookup"), True),
        (DownloadConnectionRefusedError("Connection was refused by other side"), True),
        (DownloadTimeoutError("Getting https://x took longer than 30.0 seconds."), True),
        (DownloadFailedError("[<twisted.python.failure.Failure "
                             "twisted.internet.error.ConnectionLost>]"), True),
        (ResponseDataLossError(), True),
        (error.DNSLookupError("no such host"), True),
        (error.ConnectionRefusedError(), True),
        (error.TCPTimedOutError(), True),
        (error.NoRouteError(), True),
        (error.ConnectionLost(), True),
        (SSL.Error([("SSL routines", "", "certificate verify failed")]), True),
        (TimeoutError(), True),
        # the site answered, or we refused to send: says nothing about the way to the site
        (HttpError(Response(URL, status=500), "Ignoring non-200 response"), False),
        (DownloadCancelledError("expected size larger than download max size"), False),
        (IgnoreRequest("Forbidden by robots.txt"), False),
        (SiteUnreachable("site unreachable: connection refused, 3 failures in a row",
                         "deadnews.com"), False),
        (RobotsUnavailable("robots.txt unavailable (503): site skipped", "x.example"), False),
        (ValueError("a bug"), False),
    ],
)
def test_only_failures_to_reach_the_site_count(exc, counts):
    assert is_connection_failure(exc) is counts


@pytest.mark.parametrize(
    ("failures", "limit", "opens"),
    [(0, 3, False), (2, 3, False), (3, 3, True), (4, 3, True), (1, 1, True), (99, 0, False)],
)
def test_the_breaker_opens_at_the_limit_and_never_when_it_is_zero(failures, limit, opens):
    assert breaker_opens(failures, limit) is opens


@pytest.mark.parametrize(
    ("reason", "failures", "line"),
    [
        ("DNS lookup failed", 1, "site unreachable: DNS lookup failed, 1 failure in a row"),
        ("connection refused", 3, "site unreachable: connection refused, 3 failures in a row"),
    ],
)
def test_the_reason_names_the_last_failure_and_the_count(reason, failures, line):
    assert unreachable_reason(reason, failures) == line


def request(url: str = URL) -> Request:
    return assign_site_slot(Request(url))


def breaker(make_crawler, **settings) -> SiteBreakerMiddleware:
    crawler = make_crawler({"SITE_FAILURE_LIMIT": 3, "SITE_COOL_OFF": 600, **settings})
    return SiteBreakerMiddleware.from_crawler(crawler)


def fail(middleware: SiteBreakerMiddleware, exc: BaseException, url: str = URL) -> None:
    middleware.process_request(request(url))
    assert middleware.process_exception(request(url), exc) is None  # retries stay Scrapy's


REFUSED = DownloadConnectionRefusedError("Connection was refused by other side")


def test_three_connection_failures_in_a_row_refuse_the_sites_next_requests(make_crawler):
    middleware = breaker(make_crawler)
    for _ in range(3):
        fail(middleware, REFUSED)
    with pytest.raises(SiteUnreachable) as refused:
        middleware.process_request(request("https://feeds.deadnews.com/rss"))  # same site
    assert str(refused.value) == "site unreachable: connection refused, 3 failures in a row"
    assert refused.value.site == "deadnews.com"
    middleware.process_request(request("https://alivenews.com/"))  # other sites go on
    stats = middleware.crawler.stats
    assert stats.get_value(keys.SITES_UNREACHABLE) == 1
    assert stats.get_value(keys.REQUESTS_SKIPPED_UNREACHABLE) == 1


def test_an_answer_of_any_status_resets_the_count(make_crawler):
    middleware = breaker(make_crawler)
    fail(middleware, REFUSED)
    fail(middleware, REFUSED)
    middleware.process_response(request(), Response(URL, status=503))
    fail(middleware, REFUSED)
    fail(middleware, REFUSED)
    middleware.process_request(request())  # 2 in a row, not 4


def test_http_errors_do_not_count(make_crawler):
    middleware = breaker(make_crawler)
    for _ in range(5):
        fail(middleware, HttpError(Response(URL, status=500), "Ignoring non-200 response"))
    middleware.process_request(request())


def test_after_the_cool_off_the_site_is_tried_again_and_one_answer_closes_it(make_crawler):
    middleware = breaker(make_crawler)
    for _ in range(3):
        fail(middleware, REFUSED)
    middleware.sites["deadnews.com"].opened_at -= 600  # the cool-off ran out
    middleware.process_request(request())  # tried again
    middleware.process_response(request(), Response(URL, status=200))
    fail(middleware, REFUSED)
    middleware.process_request(request())  # one failure after the answer: still closed


def test_a_failure_after_the_cool_off_opens_it_again_at_once(make_crawler):
    middleware = breaker(make_crawler)
    for _ in range(3):
        fail(middleware, REFUSED)
    middleware.sites["deadnews.com"].opened_at -= 600  # the cool-off ran out
    assert not middleware.is_open("deadnews.com")
    fail(middleware, DownloadTimeoutError("took longer than 30.0 seconds"))
    with pytest.raises(SiteUnreachable, match=r"timed out .*, 4 failures in a row"):
        middleware.process_request(request())


def test_a_limit_of_zero_turns_the_breaker_off(make_crawler):
    middleware = breaker(make_crawler, SITE_FAILURE_LIMIT=0)
    for _ in range(10):
        fail(middleware, REFUSED)
    middleware.process_request(request())


def test_the_report_hears_of_each_failure_and_of_the_site_once(make_crawler):
    middleware = breaker(make_crawler)
    heard: list[tuple[str, str, str]] = []
    for signal, name in ((news_signals.site_connection_failed, "failed"),
                         (news_signals.site_skipped, "skipped")):
        def record(site: str, reason: str, _name: str = name, **_: object) -> None:
            heard.append((_name, site, reason))
        middleware.crawler.signals.connect(record, signal=signal, weak=False)
    for _ in range(3):
        fail(middleware, CannotResolveHostError("DNS lookup failed"))
    assert heard == [
        ("failed", "deadnews.com", "DNS lookup failed"),
        ("failed", "deadnews.com", "DNS lookup failed"),
        ("failed", "deadnews.com", "DNS lookup failed"),
        ("skipped", "deadnews.com", "site unreachable: DNS lookup failed, 3 failures in a row"),
    ]
