"""One human line for why a request failed: what the run summary prints for a feed or article."""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

__all__ = ["describe_failure"]

_NETWORK_REASONS: tuple[tuple[type[BaseException], str], ...] = (
    (error.DNSLookupError, "DNS lookup failed"),
    (error.ConnectionRefusedError, "connection refused"),
    (error.ConnectionLost, "connection lost"),
    (error.ConnectionDone, "connection closed"),
    (error.TCPTimedOutError, "TCP connection timed out"),
    (error.TimeoutError, "timed out"),
    (TimeoutError, "timed out"),
    (ResponseNeverReceived, "connection reset before a response"),
    (ResponseFailed, "response failed"),
)


def describe_failure(failure: Failure) -> str:
    exc = failure.value
    if isinstance(exc, HttpError):
        response = exc.response
        return f"HTTP {response.status}"
    if isinstance(exc, IgnoreRequest):
        message = str(exc) or "ignored"
        if "robots.txt" in message.lower():
            return "forbidden by robots.txt"
        return message
    for kind, reason in _NETWORK_REASONS:
        if isinstance(exc, kind):
            detail = str(exc).strip()
            return f"{reason}: {detail}" if detail and len(detail) < 160 else reason
    return f"{type(exc).__name__}: {str(exc)[:160]}"
