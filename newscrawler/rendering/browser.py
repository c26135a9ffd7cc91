"""Inside the browser: what a rendered page may download, and when its text is there.

:func:`abort_request` is ``PLAYWRIGHT_ABORT_REQUEST``; :func:`wait_for_text` runs as a page
method of every rendered article.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from newscrawler.safety.addresses import address_class, may_follow

if TYPE_CHECKING:
    from playwright.async_api import Page
    from playwright.async_api import Request as BrowserRequest

__all__ = ["ABORTED_RESOURCE_TYPES", "TEXT_WAIT_MS", "TRACKER_DOMAINS", "abort_request",
           "should_abort", "wait_for_text"]

LOGGER = logging.getLogger(__name__)

# How long the browser waits, after the load event, for the page's text to appear (ms). A page
# that stays short is taken as it is then: extraction decides, not a timeout error.
TEXT_WAIT_MS = 10_000
# What the browser never downloads for a page: the text needs none of it, and every subrequest
# to the article's own host is one more request to that site that the download delay does not
# space out. Scripts and XHR/fetch stay allowed: the page's own scripts build the body.
ABORTED_RESOURCE_TYPES = frozenset(
    {"image", "font", "media", "stylesheet", "texttrack", "manifest"}
)
# Analytics, ad and tracking hosts (a host or any subdomain of it): requests to them are
# aborted. Their scripts only report on the visit; no article body depends on them.
TRACKER_DOMAINS = frozenset({
    "google-analytics.com", "googletagmanager.com", "googletagservices.com",
    "googlesyndication.com", "googleadservices.com", "doubleclick.net",
    "adservice.google.com", "connect.facebook.net", "scorecardresearch.com",
    "chartbeat.com", "chartbeat.net", "quantserve.com", "hotjar.com", "clarity.ms",
    "bat.bing.com", "segment.com", "segment.io", "amplitude.com", "mixpanel.com",
    "nr-data.net", "criteo.com", "criteo.net", "taboola.com", "outbrain.com",
    "amazon-adsystem.com", "adnxs.com", "moatads.com", "parsely.com", "parse.ly",
    "permutive.com", "krxd.net", "tiqcdn.com", "cxense.com", "ioam.de",
})


# --- inside the browser --------------------------------------------------------------------


async def wait_for_text(page: Page, min_chars: int, timeout_ms: float) -> None:
    """Wait until the page shows ``min_chars`` characters of text, or ``timeout_ms`` passed.

    ``innerText`` counts only what is rendered: not the scripts, not a ``<noscript>``.
    A timeout is not an error: the HTML is taken as it is and extraction decides.
    """
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    try:
        await page.wait_for_function(
            "(n) => document.body !== null && document.body.innerText.length >= n",
            arg=min_chars, timeout=timeout_ms, polling=100,  # ms; innerText costs a layout
        )
    except PlaywrightTimeout:
        LOGGER.debug("%s: less than %d characters of text after %d ms", page.url, min_chars,
                     timeout_ms)


def should_abort(resource_type: str, url: str) -> bool:
    """Whether the browser skips a subrequest: images, fonts, media, CSS, and tracker hosts."""
    if resource_type in ABORTED_RESOURCE_TYPES:
        return True
    host = (urlsplit(url).hostname or "").rstrip(".")
    return any(host == domain or host.endswith("." + domain) for domain in TRACKER_DOMAINS)


async def abort_request(request: BrowserRequest) -> bool:
    """``PLAYWRIGHT_ABORT_REQUEST``: True aborts a request the page (or its scripts) makes.

    Besides :func:`should_abort`, the address rule (``safety/middleware.py``) is applied to
    what the page asks for: a page may not make the browser reach an address of another
    network class than its own (a public page reaching 169.254.169.254 or 127.0.0.1). The
    article request itself was checked by the downloader middleware already. Note that
    Playwright does not route redirects: a server redirect is followed by the browser itself.
    """
    if not request.is_navigation_request() and should_abort(request.resource_type, request.url):
        return True
    try:
        page_url = request.frame.page.url
    except Exception:  # a service worker's request has no frame; Playwright raises then
        page_url = ""
    if not page_url.startswith(("http://", "https://")):
        return False  # the article request itself (the page shows about:blank until then)
    target = await _resolve(urlsplit(request.url).hostname or "")
    if target is None:
        return False  # unresolvable: the browser's own lookup fails the same way
    source = await _resolve(urlsplit(page_url).hostname or "")
    if may_follow(target, source):
        return False
    LOGGER.info("browser request blocked: %s address %s asked for by %s",
                address_class(target), target, page_url)
    return True


_RESOLVED: dict[str, str | None] = {}  # host name -> first address; a page asks many times
_RESOLVED_MAX = 1024


async def _resolve(host: str) -> str | None:
    """The address ``host`` names (itself for an IP literal), or None if it does not resolve."""
    host = host.strip("[]").lower()
    if not host or address_class(host) != "invalid":
        return host or None
    if host in _RESOLVED:
        return _RESOLVED[host]
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
        address = str(infos[0][4][0]) if infos else None
    except (OSError, UnicodeError):
        address = None
    if len(_RESOLVED) >= _RESOLVED_MAX:
        _RESOLVED.clear()
    _RESOLVED[host] = address
    return address
