"""The frontier: due sources reach the scheduler a batch at a time, and every one is polled."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from simweb import Entry, Feed, NewsWeb, Site, make_article, serve
from tests.support import run_crawl

BASE = datetime(2026, 12, 1, 12, tzinfo=UTC)
SITES, FEEDS_PER_SITE = 4, 6


def many_feeds_web() -> NewsWeb:
    """Four sites, six feeds each, the feeds of a site listing its one article (as the many
    feeds benchmark has them): what is queued is feeds, not articles."""
    sites = []
    for s in range(SITES):
        name = f"site{s}"
        page = make_article(name, 0, seed=3, base=BASE)
        site = Site(name, pages={page.path: page})
        for f in range(FEEDS_PER_SITE):
            site.feeds[f"/feeds/{f}.xml"] = Feed(f"/feeds/{f}.xml", "rss",
                                                 [Entry(name, page.path)])
        sites.append(site)
    return NewsWeb(sites)


def peak_queued(log: str) -> int:
    found = re.search(r"'newscrawler/frontier_peak_queued': (\d+)", log)
    assert found, "the crawl's stats name the frontier's peak"
    return int(found.group(1))


def test_a_small_batch_keeps_the_queue_short_and_polls_every_feed(tmp_path):
    total = SITES * FEEDS_PER_SITE
    with serve(many_feeds_web()) as running:
        running.write_feed_list(tmp_path / "feeds.txt")
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        all_at_once = run_crawl(tmp_path / "a", "-a", f"feeds={tmp_path / 'feeds.txt'}",
                                settings={"FRONTIER_BATCH": "0", "DOWNLOAD_DELAY": "0.05"})
        batched = run_crawl(tmp_path / "b", "-a", f"feeds={tmp_path / 'feeds.txt'}",
                            settings={"FRONTIER_BATCH": "4", "DOWNLOAD_DELAY": "0.05"})
    for result in (all_at_once, batched):
        assert result.returncode == 0, result.log[-3000:]
        assert len(result.items) == SITES  # no source is lost between batches
        assert f"feeds: {total} ok, 0 failed, 0 not modified, of {total} listed" \
            in result.summary()
    assert peak_queued(all_at_once.log) >= total
    # a batch goes only when fewer than 4 sources are outstanding: at most 3 and the 4 of the
    # next batch, and an article per site, stay well below the whole list
    assert peak_queued(batched.log) <= 3 + 4 + SITES


def test_a_big_feed_of_one_site_does_not_hold_back_the_other_sites(tmp_path):
    # one site's feed lists 20 articles (each waits out the site's delay); the next batch of
    # sources goes once that feed is answered, not once its articles have left the queue
    big = Site("big", pages={})
    for n in range(20):
        page = make_article("big", n, seed=4, base=BASE)
        big.pages[page.path] = page  # type: ignore[index]
    big.feeds["/feed.xml"] = Feed("/feed.xml", "rss", [Entry("big", path) for path in big.pages])
    others = []
    for s in range(3):
        name = f"small{s}"
        page = make_article(name, 0, seed=4, base=BASE)
        others.append(Site(name, pages={page.path: page},
                           feeds={"/feed.xml": Feed("/feed.xml", "rss", [Entry(name, page.path)])}))
    with serve(NewsWeb([big, *others])) as running:
        running.write_feed_list(tmp_path / "feeds.txt")  # the big site's feed first
        result = run_crawl(tmp_path, "-a", "feeds=feeds.txt",
                           settings={"FRONTIER_BATCH": "1", "DOWNLOAD_DELAY": "0.2"})
        records = running.log.records()
    assert result.returncode == 0 and len(result.items) == 23, result.log[-3000:]
    last_big_article = max(r.start for r in records
                           if r.site == "big" and r.path not in ("/feed.xml", "/robots.txt"))
    small_feeds = [r.start for r in records if r.site != "big" and r.path == "/feed.xml"]
    assert len(small_feeds) == 3 and max(small_feeds) < last_big_article
