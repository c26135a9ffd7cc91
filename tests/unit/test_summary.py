"""RunSummary: the lines a person reads at the end of a crawl, and the run's verdict."""

from __future__ import annotations

import logging

import pytest
from scrapy import Request, signals
from scrapy.http import Response

from newscrawler import keys
from newscrawler import signals as news_signals
from newscrawler.politeness.queue import SiteWait
from newscrawler.report.sites import no_network_verdict
from newscrawler.report.summary import MAX_ARTICLE_LINES, RunSummary, waiting_phrase
from newscrawler.sources.parsed import SourceKind

FEEDS = [f"https://site{n}.example/feed" for n in range(4)]


def summary_of(crawler) -> RunSummary:
    summary = crawler.get_extension(RunSummary)
    assert summary is not None  # enabled in the project's EXTENSIONS
    return summary


def send(crawler, signal: object, **kwargs) -> None:
    crawler.signals.send_catch_log(signal, **kwargs)


def closing_lines(crawler, caplog, reason: str = "finished") -> list[str]:
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="newscrawler.summary"):
        send(crawler, signals.spider_closed, spider=crawler.spider, reason=reason)
    return [r.getMessage() for r in caplog.records if r.name == "newscrawler.summary"]


def test_the_summary_counts_feeds_and_names_each_failure(make_crawler, caplog):
    crawler = make_crawler()
    send(crawler, news_signals.feeds_listed, count=4)
    send(crawler, news_signals.feed_fetched, url=FEEDS[0], entries=12, warning=None)
    send(crawler, news_signals.feed_fetched, url=FEEDS[1], entries=3,
         warning="not well-formed XML (parsed anyway)")
    send(crawler, news_signals.feed_failed, url=FEEDS[2], reason="HTTP 404")
    send(crawler, news_signals.feed_not_modified, url=FEEDS[3])

    lines = closing_lines(crawler, caplog)

    assert lines[0] == "run summary (finished):"
    assert "  feeds: 2 ok, 1 failed, 1 not modified, of 4 listed" in lines
    assert f"    failed feed {FEEDS[2]}: HTTP 404" in lines
    assert f"    warning for feed {FEEDS[1]}: not well-formed XML (parsed anyway)" in lines
    assert any(line.endswith("feeds answering 304 Not Modified: 1") for line in lines)
    assert crawler.stats.get_value(keys.FEEDS_TOTAL) == 4
    assert crawler.stats.get_value(keys.FEEDS_OK) == 2
    assert crawler.stats.get_value(keys.FEEDS_FAILED) == 1
    assert crawler.stats.get_value(keys.FEEDS_NOT_MODIFIED) == 1
    assert crawler.stats.get_value(keys.RUN_FAILED) is None


def test_the_articles_line_reads_the_counts_of_the_pipelines(make_crawler, caplog):
    crawler = make_crawler()
    stats = crawler.stats
    stats.set_value(keys.ARTICLES_WRITTEN, 5)
    stats.set_value(f"{keys.ARTICLES_WRITTEN}/page", 4)
    stats.set_value(f"{keys.ARTICLES_WRITTEN}/feed", 1)
    stats.set_value(f"{keys.DROPPED}/duplicate", 2)
    stats.set_value(f"{keys.DROPPED}/no text", 1)
    stats.set_value(keys.ARTICLES_SKIPPED_SEEN, 7)
    stats.set_value(keys.TORN_LINES_REPAIRED, 1)
    stats.set_value(keys.OUTPUT, "output/feeds.jsonl")
    send(crawler, news_signals.article_failed, url="https://a.example/1", reason="HTTP 500")

    lines = closing_lines(crawler, caplog)

    assert ("  articles: 5 written (4 page text, 1 feed fallback), 1 failed, "
            "dropped: duplicate 2, no text 1") in lines
    assert "    failed article https://a.example/1: HTTP 500" in lines
    assert ("  already written (by an earlier run or poll), not requested again: 7 articles; "
            "feeds answering 304 Not Modified: 0") in lines
    assert "  torn last lines left by a killed run, moved aside: 1" in lines
    assert "  output: output/feeds.jsonl" in lines
    assert not any("blocked by the address rule" in line for line in lines)  # none blocked


def test_feed_fallbacks_are_grouped_by_reason_without_their_details(make_crawler, caplog):
    crawler = make_crawler()
    for n, reason in enumerate(["not an HTML page (application/pdf)",
                                "not an HTML page (image/png)",
                                "page failed: HTTP 404"]):
        send(crawler, news_signals.article_fallback, url=f"https://a.example/{n}", reason=reason)
    lines = closing_lines(crawler, caplog)
    assert "    feed fallback (not an HTML page): 2" in lines
    assert "    feed fallback (page failed: HTTP 404): 1" in lines


