"""robots.txt by RFC 9309, fetched ahead of a site's first request when the scheduler does
not, and the ``Sitemap:`` lines of a site's robots.txt.

Scrapy's ``RobotsTxtMiddleware`` parses whatever body comes back, whatever the status, and
allows everything when the download fails. Tested (tests/unit/test_robots.py): after its
retries, a 503 page's HTML body is parsed as rules, and HTML holds none, so a site whose
robots.txt is down is crawled as if it allowed everything; so is a site that cannot be reached.
RFC 9309 §2.3.1 asks otherwise, and :class:`Rfc9309RobotsTxtMiddleware` (in place of Scrapy's, same
priority) does what it asks:

* 2xx: the rules, parsed up to ``ROBOTS_MAX_BYTES`` (500 KiB, the least a crawler must parse,
  §2.5); the download stops there;
* 3xx: followed up to ``ROBOTS_MAX_REDIRECTS`` (5) hops (§2.3.1.2); a longer chain counts as
  unavailable (4xx);
* 4xx "unavailable": no rules, the site is crawled (§2.3.1.3);
* 5xx "unreachable" after the retries, or no answer at all (DNS, refused, timeout...): complete
  disallow for the rest of the run (§2.3.1.4). Every request for the host is refused without
  being sent: "robots.txt unavailable (503): site skipped". A 429 counts as 5xx here: the
  site asks us to come back later, not to crawl freely.

``prefetch_robots`` starts the first sites' robots.txt at once, for schedulers that do not fetch
it first (the default queue, ``politeness/queue.py``, does; the Redis frontier of the scale-out
add-on does not and turns ``ROBOTSTXT_PREFETCH`` on).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urljoin, urlsplit
from weakref import WeakKeyDictionary

from scrapy import Request, signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.http.request import NO_CALLBACK
from scrapy.robotstxt import ProtegoRobotParser, PythonRobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from newscrawler import keys
from newscrawler import signals as news_signals
from newscrawler._compat import robots_parsers
from newscrawler.errors import SiteSkipped
from newscrawler.report.failures import describe_exception, is_expected_failure
from newscrawler.utils.urls import site_key

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.robotstxt import RobotParser

__all__ = [
    "ROBOTS_MAX_BYTES",
    "ROBOTS_MAX_REDIRECTS",
    "Rfc9309RobotsTxtMiddleware",
    "RobotsUnavailable",
    "prefetch_robots",
    "robots_body",
    "robots_sitemaps",
    "robots_verdict",
    "sitemap_lines",
]

logger = logging.getLogger(__name__)

ROBOTS_MAX_BYTES = 500 * 1024   # RFC 9309 §2.5: crawlers must parse at least 500 KiB
ROBOTS_MAX_REDIRECTS = 5        # RFC 9309 §2.3.1.2: follow at least five consecutive redirects
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"

Verdict = Literal["rules", "allow all", "disallow all"]


def robots_verdict(status: int) -> Verdict:
    """What a robots.txt answer with ``status`` means for the site (RFC 9309 §2.3.1)."""
    if 200 <= status < 300:
        return "rules"
    if status == 429 or status >= 500:
        return "disallow all"
    return "allow all"  # 4xx; a 3xx left after the redirects counts as unavailable too


def robots_body(status: int, body: bytes) -> bytes:
    """The rules to parse for an answer: the body up to ``ROBOTS_MAX_BYTES``, none, or all."""
    verdict = robots_verdict(status)
    if verdict == "rules":
        return body[:ROBOTS_MAX_BYTES]
    return DISALLOW_ALL if verdict == "disallow all" else b""


def unavailable_reason(why: str) -> str:
    return f"robots.txt unavailable ({why}): site skipped"


class RobotsUnavailable(SiteSkipped):
    """Refused without being sent: the host's robots.txt answered 5xx or could not be fetched."""


