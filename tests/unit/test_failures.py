"""describe_failure: the one human line the run summary prints for each kind of failure."""

from __future__ import annotations

import gzip
from collections.abc import Callable

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
    UnsupportedURLSchemeError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpErrorMiddleware
from twisted.internet import error
from twisted.python.failure import Failure

from newscrawler._compat import ResponseFailed, ResponseNeverReceived
from newscrawler.report.failures import describe_failure
from newscrawler.safety.middleware import BlockedAddress

URL = "https://news.example/story"


def failure_of(exc: BaseException) -> Failure:
    """The Failure an errback gets: caught while raised, traceback and all."""
    try:
        raise exc
    except BaseException:
        return Failure()


def failure_raised_by(action: Callable[[], object]) -> Failure:
    try:
        action()
    except Exception:
        return Failure()
    raise AssertionError("expected the middleware to refuse the response")


def broken_connection(kind: type[ResponseFailed],
                      cause: Exception | None = None) -> ResponseFailed:
    # what Twisted's HTTP/1.1 client raises: the failures it saw, in a list
    cause = cause or error.ConnectionLost("Connection to the other side was lost")
    return kind([failure_of(cause)])


def scrapy_wrapped(exc: Exception, wrapper: type[Exception]) -> Exception:
    # Scrapy's download handlers re-raise Twisted's errors as wrapper(str(twisted_error))
    try:
        raise wrapper(str(exc)) from exc
    except wrapper as wrapped:
        return wrapped


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (DownloadTimeoutError(f"Getting {URL} took longer than 30.0 seconds."),
         "timed out (DOWNLOAD_TIMEOUT)"),
        (DownloadCancelledError("Cancelling download of https://x: expected size (4 GB) "
                                "larger than download max size (32 MB)."),
         "response larger than the size cap (DOWNLOAD_MAXSIZE)"),
        (scrapy_wrapped(error.DNSLookupError("address 'news.example' not found"),
                        CannotResolveHostError), "DNS lookup failed"),
        (scrapy_wrapped(error.ConnectionRefusedError("Connection was refused"),
                        DownloadConnectionRefusedError), "connection refused"),
        (ResponseDataLossError(), "response cut short (data loss)"),
        (UnsupportedURLSchemeError("Unsupported URL scheme 'gopher'"), "not an http(s) URL"),
        (error.DNSLookupError("address 'news.example' not found"), "DNS lookup failed"),
        (error.ConnectionRefusedError(), "connection refused"),
        (error.TimeoutError(), "timed out"),
        (error.TCPTimedOutError(), "TCP connection timed out"),
        (error.ConnectionLost(), "connection reset by the server"),
        (error.ConnectionDone(), "connection closed by the server"),
        (broken_connection(ResponseNeverReceived), "connection reset before a response"),
        (broken_connection(ResponseFailed), "connection reset during the response"),
        (TimeoutError(), "timed out"),
        # Scrapy keeps only the text of what it wraps: the reason is read from that text
        (scrapy_wrapped(broken_connection(ResponseFailed), DownloadFailedError),
         "connection reset by the server"),
        (scrapy_wrapped(broken_connection(ResponseFailed, error.ConnectionDone()),
                        DownloadFailedError),
         "connection closed by the server"),
        (DownloadFailedError("something nobody foresaw"), "download failed"),
    ],
)
def test_each_kind_of_download_failure_has_its_reason(exc, reason):
    assert describe_failure(failure_of(exc)) == reason


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        # RobotsTxtMiddleware's words
        ("Forbidden by robots.txt", "forbidden by robots.txt"),
        ("blocked: loopback address 127.0.0.1 listed by a feed on public address",
         "blocked: loopback address 127.0.0.1 listed by a feed on public address"),
        ("x" * 300, "x" * 200),
        ("", "ignored"),
    ],
)
def test_an_ignored_request_says_why(message, reason):
    assert describe_failure(failure_of(IgnoreRequest(message))) == reason
    assert describe_failure(failure_of(BlockedAddress(message))) == reason


@pytest.mark.parametrize("status", [403, 404, 410, 500, 503])
def test_an_http_error_is_its_status(make_crawler, status):
    crawler = make_crawler()
    middleware = HttpErrorMiddleware.from_crawler(crawler)
    response = Response(URL, status=status, request=Request(URL))
    failure = failure_raised_by(lambda: middleware.process_spider_input(response))
    assert describe_failure(failure) == f"HTTP {status}"


def test_a_gzip_bomb_is_named_as_such(make_crawler):
    crawler = make_crawler({"DOWNLOAD_MAXSIZE": 10_000})
    middleware = HttpCompressionMiddleware.from_crawler(crawler)
    request = Request(URL)
    response = Response(URL, body=gzip.compress(b"\0" * 1_000_000), request=request,
                        headers={"Content-Encoding": "gzip"})
    failure = failure_raised_by(lambda: middleware.process_response(request, response))
    assert describe_failure(failure) == (
        "decompressed body larger than the size cap (DOWNLOAD_MAXSIZE): a gzip bomb?")


def test_too_many_redirects_names_the_setting(make_crawler):
    crawler = make_crawler({"REDIRECT_MAX_TIMES": 2})
    middleware = RedirectMiddleware.from_crawler(crawler)
    request = Request(URL, meta={"redirect_times": 2})
    response = Response(URL, status=301, headers={"Location": URL + "?again"}, request=request)
    failure = failure_raised_by(lambda: middleware.process_response(request, response))
    assert describe_failure(failure) == "too many redirects (REDIRECT_MAX_TIMES)"


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (ValueError("unexpected"), "ValueError: unexpected"),
        (KeyError("x"), "KeyError: 'x'"),
        (RuntimeError("y" * 500), "RuntimeError: " + "y" * 160),
    ],
)
def test_anything_else_is_named_by_its_class_and_a_short_message(exc, reason):
    assert describe_failure(failure_of(exc)) == reason
