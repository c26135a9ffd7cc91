"""Run the REAL crawl (``scrapy crawl feeds``) in a subprocess and watch it from outside.

Copy-adapted from ``tests/support.run_crawl`` (bench/ must not import from tests/): the same
command line and environment, plus what a benchmark needs:

* a monitor polling the crawl's process tree with psutil: RSS of the crawl process and of its
  extraction workers, the CPU seconds of each process, and the number of JSONL lines written
  (read incrementally), all time-stamped with ``time.time()`` -- the clock of the simulated
  web's request log;
* the time of the last article written: the JSONL file's mtime (the writer flushes every line,
  and the final fsync/close do not change the mtime);
* Scrapy's stats, parsed from the "Dumping Scrapy stats" block of the log.
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from bench.paths import REPO

POLL_SECONDS = 0.2
MB = 1024 * 1024


@dataclass
class Sample:
    t: float                 # time.time()
    written: int             # JSONL lines written so far
    rss_main: int            # bytes, the crawl process
    rss_children: int        # bytes, all its descendants (extraction workers, helpers)
    children: int            # number of descendants alive
    cpu_main: float = 0.0      # CPU seconds so far: the crawl process
    cpu_children: float = 0.0  # ... its live descendants
    cpu_self: float = 0.0      # ... this process (the monitor)
    cpu_server: float = 0.0    # ... the simulated web's process (elsewhere on a real crawl)
    cpu_machine: float = 0.0   # ... every process on the machine (busy time of all cores)
    rss_by_kind: dict[str, int] = field(default_factory=dict)  # descendants by kind, bytes


@dataclass
class CrawlRun:
    label: str
    settings: dict[str, str]
    command: list[str]
    returncode: int
    started: float           # time.time() just before the process was started
    ended: float             # time.time() just after it exited
    output: Path
    last_write: float | None  # mtime of the JSONL file: when the last article was written
    written: int
    urls: list[str]
    stats: dict[str, float]
    log_tail: str
    samples: list[Sample] = field(default_factory=list)
    cpu_main: float = 0.0     # CPU seconds of the crawl process (last sample before exit)
    cpu_workers: float = 0.0  # CPU seconds of its descendants (last sample of each)
    cpu_tree: float = 0.0     # CPU seconds of the whole tree, from getrusage(RUSAGE_CHILDREN)
    cpu_harness: float = 0.0  # CPU seconds of THIS process (the monitor) meanwhile
    cpu_server: float = 0.0   # CPU seconds of the simulated web's process meanwhile
    timed_out: bool = False
    # (time.time(), articles written, requests queued, requests in the downloader) from the
    # crawl's progress lines (every PROGRESS_INTERVAL seconds, whole-second timestamps)
    progress: list[tuple[float, int, int, int]] = field(default_factory=list)

    @property
    def process_wall(self) -> float:
        return self.ended - self.started

    def peak_rss(self) -> dict[str, Any]:
        """Peak RSS in MB: of the crawl process, of its descendants, of the sum (one sample),
        and of each kind of descendant (extraction workers, a browser...)."""
        if not self.samples:
            return {"main_mb": 0.0, "workers_mb": 0.0, "total_mb": 0.0, "by_kind_mb": {}}
        kinds: dict[str, float] = {}
        for s in self.samples:
            for kind, rss in s.rss_by_kind.items():
                kinds[kind] = max(kinds.get(kind, 0.0), rss / MB)
        return {
            "main_mb": max(s.rss_main for s in self.samples) / MB,
            "workers_mb": max(s.rss_children for s in self.samples) / MB,
            "total_mb": max(s.rss_main + s.rss_children for s in self.samples) / MB,
            "by_kind_mb": kinds,
            "children_max": max(s.children for s in self.samples),
        }


def crawl_env() -> dict[str, str]:
    env = dict(os.environ)
    env["SCRAPY_SETTINGS_MODULE"] = "newscrawler.settings"
    env.pop("SCRAPY_PROJECT", None)
    # the crawl may load benchmark extensions (bench/sendlog.py)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return env


_PROGRESS_RE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) .*progress: .*?(\d+) articles written, "
    r"(\d+) requests queued, (\d+) in flight", re.MULTILINE)
_STAT_RE = re.compile(r"'([^']+)': (-?\d+(?:\.\d+)?(?:e-?\d+)?)[,}]")


def parse_progress(log: str) -> list[tuple[float, int, int, int]]:
    """The crawl's progress lines: (time, written, queued, in the downloader)."""
    out = []
    for stamp, written, queued, active in _PROGRESS_RE.findall(log):
        when = time.mktime(time.strptime(stamp, "%Y-%m-%d %H:%M:%S"))
        out.append((when, int(written), int(queued), int(active)))
    return out