class Rfc9309RobotsTxtMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        # host (netloc) -> why its requests are refused, and the site the report names
        self.unavailable: dict[str, tuple[str, str]] = {}
        self.unavailable_sites: set[str] = set()  # their sites: the queue's quick look
        self._received: WeakKeyDictionary[Request, int] = WeakKeyDictionary()
        crawler.signals.connect(self._bytes_received, signal=signals.bytes_received)

    def skips(self, request: Request) -> bool:
        """Whether ``request`` is refused at once: its host's robots.txt is unavailable."""
        return urlparse_cached(request).netloc in self.unavailable

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        skipped = self.unavailable.get(urlparse_cached(request).netloc)
        if skipped is not None:
            self.crawler.stats.inc_value(keys.REQUESTS_SKIPPED_ROBOTS)
            raise RobotsUnavailable(*skipped)
        super().process_request_2(rp, request)

    async def robot_parser(self, request: Request) -> RobotParser | None:
        # Scrapy's, less the traceback it logs for every robots.txt that could not be fetched
        url = urlparse_cached(request)
        parsers = robots_parsers(self)
        if url.netloc not in parsers:
            parsers[url.netloc] = Deferred()  # the host's other requests wait on it
            await self.fetch_robots(f"{url.scheme}://{url.netloc}/robots.txt", url.netloc,
                                    request)
            self.crawler.stats.inc_value("robotstxt/request_count")
        parser = parsers.get(url.netloc)  # gone: to be fetched again (see _robots_error)
        if isinstance(parser, Deferred):
            return await maybe_deferred_to_future(parser)
        return parser

    async def fetch_robots(self, robots_url: str, netloc: str, request: Request) -> None:
        """Download and parse the host's robots.txt (the scale-out add-on shares it too)."""
        try:
            response = await self.download_robots(robots_url)
        except Exception as exc:
            self._robots_error(exc, netloc)
            return
        await self._parse_robots(response, netloc, request)

    async def download_robots(self, robots_url: str) -> Response:
        assert self.crawler.engine is not None
        request = Request(robots_url, priority=self.DOWNLOAD_PRIORITY, callback=NO_CALLBACK,
                          meta={keys.DONT_OBEY_ROBOTSTXT: True, keys.ROBOTS_TXT: True,
                                keys.REDIRECT_TTL: ROBOTS_MAX_REDIRECTS})
        return await self.crawler.engine.download_async(request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if robots_verdict(response.status) == "disallow all":
            self._skip(netloc, unavailable_reason(str(response.status)))
        await super()._parse_robots(
            response.replace(body=robots_body(response.status, response.body)), netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if isinstance(exc, SiteSkipped):
            # The site's breaker is open: the requests waiting here go on and meet it, and the
            # robots.txt is asked for again by the next request (after the cool-off, it is sent)
            super()._robots_error(exc, netloc)
            del robots_parsers(self)[netloc]
            return
        if not isinstance(exc, IgnoreRequest):  # e.g. more redirects: allowed, as a 4xx
            if is_expected_failure(exc):  # the network's doing: the traceback is for DEBUG
                logger.debug("robots.txt of %s", netloc, exc_info=exc)
            else:  # a bug: disallowed all the same, but with its traceback
                logger.error("robots.txt of %s", netloc, exc_info=exc)
            self._skip(netloc, unavailable_reason(describe_exception(exc)))
        super()._robots_error(exc, netloc)

    def _skip(self, netloc: str, reason: str) -> None:
        self.unavailable[netloc] = (reason, netloc)
        self._mark_site(netloc)
        self.crawler.stats.inc_value(keys.ROBOTS_UNAVAILABLE)
        logger.warning("%s: %s", netloc, reason)
        self.crawler.signals.send_catch_log(news_signals.site_skipped, site=netloc,
                                            reason=reason)

    def _mark_site(self, netloc: str) -> None:
        self.unavailable_sites.add(site_key(urlsplit(f"//{netloc}").hostname or ""))

    def _bytes_received(self, data: bytes, request: Request, **_: Any) -> None:
        """Stop a robots.txt download at ``ROBOTS_MAX_BYTES``, keeping what came (the
        ``bytes_received`` signal is Scrapy's way to end a download early)."""
        if not request.meta.get(keys.ROBOTS_TXT):
            return
        received = self._received.get(request, 0) + len(data)
        self._received[request] = received
        if received >= ROBOTS_MAX_BYTES:
            raise StopDownload(fail=False)


def prefetch_robots(crawler: Crawler, urls: list[str]) -> list[asyncio.Task[Any]]:
    """Start fetching the first listed sites' robots.txt at once, through the robots.txt
    middleware (which keeps the parsers): for schedulers that do not fetch robots.txt first by
    themselves (``ROBOTSTXT_PREFETCH``).

    Otherwise a site's first request waits inside the downloader for its robots.txt, and
    both count against CONCURRENT_REQUESTS: with 10 of them, only 5 sites could start.
    """
    robots = _robots_middleware(crawler)
    if robots is None:
        return []
    first_url_per_site = {urlparse_cached(Request(url)).netloc: url for url in reversed(urls)}
    # These bypass the engine's CONCURRENT_REQUESTS check: never start more than it allows.
    room = crawler.settings.getint("CONCURRENT_REQUESTS")
    return [asyncio.ensure_future(robots.robot_parser(Request(url)))
            for url in list(first_url_per_site.values())[:room]]


async def robots_sitemaps(crawler: Crawler, url: str) -> list[str] | None:
    """The absolute URLs of the ``Sitemap:`` lines in the robots.txt of ``url``'s site.

    Read from the parser the robots.txt middleware keeps for the site (no second download:
    ``url`` itself went through it). None when no robots.txt was read: ``ROBOTSTXT_OBEY`` is
    off, or the download failed.
    """
    robots = _robots_middleware(crawler)
    if robots is None:
        return None
    request = Request(url)
    parser = await robots.robot_parser(request)
    if parser is None:
        return None
    parts = urlparse_cached(request)
    return [urljoin(f"{parts.scheme}://{parts.netloc}/robots.txt", line)
            for line in sitemap_lines(parser)]


def sitemap_lines(parser: RobotParser) -> list[str]:
    """``Sitemap:`` values as written. Scrapy's RobotParser interface has no accessor: this
    reads the library object of the two parsers that keep them (Protego, Scrapy's default,
    and the standard library's); any other ROBOTSTXT_PARSER gives none."""
    if isinstance(parser, ProtegoRobotParser):
        return [str(line) for line in parser.rp.sitemaps]
    if isinstance(parser, PythonRobotParser):
        return list(parser.rp.site_maps() or ())
    return []


def _robots_middleware(crawler: Crawler) -> RobotsTxtMiddleware | None:
    """The robots.txt middleware of this crawl (ours, or the scale-out add-on's subclass)."""
    if not crawler.settings.getbool("ROBOTSTXT_OBEY") or crawler.engine is None:
        return None
    return next((mw for mw in crawler.engine.downloader.middleware.middlewares
                 if isinstance(mw, RobotsTxtMiddleware)), None)
