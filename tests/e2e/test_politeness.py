"""Politeness a site can see in its own log: Crawl-delay, Retry-After, back-off after 429s."""

from __future__ import annotations

from simweb import broad_web, demo_web, serve
from tests.support import run_crawl

DELAY = 0.3


def crawl(tmp_path, web, **settings):
    with serve(web) as running:
        running.write_feed_list(tmp_path / "feeds.txt")
        result = run_crawl(tmp_path, "-a", "feeds=feeds.txt",
                           settings={"DOWNLOAD_DELAY": str(DELAY), **settings})
        running.wait_idle()
        return running, result


def starts_after_429s(records):
    """(time of a 429, start of the next request to the same host)."""
    pairs = []
    ordered = sorted(records, key=lambda r: r.start)
    for i, record in enumerate(ordered):
        if record.status == 429 and i + 1 < len(ordered):
            pairs.append((record.start, ordered[i + 1].start))
    return pairs


def test_retry_after_pauses_the_site_and_nothing_is_lost(tmp_path):
    web = demo_web()
    beta = web.site("beta")
    beta.rate_limit_gap, beta.retry_after = 0.8, "1"
    running, result = crawl(tmp_path, web)
    assert result.returncode == 0
    assert running.expected_urls() <= set(result.by_url)
    records = running.log.for_host(running.address("beta"))
    pauses = starts_after_429s(records)
    assert pauses, "the site never said 429: the test proves nothing"
    assert all(after - at >= 1.0 for at, after in pauses), pauses
    assert f"429 responses: {sum(r.status == 429 for r in records)}" in result.summary()


def test_429_without_retry_after_backs_off_until_the_site_is_happy(tmp_path):
    web = demo_web()
    beta = web.site("beta")
    beta.rate_limit_gap, beta.retry_after = 0.8, ""
    running, result = crawl(tmp_path, web)
    assert running.expected_urls() <= set(result.by_url)
    statuses = [r.status for r in running.log.for_host(running.address("beta"))]
    assert 429 in statuses
    # doubling from 0.4 s reaches the site's 0.8 s at the first 429; recovery is slow enough
    # that the site does not have to say it many more times
    assert statuses.count(429) <= 4, statuses


def test_robots_crawl_delay_larger_than_the_delay_wins(tmp_path):
    web = demo_web()
    web.site("alpha").robots = "User-agent: *\nAllow: /\nCrawl-delay: 0.8\n"
    running, _result = crawl(tmp_path, web)
    gaps = running.log.min_gap_by_host()
    assert gaps[running.address("alpha")] >= 0.8
    assert min(gaps.values()) >= DELAY


def test_sites_waiting_out_their_delay_leave_their_places_to_new_sites(tmp_path):
    """While robots.txt is fetched and a site's delay runs, its feed request stays queued
    instead of holding one of CONCURRENT_REQUESTS: with 2 places and 6 new sites, every
    site's robots.txt is fetched before the first site's delay after its own has run."""
    web = broad_web(sites=6, articles_per_site=1, latency=(0.4, 0.4))
    running, result = crawl(tmp_path, web, CONCURRENT_REQUESTS="2", DOWNLOAD_DELAY="4")
    assert result.returncode == 0
    assert running.expected_urls() <= set(result.by_url)
    records = sorted(running.log.records(), key=lambda r: r.start)
    first_other = next(i for i, r in enumerate(records) if r.path != "/robots.txt")
    robots_first = {r.host for r in records[:first_other]}
    assert robots_first == {running.address(site.name) for site in web.sites}, records[:8]
    assert running.log.max_in_flight() <= 2