def test_failed_articles_beyond_the_limit_are_counted_not_listed(make_crawler, caplog):
    crawler = make_crawler()
    for n in range(MAX_ARTICLE_LINES + 3):
        send(crawler, news_signals.article_failed, url=f"https://a.example/{n}", reason="gone")
    lines = closing_lines(crawler, caplog)
    listed = [line for line in lines if line.startswith("    failed article ")]
    assert len(listed) == MAX_ARTICLE_LINES
    assert listed[-1] == f"    failed article https://a.example/{MAX_ARTICLE_LINES + 2}: gone"
    assert "    failed article https://a.example/0: gone" not in lines  # the newest are kept
    assert "    ... and 3 earlier failed articles (the log has a line for each)" in lines
    assert crawler.stats.get_value(keys.ARTICLES_FAILED) == MAX_ARTICLE_LINES + 3


@pytest.mark.parametrize(
    ("ok", "failed", "not_modified", "verdict"),
    [
        (0, 2, 0, "no feed could be fetched (2 failed)"),
        (0, 1, 0, "no feed could be fetched (1 failed)"),
        (1, 3, 0, None),
        (0, 3, 1, None),   # a 304 is an answer: the feed is fine, it has nothing new
        (0, 0, 0, None),   # a resumed JOBDIR run may attempt no feed at all
        (2, 0, 0, None),
    ],
)
def test_the_run_fails_only_when_no_feed_could_be_fetched(make_crawler, caplog, ok, failed,
                                                          not_modified, verdict):
    crawler = make_crawler()
    feeds = iter(f"https://site{n}.example/feed" for n in range(ok + failed + not_modified))
    for _ in range(ok):
        send(crawler, news_signals.feed_fetched, url=next(feeds), entries=1, warning=None)
    for _ in range(failed):
        send(crawler, news_signals.feed_failed, url=next(feeds), reason="connection refused")
    for _ in range(not_modified):
        send(crawler, news_signals.feed_not_modified, url=next(feeds))
    closing_lines(crawler, caplog)
    assert crawler.stats.get_value(keys.RUN_FAILED) == verdict
    assert summary_of(crawler).run_failure() == verdict


def test_a_redirect_loop_is_reported_for_the_feed_or_article_it_swallowed(make_crawler, caplog):
    crawler = make_crawler()
    loop = ["https://a.example/feed", "https://a.example/feed2"]
    feed = Request("https://a.example/feed", meta={keys.FEED_URL: "https://a.example/feed",
                                                   keys.REDIRECT_URLS: loop})
    page = Request("https://b.example/x", meta={keys.REDIRECT_URLS: ["https://b.example/1",
                                                                     "https://b.example/2",
                                                                     "https://b.example/3"]})
    send(crawler, signals.request_dropped, request=feed, spider=crawler.spider)
    send(crawler, signals.request_dropped, request=page, spider=crawler.spider)
    lines = closing_lines(crawler, caplog)
    assert ("    failed feed https://a.example/feed: redirect loop (2 redirects, back to "
            "https://a.example/feed)") in lines
    assert ("    failed article https://b.example/1: redirect loop (3 redirects, back to "
            "https://b.example/x)") in lines


def test_a_plain_duplicate_request_is_not_a_failure(make_crawler, caplog):
    # an article listed by two feeds: the dupefilter drops the second request, rightly
    crawler = make_crawler()
    send(crawler, signals.request_dropped, request=Request("https://a.example/1"),
         spider=crawler.spider)
    lines = closing_lines(crawler, caplog)
    assert not any("failed" in line and "https://a.example/1" in line for line in lines)
    assert crawler.stats.get_value(keys.ARTICLES_FAILED) is None


def test_the_close_reason_and_the_elapsed_time_are_recorded(make_crawler, caplog):
    crawler = make_crawler()
    lines = closing_lines(crawler, caplog, reason="shutdown")
    assert lines[0] == "run summary (shutdown):"
    assert isinstance(crawler.stats.get_value(keys.ELAPSED_SECONDS), float)
    assert any(line.startswith("  elapsed: ") and line.endswith(" s") for line in lines)
    assert "  output: (none)" in lines


def test_the_progress_line_counts_done_feeds_and_written_articles(make_crawler, caplog):
    # a real engine that was never opened: nothing queued, nothing in flight
    crawler = make_crawler(engine=True)
    send(crawler, news_signals.feeds_listed, count=3)
    send(crawler, news_signals.feed_fetched, url=FEEDS[0], entries=1, warning=None)
    send(crawler, news_signals.feed_not_modified, url=FEEDS[1])
    crawler.stats.set_value(keys.ARTICLES_WRITTEN, 2)
    with caplog.at_level(logging.INFO, logger="newscrawler.summary"):
        summary_of(crawler).log_progress()
    assert caplog.records[-1].getMessage() == (
        "progress: feeds 2/3 done, 2 articles written, 0 requests queued, 0 in flight")


