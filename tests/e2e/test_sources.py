"""More ways in: news sitemaps, sitemaps and indexes, JSON Feed, a bare home page; the filters.

Every crawl here lists one source of each kind (simweb's `sources_web`) or the broken sitemaps
(`bad_sitemaps_web`), and what is asserted is what a user sees: the output, the run summary
and the requests the sites received.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from simweb import bad_sitemaps_web, serve, source_urls, sources_web
from simweb.sourcewebs import BAD_SITEMAP_PATHS, HUGE_BEYOND_CAP_AT
from tests.support import run_crawl, run_in_network_namespace


def paths_requested(running, site: str) -> list[str]:
    return [r.path for r in running.log.for_host(running.address(site))]


def crawl_sources(workdir, *args: str, web=None, settings=None, output="out.jsonl"):
    """Serve `web` (default: a new sources_web), crawl every source of it, return both."""
    web = web or sources_web()
    with serve(web) as running:
        (workdir / "sources.txt").write_text("\n".join(source_urls(running)) + "\n")
        result = run_crawl(workdir, "-a", "feeds=sources.txt", *args, output=output,
                           settings=settings)
        running.wait_idle()
    return running, result


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    return crawl_sources(tmp_path_factory.mktemp("mixed"))


def test_every_recent_article_of_every_kind_of_source_is_written_once(mixed):
    running, result = mixed
    assert result.returncode == 0, result.log[-3000:]
    urls = [item["url"] for item in result.items]
    assert len(urls) == len(set(urls))
    assert set(urls) == running.expected_urls()
    assert {urlsplit(u).hostname for u in urls} == {running.address(s) for s in (
        "gazette", "wire", "ledger", "digest", "courier", "herald")}


def test_news_sitemap_articles_carry_title_date_language_tags_and_publisher(mixed):
    running, result = mixed
    checked = 0
    for item in result.items:
        if urlsplit(item["feed_url"]).path != "/news/sitemap-today.xml.gz":
            continue
        _site, page = running.page_for_url(item["url"])
        assert item["title"] == page.title
        assert item["published"] == datetime.fromisoformat(page.published).astimezone(
            UTC).isoformat()
        assert item["language"] == "en"
        assert set(page.tags) <= set(item["tags"])
        assert item["publisher"] == "The Herald"
        checked += 1
    assert checked == 4


def test_json_feed_content_stands_in_for_a_script_app_page(mixed):
    running, result = mixed
    app = [p for p in running.web.site("courier").pages.values() if p.render == "js"]
    item = result.by_url[running.url("courier", app[0].path)]
    assert item["text_source"] == "feed" and app[0].paragraphs[0] in item["text"]


def test_robots_txt_applies_to_the_urls_of_a_sitemap(mixed):
    running, result = mixed
    assert not [p for p in paths_requested(running, "herald") if p.startswith("/private/")]
    assert (f"failed article {running.url('herald', '/private/embargoed.html')}: forbidden by "
            "robots.txt") in result.summary()


def test_feed_url_names_the_sitemap_or_json_feed_that_listed_the_article(mixed):
    running, result = mixed
    by_site = {}
    for item in result.items:
        by_site.setdefault(urlsplit(item["url"]).hostname, set()).add(item["feed_url"])
    assert by_site[running.address("herald")] == {
        running.url("herald", "/news/sitemap-today.xml.gz")}
    assert by_site[running.address("digest")] == {running.url("digest", "/sitemaps/recent.xml")}
    assert by_site[running.address("courier")] == {running.url("courier", "/feed.json")}
    assert by_site[running.address("wire")] == {running.url("wire", "/news-sitemap.xml")}


def test_old_child_sitemaps_and_old_urls_are_never_requested(mixed):
    running, _result = mixed
    herald = paths_requested(running, "herald")
    assert "/news/sitemap-2019-05.xml" not in herald
    assert "/sitemap.xml" not in herald            # robots.txt names a news sitemap: preferred
    assert herald.count("/news/sitemap_index.xml") == 1  # it lists itself: read once
    assert "/sitemaps/2019-05.xml" not in paths_requested(running, "digest")
    expected = running.expected_urls()
    for site in ("wire", "ledger", "digest", "herald"):
        for path in paths_requested(running, site):
            if path.endswith(".html"):
                assert running.url(site, path) in expected, f"{site}{path} is old or undated"


def test_the_summary_names_each_sources_kind_and_what_was_not_requested(mixed):
    running, result = mixed
    summary = result.summary()
    assert "feeds: 6 ok, 0 failed, 0 not modified, of 6 listed" in summary
    for url, kind in [
        (running.url("gazette", "/rss.xml"), "RSS feed, 4 entries"),
        (running.url("wire", "/news-sitemap.xml"), "news sitemap, 6 entries"),
        (running.url("ledger", "/sitemap.xml"), "sitemap, 7 entries"),
        (running.url("digest", "/sitemap_index.xml"),
         "sitemap index -> sitemap, 2 documents, 3 entries"),
        (running.url("courier", "/feed.json"), "JSON Feed, 3 entries"),
        (running.url("herald", "/"),
         "HTML page -> sitemap index -> news sitemap, 3 documents, 5 entries"),
    ]:
        assert f"    {url}: {kind}" in summary
    assert ("not requested: child sitemap outside the window 2, child sitemap that is an index "
            "above it 1, outside the sitemap window 5, undated sitemap URL 1") in summary


def test_a_second_run_gets_304_for_sitemaps_and_requests_no_article_again(tmp_path):
    web = sources_web()
    with serve(web) as running:
        (tmp_path / "sources.txt").write_text("\n".join(source_urls(running)) + "\n")
        first = run_crawl(tmp_path, "-a", "feeds=sources.txt", output="one.jsonl")
        running.wait_idle()
        running.log.clear()
        # due=all: every source is polled again at once, though none is due yet
        second = run_crawl(tmp_path, "-a", "feeds=sources.txt", "-a", "due=all",
                           output="two.jsonl")
        running.wait_idle()
        records = running.log.records()
    assert first.returncode == 0 and second.returncode == 0, second.log[-3000:]
    sitemap_hits = [r for r in records if "sitemap" in r.path]
    assert sitemap_hits and all(r.status == 304 for r in sitemap_hits), sitemap_hits
    assert [r.path for r in records if r.path.endswith(".html")] == []
    assert second.items == []
    assert "feeds: 0 ok, 0 failed, 6 not modified, of 6 listed" in second.summary()


def test_filters_since_languages_and_max_per_source(tmp_path):
    web = sources_web()
    running, result = crawl_sources(
        tmp_path, "-a", "since=10h", "-a", "languages=en", "-a", "max_per_source=2", web=web)
    assert result.returncode == 0, result.log[-3000:]
    since = datetime.now(UTC) - timedelta(hours=10)
    per_source: dict[str, list[dict]] = {}
    for item in result.items:
        assert datetime.fromisoformat(item["published"]) >= since - timedelta(minutes=5)
        assert item["language"] == "en"
        per_source.setdefault(item["feed_url"], []).append(item)
    assert per_source and all(len(items) <= 2 for items in per_source.values())
    # the news sitemap: 1 h, 4 h, 8 h old in English; 6 h declared French (never requested)
    wire = web.site("wire")
    english = sorted((p for p in wire.pages.values() if p.lang == "en"
                      and datetime.fromisoformat(p.published) >= since),
                     key=lambda p: p.published, reverse=True)
    wanted = {running.url("wire", p.path) for p in english[:2]}
    assert {i["url"] for i in per_source[running.url("wire", "/news-sitemap.xml")]} == wanted
    french = next(p.path for p in wire.pages.values() if p.lang == "fr")
    assert french not in paths_requested(running, "wire")
    # the feed's French article was fetched (the feed says "en") and not written
    summary = result.summary()
    assert "not written, in another language (LANGUAGES): fr 1" in summary
    assert "declared language fr 1" in summary and "older than since" in summary
    assert "over max_per_source" in summary


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("since=yesterday", "error: since='yesterday' is not a date (2026-12-01, "),
        ("languages=english", "error: languages='english' has 'english', which is not an "
                              "ISO 639-1 code"),
        ("max_per_source=-1", "error: max_per_source='-1' must be 0 (no limit) or more"),
    ],
)
def test_a_bad_filter_stops_the_run_with_one_line(tmp_path, argument, message):
    result = run_crawl(tmp_path, "-a", "feeds=http://127.0.0.2:9/rss.xml", "-a", argument,
                       timeout=60)
    assert result.returncode == 2
    errors = [line for line in result.log.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(message), errors
    assert "Traceback" not in result.log


@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("bad")
    with serve(bad_sitemaps_web()) as running:
        urls = [running.url("broken", path) for path in BAD_SITEMAP_PATHS]
        (workdir / "sources.txt").write_text("\n".join(urls) + "\n")
        result = run_crawl(workdir, "-a", "feeds=sources.txt")
        running.wait_idle()
        yield running, result


def test_bad_sitemaps_are_reported_and_the_good_urls_still_arrive(bad):
    running, result = bad
    assert result.returncode == 0, result.log[-3000:]
    assert {item["url"] for item in result.items} == running.expected_urls()
    summary = result.summary()
    url = running.url
    assert (f"failed feed {url('broken', '/not-xml.xml')}: not a feed or sitemap"
            in summary)
    assert (f"failed feed {url('broken', '/bomb.xml.gz')}: decompressed body larger than the "
            "size cap (DOWNLOAD_MAXSIZE): a gzip bomb?") in summary
    assert (f"warning for sitemap {url('broken', '/huge.xml')}: lists more than 50,000 URLs "
            "(the protocol's limit): the first 50,000 were read") in summary
    assert f"failed sitemap {url('broken', '/missing-child.xml')}: HTTP 404" in summary
    assert (f"warning for sitemap index {url('broken', '/loop.xml')}: it lists itself or an "
            "index above it (not followed)") in summary


def test_urls_past_the_protocols_limit_and_a_looping_index_cost_no_requests(bad):
    running, _result = bad
    paths = paths_requested(running, "broken")
    assert paths.count("/loop.xml") == 1
    web = running.web
    huge = web.site("broken").sitemaps["/huge.xml"]
    for n in HUGE_BEYOND_CAP_AT:
        assert huge.urls[n].path not in paths
    assert not [p for p in paths if p.startswith("/archive/")]


def test_child_sitemaps_and_urls_on_private_addresses_are_blocked(tmp_path):
    """In a network namespace with only loopback: no packet can leave, whatever happens."""
    completed = run_in_network_namespace("tests.sitemap_safety_scenario", tmp_path)
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["returncode"] == 0, result["log"][-3000:]
    assert [item["url"] for item in result["items"]] == result["healthy"] != []
    log = result["log"]
    for blocked in ("private address 10.1.2.3", "link-local address 169.254.169.254"):
        assert f"blocked: {blocked}" in log, blocked
    assert "failed sitemap http://10.1.2.3/sitemap.xml: blocked" in log
    assert "failed article http://169.254.169.254/latest/meta-data/" in log
    assert "requests blocked by the address rule: 3" in log
