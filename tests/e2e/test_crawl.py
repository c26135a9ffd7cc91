"""The whole crawl against the simulated news web: what a user checks in the output and logs."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from simweb import Entry, Feed, NewsWeb, Page, Site, demo_web, serve
from tests.support import run_crawl

SCHEMA = json.loads((Path(__file__).parents[2] / "article.schema.json").read_text())
CONCURRENCY = 3


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One crawl of the demo web from a text list with a home page, a dead feed, a bad line."""
    workdir = tmp_path_factory.mktemp("demo")
    with serve(demo_web()) as running:
        feeds = running.feed_urls()
        alpha_feed = running.url("alpha", "/feeds/news.xml")
        listed = [running.url("alpha", "/") if url == alpha_feed else url for url in feeds]
        dead = running.url("beta", "/no-such-feed.xml")
        (workdir / "feeds.txt").write_text(
            "# my feeds\n\n" + "\n".join(listed) + f"\nftp://not-a-feed.example/\n{dead}\n",
            encoding="utf-8",
        )
        result = run_crawl(workdir, "-a", "feeds=feeds.txt",
                           settings={"CONCURRENT_REQUESTS": str(CONCURRENCY)})
        running.wait_idle()
        yield running, result, dead


def test_every_article_arrives_once_with_valid_fields(demo):
    running, result, _ = demo
    assert result.returncode == 0, result.log[-3000:]
    urls = [item["url"] for item in result.items]
    assert len(urls) == len(set(urls)), "an article was written twice"
    assert running.expected_urls() <= set(urls)
    for item in result.items:
        jsonschema.validate(item, SCHEMA)


def test_page_text_is_the_article_body_with_paragraphs(demo):
    running, result, _ = demo
    checked = 0
    for item in result.items:
        if item["text_source"] != "page":
            continue
        _site, page = running.page_for_url(item["url"])
        for paragraph in page.paragraphs:
            assert paragraph in item["text"].split("\n\n")
        assert item["published"] and item["published"].endswith("+00:00")
        assert item["language"] == page.lang
        checked += 1
    assert checked >= 10


def test_article_listed_by_two_feeds_is_written_once_without_tracking_parameters(demo):
    _running, result, _ = demo
    assert not [item["url"] for item in result.items if "utm_" in item["url"]]
    feeds_listing = {}
    for item in result.items:
        feeds_listing.setdefault(item["url"], []).append(item["feed_url"])
    assert all(len(v) == 1 for v in feeds_listing.values())


def test_requests_to_one_host_keep_the_download_delay(demo):
    running, _result, _ = demo
    gaps = running.log.min_gap_by_host()
    assert gaps, "no host got two requests"
    assert min(gaps.values()) >= 0.3, gaps


def test_never_more_requests_in_flight_than_configured(demo):
    running, _result, _ = demo
    assert running.log.max_in_flight() <= CONCURRENCY



def test_robots_txt_disallow_is_respected(demo):
    running, result, _ = demo
    assert not [r for r in running.log.records() if r.path.startswith("/private/")]
    private = running.url("gamma", "/private/embargoed-report.html")
    # what the feed itself published about it is kept, and says where it came from
    if private in result.by_url:
        assert result.by_url[private]["text_source"] == "feed"
    assert "forbidden by robots.txt" in result.log


def test_home_page_in_the_list_is_followed_to_its_feed(demo):
    running, result, _ = demo
    alpha_feed = running.url("alpha", "/feeds/news.xml")
    assert any(item["feed_url"] == alpha_feed for item in result.items)


def test_summary_names_the_failed_feed_and_the_skipped_line(demo):
    _running, result, dead = demo
    summary = result.summary()
    assert f"failed feed {dead}: HTTP 404" in summary
    assert "feeds: 4 ok, 1 failed" in summary
    assert "feeds.txt:" in result.log and "ftp://not-a-feed.example/" in result.log
    assert "output: out.jsonl" in summary


