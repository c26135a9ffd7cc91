"""Which article requests go through the headless browser: small predicates the spider calls.

* :func:`article_meta` (with :func:`wants_browser` and :func:`browser_meta`): the meta of an
  article request -- the feed list's ``render`` option, plus the browser meta when wanted;
* :func:`should_retry_in_browser` and :func:`browser_retry`: with ``RENDER_JS_FALLBACK``, a
  static page that gave (almost) no text and looks like a script app is fetched once more in
  the browser.

Browser requests still go through the downloader slots, so the per-site delay and concurrency
apply to them like to any page (docs/rendering.md).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from newscrawler import keys
from newscrawler.extraction.shells import looks_script_rendered
from newscrawler.rendering.browser import TEXT_WAIT_MS, wait_for_text
from newscrawler.utils.urls import site_key

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

__all__ = ["article_meta", "browser_meta", "browser_retry", "js_domains",
           "should_retry_in_browser", "wants_browser"]

LOGGER = logging.getLogger(__name__)


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
        keys.PLAYWRIGHT: True,
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
    meta: dict[str, Any] = {keys.RENDER: render}
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
    if (meta.get(keys.PLAYWRIGHT) or meta.get(keys.RENDER_FALLBACK)
            or meta.get(keys.RENDER) == "static"):
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

    ``dont_filter`` because the URL was seen already; ``keys.RENDER_FALLBACK`` (and the browser
    meta itself) make :func:`should_retry_in_browser` say no the second time: no loop.
    """
    meta = {key: value for key, value in request.meta.items() if key not in _PER_DOWNLOAD_META}
    meta.update(browser_meta(settings))
    meta[keys.RENDER_FALLBACK] = True
    return request.replace(meta=meta, cb_kwargs=dict(request.cb_kwargs), dont_filter=True)