def test_each_source_is_named_by_kind_and_judged_by_what_it_led_to(make_crawler, caplog):
    crawler = make_crawler()
    home, index = "https://herald.example/", "https://ledger.example/sitemap_index.xml"
    news, child = "https://herald.example/news.xml", "https://ledger.example/s-1.xml"
    dead_home = "https://gone.example/"
    send(crawler, news_signals.feeds_listed, count=4, urls=[FEEDS[0], home, index, dead_home])
    send(crawler, news_signals.feed_fetched, url=FEEDS[0], entries=4, warning=None,
         kind=SourceKind.RSS)
    # a home page that led, through robots.txt, to a news sitemap
    send(crawler, news_signals.feed_fetched, url=home, entries=0, warning=None,
         kind=SourceKind.HTML_PAGE, source=home)
    send(crawler, news_signals.feed_fetched, url=news, entries=6, warning=None,
         kind=SourceKind.NEWS_SITEMAP, source=home)
    # an index one of whose children failed
    send(crawler, news_signals.feed_fetched, url=index, entries=2, warning=None,
         kind=SourceKind.SITEMAP_INDEX, source=index)
    send(crawler, news_signals.feed_fetched, url=child, entries=3, warning="malformed sitemap",
         kind=SourceKind.SITEMAP, source=index)
    send(crawler, news_signals.feed_failed, url="https://ledger.example/s-2.xml",
         reason="HTTP 404", kind=SourceKind.SITEMAP, source=index)
    # a home page that led nowhere
    send(crawler, news_signals.feed_fetched, url=dead_home, entries=0, warning=None,
         kind=SourceKind.HTML_PAGE, source=dead_home)
    send(crawler, news_signals.feed_failed, url="https://gone.example/feed.xml",
         reason="HTTP 410", source=dead_home)

    lines = closing_lines(crawler, caplog)

    assert "  feeds: 3 ok, 1 failed, 0 not modified, of 4 listed" in lines
    assert "  sources by kind: HTML page 2, RSS feed 1, sitemap index 1" in lines
    source_lines = [line for line in lines if line.startswith("    https://")]
    assert source_lines[:3] == [  # in the order of the list
        f"    {FEEDS[0]}: RSS feed, 4 entries",
        f"    {home}: HTML page -> news sitemap, 2 documents, 6 entries",
        f"    {index}: sitemap index -> sitemap, 2 documents, 3 entries"]
    assert "    failed sitemap https://ledger.example/s-2.xml: HTTP 404" in lines
    assert "    failed feed https://gone.example/feed.xml: HTTP 410" in lines
    assert f"    warning for sitemap {child}: malformed sitemap" in lines
    assert crawler.stats.get_value(f"{keys.SOURCE_KINDS}/HTML page") == 2
    assert crawler.stats.get_value(keys.FEEDS_FAILED) == 1


def test_what_the_filters_kept_out_is_counted_by_reason_and_language(make_crawler, caplog):
    crawler = make_crawler()
    for counts in ({"older than since": 3, "outside the sitemap window": 40},
                   {"older than since": 2, "declared language fr": 1}):
        send(crawler, news_signals.entries_not_requested, url=FEEDS[0], source=FEEDS[0],
             counts=counts)
    crawler.stats.set_value(f"{keys.FILTERED_LANGUAGE}/es", 2)
    lines = closing_lines(crawler, caplog)
    assert ("  not requested: declared language fr 1, older than since 5, "
            "outside the sitemap window 40") in lines
    assert "  not written, in another language (LANGUAGES): es 2" in lines
    assert crawler.stats.get_value(f"{keys.NOT_REQUESTED}/older than since") == 5


def test_a_run_without_filters_says_nothing_about_them(make_crawler, caplog):
    lines = closing_lines(make_crawler(), caplog)
    assert not any(line.startswith(("  not requested", "  not written")) for line in lines)
SITE_REASON = "site unreachable: connection refused, 3 failures in a row"


