"""Several crawler processes on one Redis frontier, polite as one (docs/scaling.md).

A real ``redis-server`` on a free loopback port per test (no persistence, in tmp_path); the
workers are real ``scrapy crawl feeds`` processes against the simulated web.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
import redis
from scrapy import Request, Spider
from scrapy.settings import Settings

from newscrawler.scaleout.addon import WORKER_OUTPUT as DEFAULT_WORKER_OUTPUT
from newscrawler.scaleout.addon import ScaleOut
from newscrawler.scaleout.keys import default_crawl_id
from newscrawler.scaleout.politeness import SharedPoliteness
from newscrawler.scaleout.queue import SiteFairQueue
from simweb import memory_web, serve
from tests.support import run_crawl, start_crawl

WORKER_OUTPUT = "output/%(name)s-%(host)s-%(pid)s-%(time)s.jsonl"
LEASE = "2"  # seconds: a killed worker's requests come back quickly
CLUSTER = {"DOWNLOAD_DELAY": "0.3", "REDIS_LEASE_SECONDS": LEASE, "EXTRACT_WORKERS": "1",
           "CONCURRENT_REQUESTS": "8"}


# -- a real Redis -----------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    binary = shutil.which("redis-server")
    if binary is None:  # not a skip: `make test` installs it (scripts/install-system-deps.sh)
        pytest.fail("redis-server not found: apt-get install redis-server (make system-deps)")
    port = _free_port()
    data = tmp_path / "redis"
    data.mkdir()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(data)],
        stdout=(data / "redis.log").open("w"), stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"redis-server did not start: {(data / 'redis.log').read_text()}")
            time.sleep(0.05)
    client.close()
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


# -- helpers ------------------------------------------------------------------------------------

def wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def outputs(workdir: Path) -> list[Path]:
    return sorted(workdir.glob("*/output/*.jsonl"))


def whole_lines(path: Path) -> list[dict]:
    """The JSON lines of an output; a torn last line left by SIGKILL is not an article."""
    data = path.read_bytes()
    return [json.loads(line) for line in data[: data.rfind(b"\n") + 1].splitlines()]


def lines(workdir: Path, name: str) -> int:
    return sum(len(whole_lines(path)) for path in (workdir / name).glob("output/*.jsonl"))


def written(workdir: Path) -> Counter[str]:
    return Counter(item["url"] for path in outputs(workdir) for item in whole_lines(path))


def worker(workdir: Path, name: str, feeds: Path, redis_url: str, crawl: str,
           **extra: str) -> subprocess.Popen[str]:
    directory = workdir / name  # each worker its own directory, log and output
    directory.mkdir(exist_ok=True)
    settings = {**CLUSTER, "REDIS_URL": redis_url, "CRAWL_ID": crawl, **extra}
    return start_crawl(directory, "-a", f"feeds={feeds}", settings=settings,
                       output=WORKER_OUTPUT)


def log_of(workdir: Path, name: str) -> str:
    return (workdir / name / "crawl.log").read_text(encoding="utf-8", errors="replace")


def by_site_and_path(records) -> Counter[tuple[str, str]]:
    return Counter((r.host, r.path) for r in records)


# -- the add-on ---------------------------------------------------------------------------------

def project_settings(**cmdline: str) -> Settings:
    settings = Settings()
    settings.setmodule("newscrawler.settings", priority="project")
    settings.setdict(cmdline, priority="cmdline")
    return settings


def test_addon_changes_nothing_without_redis_url():
    settings = project_settings()
    before = {name: settings.get(name) for name in (
        "SCHEDULER", "DUPEFILTER_CLASS", "JSONL_OUTPUT", "CRAWL_ID")}
    mws = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    ScaleOut.update_pre_crawler_settings(settings)
    ScaleOut().update_settings(settings)
    assert {name: settings.get(name) for name in before} == before
    assert dict(settings.getdict("DOWNLOADER_MIDDLEWARES")) == mws


def test_addon_configures_scrapy_redis_for_several_workers():
    settings = project_settings(REDIS_URL="redis://localhost:6379/0",
                                SCHEDULER_PERSIST="False")
    ScaleOut.update_pre_crawler_settings(settings)
    ScaleOut().update_settings(settings)
    crawl = default_crawl_id()
    assert settings.get("CRAWL_ID") == crawl  # fixed once, before anything reads it
    assert settings.get("SCHEDULER") == "newscrawler.scaleout.scheduler.ClusterScheduler"
    assert settings.get("DUPEFILTER_CLASS") == "scrapy_redis.dupefilter.RFPDupeFilter"
    assert settings.get("SCHEDULER_QUEUE_KEY") == f"newscrawler:crawl:{crawl}"
    assert settings.get("SCHEDULER_DUPEFILTER_KEY") == f"newscrawler:crawl:{crawl}:dupefilter"
    assert settings.getbool("SCHEDULER_PERSIST") is True  # even against -s: else data loss
    assert settings.get("JSONL_OUTPUT") == DEFAULT_WORKER_OUTPUT  # one file per worker
    names = [getattr(k, "__name__", k) for k in settings.getdict("DOWNLOADER_MIDDLEWARES")]
    assert "ClusterPolitenessMiddleware" in names
    assert "newscrawler.politeness.slots.SitePolitenessMiddleware" not in names
    # the user's own output template wins
    chosen = project_settings(REDIS_URL="redis://localhost/0", JSONL_OUTPUT="x-%(pid)s.jsonl")
    ScaleOut().update_settings(chosen)
    assert chosen.get("JSONL_OUTPUT") == "x-%(pid)s.jsonl"


# -- the frontier and the reservations, in this process ------------------------------------------

def make_queue(url: str, crawl: str = "unit") -> SiteFairQueue:
    spider = Spider(name="feeds")
    spider.settings = Settings({"REDIS_KEY_PREFIX": "t", "REDIS_LEASE_SECONDS": 2.0})
    return SiteFairQueue(redis.Redis.from_url(url), spider, f"t:crawl:{crawl}")


def test_frontier_serves_sites_round_robin_on_leases(redis_url):
    queue = make_queue(redis_url)
    for i in range(6):  # a busy site listed first...
        queue.push_unique(Request(f"http://big.example/{i}"), f"big{i}", "t:df", "big", 0.0)
    for name in ("a", "b"):  # ...does not hold back the small ones
        queue.push_unique(Request(f"http://{name}.example/"), name, "t:df", name, 0.0)
    assert queue.push_unique(Request("http://a.example/"), "a", "t:df", "a", 0.0) is None
    first = [queue.decode(queue.lease("w1", [])[1]).url for _ in range(3)]
    assert {"http://a.example/", "http://b.example/"} <= set(first)
    # a leased request is not pending but still work: nobody may call the crawl finished
    assert queue.pending_and_leased() == (5, 3)
    lease_id, _ = queue.lease("w1", [])
    queue.ack("w1", [lease_id])
    assert queue.pending_and_leased() == (4, 3)
    # the leases of a worker whose alive key expired go back to the frontier
    client = queue.server
    client.set("t:alive:w2", "1")
    taken = queue.lease("w2", [])
    assert queue.requeue("w2", only_if_dead=True) == -1  # alive: nothing happens
    client.delete("t:alive:w2")
    assert queue.requeue("w2", only_if_dead=True) == 1
    assert queue.decode(queue.lease("w3", [])[1]).url == queue.decode(taken[1]).url
    assert queue.pending_and_leased() == (3, 4)


def test_frontier_keeps_a_site_that_must_wait_for_any_worker(redis_url):
    queue = make_queue(redis_url, "delay")
    for i in range(3):
        queue.push_unique(Request(f"http://slow.example/{i}"), f"s{i}", "t:df2", "slow", 30.0)
    assert queue.lease("w1", []) is not None
    assert queue.lease("w1", []) is None  # next allowed start is 30 s away: stays in Redis
    assert queue.has_work() and len(queue) == 2


def test_reservations_space_starts_across_workers(redis_url):
    client = redis.Redis.from_url(redis_url)
    client.set("t:alive:w1", "1")
    client.set("t:alive:w2", "1")
    client.zadd("t:holds:site", {"dead-worker|1": time.time() + 60})  # must not block

    async def crawl() -> tuple[list[float], float]:
        workers = [SharedPoliteness(redis_url, "t", name, hold_seconds=30)
                   for name in ("w1", "w2")]
        starts: list[float] = []

        async def fetch(shared: SharedPoliteness) -> None:
            token, _, _ = await shared.acquire("site", 0.2, 1)
            starts.append(time.monotonic())
            await asyncio.sleep(0.05)  # the request is in flight
            await shared.release("site", token)

        await asyncio.gather(*(fetch(workers[i % 2]) for i in range(6)))
        await workers[0].pause("site", 0.6)  # Retry-After seen by one worker...
        paused = time.monotonic()
        await workers[1].acquire("site", 0.2, 0)  # ...holds the other one back
        waited = time.monotonic() - paused
        await workers[0].back_off("site", 0.5)  # a 429 doubled one worker's delay...
        await workers[1].acquire("site", 0.2, 0, floor=0.2, recovery=0.05)
        backed_off = time.monotonic()
        await workers[1].acquire("site", 0.2, 0, floor=0.2, recovery=0.05)
        spaced = time.monotonic() - backed_off  # ...and the other one slows down too
        for shared in workers:
            await shared.close()
        return sorted(starts), waited, spaced

    starts, waited, spaced = asyncio.run(crawl())
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 0.19, gaps
    assert waited >= 0.55
    assert spaced >= 0.45


# -- real workers ---------------------------------------------------------------------------------

def test_unreachable_redis_is_one_line_and_exit_status_2(tmp_path):
    (tmp_path / "feeds.txt").write_text("http://127.0.0.2:9/feed.xml\n", encoding="utf-8")
    result = run_crawl(tmp_path, "-a", "feeds=feeds.txt",
                       settings={"REDIS_URL": f"redis://127.0.0.1:{_free_port()}/0"})
    assert result.returncode == 2
    assert "error: cannot use REDIS_URL redis://127.0.0.1:" in result.log
    assert "Traceback" not in result.log


def test_two_workers_share_one_frontier_politely_then_the_next_crawl_skips_their_work(
        tmp_path, redis_url):
    # long enough (16 requests a site, 0.4 s apart) for both workers to be up while it runs
    web = memory_web(articles=64, sites=4, per_feed=16, latency=(0.02, 0.06))
    with serve(web) as running:
        feeds = running.write_feed_list(tmp_path / "feeds.txt")
        workers = [worker(tmp_path, name, feeds, redis_url, "first") for name in ("a", "b")]
        codes = [process.wait(timeout=120) for process in workers]
        running.wait_idle()
        records = running.log.records()
        expected = running.expected_urls()
        gaps = running.log.min_gap_by_host()

        running.log.clear()
        # The same crawl again: already finished, nothing to do. The next crawl (another
        # CRAWL_ID), by any worker anywhere: feeds answer 304, no article is requested
        # (DUE=all: no feed is due yet, the schedule in Redis says so).
        again = worker(tmp_path, "c", feeds, redis_url, "first")
        later = worker(tmp_path, "d", feeds, redis_url, "second", DUE="all")
        assert again.wait(timeout=120) == 0 and later.wait(timeout=120) == 0
        running.wait_idle()
        next_records = running.log.records()
        feed_urls = {(r.host, r.path) for r in records if r.path.startswith("/feeds/")}

    assert codes == [0, 0], log_of(tmp_path, "a")[-3000:] + log_of(tmp_path, "b")[-3000:]
    urls = written(tmp_path)
    assert set(urls) == expected, sorted(expected ^ set(urls))[:5]
    assert max(urls.values()) == 1, [u for u, n in urls.items() if n > 1]  # exactly once
    per_worker = {name: lines(tmp_path, name) for name in ("a", "b")}
    assert all(per_worker.values()), per_worker  # both workers really worked
    # the feed list was seeded once, every article fetched by one worker only, and every
    # site's robots.txt fetched once for both workers
    fetched = by_site_and_path(records)
    assert max(fetched.values()) == 1, [k for k, n in fetched.items() if n > 1]
    assert sum(1 for _, path in fetched if path == "/robots.txt") == 4, fetched
    # the per-site delay held across both workers (robots.txt included)
    assert len(gaps) == 4 and min(gaps.values()) >= 0.3, gaps

    assert "already finished" in log_of(tmp_path, "c"), log_of(tmp_path, "c")[-2000:]
    next_fetched = by_site_and_path(r for r in next_records if r.path != "/robots.txt")
    assert next_fetched == Counter(dict.fromkeys(feed_urls, 1)), next_fetched  # feeds, once
    assert all(r.status == 304 for r in next_records if r.path.startswith("/feeds/"))
    assert lines(tmp_path, "c") == lines(tmp_path, "d") == 0
    assert "feeds answering 304 Not Modified: 4" in log_of(tmp_path, "d"), \
        log_of(tmp_path, "d")[-2000:]


def test_worker_killed_midway_loses_nothing(tmp_path, redis_url):
    web = memory_web(articles=96, sites=4, per_feed=24, latency=(0.02, 0.06))
    settings = {"DOWNLOAD_DELAY": "0.2"}
    with serve(web) as running:
        feeds = running.write_feed_list(tmp_path / "feeds.txt")
        doomed = worker(tmp_path, "a", feeds, redis_url, "kill", **settings)
        survivor = worker(tmp_path, "b", feeds, redis_url, "kill", **settings)
        wait_for(lambda: lines(tmp_path, "a") >= 8 and lines(tmp_path, "b") >= 8)
        os.killpg(doomed.pid, signal.SIGKILL)  # the worker and its extraction processes
        doomed.wait(timeout=30)
        killed_at = len(written(tmp_path))
        assert survivor.wait(timeout=120) == 0, log_of(tmp_path, "b")[-3000:]
        expected = running.expected_urls()

    assert killed_at < len(expected)  # the kill really was midway
    urls = written(tmp_path)
    assert set(urls) == expected, sorted(expected - set(urls))[:5]
    assert [url for url, n in urls.items() if n > 1] == []
    assert "went back to the frontier" in log_of(tmp_path, "b")
