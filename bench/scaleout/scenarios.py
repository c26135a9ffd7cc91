"""The scale-out scenarios (cpu, broad, fair): which webs are crawled by how many workers with
which settings, and the row each crawl adds."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from bench import bounds
from bench.scaleout.table import Row
from bench.scaleout.workers import Workers, run_workers
from newscrawler import settings as project_settings
from simweb import (
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
from simweb.pagegen import article_stub
from simweb.textgen import default_base_time

FAST = {"DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS": "32",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "16"}
STOCK = {"SCHEDULER": "scrapy_redis.scheduler.Scheduler"}


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
                                  listed_by=bounds.listed_by(web))
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
