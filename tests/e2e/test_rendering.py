"""JavaScript pages through scrapy-playwright and a real headless Chromium.

Nothing here is skipped when Chromium is missing: these tests then fail, loudly (CI installs the
browser). The crawls run the real `crawl` command against the simulated web's aggregator feed
on "delta", which lists the script-rendered page of "epsilon" (its body exists only after its
inline script runs), a static page of epsilon and two static pages of other sites.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.settings import Settings

from newscrawler import keys
from newscrawler import settings as project_settings
from newscrawler.rendering.browser import abort_request, should_abort, wait_for_text
from newscrawler.rendering.routing import (
    article_meta,
    browser_meta,
    browser_retry,
    should_retry_in_browser,
    wants_browser,
)
from newscrawler.sources.parsed import FeedEntry
from simweb import Site, demo_web, make_article, serve
from simweb.render import js_shell_html
from tests.support import FAST_SETTINGS, run_crawl

DELAY = float(FAST_SETTINGS["DOWNLOAD_DELAY"])
AGGREGATOR = ("delta", "/aggregator.xml")
# process names (/proc/PID/comm) of Chromium and of Playwright's driver
BROWSER_NAMES = ("chromium", "chrome", "headless_shell", "chrome-headless")
DRIVER_NAMES = ("node",)


def launch_options() -> dict:
    """The project's launch options; Playwright's own browser when Debian's is not installed."""
    options = dict(project_settings.PLAYWRIGHT_LAUNCH_OPTIONS)
    if not Path(options["executable_path"]).exists():
        options.pop("executable_path")  # `playwright install chromium` put one in its cache
    return options


CRAWL_SETTINGS = {"EXTRACT_WORKERS": "1",
                  "PLAYWRIGHT_LAUNCH_OPTIONS": json.dumps(launch_options())}


# --- watching for browser processes ----------------------------------------------------------


class BrowserProcessWatch:
    """Polls /proc for Chromium and Playwright driver processes under this test process."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.browsers: set[int] = set()
        self.drivers: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> BrowserProcessWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        root = os.getpid()
        while not self._stop.is_set():
            parents: dict[int, int] = {}
            names: dict[int, str] = {}
            for entry in os.scandir("/proc"):
                if not entry.name.isdigit():
                    continue
                try:
                    stat = Path(entry.path, "stat").read_text()
                except OSError:
                    continue  # gone already
                name, _, rest = stat.partition(" (")[2].rpartition(") ")
                names[int(entry.name)] = name
                parents[int(entry.name)] = int(rest.split()[1])
            for pid, name in names.items():
                if name.startswith(BROWSER_NAMES) and _descends(pid, root, parents):
                    self.browsers.add(pid)
                elif name.startswith(DRIVER_NAMES) and _descends(pid, root, parents):
                    self.drivers.add(pid)
            self._stop.wait(self.interval)


def _descends(pid: int, root: int, parents: dict[int, int]) -> bool:
    for _ in range(64):
        pid = parents.get(pid, 0)
        if pid == root:
            return True
        if pid <= 1:
            return False
    return False


# --- the crawls ------------------------------------------------------------------------------


def stat(log: str, name: str) -> int | None:
    match = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(match.group(1)) if match else None


def crawl_aggregator(workdir: Path, *, option: str = "", settings: dict | None = None):
    """One crawl of the aggregator feed; yields (running web, result, process watch)."""
    with serve(demo_web()) as running:
        (workdir / "feeds.txt").write_text(f"{running.url(*AGGREGATOR)}{option}\n",
                                           encoding="utf-8")
        with BrowserProcessWatch() as watch:
            result = run_crawl(workdir, "-a", "feeds=feeds.txt",
                               settings={**CRAWL_SETTINGS, **(settings or {})}, timeout=120)
        running.wait_idle()
        yield running, result, watch


def js_page(running):
    pages = [(site, page) for site in running.web.sites for page in site.pages.values()
             if page.render == "js"]
    assert len(pages) == 1
    site, page = pages[0]
    return running.url(site.name, page.path), page


def aggregator_pages(running) -> dict[str, tuple[str, str]]:
    """URL -> (site address, path) of every page the aggregator lists."""
    feed = running.web.site(AGGREGATOR[0]).feeds[AGGREGATOR[1]]
    return {running.url(e.site, e.path): (running.address(e.site), e.path)
            for e in feed.entries}


def requests_by_path(running) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for record in running.log.records():
        key = (record.host, record.path.split("?", 1)[0])
        counts[key] = counts.get(key, 0) + 1
    return counts


def assert_full_page_text(item: dict, page) -> None:
    assert item["text_source"] == "page", item
    paragraphs = item["text"].split("\n\n")
    for paragraph in page.paragraphs:
        assert paragraph in paragraphs


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Iterator:
    """render=js on the aggregator: its four articles are fetched by the browser."""
    yield from crawl_aggregator(tmp_path_factory.mktemp("rendered"), option=" render=js")


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> Iterator:
    """No render option, no fallback: the script page's text comes from the feed."""
    yield from crawl_aggregator(tmp_path_factory.mktemp("plain"))


