"""A circuit breaker per site: a site that keeps failing at the connection level is left alone.

Without it, every request queued for a dead site waits out the site's delay, then
``DOWNLOAD_TIMEOUT`` (or a DNS lookup, a refused connection) once per attempt, retries
included: with a 30 s timeout, 3 retries and 100 queued articles, one dead site holds one of
``CONCURRENT_REQUESTS`` places for hours. Scrapy has nothing of the kind; story-indexer
(Media Cloud) skips a down host for 10 minutes.

* A request that fails at the connection level (DNS, refused, reset, TLS, timeout: see
  :func:`is_connection_failure`) counts against its site (its downloader slot: the registrable
  domain); a response of any status, 404 and 500 included, proves the site reachable and
  resets the count. HTTP errors still count per request, as Scrapy's retries do.
* After ``SITE_FAILURE_LIMIT`` failures in a row the breaker opens: every request for the
  site is refused in ``process_request``, before it enters the site's slot (no delay, no
  packet), with "site unreachable: <last reason>, N failures in a row"; the scheduler queue
  (``queue.py``) hands such requests out at once instead of holding them for the delay.
* After ``SITE_COOL_OFF`` seconds the site is tried again (a standing crawl; a one-shot run
  is usually over by then): one more connection failure opens it again at once, one response
  closes it.

``process_exception`` runs from the highest priority to the lowest: at 560 the breaker sees a
failure before RetryMiddleware (550) turns it into a retry, and refuses the retry if that
failure opened it. So a dead site costs at most ``SITE_FAILURE_LIMIT`` requests, not
``RETRY_TIMES + 1`` per queued request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from time import monotonic
from typing import TYPE_CHECKING

from OpenSSL import SSL
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from twisted.internet import error

from newscrawler import keys
from newscrawler import signals as news_signals
from newscrawler._compat import ResponseFailed
from newscrawler.errors import SiteSkipped
from newscrawler.politeness.slots import SLOT, assign_site_slot
from newscrawler.report.failures import describe_exception

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

__all__ = [
    "SiteBreakerMiddleware",
    "SiteUnreachable",
    "breaker_opens",
    "is_connection_failure",
    "unreachable_reason",
]

logger = logging.getLogger(__name__)

# Failures that say nothing about the page asked for and everything about the way to the site.
# Scrapy's HTTP/1.1 handler wraps Twisted's errors in its own exceptions; the Twisted and
# OpenSSL ones are listed too for what reaches us unwrapped (connect errors other than a
# refusal, a TLS handshake that failed).
CONNECTION_FAILURES: tuple[type[BaseException], ...] = (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    DownloadFailedError,      # reset or closed before or during the response, TLS errors
    ResponseDataLossError,
    error.DNSLookupError,
    error.ConnectError,       # refused, no route, TCP timeout
    error.ConnectionLost,
    error.ConnectionDone,
    error.TimeoutError,
    ResponseFailed,
    SSL.Error,
    TimeoutError,
)


def is_connection_failure(exc: BaseException) -> bool:
    """Whether ``exc`` says the site could not be reached (rather than what it answered)."""
    return isinstance(exc, CONNECTION_FAILURES) and not isinstance(exc, SiteSkipped)


def breaker_opens(failures_in_a_row: int, limit: int) -> bool:
    """Whether this many connection failures in a row leave the site alone (``limit`` 0: never)."""
    return limit > 0 and failures_in_a_row >= limit


def unreachable_reason(last_reason: str, failures_in_a_row: int) -> str:
    """The line every refused request of an open site carries, and the run summary prints."""
    plural = "" if failures_in_a_row == 1 else "s"
    return f"site unreachable: {last_reason}, {failures_in_a_row} failure{plural} in a row"


class SiteUnreachable(SiteSkipped):
    """Refused without being sent: the site's breaker is open."""


@dataclass
class SiteHealth:
    failures_in_a_row: int = 0
    last_reason: str = ""
    opened_at: float | None = None  # monotonic time the breaker last opened; None: closed


class SiteBreakerMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.limit = crawler.settings.getint("SITE_FAILURE_LIMIT")
        self.cool_off = crawler.settings.getfloat("SITE_COOL_OFF")
        self.sites: dict[str, SiteHealth] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteBreakerMiddleware:
        return cls(crawler)

    def is_open(self, site: str, now: float | None = None) -> bool:
        """Requests for ``site`` are refused now (read by the scheduler queue: plain lookups)."""
        health = self.sites.get(site)
        if health is None or health.opened_at is None:
            return False
        return (now if now is not None else monotonic()) - health.opened_at < self.cool_off

    def process_request(self, request: Request) -> None:
        site = assign_site_slot(request).meta[SLOT]
        if self.is_open(site):
            health = self.sites[site]
            self.crawler.stats.inc_value(keys.REQUESTS_SKIPPED_UNREACHABLE)
            raise SiteUnreachable(
                unreachable_reason(health.last_reason, health.failures_in_a_row), site)

    def process_response(self, request: Request, response: Response) -> Response:
        health = self.sites.pop(request.meta.get(SLOT, ""), None)
        if health is not None and health.opened_at is not None:
            logger.info("%s answers again: its requests are sent again", request.meta[SLOT])
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        if not is_connection_failure(exception):
            return  # HTTP errors, refusals by other middlewares, our own refusals
        site = request.meta.get(SLOT)
        if site is None:
            return
        health = self.sites.setdefault(site, SiteHealth())
        health.failures_in_a_row += 1
        health.last_reason = describe_exception(exception)
        self.crawler.stats.inc_value(keys.CONNECTION_FAILURES)
        self._send(news_signals.site_connection_failed, site=site, reason=health.last_reason)
        if breaker_opens(health.failures_in_a_row, self.limit) and not self.is_open(site):
            # opened now, or once more after the cool-off ran out
            health.opened_at = monotonic()
            reason = unreachable_reason(health.last_reason, health.failures_in_a_row)
            self.crawler.stats.inc_value(keys.SITES_UNREACHABLE)
            logger.warning("%s: %s: its requests fail at once for %g s", site, reason,
                           self.cool_off)
            self._send(news_signals.site_skipped, site=site, reason=reason)

    def _send(self, signal: object, **kwargs: object) -> None:
        self.crawler.signals.send_catch_log(signal, **kwargs)
