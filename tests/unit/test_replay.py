"""Which stored response becomes which article (archive/replay.py): the live crawl's decisions,
taken again from the records alone."""

from __future__ import annotations

from dataclasses import replace

import pytest

from newscrawler.archive import replay
from newscrawler.archive.reader import StoredRecord
from newscrawler.archive.records import CrawlContext, Location
from newscrawler.items import Article

HTML = (("Content-Type", "text/html; charset=utf-8"),)
FEED = "http://a.example/feed.xml"


def stored(status: int = 200, *, role: str | None = "article", warc_type: str = "response",
           headers: tuple = HTML, body: bytes = b"<html></html>", **changes: object
           ) -> StoredRecord:
    context = CrawlContext(role, feed=FEED) if role else None  # type: ignore[arg-type]
    record = StoredRecord(location=Location("x.warc.gz", 0), warc_type=warc_type,
                          url="http://b.example/1", date="2026-01-02T03:04:05.123456Z",
                          status=status, headers=headers, body=body, context=context)
    return replace(record, **changes)


@pytest.mark.parametrize(("record", "verdict", "why"), [
    # another crawler's archive (CC-NEWS): HTML 200 pages only
    (stored(role=None), ("page", "ok"), None),
    (stored(role=None, headers=(("Content-Type", "application/xhtml+xml"),)), ("page", "ok"),
     None),
    (stored(404, role=None), ("skip", None), "HTTP 404"),
    (stored(301, role=None), ("skip", None), "HTTP 301"),
    (stored(role=None, headers=(("Content-Type", "image/jpeg"),)), ("skip", None), "not HTML"),
    (stored(role=None, headers=()), ("skip", None), "not HTML"),
    (stored(0, role=None, warc_type="metadata"), ("skip", None), None),
    (stored(role=None, unreadable="a gzip bomb"), ("skip", None), "unreadable"),
    # newscrawler's own: what each fetch was, and what it said
    (stored(), ("article", "ok"), None),
    (stored(warc_type="resource"), ("article", "ok"), None),
    (stored(503), ("article", "failure"), None),
    (stored(302), ("article", "redirect"), None),
    (stored(0, warc_type="metadata"), ("article", "failure"), None),
    (stored(unreadable="a gzip bomb"), ("article", "failure"), None),
    (stored(role="feed"), ("feed", "ok"), None),
    (stored(304, role="feed"), ("feed", "not-modified"), None),
    (stored(410, role="feed"), ("feed", "failure"), None),
    (stored(role="robots"), ("skip", None), None),
    (stored(role="page"), ("skip", None), None),
])
def test_each_record_is_classified(record, verdict, why):
    assert replay.classify(record) == (verdict, why)


@pytest.mark.parametrize(("record", "failed"), [
    (stored(404), replay.Failed("http://b.example/1", "HTTP 404",
                                fetched_at="2026-01-02T03:04:05+00:00")),
    (stored(0, warc_type="metadata", body=b"fetch-error: timed out (DOWNLOAD_TIMEOUT)\r\n"),
     replay.Failed("http://b.example/1", "timed out (DOWNLOAD_TIMEOUT)",
                   fetched_at="2026-01-02T03:04:05+00:00")),
    (stored(0, warc_type="metadata",
            body=b"fetch-error: blocked: loopback\r\nblocked: address rule\r\n"),
     replay.Failed("http://b.example/1", "blocked: loopback", blocked=True,
                   fetched_at="2026-01-02T03:04:05+00:00")),
    (stored(302), replay.Failed("http://b.example/1", replay.REDIRECT_NOT_FOLLOWED,
                                blocked=True, fetched_at="2026-01-02T03:04:05+00:00")),
    (stored(unreadable="too big"), replay.Failed("http://b.example/1", "too big",
                                                 fetched_at="2026-01-02T03:04:05+00:00")),
])
def test_a_failure_says_what_the_crawl_said(record, failed):
    assert replay.failure_of(record) == failed


def test_an_article_is_known_by_its_feed_and_the_url_first_requested():
    assert replay.article_key(stored()) == (FEED, "http://b.example/1")
    redirected = stored(context=CrawlContext("article", feed=FEED, first_url="http://b/0"))
    assert replay.article_key(redirected) == (FEED, "http://b/0")


SHELL = b"<html><body><div id='root'></div><script src='/app.js'></script></body></html>"


@pytest.mark.parametrize(("record", "text", "replaceable"), [
    (stored(body=SHELL), None, True),              # an empty app shell: the browser may follow
    (stored(body=SHELL), "x" * 300, False),        # it gave text: nothing follows
    (stored(body=SHELL, rendered=True), None, False),  # the browser's own rendering
    (stored(body=b"<html><body><p>Short.</p></body></html>"), "Short.", False),  # no app
])
def test_a_page_is_held_only_when_the_browser_may_have_rendered_it_next(record, text,
                                                                        replaceable):
    assert replay.may_be_replaced(record, text, 200) == replaceable


def article(text: str) -> Article:
    return Article(url="http://b.example/1", feed_url=FEED, domain="b.example", text=text)


def test_the_last_record_of_an_article_decides():
    ledger = replay.Ledger()
    key = (FEED, "http://b.example/1")
    first = ledger.arrived(key)            # a 503, retried
    ledger.hold(key, replay.Failed("http://b.example/1", "HTTP 503"))
    second = ledger.arrived(key)           # the 200 of the retry, still being extracted
    assert first is not None and second is not None
    assert not ledger.is_latest(key, first) and ledger.is_latest(key, second)
    ledger.settle(key)                     # written
    assert ledger.arrived(key) is None     # nothing later changes it
    assert ledger.remaining() == []


def test_a_held_page_is_written_at_the_end_unless_a_later_record_replaces_it():
    ledger = replay.Ledger()
    kept, replaced = (FEED, "http://b.example/1"), (FEED, "http://b.example/2")
    for key in (kept, replaced):
        ledger.arrived(key)
        ledger.hold(key, replay.Held(article("shell"), "page gave no usable text"))
    ledger.arrived(replaced)               # the browser's rendering arrives
    ledger.settle(replaced)
    assert ledger.remaining() == [(kept, replay.Held(article("shell"),
                                                     "page gave no usable text"))]


def test_each_listed_feed_ends_with_its_last_word():
    feeds = replay.FeedLedger()
    feeds.seen("http://a/1", "HTTP 503")
    feeds.seen("http://a/1")               # the retry worked
    feeds.seen("http://a/2", "HTTP 404")
    feeds.seen("http://a/home")
    feeds.forget("http://a/home")          # a home page: the feed it announced stands for it
    assert feeds.listed() == 2
    assert feeds.failures() == [("http://a/2", "HTTP 404")]
