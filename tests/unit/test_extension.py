"""CrawlState: the run's state store, handed to every component, closed with the run."""

from __future__ import annotations

import re
import sqlite3

import pytest
from scrapy import signals

from newscrawler import keys
from newscrawler.errors import ConfigError
from newscrawler.state.extension import CrawlState
from newscrawler.state.store import FeedValidators, article_keys

FEED = "https://example.com/feed.xml"
ARTICLE = article_keys("https://example.com/a", FEED, "42")


def close_run(crawler, reason: str) -> None:
    crawler.signals.send_catch_log(signals.spider_closed, spider=crawler.spider, reason=reason)


def test_every_component_finds_the_same_store_through_the_crawler(make_crawler):
    crawler = make_crawler()
    state = CrawlState.of(crawler)
    assert state is not None
    assert CrawlState.of(crawler) is state
    state.store.mark_written(ARTICLE)
    assert state.is_written(ARTICLE)


def test_without_the_extension_components_get_none(make_crawler):
    crawler = make_crawler({"EXTENSIONS": {"newscrawler.state.extension.CrawlState": None}})
    assert CrawlState.of(crawler) is None


def test_an_article_written_by_an_earlier_run_is_seen_unless_recrawl(make_crawler):
    first = make_crawler()
    CrawlState.of(first).store.mark_written(ARTICLE)
    close_run(first, "finished")

    assert CrawlState.of(make_crawler()).is_written(ARTICLE)
    recrawl = CrawlState.of(make_crawler({"RECRAWL": True}))
    assert not recrawl.is_written(ARTICLE)
    assert recrawl.store.is_written(ARTICLE)  # still remembered, only not obeyed


def test_a_clean_finish_stores_the_validators_and_counts_them(make_crawler):
    first = make_crawler()
    CrawlState.of(first).store.remember_validators(FEED, FeedValidators(etag='"v1"'))
    close_run(first, "finished")
    assert first.stats.get_value(keys.FEED_VALIDATORS_STORED) == 1

    assert CrawlState.of(make_crawler()).store.validators(FEED) == FeedValidators(etag='"v1"')


@pytest.mark.parametrize("reason", ["shutdown", "cancelled", "closespider_timeout"])
def test_a_run_that_did_not_finish_stores_no_validator(make_crawler, reason):
    # Its feeds' articles may not all be written: a stored ETag would make the next run
    # skip them for good.
    first = make_crawler()
    CrawlState.of(first).store.remember_validators(FEED, FeedValidators(etag='"v1"'))
    close_run(first, reason)
    assert first.stats.get_value(keys.FEED_VALIDATORS_STORED) is None

    assert CrawlState.of(make_crawler()).store.validators(FEED) == FeedValidators()


def test_the_store_is_closed_with_the_run(make_crawler):
    crawler = make_crawler()
    store = CrawlState.of(crawler).store
    close_run(crawler, "finished")
    with pytest.raises(sqlite3.ProgrammingError):
        store.is_written(ARTICLE)


def test_a_state_store_setting_that_names_no_class_stops_the_crawler_being_built(make_crawler):
    message = "setting STATE_STORE='newscrawler.nope.Store' names no class"
    with pytest.raises(ConfigError, match=re.escape(message)):
        make_crawler({"STATE_STORE": "newscrawler.nope.Store"})
