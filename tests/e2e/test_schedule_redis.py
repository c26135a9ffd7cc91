"""The per-source schedule in the Redis store (scaleout/state.py): same contract as SQLite."""

from __future__ import annotations

from scrapy.settings import Settings

from newscrawler.scaleout.state import RedisState
from newscrawler.schedule.record import SourceRecord
from tests.e2e.test_scaleout import redis_url  # noqa: F401  (the fixture: a real redis-server)

FEEDS = [f"https://site{i}.example/feed.xml" for i in range(4)]


def open_state(url: str) -> RedisState:
    settings = Settings()
    settings.setmodule("newscrawler.settings", priority="project")
    settings.setdict({"REDIS_URL": url, "CRAWL_ID": "schedule"}, priority="cmdline")
    return RedisState.from_settings(settings)


def test_sources_are_due_when_new_then_when_their_saved_record_says(redis_url):  # noqa: F811
    store = open_state(redis_url)
    assert store.add_sources(FEEDS[:2], 100.0) == 2
    assert store.add_sources(FEEDS, 200.0) == 2  # known ones keep their schedule
    assert store.due_sources(150.0) == set(FEEDS[:2])
    record = SourceRecord(FEEDS[0], next_due=1000.0, failures=2, last_error="HTTP 500",
                          validators_untrusted=True, daily_new=(("2026-12-06", 4),))
    assert store.save_sources([record]) == 1
    store.close()

    other_worker = open_state(redis_url)
    assert other_worker.due_sources(500.0) == set(FEEDS[1:])
    assert other_worker.earliest_due(500.0) == 1000.0
    assert other_worker.earliest_due(1000.0) is None
    assert other_worker.source(FEEDS[0]) == record
    assert other_worker.source(FEEDS[3]) == SourceRecord(FEEDS[3], next_due=200.0)
    assert [r.url for r in other_worker.sources()] == sorted(FEEDS)
    other_worker.close()


def test_articles_older_than_the_retention_are_forgotten_in_redis_too(redis_url):  # noqa: F811
    store = open_state(redis_url)
    old = [f"url:https://example.com/old/{n}" for n in range(5)]
    recent = ["url:https://example.com/recent"]
    store.mark_written(old + recent)
    store.client.zadd(store.written_at_key, dict.fromkeys(old, 1000.0))  # written long ago
    assert store.prune_written(2000.0, batch=2) == 5
    assert not any(store.is_written([key]) for key in old)
    assert store.is_written(recent)
    assert store.prune_written(2000.0, batch=2) == 0
    store.close()
