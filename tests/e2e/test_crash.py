"""A killed crawl loses nothing: SIGKILL at several points, SIGINT, and JOBDIR pause/resume."""

from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from simweb import memory_web, serve
from tests.support import count_lines, run_crawl, start_crawl

OUTPUT = "output/%(name)s-%(time)s.jsonl"
SETTINGS = {"DOWNLOAD_DELAY": "0.1", "CONCURRENT_REQUESTS": "8"}
# slow enough that an interrupt lands with work still queued
SLOW = {**SETTINGS, "DOWNLOAD_DELAY": "0.3"}


def small_web():
    return memory_web(articles=60, sites=4, per_feed=15, latency=(0.02, 0.06))


def outputs(workdir: Path) -> list[Path]:
    return sorted((workdir / "output").glob("*.jsonl"))


def wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


def written_urls(workdir: Path) -> Counter[str]:
    urls: Counter[str] = Counter()
    for path in outputs(workdir):
        for line in path.read_text(encoding="utf-8").splitlines():
            urls[json.loads(line)["url"]] += 1  # every line must be whole JSON
    return urls


@pytest.mark.parametrize("kill_after_articles", [[0, 7, 25], [15, 20]])
def test_sigkill_at_any_moment_then_rerun_writes_every_article_exactly_once(
        tmp_path, kill_after_articles):
    with serve(small_web()) as running:
        running.write_feed_list(tmp_path / "feeds.txt")
        for threshold in kill_after_articles:
            process = start_crawl(tmp_path, "-a", "feeds=feeds.txt", output=OUTPUT,
                                  settings=SETTINGS)
            baseline = count_lines(outputs(tmp_path))
            if threshold == 0:  # as soon as the first feed was requested
                wait_for(lambda: any(r.path.startswith("/feeds/") for r in running.log.records()))
            else:
                wait_for(lambda t=threshold, b=baseline: count_lines(outputs(tmp_path)) >= b + t)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        final = run_crawl(tmp_path, "-a", "feeds=feeds.txt", output=OUTPUT, settings=SETTINGS)
        expected = running.expected_urls()
    assert final.returncode == 0, final.log[-3000:]
    urls = written_urls(tmp_path)
    assert set(urls) == expected
    assert [url for url, n in urls.items() if n > 1] == []


def test_ctrl_c_stops_gracefully_and_the_next_run_completes(tmp_path):
    with serve(small_web()) as running:
        running.write_feed_list(tmp_path / "feeds.txt")
        process = start_crawl(tmp_path, "-a", "feeds=feeds.txt", output=OUTPUT, settings=SLOW)
        wait_for(lambda: count_lines(outputs(tmp_path)) >= 10)
        os.kill(process.pid, signal.SIGINT)
        assert process.wait(timeout=60) == 0
        log = (tmp_path / "crawl.log").read_text()
        assert count_lines(outputs(tmp_path)) < len(running.expected_urls())
        assert "run summary (shutdown)" in log
        final = run_crawl(tmp_path, "-a", "feeds=feeds.txt", output=OUTPUT, settings=SETTINGS)
        expected = running.expected_urls()
    assert final.returncode == 0
    urls = written_urls(tmp_path)
    assert set(urls) == expected and max(urls.values()) == 1


def test_jobdir_pause_and_resume(tmp_path):
    settings = {**SLOW, "JOBDIR": "job"}
    with serve(small_web()) as running:
        running.write_feed_list(tmp_path / "feeds.txt")
        process = start_crawl(tmp_path, "-a", "feeds=feeds.txt", output=OUTPUT,
                              settings=settings)
        wait_for(lambda: count_lines(outputs(tmp_path)) >= 10)
        os.kill(process.pid, signal.SIGINT)
        assert process.wait(timeout=60) == 0
        running.log.clear()
        resumed = run_crawl(tmp_path, "-a", "feeds=feeds.txt", output=OUTPUT, settings=settings)
        running.wait_idle()
        feed_requests = [r for r in running.log.records() if r.path.startswith("/feeds/")]
        expected = running.expected_urls()
    assert resumed.returncode == 0, resumed.log[-3000:]
    assert "Resuming crawl" in resumed.log, resumed.log[-4000:]
    assert feed_requests == []  # the feeds were done: the resumed run continued the queue
    urls = written_urls(tmp_path)
    assert set(urls) == expected and max(urls.values()) == 1


def test_torn_last_line_is_moved_aside_and_reported(tmp_path):
    (tmp_path / "output").mkdir()
    earlier = tmp_path / "output" / "feeds-2020-01-01T00-00-00.jsonl"
    earlier.write_text('{"url": "http://x/1"}\n{"url": "http://x/2", "ti', encoding="utf-8")
    with serve(small_web()) as running:
        running.write_feed_list(tmp_path / "feeds.txt")
        result = run_crawl(tmp_path, "-a", "feeds=feeds.txt", output=OUTPUT, settings=SETTINGS)
    assert earlier.read_text() == '{"url": "http://x/1"}\n'
    assert (tmp_path / "output" / (earlier.name + ".torn")).read_text().startswith('{"url": "h')
    assert "torn last lines left by a killed run, moved aside: 1" in result.summary()
