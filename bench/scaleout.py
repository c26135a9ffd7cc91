#!/usr/bin/env python
"""Scale-out benchmark: N ``scrapy crawl feeds`` workers on one Redis, figures side by side.

    python bench/scaleout.py [--quick] [--scenarios cpu,broad,fair] [--corpus DIR] [--out DIR]

A ``redis-server`` is started on a free loopback port (no persistence) and the simulated web
is served in this process; each row starts its workers at once as subprocesses, exactly as a
user does (``-s REDIS_URL=... -s CRAWL_ID=...``, one directory and JSONL file per worker), on a
fresh key prefix so that no row sees another's state. Every timing comes from the SERVER's
request log or from outside the workers.

cpu
    2,000 real article pages from the corpus (``--quick``: 300) over 20 sites, no latency, no
    delay (``DOWNLOAD_DELAY=0``, 32 requests at once, 16 per site): extraction-bound. Rows: one
    process without Redis (the reference), 1 worker and 2 workers on Redis, each run twice in
    the order ref, 1, 2, 2, 1, ref (the machine is shared: its load drifts over minutes) and
    shown as the mean of both. Rate = articles written / (first article request -> last
    article written).
broad
    ``broad_web(200, 5, (0.3, 1.5))`` (``--quick``: 30 sites), the default polite settings
    (2 s + 0.1 s margin between two requests to a site): one process without Redis
    (``CONCURRENT_REQUESTS=100``, the reference), then 2 workers with 10 and 50 each.
    ``polite bnd``: the issue's politeness bound, max over sites of (n - 1) x max(D, latency)
    + latency, from the server log (``bench/bounds.py``); ``÷polite`` = wall / bound;
    ``gaps < D``: pairs of starts to one site closer than D (bench/bounds.py).
fair
    One busy site (60 articles; ``--quick``: 30) and 12 small ones (3 articles each; 8),
    ``DOWNLOAD_DELAY=0.5``, one worker with 8 requests at once: which frontier lets the small
    sites finish early? ``SiteFairQueue`` against scrapy-redis' own scheduler with its
    ``PriorityQueue`` (the default) and ``FifoQueue``, each with the busy site first (lowest
    address, fastest feed: its articles are queued first) and last (highest address, slowest
    feed).

``min gap`` is the smallest gap between two request starts to one site, over all sites and
across all workers (the server sees them all). ``dup`` counts articles written more than once
across the workers' files; ``per worker`` the lines each wrote. Results (with the git commit,
machine and load) go to ``<out>/scaleout.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import psutil  # noqa: E402
import redis  # noqa: E402

from bench import bounds, harness  # noqa: E402
from newscrawler import settings as project_settings  # noqa: E402
from simweb import (  # noqa: E402
    Entry,
    Feed,
    LazyPages,
    NewsWeb,
    Site,
    broad_web,
    corpus_web,
    memory_web,
    serve,
)
from simweb.pagegen import article_stub  # noqa: E402
from simweb.textgen import default_base_time  # noqa: E402

SCENARIOS = ("cpu", "broad", "fair")
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "zyte"
WORKER_OUTPUT = "output/%(name)s-%(host)s-%(pid)s-%(time)s.jsonl"
FAST = {"DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS": "32",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "16"}
STOCK = {"SCHEDULER": "scrapy_redis.scheduler.Scheduler"}
TIMEOUT = 1800.0


# -- Redis and workers -------------------------------------------------------------------------

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


# -- webs --------------------------------------------------------------------------------------

def busy_web(busy: int = 60, small_sites: int = 12, per_small: int = 3, *,
             busy_first: bool = True, latency: tuple[float, float] = (0.05, 0.1),
             seed: int = 0) -> NewsWeb:
    """One site with ``busy`` articles and ``small_sites`` sites with ``per_small`` each.

    ``busy_first``: the busy site gets the lowest address and the fastest feed (its articles
    are queued first); otherwise the highest address and the slowest feed.
    """
    base = default_base_time()
    sites = []
    # Fixed addresses, the busy site's lowest or highest.
    names = [("busy", "127.0.0.100" if busy_first else "127.0.0.250")]
    names += [(f"small{i:02d}", f"127.0.0.{110 + i}") for i in range(small_sites)]
    for name, address in names:
        count, feed_latency = per_small, latency
        if name == "busy":
            count, feed_latency = busy, (0.0, 0.01) if busy_first else (0.3, 0.4)
        site = Site(name, address=address, pages=LazyPages(name, count, seed=seed, base=base),
                    feed_latency=feed_latency, page_latency=latency)
        entries = []
        for number in range(count):
            path, title, published = article_stub(name, number, seed=seed, base=base)
            entries.append(Entry(name, path, title=title, published=published))
        site.feeds["/feed.xml"] = Feed("/feed.xml", "rss", entries, title=name)
        sites.append(site)
    return NewsWeb(sites, seed=seed)


def listed_by(web: NewsWeb) -> dict[tuple[str, str], list[tuple[str, str]]]:
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for site, feed in web.feeds():
        for entry in feed.entries:
            target = web.entry_target(site, feed, entry)
            if target is not None:
                out.setdefault((target[0].name, target[1]), []).append((site.name, feed.path))
    return out


# -- the benchmark -----------------------------------------------------------------------------

@dataclass
class Row:
    scenario: str
    label: str
    workers: int
    wall: float
    proc: float
    articles: str
    dups: int
    per_worker: str
    min_gap: float | None
    polite: float | None = None
    notes: str = ""
    record: dict[str, Any] = field(default_factory=dict)


class Bench:
    def __init__(self, args: argparse.Namespace, work: Path, redis_url: str,
                 redis_process: psutil.Process) -> None:
        self.args = args
        self.work = work
        self.redis_url = redis_url
        self.redis_process = redis_process
        self.rows: list[Row] = []
        self.crawls = 0
        self.run_id = time.strftime("%Y%m%dT%H%M%S")

    def say(self, message: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    def crawl(self, scenario: str, label: str, make_web: Callable[[], NewsWeb],
              settings: dict[str, str], workers: int, *, redis_mode: bool = True
              ) -> tuple[Workers, Any, list[Any], NewsWeb, set[str]]:
        self.crawls += 1  # one fresh directory, crawl id and key prefix per crawl
        slug = f"{scenario}-{self.crawls}"
        if redis_mode:
            settings = {"REDIS_URL": self.redis_url, "CRAWL_ID": slug,
                        "REDIS_KEY_PREFIX": f"bench-{self.run_id}-{slug}", **settings}
        else:
            settings = {"STATE_DIR": str(self.work / slug / "state"), **settings}
        web = make_web()
        with serve(web) as running:
            feeds = running.write_feed_list(self.work / f"{slug}-feeds.txt")
            expected = running.expected_urls()
            self.say(f"{scenario}: '{label}' with {workers} worker(s), {len(expected)} articles")
            result = run_workers(self.work / slug, feeds, settings, workers, label=label,
                                 redis_process=self.redis_process if redis_mode else None)
            running.wait_idle(10)
            records = running.log.records()
        if any(result.returncodes):
            self.say(f"{label}: exit statuses {result.returncodes}; log tail:\n"
                     + result.log_tails[0])
        delay = float(settings.get("DOWNLOAD_DELAY", project_settings.DOWNLOAD_DELAY))
        margin = float(settings.get("POLITENESS_MARGIN", project_settings.POLITENESS_MARGIN))
        conc = int(settings.get("CONCURRENT_REQUESTS", project_settings.CONCURRENT_REQUESTS))
        per_site = int(settings.get("CONCURRENT_REQUESTS_PER_DOMAIN",
                                    project_settings.CONCURRENT_REQUESTS_PER_DOMAIN))
        feed_keys = {(site.name, path) for site in web.sites for path in site.feeds}
        reqs = bounds.to_reqs(records, feeds=feed_keys)
        analysis = bounds.analyse(reqs, delay=delay, concurrency=conc * workers,
                                  per_site=per_site, configured_gap=delay + margin if delay else 0,
                                  listed_by=listed_by(web))
        return result, analysis, reqs, web, expected

    def row(self, scenario: str, label: str, result: Workers, analysis: Any,
            expected: set[str], *, polite: bool = False, notes: str = "",
            extra: dict[str, Any] | None = None) -> Row:
        written = set(result.urls)
        dups = sum(1 for n in result.urls.values() if n > 1)
        record = {
            "row": label, "workers": result.count, "returncodes": result.returncodes,
            "wall_s": analysis.wall, "process_wall_s": result.process_wall,
            "written": sum(result.lines), "written_of_expected": len(written & expected),
            "expected": len(expected), "duplicates": dups, "lines_per_worker": result.lines,
            "min_gap_s": analysis.min_gap, "politeness_bound_s": analysis.politeness_bound,
            "physical_bound_s": analysis.physical_bound, "binding_bound": analysis.binding,
            "responses_429": analysis.rate_limited, "max_in_flight": analysis.max_in_flight,
            "cpu_s": {"workers": result.cpu_workers, "redis": result.cpu_redis},
            **(extra or {}),
        }
        line = Row(scenario, label, result.count, analysis.wall, result.process_wall,
                   f"{len(written & expected)}/{len(expected)}", dups,
                   "+".join(map(str, result.lines)), analysis.min_gap,
                   polite=analysis.politeness_bound if polite else None, notes=notes,
                   record=record)
        if any(result.returncodes):
            line.notes = f"EXIT {result.returncodes}; " + line.notes
        self.rows.append(line)
        return line

    # scenarios

    def cpu(self) -> None:
        pages = self.args.cpu_pages or (300 if self.args.quick else 2000)
        corpus: Path | None = self.args.corpus
        if corpus is None or not (corpus / "ground-truth.json").is_file():
            self.say(f"cpu: no corpus at {corpus}: using GENERATED pages instead")
            corpus = None

        def make() -> NewsWeb:
            if corpus is not None:
                return corpus_web(corpus, sites=20, pages=pages)
            return memory_web(pages, 20)

        configs = {"one process, no Redis (reference)": (1, False),
                   "1 worker on Redis": (1, True), "2 workers on Redis": (2, True)}
        # ABBA: each configuration twice, mirrored, so that the shared machine's load drifting
        # during the run weighs on all of them alike; the row shows the mean and both rates.
        runs: dict[str, list[tuple[Workers, Any, float, float, set[str]]]] = {
            label: [] for label in configs}
        for label in [*configs, *reversed(configs)]:
            workers, redis_mode = configs[label]
            result, analysis, reqs, _web, expected = self.crawl(
                "cpu", label, make, dict(FAST), workers, redis_mode=redis_mode)
            first = min((q.start for q in reqs if q.kind == "article"), default=analysis.t0)
            window = (result.last_write or result.ended) - first
            rate = sum(result.lines) / window if window > 0 else 0.0
            runs[label].append((result, analysis, window, rate, expected))
        rates = {label: sum(r[3] for r in done) / len(done) for label, done in runs.items()}
        reference, one, two = rates.values()
        versus = {"1 worker on Redis": f"; {one / reference:.2f}x no Redis",
                  "2 workers on Redis": f"; {two / one:.2f}x 1 worker, {two / reference:.2f}x "
                                        "no Redis"}
        for label, done in runs.items():
            result, analysis, _window, _rate, expected = done[0]
            cpu_ms = 1000 * sum(r[0].cpu_workers for r in done) / max(
                1, sum(sum(r[0].lines) for r in done))
            self.row("cpu", label, result, analysis, expected, notes=(
                f"{rates[label]:.1f} art/s (runs: "
                + ", ".join(f"{r[3]:.1f}" for r in done)
                + f"); CPU {cpu_ms:.0f} ms/article (workers), redis "
                f"{sum(r[0].cpu_redis for r in done) / len(done):.1f} s"
                + versus.get(label, "")),
                extra={"articles_per_s": rates[label], "runs_articles_per_s":
                       [r[3] for r in done], "windows_s": [r[2] for r in done],
                       "runs_written_of_expected": [len(set(r[0].urls) & r[4]) for r in done],
                       "runs_duplicates": [sum(n > 1 for n in r[0].urls.values()) for r in done],
                       "pages": pages, "source": str(corpus) if corpus else "generated"})

    def broad(self) -> None:
        sites = self.args.broad_sites or (30 if self.args.quick else 200)

        def make() -> NewsWeb:
            return broad_web(sites, 5, (0.3, 1.5))

        for label, workers, per_worker, redis_mode in (
                ("one process, no Redis, CONCURRENT_REQUESTS=100", 1, "100", False),
                ("2 workers x CONCURRENT_REQUESTS=10", 2, "10", True),
                ("2 workers x CONCURRENT_REQUESTS=50", 2, "50", True)):
            result, analysis, _reqs, _web, expected = self.crawl(
                "broad", label, make, {"CONCURRENT_REQUESTS": per_worker}, workers,
                redis_mode=redis_mode)
            below = getattr(analysis, "gaps_below_delay", None)
            self.row("broad", label, result, analysis, expected, polite=True, notes=(
                f"conc bnd {analysis.concurrency_bound:.1f} s, phys bnd "
                f"{analysis.physical_bound:.1f} s ({analysis.binding}); "
                f"{analysis.rate_limited} x 429"
                + (f"; gaps < D: {below}" if below is not None else "")),
                extra={"sites": sites, "concurrency_bound_s": analysis.concurrency_bound})

    def fair(self) -> None:
        busy, small, per_small = (30, 8, 3) if self.args.quick else (60, 12, 3)
        settings = {"DOWNLOAD_DELAY": "0.5", "CONCURRENT_REQUESTS": "8"}
        queues = (
            ("SiteFairQueue", {}),
            ("scrapy-redis PriorityQueue",
             {**STOCK, "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue"}),
            ("scrapy-redis FifoQueue",
             {**STOCK, "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.FifoQueue"}))
        for busy_first in (True, False):
            for name, extra in queues:
                label = f"{name}, busy site {'first' if busy_first else 'last'}"
                self._fair_row(label, busy, small, per_small, busy_first, {**settings, **extra})

    def _fair_row(self, label: str, busy: int, small: int, per_small: int, busy_first: bool,
                  settings: dict[str, str]) -> None:
        def make() -> NewsWeb:
            return busy_web(busy, small, per_small, busy_first=busy_first)

        result, analysis, reqs, web, expected = self.crawl("fair", label, make, settings, 1)
        small_sites = {s.name for s in web.sites if s.name != "busy"}
        small_done = max((q.end for q in reqs if q.site in small_sites),
                         default=analysis.t0) - analysis.t0
        self.row("fair", label, result, analysis, expected, polite=True,
                 notes=f"small sites all done at {small_done:.1f} s",
                 extra={"small_sites_done_s": small_done, "web": [busy, small, per_small],
                        "busy_first": busy_first})


def _fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def table(rows: list[Row]) -> str:
    head = ["scenario", "row", "wall s", "proc s", "polite bnd", "÷polite", "articles", "dup",
            "per worker", "min gap s", "notes"]
    cells = [[r.scenario, r.label, _fmt(r.wall), _fmt(r.proc), _fmt(r.polite),
              _fmt(r.wall / r.polite if r.polite else None, ".2f"), r.articles, str(r.dups),
              r.per_worker, _fmt(r.min_gap, ".2f"), r.notes] for r in rows]
    widths = [max(len(c[i]) for c in [head, *cells]) for i in range(len(head) - 1)]
    out = []
    for c in [head, *cells]:
        out.append(" | ".join([*(v.ljust(w) for v, w in zip(c, widths, strict=False)), c[-1]]))
        if c is head:
            out.append("-+-".join("-" * w for w in widths) + "-+-" + "-" * 5)
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/scaleout.py",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--quick", action="store_true", help="smaller versions (CI, dev)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    parser.add_argument("--cpu-pages", type=int, default=0)
    parser.add_argument("--broad-sites", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args(argv)
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    args.out.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up as on Ctrl-C
    work = Path(tempfile.mkdtemp(prefix="newscrawler-scaleout-"))
    load_before = os.getloadavg()
    try:
        with redis_server(work / "redis") as (url, process):
            bench = Bench(args, work, url, process)
            for name in scenarios:
                getattr(bench, name)()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"work directory kept: {work}", file=sys.stderr)
    print(table(bench.rows))
    gaps = [r.min_gap for r in bench.rows
            if r.scenario == "broad" and r.workers > 1 and r.min_gap is not None]
    if gaps:
        print(f"\nminimum per-domain gap across workers (broad, 2 workers, D = "
              f"{project_settings.DOWNLOAD_DELAY:g} s): {min(gaps):.3f} s")
    commit = subprocess.run(["git", "--no-optional-locks", "rev-parse", "HEAD"], cwd=REPO,
                            capture_output=True, text=True, check=False).stdout.strip()
    result = {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "commit": commit,
              "quick": args.quick, "machine": {
                  "cores": len(os.sched_getaffinity(0)), "platform": platform.platform(),
                  "python": platform.python_version(), "loadavg_before": load_before,
                  "loadavg_after": os.getloadavg()},
              "rows": [{"scenario": r.scenario, **r.record} for r in bench.rows]}
    path = args.out / "scaleout.json"
    path.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    print(f"\nfigures: {path}", file=sys.stderr)
    return 1 if any(any(r.record["returncodes"]) or r.dups for r in bench.rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