def test_a_skipped_site_is_named_once_with_what_it_cost(make_crawler, caplog):
    crawler = make_crawler()
    send(crawler, news_signals.site_skipped, site="dead.example", reason=SITE_REASON)
    send(crawler, news_signals.feed_failed, url=FEEDS[0], reason=SITE_REASON,
         site="dead.example")
    for n in range(3):
        send(crawler, news_signals.article_fallback, url=f"https://dead.example/{n}",
             reason=f"page failed: {SITE_REASON}", site="dead.example")
    send(crawler, news_signals.article_failed, url="https://dead.example/9",
         reason=SITE_REASON, site="dead.example")
    lines = closing_lines(crawler, caplog)
    assert "  sites skipped: 1 (their requests were refused without being sent)" in lines
    assert (f"    dead.example: {SITE_REASON} (1 feed; 4 articles, 3 written with the feed's "
            f"text)") in lines
    assert not any("https://dead.example/" in line or FEEDS[0] in line for line in lines)
    assert "  feeds: 0 ok, 1 failed, 0 not modified, of 0 listed" in lines
    assert crawler.stats.get_value(keys.ARTICLES_FAILED) == 1


def test_each_failure_gets_one_line_as_it_happens_unless_its_site_was_skipped(make_crawler,
                                                                             caplog):
    crawler = make_crawler()
    with caplog.at_level(logging.DEBUG, logger="newscrawler.summary"):
        send(crawler, news_signals.feed_failed, url=FEEDS[0], reason="HTTP 404")
        send(crawler, news_signals.article_failed, url="https://a.example/1",
             reason="timed out (DOWNLOAD_TIMEOUT)")
        send(crawler, news_signals.feed_failed, url=FEEDS[1], reason=SITE_REASON,
             site="dead.example")
    seen = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert seen == [
        ("WARNING", f"failed feed {FEEDS[0]}: HTTP 404"),
        ("INFO", "failed article https://a.example/1: timed out (DOWNLOAD_TIMEOUT)"),
        ("DEBUG", f"failed feed {FEEDS[1]}: {SITE_REASON}"),
    ]


@pytest.mark.parametrize(
    ("reached", "failures", "verdict"),
    [
        (set(), {f"s{n}.example": "DNS lookup failed" for n in range(18)},
         "no site could be reached (DNS lookup failed for all 18 sites): is the network up?"),
        (set(), {"a.example": "connection refused"},
         "no site could be reached (connection refused for the only site): is the network up?"),
        (set(), {"a.example": "DNS lookup failed", "b.example": "DNS lookup failed",
                 "c.example": "timed out (DOWNLOAD_TIMEOUT)"},
         "no site could be reached (DNS lookup failed for 2, timed out (DOWNLOAD_TIMEOUT) for "
         "1): is the network up?"),
        ({"b.example"}, {"a.example": "DNS lookup failed"}, None),  # the network is up
        (set(), {}, None),  # nothing tried: nothing to say about the network
    ],
)
def test_no_network_is_said_in_one_line(reached, failures, verdict):
    assert no_network_verdict(reached, failures) == verdict


def test_the_run_fails_with_the_no_network_line_when_no_site_answered(make_crawler, caplog):
    crawler = make_crawler()
    for n, site in enumerate(("a.example", "b.example")):
        send(crawler, news_signals.site_connection_failed, site=site,
             reason="DNS lookup failed")
        send(crawler, news_signals.feed_failed, url=FEEDS[n], reason="robots.txt unavailable "
             "(DNS lookup failed): site skipped", site=site)
    closing_lines(crawler, caplog)
    assert crawler.stats.get_value(keys.RUN_FAILED) == (
        "no site could be reached (DNS lookup failed for all 2 sites): is the network up?")


def test_one_answering_site_means_the_network_is_up(make_crawler, caplog):
    crawler = make_crawler()
    send(crawler, news_signals.site_connection_failed, site="a.example",
         reason="DNS lookup failed")
    answered = Request("https://b.example/feed", meta={keys.DOWNLOAD_SLOT: "b.example"})
    send(crawler, signals.response_received, response=Response(answered.url, status=404),
         request=answered, spider=crawler.spider)
    send(crawler, news_signals.feed_failed, url=FEEDS[0], reason="HTTP 404")
    closing_lines(crawler, caplog)
    assert crawler.stats.get_value(keys.RUN_FAILED) == "no feed could be fetched (1 failed)"


@pytest.mark.parametrize(
    ("waits", "phrase"),
    [
        ([], ""),
        ([SiteWait(57.6, "reddit.com", 3)], "waiting 58 s for reddit.com: 3 requests"),
        ([SiteWait(1.2, "a.example", 1), SiteWait(50, "reddit.com", 3)],
         "waiting 1 s for a.example: 1 request (and 1 more site)"),
        ([SiteWait(0.2, "a.example", 2), SiteWait(2, "b.example", 1), SiteWait(3, "c", 1)],
         "waiting 1 s for a.example: 2 requests (and 2 more sites)"),
    ],
)
def test_the_progress_line_names_the_site_the_crawl_waits_for(waits, phrase):
    assert waiting_phrase(waits) == phrase
