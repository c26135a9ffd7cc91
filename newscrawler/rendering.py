"""JavaScript rendering: which article requests go through a headless browser, and how.

scrapy-playwright's download handler is installed for http and https (``settings.py``), but it
only drives the browser for requests whose meta says ``playwright: True``; every other request
(feeds, robots.txt, ordinary articles) is passed on to Scrapy's own HTTP/1.1 handler. Browser
requests still go through the downloader slots, so the per-site delay and concurrency apply to
them like to any page. The decisions live here as small predicates; the spider only calls them:

* :func:`article_meta` (with :func:`wants_browser` and :func:`browser_meta`): the meta of an
  article request -- the feed list's ``render`` option, plus the browser meta when wanted;
* :func:`should_retry_in_browser` and :func:`browser_retry`: with ``RENDER_JS_FALLBACK``, a
  static page that gave (almost) no text and looks like a script app is fetched once more in
  the browser;
* :func:`abort_request` (``PLAYWRIGHT_ABORT_REQUEST``): what the browser does not download;
* :class:`BrowserDownloadHandler`: scrapy-playwright's handler, starting Playwright only when
  a page is to be rendered.

scrapy-playwright is an optional dependency (``pip install newscrawler[js]``): without it
there is no handler to install and pages to render are fetched without a browser.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import socket
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from newscrawler.addresses import address_class, may_follow
from newscrawler.extraction import looks_script_rendered
from newscrawler.urls import site_key

if TYPE_CHECKING:
    from playwright.async_api import Page
    from playwright.async_api import Request as BrowserRequest
    from scrapy import Request
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

__all__ = [
    "ABORTED_RESOURCE_TYPES",
    "FALLBACK_META",
    "RENDER_META",
    "TRACKER_DOMAINS",
    "abort_request",
    "article_meta",
    "browser_meta",
    "browser_retry",
    "js_domains",
    "should_abort",
    "should_retry_in_browser",
    "wait_for_text",
    "wants_browser",
]

LOGGER = logging.getLogger(__name__)

RENDER_META = "render"             # request meta: the feed list's render option ("js", "static")
FALLBACK_META = "render_fallback"  # request meta: this is the one browser retry of a static page
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


# --- which requests go through the browser -----------------------------------------------


def js_domains(settings: BaseSettings) -> frozenset[str]:
    """``RENDER_JS_DOMAINS`` as registrable domains (``www.example.com`` counts as example.com)."""
    return frozenset(
        site_key(domain.strip().lower())
        for domain in settings.getlist("RENDER_JS_DOMAINS")
        if domain.strip()
    )


def wants_browser(url: str, render: str | None, settings: BaseSettings) -> bool:
    """Whether the article at ``url`` is fetched with the browser.

    The feed list's option wins: ``render=js`` yes, ``render=static`` no. Without it, the
    article's site (registrable domain) decides: listed in ``RENDER_JS_DOMAINS`` or not.
    """
    if render is not None:
        return render == "js"
    host = urlsplit(url).hostname
    return bool(host) and site_key(host) in js_domains(settings)


def browser_meta(settings: BaseSettings) -> dict[str, Any]:
    """Request meta that makes scrapy-playwright fetch the request with the browser.

    The page is closed by the handler once its HTML is read (``playwright_include_page`` is
    False), and :func:`wait_for_text` gives a script app time to insert its body first.
    """
    try:
        from scrapy_playwright.page import PageMethod
    except ImportError:
        _warn_once("pages to render are fetched without a browser: scrapy-playwright is not "
                   "installed (pip install newscrawler[js])")
        return {}
    min_chars = settings.getint("MIN_PAGE_TEXT_CHARS")
    return {
        "playwright": True,
        "playwright_include_page": False,
        "playwright_page_methods": [PageMethod(wait_for_text, min_chars, TEXT_WAIT_MS)],
    }


_WARNED: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _WARNED:
        _WARNED.add(message)
        LOGGER.warning(message)


def article_meta(url: str, render: str | None, settings: BaseSettings) -> dict[str, Any]:
    """The rendering part of an article request's meta."""
    meta: dict[str, Any] = {RENDER_META: render}
    if wants_browser(url, render, settings):
        meta.update(browser_meta(settings))
    return meta


# --- automatic fallback: a static page that turns out to be a script app -------------------


def should_retry_in_browser(
    response: Response, page_text: str | None, settings: BaseSettings
) -> bool:
    """Whether to fetch ``response``'s page again, in the browser, instead of using it.

    Only with ``RENDER_JS_FALLBACK``; never for a page that already came from the browser or
    whose feed says ``render=static``; only when the page gave less than
    ``MIN_PAGE_TEXT_CHARS`` of text AND its HTML looks like a script app (the cheap tests come
    first: that last one parses the HTML).
    """
    if not settings.getbool("RENDER_JS_FALLBACK"):
        return False
    meta = response.meta
    if meta.get("playwright") or meta.get(FALLBACK_META) or meta.get(RENDER_META) == "static":
        return False
    if page_text and len(page_text) >= settings.getint("MIN_PAGE_TEXT_CHARS"):
        return False
    return looks_script_rendered(response.body, page_text)


# What Scrapy's middlewares wrote into the meta about the first download: not carried over. The
# rest is (the feed that listed the article for the address rule, the site's download slot...).
_PER_DOWNLOAD_META = frozenset({
    "download_latency", "download_timeout", "retry_times", "redirect_times", "redirect_ttl",
    "redirect_urls", "redirect_reasons",
})


def browser_retry(request: Request, settings: BaseSettings) -> Request:
    """``request`` once more, through the browser: same URL, callback and cb_kwargs.

    ``dont_filter`` because the URL was seen already; :data:`FALLBACK_META` (and the browser
    meta itself) make :func:`should_retry_in_browser` say no the second time: no loop.
    """
    meta = {key: value for key, value in request.meta.items() if key not in _PER_DOWNLOAD_META}
    meta.update(browser_meta(settings))
    meta[FALLBACK_META] = True
    return request.replace(meta=meta, cb_kwargs=dict(request.cb_kwargs), dont_filter=True)


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

    Besides :func:`should_abort`, the address rule of ``newscrawler.safety`` is applied to
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


# --- the download handler ------------------------------------------------------------------

if importlib.util.find_spec("scrapy_playwright") is not None:
    from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

    class BrowserDownloadHandler(ScrapyPlaywrightDownloadHandler):
        """scrapy-playwright's handler, with Playwright's driver started on first use.

        The stock handler (0.0.48) starts the driver, a node process of about 120 MB, when the
        engine starts, in every crawl and once per scheme; Chromium itself it already launches
        lazily, on the first page. Here the driver waits for the first browser request too, so
        a crawl without pages to render starts neither (tests/test_rendering.py checks the
        process tree). This overrides two private methods of scrapy-playwright: pin its version.
        """

        _driver_lock: asyncio.Lock | None = None
        _driver_started = False

        def _engine_started(self) -> None:  # type: ignore[override]  # Scrapy < 2.14
            return None

        async def _maybe_launch_in_thread(self) -> None:  # engine_started: nothing to start
            return None

        async def _download_request(self, request: Request, spider: Any = None) -> Response:
            if not self._driver_started:
                if self._driver_lock is None:
                    self._driver_lock = asyncio.Lock()
                async with self._driver_lock:
                    if not self._driver_started:
                        await self._launch()
                        self._driver_started = True
            return await super()._download_request(request, spider)
