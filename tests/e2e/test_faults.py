"""The fault matrix: healthy sites plus one broken feed or page of every kind, in one crawl."""

from __future__ import annotations

import re

import pytest

from simweb import fault_web, serve
from tests.support import run_crawl

FEED_REASONS = {
    "status:404": "HTTP 404",
    "status:410": "HTTP 410",
    "status:500": "HTTP 500",
    "status:503": "HTTP 503",
    "hang": "timed out (DOWNLOAD_TIMEOUT)",
    "reset": "connection reset",
    "redirect-loop": "redirect loop",
    "html-not-feed": "an HTML page, not a feed",
    "empty": "empty response body",
    "malformed-no-entries": "malformed feed with no entries",
    "gzip-bomb": "decompressed body larger than the size cap",
    "entity-bomb": "malformed feed with no entries",
    "oversize": "response larger than the size cap",
    "oversize-chunked": "response larger than the size cap",
    "slow-drip": "timed out (DOWNLOAD_TIMEOUT)",
    "binary": "not a feed",
}
PAGE_REASONS = {
    **{k: v for k, v in FEED_REASONS.items() if k in (
        "status:404", "status:410", "status:500", "status:503", "hang", "reset",
        "redirect-loop", "gzip-bomb", "oversize", "oversize-chunked", "slow-drip")},
    "pdf": "not an HTML page (application/pdf)",
    "binary": "not an HTML page (application/octet-stream)",
    "empty": "page gave no text",
}
MAX_RSS = 400 * 1024 * 1024


@pytest.fixture(scope="module")
def faults(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("faults")
    with serve(fault_web()) as running:
        running.write_feed_list(workdir / "feeds.txt")
        # Every fault kind is on one of two sites: three of the hanging, resetting and dripping
        # ones in a row would rightly leave the site alone (its circuit breaker, tested in
        # test_dead_sites.py), and the other faults would not be reached. So it is off here.
        result = run_crawl(workdir, "-a", "feeds=feeds.txt", timeout=600, settings={
            "DOWNLOAD_TIMEOUT": "3", "DOWNLOAD_DELAY": "0.1", "RETRY_TIMES": "1",
            "CONCURRENT_REQUESTS": "16", "SITE_FAILURE_LIMIT": "0"})
        running.wait_idle()
        yield running, result


def test_every_healthy_article_is_written_despite_the_faults(faults):
    running, result = faults
    assert result.returncode == 0, result.log[-3000:]
    assert set(result.by_url) == running.expected_urls()
    assert len(result.items) == len(result.by_url)


def test_recovered_feed_keeps_its_entries_and_is_reported_as_a_warning(faults):
    running, result = faults
    summary = result.summary()
    feed = running.url("feedfaults", "/feeds/malformed-with-entries.xml")
    assert f"warning for feed {feed}: malformed feed, entries recovered" in summary
    assert any(item["feed_url"] == feed for item in result.items)


@pytest.mark.parametrize(("kind", "reason"), FEED_REASONS.items())
def test_summary_names_each_broken_feed_with_its_reason(faults, kind, reason):
    running, result = faults
    url = running.url("feedfaults", f"/feeds/{kind.replace(':', '-')}.xml")
    assert f"failed feed {url}: {reason}" in result.summary()


@pytest.mark.parametrize(("kind", "reason"), PAGE_REASONS.items())
def test_summary_names_each_broken_article_with_its_reason(faults, kind, reason):
    running, result = faults
    url = running.url("pagefaults", f"/faults/{kind.replace(':', '-')}.html")
    assert f"failed article {url}: {reason}" in result.summary()


def test_hostile_links_are_never_requested_and_relative_links_resolve(faults):
    running, result = faults
    hostile_host = running.address("hostile")
    paths = {r.path for r in running.log.for_host(hostile_host)}
    assert "/news/relative.html" in paths
    assert not [p for p in paths if p.startswith("/hostile/")]
    ftp_host = [r for r in running.log.records() if r.path.startswith("/pub/")]
    assert ftp_host == []
    for item in result.items:
        assert item["url"].startswith("http://")
        assert "root:x:0:0" not in (item["text"] or "")


def test_charset_faults_decode_to_the_right_text(faults):
    running, result = faults
    for kind in ("no-charset", "no-charset-nodecl"):
        url = running.url("pagefaults", f"/faults/{kind}.html")
        _site, page = running.page_for_url(url)
        assert page.paragraphs[0] in result.by_url[url]["text"]


def test_bombs_and_oversized_bodies_do_not_blow_the_memory(faults):
    _running, result = faults
    peak = int(re.search(r"'memusage/max': (\d+)", result.log).group(1))
    assert peak < MAX_RSS, f"peak RSS {peak / 2**20:.0f} MiB"