def test_script_rendered_page_falls_back_to_the_feed_content_and_says_so(demo):
    running, result, _ = demo
    js_pages = [(site, page) for site in running.web.sites for page in site.pages.values()
                if page.render == "js"]
    assert js_pages
    for site, page in js_pages:
        item = result.by_url[running.url(site.name, page.path)]
        assert item["text_source"] == "feed"
        assert page.paragraphs[0] in item["text"]
    assert "feed fallback" in result.summary()


def test_opml_list_gives_categories(tmp_path):
    with serve(demo_web()) as running:
        running.write_feed_list(tmp_path / "subs.opml", opml=True)
        result = run_crawl(tmp_path, "-a", "feeds=subs.opml", settings={"DOWNLOAD_DELAY": "0.1"})
    assert result.returncode == 0, result.log[-2000:]
    categories = {item["category"] for item in result.items}
    assert {"alpha", "beta", "gamma", "delta"} <= categories


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("feeds=missing.txt", "error: feed list not found: missing.txt"),
        ("feeds=empty.txt", "error: no valid feed URL in empty.txt"),
    ],
)
def test_unusable_feed_list_stops_at_once_with_one_line(tmp_path, argument, message):
    (tmp_path / "empty.txt").write_text("# nothing here\nnot a url\n", encoding="utf-8")
    result = run_crawl(tmp_path, "-a", argument, timeout=60)
    assert result.returncode == 2
    error_lines = [line for line in result.log.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1 and error_lines[0].startswith(message)
    assert "Traceback" not in result.log


def test_bad_setting_value_is_one_line_and_non_zero(tmp_path):
    result = run_crawl(tmp_path, "-a", "feeds=http://127.0.0.2:9/rss.xml",
                       settings={"DOWNLOAD_DELAY": "two seconds"}, timeout=60)
    assert result.returncode == 2
    assert "error: setting DOWNLOAD_DELAY='two seconds' is not a float" in result.log


def test_run_where_no_feed_could_be_fetched_exits_non_zero(tmp_path):
    with serve(demo_web()) as running:
        dead = [running.url("alpha", "/gone.xml"), running.url("beta", "/gone.xml")]
        result = run_crawl(tmp_path, "-a", "feeds=" + ",".join(dead))
    assert result.returncode == 1
    assert "error: no feed could be fetched (2 failed)" in result.log


def _slow_to_extract_web() -> NewsWeb:
    """One site whose two article pages take trafilatura over a second each (19,000 elements:
    about 1.5 s on one core), listed by a feed that carries their text."""
    elements = "".join(f"<p>Word {i} of a page that is slow to read.</p><div><span>x</span></div>"
                       for i in range(6_300))
    html = f"<html><body><article>{elements}</article></body></html>".encode()
    feed_text = ["What the feed says of this article, in full, for when the page fails."] * 5
    pages = {f"/slow-{n}.html": Page(path=f"/slow-{n}.html", title=f"Slow {n}", html=html,
                                     paragraphs=feed_text)  # the feed's content:encoded
             for n in (1, 2)}
    entries = [Entry(site="slow", path=path, include_content=True) for path in pages]
    return NewsWeb(sites=[Site(name="slow", pages=pages,
                               feeds={"/feed.xml": Feed(path="/feed.xml", entries=entries)})])


def test_extraction_over_its_time_limit_is_given_up_and_the_crawl_goes_on(tmp_path):
    # The limit is a fifth of what the pages need, so the worker is killed whatever the load.
    with serve(_slow_to_extract_web()) as running:
        feed = running.url("slow", "/feed.xml")
        result = run_crawl(tmp_path, "-a", f"feeds={feed}",
                           settings={"EXTRACT_TIMEOUT": "0.3"})
    assert result.returncode == 0
    assert "extraction took over 0.3 s" in result.summary()
    # the entries that carry text in the feed still arrive, from the feed
    assert result.items and {item["text_source"] for item in result.items} == {"feed"}
