"""Downloader middleware: a feed may not point the crawler at the machine's own networks.

Article links come from feeds, i.e. from strangers. A link to ``http://169.254.169.254/`` (a
cloud's metadata service) or to ``http://127.0.0.1:6379/`` would make the crawler fetch from
inside the network and write what it got into the output. The check is made on the address
the host name resolves to, through the reactor's resolver: Scrapy's caching resolver then
hands the connection the same answer, so a name cannot resolve to a public address for the
check and to a private one for the fetch.

Feeds themselves are exempt: the user listed them. See ``addresses.may_follow`` for the rule.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import error

from newscrawler import keys
from newscrawler.safety.addresses import address_class, may_follow
from newscrawler.utils.urls import is_fetchable_parts

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["AddressSafetyMiddleware", "BlockedAddress", "is_refused_peer"]


class BlockedAddress(IgnoreRequest):
    """The request would reach an address the crawler is not allowed to fetch from."""


def is_refused_peer(request: Request, response: Response, allow_private: bool) -> bool:
    """Whether the address ``response`` came from breaks the address rule for ``request``
    (the WARC capture asks too: what the rule refuses is not kept anywhere)."""
    peer = response.ip_address
    return not (peer is None or keys.LISTED_BY_ADDRESS not in request.meta or allow_private
                or may_follow(str(peer), request.meta[keys.LISTED_BY_ADDRESS]))


class AddressSafetyMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.allow_private = crawler.settings.getbool("ALLOW_PRIVATE_ADDRESSES")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressSafetyMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        if not _is_fetchable(request):
            raise BlockedAddress(f"not an http(s) URL: {request.url[:100]}")
        reason = await self._blocked(request)
        if reason is not None:
            self.crawler.stats.inc_value(keys.BLOCKED_ADDRESS)
            raise BlockedAddress(reason)

    async def may_fetch(self, request: Request) -> bool:
        """Whether ``process_request`` lets ``request`` through (nothing is counted)."""
        return _is_fetchable(request) and await self._blocked(request) is None

    async def _blocked(self, request: Request) -> str | None:
        # Resolved for every request, before it enters its site's slot: Scrapy's resolver
        # caches the answer, so the connection does not wait for a resolver thread (under
        # load, tenths of a second) after the slot's delay clock has started. Late sends
        # would shrink the gap the site sees to its next request.
        target = await self._resolve(urlparse_cached(request).hostname or "")
        listed_by = request.meta.get(keys.LISTED_BY)
        if listed_by is None or self.allow_private:
            return None
        if target is None:
            return None  # unresolvable: the download fails with a DNS error, reported as such
        source = await self._resolve(_listing_host(listed_by))
        request.meta[keys.LISTED_BY_ADDRESS] = source
        if may_follow(target, source):
            return None
        return (f"blocked: {address_class(target)} address {target} listed by a feed on "
                f"{address_class(source) if source else 'an unknown'} address")

    def process_response(self, request: Request, response: Response) -> Response:
        """Check the address the response really came from as well: a browser follows
        redirects by itself, and DNS may answer differently the second time."""
        if not is_refused_peer(request, response, self.allow_private):
            return response
        self.crawler.stats.inc_value(keys.BLOCKED_ADDRESS)
        peer = str(response.ip_address)
        raise BlockedAddress(f"blocked: the response came from {address_class(peer)} "
                             f"address {peer}")

    async def _resolve(self, host: str) -> str | None:
        from twisted.internet import reactor

        host = host.strip("[]")
        if address_class(host) != "invalid":
            # An address needs no resolver; Scrapy's would take a trip through its thread pool
            # (and cannot take IPv6). Odd spellings ("2130706433") are not literals here: the
            # resolver turns them into the address the connection will use.
            return host
        try:
            return await maybe_deferred_to_future(reactor.resolve(host))  # type: ignore[attr-defined]
        except (error.DNSLookupError, OSError):
            return None


def _is_fetchable(request: Request) -> bool:
    """``is_fetchable_url(request.url)``, read from the parse Scrapy caches for the request
    (its other middlewares parse the same URL): an absolute http(s) URL with a host."""
    try:
        return is_fetchable_parts(urlparse_cached(request))
    except ValueError:
        return False


# A feed lists many articles: its host is read once, not once an article (building the
# Request that makes the URL safe as Scrapy does took 6 us of ~25 us this middleware costs).
@lru_cache(maxsize=1024)
def _listing_host(url: str) -> str:
    """The host of the source that listed a link, as a request to it would name it."""
    return urlparse_cached(Request(url)).hostname or ""