@pytest.fixture(scope="module")
def fallback(tmp_path_factory) -> Iterator:
    """RENDER_JS_FALLBACK: the script page alone is fetched again, in the browser."""
    yield from crawl_aggregator(tmp_path_factory.mktemp("fallback"),
                                settings={"RENDER_JS_FALLBACK": "True"})


def test_rendered_js_article_has_its_full_text_from_the_page(rendered):
    running, result, processes = rendered
    assert result.returncode == 0, result.log[-3000:]
    assert processes.browsers, "no Chromium process was seen during a crawl that renders pages"
    assert processes.drivers, "no Playwright driver was seen during a crawl that renders pages"
    url, page = js_page(running)
    assert_full_page_text(result.by_url[url], page)
    assert set(result.by_url) == set(aggregator_pages(running))
    assert all(item["text_source"] == "page" for item in result.items)
    assert "articles: 4 written (4 page text, 0 feed fallback)" in result.summary()


def test_only_article_pages_go_through_the_browser_and_pages_are_closed(rendered):
    running, result, _ = rendered
    pages = aggregator_pages(running)
    assert stat(result.log, "playwright/request_count/navigation") == len(pages)
    assert stat(result.log, "playwright/page_count") == len(pages)
    assert stat(result.log, "playwright/page_count/closed") == len(pages)
    assert stat(result.log, "playwright/page_count/max_concurrent") <= (
        project_settings.PLAYWRIGHT_MAX_PAGES_PER_CONTEXT)
    # Every request the sites saw: robots.txt and the feed (Scrapy's downloader) and each page
    # once (the browser). Images and CSS were aborted, and the page script asks for nothing.
    expected = {(running.address(AGGREGATOR[0]), AGGREGATOR[1]): 1}
    for address, path in pages.values():
        expected[(address, "/robots.txt")] = 1
        expected[(address, path)] = 1
    assert requests_by_path(running) == expected


def test_rendered_page_requests_keep_the_download_delay_per_site(rendered):
    running, _result, _ = rendered
    page_paths = {path for _address, path in aggregator_pages(running).values()}
    gaps = running.log.min_gap_by_host(paths=page_paths)
    assert running.address("epsilon") in gaps, "epsilon's two pages should both be rendered"
    assert min(gaps.values()) >= DELAY, gaps


def test_without_rendering_the_js_article_falls_back_to_the_feed_and_no_browser_starts(plain):
    running, result, processes = plain
    assert result.returncode == 0, result.log[-3000:]
    url, page = js_page(running)
    item = result.by_url[url]
    assert item["text_source"] == "feed"
    assert page.paragraphs[0] in item["text"]
    assert "feed fallback (page gave no usable text): 1" in result.summary()
    # the browser handler is installed, yet nothing is launched without a page to render
    assert not processes.browsers, f"Chromium started for nothing: {processes.browsers}"
    assert not processes.drivers, f"Playwright's driver started for nothing: {processes.drivers}"
    assert "Launching browser" not in result.log
    assert "Starting download handler" not in result.log
    assert stat(result.log, "playwright/page_count") is None


def test_fallback_renders_the_script_page_once_more_in_the_browser(fallback):
    running, result, processes = fallback
    assert result.returncode == 0, result.log[-3000:]
    url, page = js_page(running)
    item = result.by_url[url]
    assert_full_page_text(item, page)
    # the browser request carried the same cb_kwargs: entry, feed URL, category
    assert item["feed_url"] == running.url(*AGGREGATOR)
    assert item["title"] == page.title
    assert processes.browsers
    assert stat(result.log, "newscrawler/render_fallback") == 1
    assert stat(result.log, "playwright/page_count") == 1
    counts = requests_by_path(running)
    pages = aggregator_pages(running)
    for page_url, key in pages.items():
        assert counts[key] == (2 if page_url == url else 1), (page_url, counts)
    assert len(result.items) == len(pages) == len(set(result.by_url))
    assert all(item["text_source"] == "page" for item in result.items)


