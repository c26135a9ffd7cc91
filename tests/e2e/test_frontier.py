"""The frontier: due sources reach the scheduler a batch at a time, and every one is polled."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from simweb import Entry, Feed, NewsWeb, Site, make_article, serve
from tests.support import run_crawl

BASE = datetime(2026, 12, 1, 12, tzinfo=UTC)
SITES, FEEDS_PER_SITE = 4, 6


def many_feeds_web() -> NewsWeb:
    """Four sites, six feeds each, every feed listing an article of its own."""
    sites = []
    for s in range(SITES):
        name = f"site{s}"
        site = Site(name, pages={})
        for f in range(FEEDS_PER_SITE):
            page = make_article(name, f, seed=3, base=BASE)
            site.pages[page.path] = page  # type: ignore[index]
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
        assert len(result.items) == total  # no source is lost between batches
        assert f"feeds: {total} ok, 0 failed, 0 not modified, of {total} listed" \
            in result.summary()
    assert peak_queued(all_at_once.log) >= total
    # a batch is queued only below 4 requests queued: its 4 feeds and the articles of the feeds
    # answered meanwhile (one each) stay well below the whole list
    assert peak_queued(batched.log) <= 4 + 4 + 4
