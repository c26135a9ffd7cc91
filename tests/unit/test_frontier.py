"""The frontier: the due sources of a long list, a batch at a time (schedule/frontier.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from newscrawler import keys
from newscrawler.schedule.extension import PollSchedule
from newscrawler.schedule.frontier import has_room, interleave_sites
from newscrawler.schedule.record import SourceRecord
from newscrawler.state.sqlite import SQLiteState

NOW = 1_800_000_000.0
HOUR = 3600.0


@pytest.mark.parametrize(
    ("urls", "interleaved"),
    [
        ([], []),
        (["http://a/1", "http://a/2", "http://b/1"], ["http://a/1", "http://b/1", "http://a/2"]),
        (["http://a/1", "http://a/2", "http://a/3", "http://b/1", "http://c/1", "http://c/2"],
         ["http://a/1", "http://b/1", "http://c/1", "http://a/2", "http://c/2", "http://a/3"]),
        (["http://b/1", "http://a/1"], ["http://b/1", "http://a/1"]),  # list order kept
        (["http://A:8080/x", "http://a/y", "http://b/z"],  # one host, whatever its spelling
         ["http://A:8080/x", "http://b/z", "http://a/y"]),
    ],
)
def test_sites_take_turns_so_a_batch_covers_as_many_sites_as_it_can(urls, interleaved):
    assert interleave_sites(urls) == interleaved


@pytest.mark.parametrize(
    ("outstanding", "queued", "batch", "room"),
    [
        (0, 0, 0, True), (10**6, 10**7, 0, True),     # unbounded
        (0, 0, 100, True), (99, 500, 100, True),      # articles queued do not hold sources
        (100, 0, 100, False), (250, 0, 100, False),   # a batch of sources still out
        (0, 999, 100, True), (0, 1000, 100, False),   # ... but ten batches of requests do
    ],
)
def test_the_next_batch_waits_for_the_sources_out_and_a_bound_on_the_queue(
        outstanding, queued, batch, room):
    assert has_room(outstanding, queued, batch) is room


def test_the_due_of_a_batch_are_looked_up_by_their_urls(tmp_path: Path):
    store = SQLiteState(tmp_path)
    urls = [f"https://s{i}.example/rss" for i in range(2500)]  # more than one statement holds
    store.add_sources(urls, NOW)
    store.save_sources([SourceRecord(urls[0], next_due=NOW + HOUR),
                        SourceRecord(urls[2400], next_due=NOW + HOUR)])
    assert store.claim_due(urls, NOW, NOW) == set(urls) - {urls[0], urls[2400]}
    assert store.claim_due(["https://unknown.example/rss", urls[1]], NOW, NOW) == {urls[1]}
    assert store.claim_due(urls, NOW + HOUR, NOW + HOUR) == set(urls)
    store.close()


def test_a_pass_in_batches_chooses_what_one_pass_would_and_counts_the_rest(make_crawler):
    crawler = make_crawler()
    schedule = PollSchedule.of(crawler)
    assert schedule is not None
    schedule.clock = lambda: NOW
    urls = [f"https://s{i}.example/rss" for i in range(10)]
    schedule.store.add_sources(urls, NOW)
    schedule.store.save_sources([SourceRecord(urls[i], next_due=NOW + HOUR) for i in (1, 5, 9)])
    batches = list(schedule.due_batches(urls, 4))
    assert [len(batch) for batch in batches] == [3, 3, 1]
    assert [url for batch in batches for url in batch] == [
        url for i, url in enumerate(urls) if i not in (1, 5, 9)]
    assert crawler.stats.get_value(keys.FEEDS_NOT_DUE) == 3
    assert crawler.stats.get_value(keys.NEXT_DUE) is not None
    # handed out: in flight, so a second pass (watch mode) chooses none of them again
    assert [url for batch in schedule.due_batches(urls, 4) for url in batch] == []


def test_due_all_makes_the_whole_first_pass_due_not_only_its_first_batch(make_crawler):
    crawler = make_crawler({"DUE": "all"})
    schedule = PollSchedule.of(crawler)
    assert schedule is not None
    schedule.clock = lambda: NOW
    urls = [f"https://s{i}.example/rss" for i in range(6)]
    schedule.store.add_sources(urls, NOW)
    schedule.store.save_sources([SourceRecord(url, next_due=NOW + HOUR) for url in urls])
    assert sum(len(batch) for batch in schedule.due_batches(urls, 2)) == 6
