"""The per-source schedule: kept by the store, fed by the crawl's signals (PollSchedule)."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from scrapy import Request, signals
from scrapy.http import Response

from newscrawler import keys
from newscrawler import signals as news_signals
from newscrawler.schedule.extension import PollSchedule
from newscrawler.schedule.record import SourceRecord
from newscrawler.state.conditional import ConditionalFeedMiddleware, ValidatorUse, validator_use
from newscrawler.state.sqlite import SQLiteState
from newscrawler.state.store import FeedValidators

FEEDS = [f"https://site{i}.example/feed.xml" for i in range(4)]
HOUR = 3600.0


class Clock:
    """A clock the test moves: no sleeping."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_an_old_state_file_gets_the_sources_table_and_keeps_its_contents(tmp_path: Path):
    db = sqlite3.connect(tmp_path / "state.sqlite3")
    db.executescript("""
        CREATE TABLE written (key TEXT PRIMARY KEY, written_at REAL NOT NULL);
        CREATE TABLE feeds (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT,
                            updated_at REAL NOT NULL);
        INSERT INTO written VALUES ('url:https://example.com/a', 1);
    """)
    db.close()
    store = SQLiteState(tmp_path)
    assert store.is_written(["url:https://example.com/a"])
    assert store.add_sources(FEEDS, 100.0) == 4
    plan = store.db.execute("EXPLAIN QUERY PLAN SELECT url FROM sources WHERE next_due <= 1")
    assert "sources_next_due" in " ".join(str(row) for row in plan)
    store.close()


def test_sources_new_to_the_list_are_due_at_once_and_saved_ones_when_due(tmp_path: Path):
    store = SQLiteState(tmp_path)
    assert store.add_sources(FEEDS[:2], 100.0) == 2
    assert store.add_sources(FEEDS, 200.0) == 2  # known ones keep their schedule
    assert store.due_sources(150.0) == set(FEEDS[:2])
    store.save_sources([SourceRecord(FEEDS[0], next_due=1000.0, failures=2)])
    assert store.due_sources(500.0) == set(FEEDS[1:])
    assert store.earliest_due(500.0) == 1000.0
    assert store.earliest_due(1000.0) is None
    assert store.source(FEEDS[0]).failures == 2
    assert [r.url for r in store.sources()] == sorted(FEEDS)
    store.close()


@pytest.mark.parametrize(
    ("record", "use"),
    [
        (SourceRecord("u"), ValidatorUse.SEND),
        (SourceRecord("u", unchanged_since=1000.0 - 5 * HOUR), ValidatorUse.SEND),
        (SourceRecord("u", unchanged_since=1000.0 - 6 * HOUR), ValidatorUse.PROBE),
        (SourceRecord("u", validators_untrusted=True), ValidatorUse.NEVER),
    ],
)
def test_validators_are_withheld_once_after_long_304s_and_always_once_they_lied(record, use):
    assert validator_use(record, 1000.0, 6 * HOUR) is use


def schedule_of(crawler, clock: Clock) -> PollSchedule:
    schedule = PollSchedule.of(crawler)
    assert schedule is not None
    schedule.clock = clock
    return schedule


def send(crawler, signal, **kwargs) -> None:
    crawler.signals.send_catch_log(signal, spider=crawler.spider, **kwargs)


def test_a_poll_is_saved_when_the_crawl_is_idle_and_the_source_waits_its_interval(
        make_crawler):
    clock = Clock()
    first = make_crawler({"POLL_FIRST_INTERVAL": HOUR})
    schedule = schedule_of(first, clock)
    assert schedule.due(FEEDS) == FEEDS
    assert schedule.due(FEEDS) == []  # handed out already: in flight
    send(first, news_signals.feed_fetched, url=FEEDS[0], entries=5, new_entries=5,
         warning=None)
    send(first, news_signals.feed_failed, url=FEEDS[1], reason="HTTP 500")
    assert schedule.store.source(FEEDS[0]).last_poll is None  # not idle yet: nothing saved
    send(first, signals.spider_idle)
    assert schedule.store.source(FEEDS[0]).next_due == clock.now + HOUR
    assert schedule.store.source(FEEDS[1]).failures == 1

    clock.now += 700  # past the first failure's back-off, before the feed's interval
    second = make_crawler({"POLL_FIRST_INTERVAL": HOUR})
    later = schedule_of(second, clock)
    assert later.due(FEEDS) == FEEDS[1:]
    assert second.stats.get_value(keys.FEEDS_NOT_DUE) == 1
    assert second.stats.get_value(keys.NEXT_DUE).startswith("2027-01-15T")


