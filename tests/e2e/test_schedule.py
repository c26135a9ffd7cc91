"""Due-based polling against the simulated web: intervals adapt, hints are honoured, a dead feed
backs off and recovers, a lying ETag is caught, and ``scrapy feeds-report`` tells it all."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from simweb import Entry, Feed, NewsWeb, Page, Site, make_article, serve
from tests.support import crawl_env, run_crawl

BASE = datetime(2026, 12, 1, 12, tzinfo=UTC)
# short bounds: what is tested is the rule, not the ten minutes
SETTINGS = {"POLL_MIN_INTERVAL": "10", "POLL_FIRST_INTERVAL": "100",
            "POLL_MAX_INTERVAL": "10000"}


def one_site_web(*names: str, articles: int = 3) -> NewsWeb:
    """Sites each with an RSS feed at /rss.xml listing ``articles`` pages, without dates: the
    first interval is then POLL_FIRST_INTERVAL (a dated feed's follows its pace: unit tests)."""
    sites = []
    for name in names:
        site = Site(name, pages={})
        for index in range(articles):
            page = undated(make_article(name, index, seed=1, base=BASE))
            site.pages[page.path] = page  # type: ignore[index]
        site.feeds["/rss.xml"] = Feed("/rss.xml", "rss",
                                      [Entry(name, path) for path in site.pages])
        sites.append(site)
    return NewsWeb(sites)


def publish(running, site_name: str, count: int) -> None:
    """``count`` new articles on top of the site's feed (a new ETag, unless the feed lies)."""
    web = running.web
    site = web.site(site_name)
    feed = site.feeds["/rss.xml"]
    for _ in range(count):
        page = undated(make_article(site_name, len(site.pages), seed=1, base=BASE))
        web.add_entry(site_name, "/rss.xml", Entry(site_name, page.path), page=page)
    running.touch(feed)


def undated(page: Page) -> Page:
    return dataclasses.replace(page, published=None)


def report(workdir: Path, *options: str) -> list[dict]:
    result = subprocess.run([sys.executable, "-m", "scrapy", "feeds-report", "--json", *options],
                            cwd=workdir, env=crawl_env(), capture_output=True, text=True,
                            timeout=60, check=True)
    return json.loads(result.stdout)


def row(workdir: Path, url: str, *options: str) -> dict:
    return next(r for r in report(workdir, *options) if r["url"] == url)


def crawl(workdir: Path, *args: str, output: str, **settings: str):
    return run_crawl(workdir, "-a", "feeds=feeds.txt", *args, output=output,
                     settings={**SETTINGS, **settings})


def test_intervals_grow_when_nothing_is_new_and_shrink_when_most_is_new(tmp_path):
    with serve(one_site_web("alpha")) as running:
        running.write_feed_list(tmp_path / "feeds.txt")
        feed = running.feed_urls()[0]
        first = crawl(tmp_path, output="1.jsonl")
        assert first.returncode == 0 and len(first.items) == 3
        assert row(tmp_path, feed)["interval"] == 100  # first poll: POLL_FIRST_INTERVAL

        not_due = crawl(tmp_path, output="2.jsonl")
        assert not_due.items == [] and "not due yet: 1 (next due " in not_due.summary()
        assert "feeds: 0 ok, 0 failed, 0 not modified, of 1 listed" in not_due.summary()

        unchanged = crawl(tmp_path, "-a", "due=all", output="3.jsonl")
        assert "feeds answering 304 Not Modified: 1" in unchanged.summary()
        assert row(tmp_path, feed)["interval"] == 150  # all seen: grows by half

        publish(running, "alpha", 7)  # 7 of 10 entries new: entries may have been missed
        busy = crawl(tmp_path, "-a", "due=all", output="4.jsonl")
        assert len(busy.items) == 7
        assert row(tmp_path, feed)["interval"] == 75


def test_the_feed_and_its_headers_ask_for_longer_and_are_honoured(tmp_path):
    web = one_site_web("alpha", "beta")
    web.site("alpha").feeds["/rss.xml"].ttl = 120                     # minutes
    web.site("beta").feeds["/rss.xml"].cache_control = "max-age=9000"
    with serve(web) as running:
        running.write_feed_list(tmp_path / "feeds.txt")
        assert crawl(tmp_path, output="1.jsonl").returncode == 0
    rows = {r["url"]: r for r in report(tmp_path)}
    waits = {url: _seconds(r["next_due"]) - _seconds(r["last_success"]) for url, r in rows.items()}
    alpha, beta = running.feed_urls()
    assert abs(waits[alpha] - 7200) <= 60 and abs(waits[beta] - 9000) <= 60, waits


def test_a_dead_feed_backs_off_is_reported_and_recovers(tmp_path):
    web = one_site_web("alpha", "beta")
    dying = web.site("beta").feeds["/rss.xml"]
    dying.fault = "status:404"
    settings = {"POLL_DEAD_AFTER": "3", "POLL_MAX_INTERVAL": "5000"}
    with serve(web) as running:
        running.write_feed_list(tmp_path / "feeds.txt")
        alpha, beta = running.feed_urls()
        for run in range(3):
            result = crawl(tmp_path, "-a", "due=all", output=f"{run}.jsonl", **settings)
            assert f"failed feed {beta}: HTTP 404" in result.summary()
        # the report counts as dead what the crawl does: give it the same setting
        dead = row(tmp_path, beta, "-s", "POLL_DEAD_AFTER=3")
        assert (dead["status"], dead["failures"], dead["last_error"]) == ("dead", 3, "HTTP 404")
        assert _seconds(dead["next_due"]) - _seconds(row(tmp_path, alpha)["last_success"]) >= 4900
        table = subprocess.run([sys.executable, "-m", "scrapy", "feeds-report", "-s",
                                "POLL_DEAD_AFTER=3"], cwd=tmp_path,
                               env=crawl_env(), capture_output=True, text=True, timeout=60)
        print(table.stdout)
        assert "2 sources: 1 dead, 1 ok" in table.stdout

        dying.fault = None  # back from what looked like death
        revived = crawl(tmp_path, "-a", "due=all", output="back.jsonl", **settings)
    assert {item["url"] for item in revived.items} == {
        running.url("beta", path) for path in web.site("beta").pages}
    back = row(tmp_path, beta)
    assert (back["status"], back["failures"], back["last_error"]) == ("ok", 0, None)


def test_an_etag_that_never_changes_is_caught_and_never_trusted_again(tmp_path):
    web = one_site_web("alpha")
    web.site("alpha").feeds["/rss.xml"].etag = '"forever"'
    # 0: any 304 is old enough for a probe; the 6 h default is the rule's unit test
    settings = {"CONDITIONAL_MAX_AGE": "0"}
    with serve(web) as running:
        running.write_feed_list(tmp_path / "feeds.txt")
        first = crawl(tmp_path, "-a", "due=all", output="1.jsonl", **settings)
        assert len(first.items) == 3
        publish(running, "alpha", 1)
        hidden = crawl(tmp_path, "-a", "due=all", output="2.jsonl", **settings)
        assert hidden.items == [] and "feeds answering 304 Not Modified: 1" in hidden.summary()

        running.log.clear()
        probe = crawl(tmp_path, "-a", "due=all", output="3.jsonl", **settings)
        assert len(probe.items) == 1  # the article the 304 hid
        [probe_request] = [r for r in running.log.records() if r.path == "/rss.xml"]
        assert probe_request.if_none_match is None

        publish(running, "alpha", 1)
        running.log.clear()
        after = crawl(tmp_path, "-a", "due=all", output="4.jsonl")  # the default max age
        assert len(after.items) == 1
        [request] = [r for r in running.log.records() if r.path == "/rss.xml"]
        assert request.if_none_match is None and request.if_modified_since is None


def _seconds(iso_minutes: str) -> float:
    return datetime.strptime(iso_minutes, "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC).timestamp()