# --- the predicates --------------------------------------------------------------------------


def settings_with(**values: object) -> Settings:
    settings = Settings()
    settings.setmodule(project_settings)
    settings.update(values)
    return settings


@pytest.mark.parametrize(
    ("url", "render", "domains", "expected"),
    [
        ("https://www.example.com/a", "js", [], True),
        ("https://www.example.com/a", "static", ["example.com"], False),
        ("https://www.example.com/a", None, ["example.com"], True),
        ("https://news.example.com/a", None, ["www.example.com"], True),  # same site
        ("https://example.org/a", None, ["example.com"], False),
        ("https://notexample.com/a", None, ["example.com"], False),
        ("https://www.bbc.co.uk/news/1", None, ["bbc.co.uk"], True),
        ("https://feeds.bbci.co.uk/news/1", None, ["bbc.co.uk"], False),
        ("https://WWW.Example.COM/a", None, ["EXAMPLE.com "], True),
        ("http://127.0.0.6:8080/a", None, ["127.0.0.6"], True),
        ("https://b.example.org/a", None, "example.com, example.org", True),  # -s form
        ("https://www.example.com/a", None, [], False),
    ],
)
def test_wants_browser(url, render, domains, expected):
    assert wants_browser(url, render, settings_with(RENDER_JS_DOMAINS=domains)) is expected


def test_article_meta_adds_the_browser_only_when_wanted():
    settings = settings_with(RENDER_JS_DOMAINS=["example.com"])
    assert article_meta("https://example.org/a", None, settings) == {keys.RENDER: None}
    assert article_meta("https://example.com/a", "static", settings) == {keys.RENDER: "static"}
    meta = article_meta("https://example.com/a", None, settings)
    assert meta["playwright"] is True and meta["playwright_include_page"] is False
    methods = browser_meta(settings)["playwright_page_methods"]
    assert [m.method for m in methods] == [wait_for_text]
    assert methods[0].args[0] == settings.getint("MIN_PAGE_TEXT_CHARS")


SHELL_URL = "http://127.0.0.6/tech/app.html"
SHELL = js_shell_html(Site("epsilon"), make_article("epsilon", 0, seed=0,
                                                    base=datetime(2025, 1, 1, tzinfo=UTC)),
                      SHELL_URL).encode()
BRIEF = (b"<html><body><article><h1>Storm warning</h1><p>Heavy rain is expected tonight in "
         b"the north; the weather service asks drivers to stay home.</p></article></body></html>")


@pytest.mark.parametrize(
    ("enabled", "meta", "html", "text", "expected"),
    [
        (True, {}, SHELL, None, True),
        (True, {}, SHELL, "Loading", True),
        (False, {}, SHELL, None, False),                      # the setting is off
        (True, {"playwright": True}, SHELL, None, False),     # came from the browser already
        (True, {keys.RENDER_FALLBACK: True}, SHELL, None, False),    # the one retry was made
        (True, {keys.RENDER: "static"}, SHELL, None, False),  # the feed list said no browser
        (True, {}, SHELL, "x" * 200, False),                  # enough text
        (True, {}, BRIEF, "Heavy rain is expected tonight.", False),  # server-rendered brief
    ],
)
def test_should_retry_in_browser(enabled, meta, html, text, expected):
    response = HtmlResponse(SHELL_URL, body=html, request=Request(SHELL_URL, meta=meta))
    settings = settings_with(RENDER_JS_FALLBACK=enabled)
    assert should_retry_in_browser(response, text, settings) is expected