def test_a_killed_run_saves_nothing_so_its_sources_stay_due(make_crawler):
    clock = Clock()
    killed = make_crawler()
    schedule = schedule_of(killed, clock)
    schedule.due(FEEDS)
    send(killed, news_signals.feed_fetched, url=FEEDS[0], entries=5, new_entries=5,
         warning=None)
    restarted = make_crawler()
    assert schedule_of(restarted, clock).due(FEEDS) == FEEDS


def test_due_all_polls_every_source_once(make_crawler):
    clock = Clock()
    crawler = make_crawler()
    schedule = schedule_of(crawler, clock)
    schedule.store.add_sources(FEEDS, clock.now)
    schedule.store.save_sources([SourceRecord(url, next_due=clock.now + HOUR) for url in FEEDS])
    assert schedule_of(make_crawler(), clock).due(FEEDS) == []
    assert schedule_of(make_crawler({"DUE": "all"}), clock).due(FEEDS) == FEEDS


def test_a_feed_found_on_a_listed_home_page_is_scheduled_as_that_page(make_crawler):
    clock = Clock()
    crawler = make_crawler()
    schedule = schedule_of(crawler, clock)
    home, feed = "https://site.example/", "https://site.example/rss"
    assert schedule.due([home]) == [home]
    send(crawler, signals.request_scheduled,
         request=Request(feed, meta={keys.FEED_URL: feed, keys.SOURCE: home}))
    send(crawler, news_signals.feed_fetched, url=feed, entries=3, new_entries=3, warning=None)
    send(crawler, signals.spider_idle)
    assert schedule.store.source(home).last_success == clock.now
    assert schedule.store.source(feed) is None


def test_headers_and_the_feed_document_set_the_least_wait(make_crawler):
    clock = Clock()
    crawler = make_crawler({"POLL_FIRST_INTERVAL": 600})
    schedule = schedule_of(crawler, clock)
    schedule.due(FEEDS[:2])
    for url, headers, poll_hint in [(FEEDS[0], {"Cache-Control": "max-age=7200"}, None),
                                    (FEEDS[1], {}, 3 * HOUR)]:
        request = Request(url, meta={keys.FEED_URL: url})
        send(crawler, signals.response_received, request=request,
             response=Response(url, status=200, headers=headers, body=b"<rss/>"))
        send(crawler, news_signals.feed_fetched, url=url, entries=1, new_entries=1,
             warning=None, poll_hint=poll_hint)
    assert schedule.record(FEEDS[0]).next_due == clock.now + 2 * HOUR
    assert schedule.record(FEEDS[1]).next_due == clock.now + 3 * HOUR


def test_a_long_run_of_304s_sends_one_request_without_validators(make_crawler):
    clock = Clock()
    crawler = make_crawler({"CONDITIONAL_MAX_AGE": 6 * HOUR})
    schedule = schedule_of(crawler, clock)
    schedule.store.remember_validators(FEEDS[0], FeedValidators(etag='"v"'))
    schedule.store.commit_validators()
    schedule.store.save_sources([SourceRecord(FEEDS[0], unchanged_since=clock.now - 7 * HOUR)])
    middleware = ConditionalFeedMiddleware.from_crawler(crawler)
    request = Request(FEEDS[0], meta={keys.FEED_URL: FEEDS[0]})
    middleware.process_request(request)
    assert b"If-None-Match" not in request.headers
    assert request.meta[keys.VALIDATORS_PROBE] is True
    assert crawler.stats.get_value(keys.VALIDATOR_PROBES) == 1


def test_the_run_summary_says_how_many_were_not_due_and_when_the_next_is(make_crawler, caplog):
    clock = Clock()
    crawler = make_crawler()
    schedule = schedule_of(crawler, clock)
    schedule.store.add_sources(FEEDS, clock.now)
    schedule.store.save_sources([SourceRecord(FEEDS[0], next_due=clock.now + 600),
                                 SourceRecord(FEEDS[1], next_due=clock.now + HOUR)])
    assert schedule.due(FEEDS) == FEEDS[2:]
    with caplog.at_level(logging.INFO, logger="newscrawler.summary"):
        send(crawler, signals.spider_closed, reason="finished")
    lines = [r.getMessage() for r in caplog.records if r.name == "newscrawler.summary"]
    assert "    not due yet: 2 (next due 2027-01-15T08:10:00+00:00; -a due=all polls all)" in lines
