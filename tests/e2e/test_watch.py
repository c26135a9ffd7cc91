"""Watch mode (-a watch=1) and JSONL_ROTATE against the simulated web: each source is polled
when due, SIGTERM stops it cleanly, kill -9 and a restart lose and duplicate nothing, and
rolled output files are closed whole before the next opens."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections import Counter
from pathlib import Path

from simweb import serve
from tests.e2e.test_schedule import one_site_web, publish
from tests.support import run_crawl, start_crawl

OUTPUT = "output/%(name)s-%(time)s.jsonl"
# polls every 2 to 4 s: the mechanism is tested, not the ten minutes
WATCH = {"POLL_MIN_INTERVAL": "2", "POLL_FIRST_INTERVAL": "2", "POLL_MAX_INTERVAL": "4",
         "DOWNLOAD_DELAY": "0.1"}


def outputs(workdir: Path) -> list[Path]:
    return sorted((workdir / "output").glob("*.jsonl"))


def written_urls(workdir: Path) -> Counter[str]:
    """URL -> times written, over every output; a torn last line (kill -9) is not an article."""
    urls: Counter[str] = Counter()
    for path in outputs(workdir):
        data = path.read_bytes()
        for line in data[: data.rfind(b"\n") + 1].splitlines():
            urls[json.loads(line)["url"]] += 1
    return urls


def wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def stop(process, sig: int, timeout: float = 60.0) -> int:
    os.killpg(process.pid, sig)
    return process.wait(timeout=timeout)


def expected(running) -> set[str]:
    return {running.url("alpha", path) for path in running.web.site("alpha").pages}


def test_watch_mode_polls_each_source_when_due_and_stops_cleanly_on_sigterm(tmp_path):
    with serve(one_site_web("alpha")) as running:
        running.write_feed_list(tmp_path / "feeds.txt")
        process = start_crawl(tmp_path, "-a", "feeds=feeds.txt", "-a", "watch=1",
                              output=OUTPUT, settings=WATCH)
        try:
            wait_for(lambda: len(written_urls(tmp_path)) == 3)
            publish(running, "alpha", 2)  # the next poll, a few seconds on, finds them
            wait_for(lambda: len(written_urls(tmp_path)) == 5)
            assert process.poll() is None  # still watching
            assert stop(process, signal.SIGTERM) == 0
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
        polls = [r for r in running.log.records() if r.path == "/rss.xml"]
    log = (tmp_path / "crawl.log").read_text()
    assert "run summary (shutdown)" in log, log[-3000:]
    assert "watch: polling 1 due sources" in log
    assert set(written_urls(tmp_path)) == expected(running)
    assert max(written_urls(tmp_path).values()) == 1
    assert len(polls) >= 2
    print("\n".join(line for line in log.splitlines() if "[newscrawler.summary]" in line
                    and "progress" not in line))


def test_watch_mode_killed_and_restarted_loses_and_duplicates_nothing(tmp_path):
    with serve(one_site_web("alpha", articles=6)) as running:
        running.write_feed_list(tmp_path / "feeds.txt")
        first = start_crawl(tmp_path, "-a", "feeds=feeds.txt", "-a", "watch=1",
                            output=OUTPUT, settings=WATCH)
        try:
            wait_for(lambda: len(written_urls(tmp_path)) >= 2)
            stop(first, signal.SIGKILL)  # midway through the feed's articles
        finally:
            if first.poll() is None:
                os.killpg(first.pid, signal.SIGKILL)
        assert len(written_urls(tmp_path)) < 6
        publish(running, "alpha", 2)
        second = start_crawl(tmp_path, "-a", "feeds=feeds.txt", "-a", "watch=1",
                             output=OUTPUT, settings=WATCH)
        try:
            wait_for(lambda: len(written_urls(tmp_path)) == 8)
            publish(running, "alpha", 1)
            wait_for(lambda: len(written_urls(tmp_path)) == 9)
            assert stop(second, signal.SIGTERM) == 0
        finally:
            if second.poll() is None:
                os.killpg(second.pid, signal.SIGKILL)
        assert set(written_urls(tmp_path)) == expected(running)
    assert max(written_urls(tmp_path).values()) == 1, written_urls(tmp_path)


def test_rotation_closes_each_file_whole_before_the_next_opens(tmp_path):
    # 12 articles, one site, 0.4 s apart: about five seconds, so several 1 s files
    with serve(one_site_web("alpha", articles=12)) as running:
        running.write_feed_list(tmp_path / "feeds.txt")
        result = run_crawl(tmp_path, "-a", "feeds=feeds.txt", output=OUTPUT,
                           settings={"JSONL_ROTATE": "1s", "DOWNLOAD_DELAY": "0.4"})
    files = outputs(tmp_path)
    assert result.returncode == 0 and len(files) >= 2, result.log[-2000:]
    assert set(written_urls(tmp_path)) == expected(running)
    assert max(written_urls(tmp_path).values()) == 1
    for path in files:
        assert path.read_bytes().endswith(b"\n")
    events = re.findall(r"output file (opened|closed): (\S+)", result.log)
    opened = [p for kind, p in events if kind == "opened"]
    # each file opened once, in order, and closed before the next one opened
    assert [Path(p).name for p in opened] == [p.name for p in files]
    assert [kind for kind, _ in events] == ["opened", "closed"] * len(files)


def watch_summary(workdir: Path, rounds: int) -> list[str]:
    """The summary of a watch run over a good feed and a missing one, stopped (SIGTERM) once
    the missing one has been polled ``rounds`` times."""
    workdir.mkdir()
    with serve(one_site_web("alpha")) as running:
        missing = running.url("alpha", "/missing.xml")
        (workdir / "feeds.txt").write_text(f"{running.feed_urls()[0]}\n{missing}\n")
        process = start_crawl(workdir, "-a", "feeds=feeds.txt", "-a", "watch=1",
                              output=OUTPUT, settings=WATCH)
        try:
            wait_for(lambda: sum(r.path == "/missing.xml"
                                 for r in running.log.records()) >= rounds)
            assert stop(process, signal.SIGTERM) == 0
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
    log = (workdir / "crawl.log").read_text()
    start = log.index("run summary (shutdown)")
    return [line.split("[newscrawler.summary] INFO: ", 1)[1]
            for line in log[start:].splitlines() if "[newscrawler.summary]" in line]


def test_the_watch_summary_counts_polls_apart_and_does_not_grow_with_rounds(tmp_path):
    short, long = watch_summary(tmp_path / "short", 2), watch_summary(tmp_path / "long", 5)
    assert len(long) == len(short), "\n".join(long)
    for lines in (short, long):
        # per source: each counted once, whatever the number of polls
        assert ("  feeds: 1 ok, 1 failed, 0 not modified, of 2 listed (each source once, by "
                "what it gave in this run)") in lines
        assert sum("failed feed " in line and "missing.xml: HTTP 404" in line
                   for line in lines) == 1
    polls = next(line for line in long if line.startswith("  polls (every poll"))
    figures = re.search(r": (\d+): (\d+) ok, (\d+) failed, (\d+) not modified", polls)
    total, ok, failed, not_modified = map(int, figures.groups())
    # the good feed answers 200 once, then 304s (less often: nothing new, its interval
    # grows); the missing one fails at every poll: every poll of both is counted
    assert failed >= 5 and ok >= 1 and ok + not_modified >= 2
    assert total == ok + failed + not_modified
    # the good feed's own line: its polls, and the entries they listed in all
    assert any(re.search(rf"rss\.xml: RSS feed, polled {ok + not_modified} times, "
                         rf"(\d+ documents, )?\d+ entries in all", line) for line in long), long