def test_browser_retry_keeps_callback_and_cb_kwargs_and_cannot_loop():
    def callback(response, **kwargs):
        return None

    entry = FeedEntry(link=SHELL_URL, title="A title")
    cb_kwargs = {"entry": entry, "feed_url": "http://127.0.0.5/aggregator.xml", "category": "x"}
    original = Request(SHELL_URL, callback=callback, errback=callback, priority=3,
                       cb_kwargs=cb_kwargs,
                       meta={keys.RENDER: None, "listed_by": "http://127.0.0.5/agg.xml",
                             "download_slot": "127.0.0.6", "retry_times": 2,
                             "download_latency": 0.2})
    settings = settings_with(RENDER_JS_FALLBACK=True)
    retry = browser_retry(original, settings)
    assert (retry.url, retry.callback, retry.errback, retry.priority) == (
        original.url, callback, callback, 3)
    assert retry.cb_kwargs == cb_kwargs and retry.cb_kwargs is not original.cb_kwargs
    assert retry.dont_filter and retry.meta["playwright"] and retry.meta[keys.RENDER_FALLBACK]
    assert retry.meta["listed_by"] == "http://127.0.0.5/agg.xml"  # the address rule still applies
    assert "retry_times" not in retry.meta and "download_latency" not in retry.meta
    # what the browser brings back is never sent to the browser again
    rendered = HtmlResponse(SHELL_URL, body=SHELL, request=retry)
    assert not should_retry_in_browser(rendered, None, settings)


@pytest.mark.parametrize(
    ("resource_type", "url", "expected"),
    [
        ("image", "https://example.com/photo.jpg", True),
        ("font", "https://fonts.example.net/a.woff2", True),
        ("media", "https://example.com/clip.mp4", True),
        ("stylesheet", "https://example.com/site.css", True),
        ("script", "https://example.com/app.js", False),
        ("xhr", "https://example.com/api/article/1", False),
        ("fetch", "https://api.example.com/article/1", False),
        ("document", "https://example.com/embed", False),
        ("script", "https://www.googletagmanager.com/gtm.js", True),
        ("xhr", "https://stats.g.doubleclick.net/collect", True),
        ("script", "https://connect.facebook.net/en_US/sdk.js", True),
        ("script", "https://notdoubleclick.net/app.js", False),
        ("script", "https://cdn.example.com/scorecardresearch.com.js", False),
    ],
)
def test_should_abort(resource_type, url, expected):
    assert should_abort(resource_type, url) is expected


def fake_request(url: str, resource_type: str, page_url: str, navigation: bool = False):
    return SimpleNamespace(url=url, resource_type=resource_type,
                           is_navigation_request=lambda: navigation,
                           frame=SimpleNamespace(page=SimpleNamespace(url=page_url)))


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        # the article itself, before the page has a URL: checked by the downloader already
        (fake_request("http://127.0.0.6/a", "document", "about:blank", True), False),
        (fake_request("http://127.0.0.6/app.js", "script", "http://127.0.0.6/a"), False),
        (fake_request("http://127.0.0.6/logo.png", "image", "http://127.0.0.6/a"), True),
        (fake_request("http://127.0.0.1/admin", "xhr", "http://127.0.0.6/a"), False),  # loopback
        (fake_request("http://169.254.169.254/latest/meta-data", "fetch", "http://8.8.8.8/a"),
         True),
        (fake_request("http://10.0.0.1/", "document", "http://8.8.8.8/a", True), True),
        (fake_request("http://[::1]:8080/", "xhr", "http://8.8.8.8/a"), True),
        (fake_request("http://8.8.4.4/app.js", "script", "http://8.8.8.8/a"), False),
        (fake_request("https://www.google-analytics.com/g", "script", "http://8.8.8.8/a"), True),
    ],
)
def test_abort_request(request_, expected):
    assert asyncio.run(abort_request(request_)) is expected


def test_wait_for_text_waits_for_script_inserted_text_and_never_raises():
    from playwright.async_api import async_playwright

    late = ("<body><div id=root></div><script>setTimeout(() => {"
            "document.getElementById('root').textContent = 'word '.repeat(60)}, 300)</script>")

    async def main() -> tuple[int, float]:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(**launch_options())
            try:
                page = await browser.new_page()
                await page.set_content(late)
                await wait_for_text(page, 200, 5_000)
                shown = len(await page.inner_text("body"))
                await page.set_content("<body><p>short</p></body>")
                started = asyncio.get_running_loop().time()
                await wait_for_text(page, 200, 300)  # times out quietly
                return shown, asyncio.get_running_loop().time() - started
            finally:
                await browser.close()

    shown, waited = asyncio.run(main())
    assert shown >= 200
    assert 0.25 <= waited < 3