def parse_stats(log: str) -> dict[str, float]:
    """The numeric stats of Scrapy's closing "Dumping Scrapy stats" block."""
    start = log.rfind("Dumping Scrapy stats")
    if start < 0:
        return {}
    block = log[start:]
    end = block.find("}\n")
    block = block[: end + 1] if end >= 0 else block
    return {key: float(value) for key, value in _STAT_RE.findall(block)}


class _LineCounter:
    """Counts the lines of a file that is being appended to, reading only what is new."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.lines = 0

    def poll(self) -> int:
        try:
            with self.path.open("rb") as handle:
                handle.seek(self.offset)
                chunk = handle.read()
        except FileNotFoundError:
            return self.lines
        # Count only complete lines; a partial last line is read again next time.
        complete = chunk.rfind(b"\n") + 1
        self.lines += chunk.count(b"\n", 0, complete)
        self.offset += complete
        return self.lines


def _cpu(times: psutil._common.pcputimes) -> float:
    return times.user + times.system


def run_crawl(workdir: Path, feeds: Path | None, settings: dict[str, str], *, label: str,
              timeout: float = 1800, keep_urls: bool = True, server_pid: int | None = None,
              spider: str = "feeds", arguments: tuple[str, ...] = ()) -> CrawlRun:
    """``scrapy crawl feeds -a feeds=FEEDS -s NAME=VALUE...`` in ``workdir``, monitored (or
    ``scrapy crawl SPIDER ARGUMENTS...``: the warc spider reads files, not feeds).

    ``server_pid``: the simulated web's process, when it has one; its CPU counts as ours."""
    workdir.mkdir(parents=True, exist_ok=True)
    output = workdir / "out.jsonl"
    merged = {"JSONL_OUTPUT": str(output), **settings}
    if feeds is not None:
        arguments = ("-a", f"feeds={feeds}", *arguments)
    command = [sys.executable, "-m", "scrapy", "crawl", spider, *arguments]
    for name, value in merged.items():
        command += ["-s", f"{name}={value}"]
    log_path = workdir / "crawl.log"
    counter = _LineCounter(output)
    samples: list[Sample] = []
    cpu_seen: dict[int, float] = {}
    main_cpu = 0.0
    timed_out = False

    server = _process(server_pid)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    self_before, server_before = _own_cpu(), _server_cpu(server)
    with log_path.open("wb") as log_file:
        started = time.time()
        proc = subprocess.Popen(command, cwd=workdir, env=crawl_env(), stdout=log_file,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            watched = psutil.Process(proc.pid)
        except psutil.NoSuchProcess:  # pragma: no cover - exited at once
            watched = None
        deadline = started + timeout
        while proc.poll() is None:
            if time.time() > deadline:
                timed_out = True
                # Our own process group (start_new_session): the crawl and its workers.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                break
            if watched is not None:
                sample, main = _sample(watched, counter, cpu_seen, server)
                if sample is not None:
                    samples.append(sample)
                    main_cpu = main
            time.sleep(POLL_SECONDS)
        ended = time.time()
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    self_after, server_after = _own_cpu(), _server_cpu(server)
    written = counter.poll()

    log = log_path.read_text(encoding="utf-8", errors="replace")
    urls: list[str] = []
    if keep_urls and output.exists():
        urls = _urls(output)
    tree = ((children_after.ru_utime + children_after.ru_stime)
            - (children_before.ru_utime + children_before.ru_stime))
    harness = self_after - self_before
    return CrawlRun(
        label=label, settings=dict(merged), command=command, returncode=proc.returncode,
        started=started, ended=ended, output=output,
        last_write=output.stat().st_mtime if output.exists() else None,
        written=written, urls=urls, stats=parse_stats(log), log_tail=log[-4000:],
        progress=parse_progress(log),
        samples=samples, cpu_main=main_cpu,
        cpu_workers=sum(cpu_seen.values()), cpu_tree=tree, cpu_harness=harness,
        cpu_server=server_after - server_before,
        timed_out=timed_out,
    )


def child_kind(cmdline: list[str]) -> str:
    """What a descendant of the crawl is, from its command line."""
    line = " ".join(cmdline)
    if "spawn_main" in line or "multiprocessing-fork" in line:
        return "extraction worker"
    if "resource_tracker" in line:
        return "multiprocessing resource tracker"
    if "playwright" in line and "node" in line:
        return "playwright driver (node)"
    if "chrom" in line:
        return "chromium"
    return Path(cmdline[0]).name if cmdline else "?"


_KINDS: dict[int, str] = {}


def _process(pid: int | None) -> psutil.Process | None:
    try:
        return None if pid is None else psutil.Process(pid)
    except psutil.NoSuchProcess:
        return None


def _own_cpu() -> float:
    """CPU seconds of this process (the monitor; the simulated web when served in-process)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def _server_cpu(server: psutil.Process | None) -> float:
    """CPU seconds of the simulated web when it runs in a process of its own, else 0: it is
    counted apart because on a real crawl the sites' servers are elsewhere."""
    if server is not None:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            return _cpu(server.cpu_times())
    return 0.0


def _sample(watched: psutil.Process, counter: _LineCounter, cpu_seen: dict[int, float],
            server: psutil.Process | None = None) -> tuple[Sample | None, float]:
    try:
        with watched.oneshot():
            rss_main = watched.memory_info().rss
            main_cpu = _cpu(watched.cpu_times())
        children = watched.children(recursive=True)
    except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
        return None, 0.0
    rss_children = 0
    cpu_children = 0.0
    alive = 0
    by_kind: dict[str, int] = {}
    for child in children:
        try:
            with child.oneshot():
                rss = child.memory_info().rss
                cpu_seen[child.pid] = _cpu(child.cpu_times())
                cpu_children += cpu_seen[child.pid]
                if child.pid not in _KINDS:
                    _KINDS[child.pid] = child_kind(child.cmdline())
            rss_children += rss
            kind = _KINDS[child.pid]
            by_kind[kind] = by_kind.get(kind, 0) + rss
            alive += 1
        except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
            continue
    machine = psutil.cpu_times()
    busy = machine.user + machine.nice + machine.system + getattr(machine, "irq", 0.0) + getattr(
        machine, "softirq", 0.0) + getattr(machine, "steal", 0.0)
    return Sample(time.time(), counter.poll(), rss_main, rss_children, alive, main_cpu,
                  cpu_children, _own_cpu(), _server_cpu(server), busy, by_kind), main_cpu


def window_cpu(samples: list[Sample], start: float, end: float) -> dict[str, float] | None:
    """Cores used between ``start`` and ``end`` (time.time()), from the samples around them.

    ``other`` is what the rest of the machine used meanwhile: the noise of a shared machine.
    """
    live = [s for s in samples if s.rss_main]
    inside = [s for s in live if start <= s.t <= end]
    if len(inside) < 2:
        return None
    a, b = inside[0], inside[-1]
    span = b.t - a.t
    if span <= 0:
        return None
    out = {
        "seconds": span,
        "crawl_process": (b.cpu_main - a.cpu_main) / span,
        "workers": (b.cpu_children - a.cpu_children) / span,
        "bench_process": (b.cpu_self - a.cpu_self) / span,
        "web_server": (b.cpu_server - a.cpu_server) / span,
        "machine": (b.cpu_machine - a.cpu_machine) / span,
    }
    out["other"] = max(0.0, out["machine"] - out["crawl_process"] - out["workers"]
                       - out["bench_process"] - out["web_server"])
    return out


def _urls(path: Path) -> list[str]:
    """The ``url`` of every JSONL line, without keeping the items (they can be 100 MB)."""
    import json

    urls = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                urls.append(json.loads(line).get("url", ""))
    return urls
