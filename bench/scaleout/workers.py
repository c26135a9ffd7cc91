"""A private redis-server, and N ``scrapy crawl feeds`` workers started at once and watched
from outside."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import redis

from bench import harness

WORKER_OUTPUT = "output/%(name)s-%(host)s-%(pid)s-%(time)s.jsonl"
TIMEOUT = 1800.0


@contextlib.contextmanager
def redis_server(directory: Path) -> Iterator[tuple[str, psutil.Process]]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server not found: apt-get install redis-server")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    directory.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(directory)],
        stdout=(directory / "redis.log").open("w"), stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(200):
        with contextlib.suppress(redis.ConnectionError):
            client.ping()
            break
        time.sleep(0.05)
    client.close()
    try:
        yield url, psutil.Process(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class Workers:
    label: str
    count: int
    returncodes: list[int]
    started: float
    ended: float
    outputs: list[Path]
    lines: list[int]
    urls: Counter[str]
    last_write: float | None
    cpu_workers: float          # CPU seconds of all workers and their extraction processes
    cpu_redis: float            # CPU seconds of redis-server during the row
    stats: list[dict[str, float]] = field(default_factory=list)
    log_tails: list[str] = field(default_factory=list)

    @property
    def process_wall(self) -> float:
        return self.ended - self.started


def run_workers(workdir: Path, feeds: Path, settings: dict[str, str], count: int, *,
                label: str, redis_process: psutil.Process | None) -> Workers:
    """Start ``count`` workers at once, wait for all; what they wrote and what they cost."""
    workdir.mkdir(parents=True, exist_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    redis_before = _cpu(redis_process)
    processes, dirs = [], []
    started = time.time()
    for index in range(count):
        directory = workdir / f"w{index}"
        directory.mkdir(exist_ok=True)
        command = [sys.executable, "-m", "scrapy", "crawl", "feeds", "-a", f"feeds={feeds}"]
        for name, value in {"JSONL_OUTPUT": WORKER_OUTPUT, **settings}.items():
            command += ["-s", f"{name}={value}"]
        log = (directory / "crawl.log").open("wb")
        processes.append(subprocess.Popen(command, cwd=directory, env=harness.crawl_env(),
                                          stdout=log, stderr=subprocess.STDOUT,
                                          start_new_session=True))
        dirs.append(directory)
    deadline = started + TIMEOUT
    try:
        for process in processes:
            try:
                process.wait(timeout=max(1.0, deadline - time.time()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    except BaseException:  # Ctrl-C, SIGTERM: the workers run in sessions of their own
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        raise
    ended = time.time()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    outputs = [p for d in dirs for p in sorted((d / "output").glob("*.jsonl"))]
    urls: Counter[str] = Counter()
    lines = []
    for path in outputs:
        with path.open(encoding="utf-8") as handle:
            found = [json.loads(line).get("url", "") for line in handle if line.strip()]
        lines.append(len(found))
        urls.update(found)
    logs = [(d / "crawl.log").read_text(encoding="utf-8", errors="replace") for d in dirs]
    return Workers(
        label=label, count=count, returncodes=[p.returncode for p in processes],
        started=started, ended=ended, outputs=outputs, lines=lines, urls=urls,
        last_write=max((p.stat().st_mtime for p in outputs if p.stat().st_size), default=None),
        cpu_workers=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        cpu_redis=_cpu(redis_process) - redis_before,
        stats=[harness.parse_stats(log) for log in logs], log_tails=[log[-3000:] for log in logs])


def _cpu(process: psutil.Process | None) -> float:
    if process is None:
        return 0.0
    times = process.cpu_times()
    return times.user + times.system
