"""One human line for why a request failed: what the run summary prints for a feed or article."""

from __future__ import annotations

from OpenSSL import SSL
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
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error
from twisted.python.failure import Failure

from newscrawler._compat import ResponseFailed, ResponseNeverReceived
from newscrawler.errors import SiteSkipped

__all__ = ["describe_exception", "describe_failure", "is_expected_failure"]

TLS_FAILED = "TLS handshake failed"

# Most specific first; the first match wins.
_REASONS: tuple[tuple[type[BaseException], str], ...] = (
    (DownloadTimeoutError, "timed out (DOWNLOAD_TIMEOUT)"),
    (DownloadCancelledError, "response larger than the size cap (DOWNLOAD_MAXSIZE)"),
    (CannotResolveHostError, "DNS lookup failed"),
    (DownloadConnectionRefusedError, "connection refused"),
    (ResponseDataLossError, "response cut short (data loss)"),
    (UnsupportedURLSchemeError, "not an http(s) URL"),
    (error.DNSLookupError, "DNS lookup failed"),
    (error.ConnectionRefusedError, "connection refused"),
    (error.TimeoutError, "timed out"),
    (error.NoRouteError, "no route to the host"),
    (error.TCPTimedOutError, "TCP connection timed out"),
    (error.ConnectionLost, "connection reset by the server"),
    (error.ConnectionDone, "connection closed by the server"),
    (ResponseNeverReceived, "connection reset before a response"),
    (ResponseFailed, "connection reset during the response"),
    (DownloadFailedError, "download failed"),
    (TimeoutError, "timed out"),
)


def describe_failure(failure: Failure) -> str:
    return describe_exception(failure.value)


def describe_exception(exc: BaseException) -> str:
    """One line in words; for an exception nobody foresaw, its type and message."""
    return _known_reason(exc) or f"{type(exc).__name__}: {str(exc)[:160]}"


def is_expected_failure(exc: BaseException) -> bool:
    """A failure the web causes (network, timeouts, HTTP errors, refusals), said in one line;
    anything else is a bug in the project and deserves its traceback."""
    return _known_reason(exc) is not None


def _known_reason(exc: BaseException) -> str | None:
    if isinstance(exc, HttpError):
        return f"HTTP {exc.response.status}"
    if isinstance(exc, SiteSkipped):
        return str(exc)  # already one line in words: the site's reason
    if isinstance(exc, IgnoreRequest):
        return _ignored(str(exc))
    if isinstance(exc, SSL.Error) or (
            isinstance(exc, DownloadFailedError | ResponseFailed) and "SSL" in str(exc)):
        return TLS_FAILED
    if isinstance(exc, DownloadFailedError):
        # Scrapy wraps Twisted's failures and keeps only their text
        for kind, reason in _REASONS:
            if kind.__name__ in str(exc):
                return reason
    for kind, reason in _REASONS:
        if isinstance(exc, kind):
            return reason
    return None


def _ignored(message: str) -> str:
    lowered = message.lower()
    if "robots.txt" in lowered:
        return "forbidden by robots.txt"
    if "during decompression" in lowered:
        return "decompressed body larger than the size cap (DOWNLOAD_MAXSIZE): a gzip bomb?"
    if "max redirections" in lowered:
        return "too many redirects (REDIRECT_MAX_TIMES)"
    return message[:200] or "ignored"
