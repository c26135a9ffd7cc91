"""Conditional feed requests: a feed's ETag / Last-Modified go back to it on the next run."""

from __future__ import annotations

import pytest
from scrapy import Request, signals
from scrapy.http import Response

from newscrawler import keys
from newscrawler.state.conditional import (
    ConditionalFeedMiddleware,
    is_feed_request,
    is_not_modified,
)
from newscrawler.state.extension import CrawlState
from newscrawler.state.store import FeedValidators

FEED = "https://example.com/feed.xml"
ETAG = '"abc-1"'
LAST_MODIFIED = "Mon, 01 Jan 2024 10:00:00 GMT"


def feed_request(url: str = FEED) -> Request:
    # the spider's feed request: the URL as listed in meta (the request's may be redirected)
    return Request(url, meta={keys.FEED_URL: url, keys.HANDLE_HTTPSTATUS_LIST: [304]})


def article_request() -> Request:
    return Request("https://example.com/a", meta={keys.LISTED_BY: FEED})


def run_once(make_crawler, response_headers: dict[str, str], status: int = 200,
             settings: dict | None = None) -> Request:
    """One run that fetches the feed once and finishes cleanly; the request it sent."""
    crawler = make_crawler(settings)
    middleware = ConditionalFeedMiddleware.from_crawler(crawler)
    request = feed_request()
    middleware.process_request(request)
    response = Response(FEED, status=status, headers=response_headers, request=request)
    assert middleware.process_response(request, response) is response
    crawler.signals.send_catch_log(signals.spider_closed, spider=crawler.spider,
                                   reason="finished")
    return request


def test_the_next_run_sends_the_feeds_validators_back(make_crawler):
    first = run_once(make_crawler, {"ETag": ETAG, "Last-Modified": LAST_MODIFIED})
    assert b"If-None-Match" not in first.headers  # nothing known yet

    second = run_once(make_crawler, {})
    assert second.headers[b"If-None-Match"] == ETAG.encode()
    assert second.headers[b"If-Modified-Since"] == LAST_MODIFIED.encode()


@pytest.mark.parametrize(
    ("headers", "sent"),
    [
        ({"ETag": ETAG}, {b"If-None-Match": ETAG.encode()}),
        ({"Last-Modified": LAST_MODIFIED}, {b"If-Modified-Since": LAST_MODIFIED.encode()}),
        ({}, {}),
    ],
)
def test_only_the_validators_the_feed_gave_are_sent(make_crawler, headers, sent):
    run_once(make_crawler, headers)
    second = run_once(make_crawler, {})
    conditional = {name: second.headers[name] for name in (b"If-None-Match", b"If-Modified-Since")
                   if name in second.headers}
    assert conditional == sent


def test_a_304_keeps_the_validators_it_answered(make_crawler):
    run_once(make_crawler, {"ETag": ETAG})
    not_modified = run_once(make_crawler, {}, status=304)
    assert not_modified.headers[b"If-None-Match"] == ETAG.encode()
    # the third run asks the same question: a 304 stored nothing in the validator's place
    third = run_once(make_crawler, {})
    assert third.headers[b"If-None-Match"] == ETAG.encode()


@pytest.mark.parametrize("status", [404, 500, 301])
def test_only_a_200_teaches_validators(make_crawler, status):
    run_once(make_crawler, {"ETag": ETAG}, status=status)
    assert b"If-None-Match" not in run_once(make_crawler, {}).headers


def test_recrawl_asks_for_the_whole_feed_but_still_learns_its_validators(make_crawler):
    run_once(make_crawler, {"ETag": ETAG})
    recrawl = run_once(make_crawler, {"ETag": '"abc-2"'}, settings={"RECRAWL": True})
    assert b"If-None-Match" not in recrawl.headers
    assert run_once(make_crawler, {}).headers[b"If-None-Match"] == b'"abc-2"'


def test_articles_are_never_asked_conditionally(make_crawler):
    crawler = make_crawler()
    CrawlState.of(crawler).store.remember_validators(
        "https://example.com/a", FeedValidators(etag=ETAG))
    CrawlState.of(crawler).store.commit_validators()
    middleware = ConditionalFeedMiddleware.from_crawler(crawler)
    request = article_request()
    middleware.process_request(request)
    assert b"If-None-Match" not in request.headers
    response = Response(request.url, headers={"ETag": '"page"'}, request=request)
    middleware.process_response(request, response)
    assert CrawlState.of(crawler).store.commit_validators() == 0


def test_without_a_state_store_feeds_are_fetched_unconditionally(make_crawler):
    crawler = make_crawler({"EXTENSIONS": {"newscrawler.state.extension.CrawlState": None}})
    middleware = ConditionalFeedMiddleware.from_crawler(crawler)
    request = feed_request()
    middleware.process_request(request)
    response = Response(FEED, headers={"ETag": ETAG}, request=request)
    assert middleware.process_response(request, response) is response
    assert b"If-None-Match" not in request.headers


@pytest.mark.parametrize(
    ("request_", "feed"),
    [(feed_request(), True), (article_request(), False), (Request(FEED), False)],
)
def test_a_feed_request_is_one_that_carries_its_feed_url(request_, feed):
    assert is_feed_request(request_) is feed


@pytest.mark.parametrize(("status", "no_work"), [(304, True), (200, False), (404, False)])
def test_only_a_304_means_no_work(status, no_work):
    assert is_not_modified(Response(FEED, status=status)) is no_work
