"""The per-source schedule in the Redis store (scaleout/state.py): same contract as SQLite."""

from __future__ import annotations

import itertools
import os
import signal

from scrapy.settings import Settings

from newscrawler.scaleout.state import RedisState
from newscrawler.schedule.record import SourceRecord
from simweb import serve
from tests.e2e.test_scaleout import (
    CLUSTER,
    WORKER_OUTPUT,
    log_of,
    redis_url,  # noqa: F401  (the fixture: a real redis-server)
    written,
)
from tests.e2e.test_schedule import one_site_web, publish
from tests.e2e.test_watch import WATCH, stop, wait_for
from tests.support import start_crawl

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


def test_a_due_source_is_claimed_by_one_worker_until_its_claim_runs_out(redis_url):  # noqa: F811
    first, second = open_state(redis_url), open_state(redis_url)
    first.add_sources(FEEDS, 100.0)
    assert first.claim_due(FEEDS[:3], 150.0, until=750.0) == set(FEEDS[:3])
    # the other worker, at the same moment: only what the first did not take
    assert second.claim_due(FEEDS, 150.0, until=750.0) == {FEEDS[3]}
    assert second.claim_due(FEEDS, 700.0, until=1300.0) == set()
    # a worker that never saved its poll (killed): due again once the claim runs out
    assert second.claim_due(FEEDS[:3], 750.0, until=1350.0) == set(FEEDS[:3])
    # a saved record replaces the claim
    first.save_sources([SourceRecord(FEEDS[0], next_due=800.0)])
    assert first.claim_due(FEEDS[:1], 800.0, until=1400.0) == {FEEDS[0]}
    first.close()
    second.close()


def test_two_watching_workers_poll_each_source_once_per_round(tmp_path, redis_url):  # noqa: F811
    settings = {**CLUSTER, **WATCH, "REDIS_URL": redis_url, "CRAWL_ID": "watch"}
    with serve(one_site_web("alpha")) as running:
        feeds = running.write_feed_list(tmp_path / "feeds.txt")
        workers = []
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            workers.append(start_crawl(tmp_path / name, "-a", f"feeds={feeds}", "-a", "watch=1",
                                       settings=settings, output=WORKER_OUTPUT))
        try:
            wait_for(lambda: len(written(tmp_path)) == 3)
            publish(running, "alpha", 2)  # found by whichever worker polls next
            wait_for(lambda: len(written(tmp_path)) == 5)
            wait_for(lambda: sum(r.path == "/rss.xml" for r in running.log.records()) >= 4)
            codes = [stop(process, signal.SIGTERM) for process in workers]
        finally:
            for process in workers:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGKILL)
        polls = sorted(r.start for r in running.log.records() if r.path == "/rss.xml")
        expected = {running.url("alpha", path) for path in running.web.site("alpha").pages}
    assert codes == [0, 0], log_of(tmp_path, "a")[-2000:] + log_of(tmp_path, "b")[-2000:]
    urls = written(tmp_path)
    assert set(urls) == expected and max(urls.values()) == 1, urls
    # a round is one poll: the other worker found the source claimed (two workers polling it
    # at the same due time would come a politeness delay apart, far under the interval)
    gaps = [later - earlier for earlier, later in itertools.pairwise(polls)]
    assert min(gaps) > float(WATCH["POLL_MIN_INTERVAL"]) / 2, gaps
