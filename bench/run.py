#!/usr/bin/env python
"""Crawl-speed benchmark: the REAL crawl against the simulated news web, figures side by side.

    python bench/run.py [--scenarios seed,broad,cpu,memory] [--quick] [--corpus DIR]
                        [--out DIR] [--broad-sites N] [--cpu-pages N] [--memory-articles N]

For every scenario the simulated web (``simweb``) is served on loopback addresses in
this process, and ``scrapy crawl feeds -a feeds=LIST -s ...`` runs as a subprocess exactly as a
user runs it (``bench/harness.py``). Every figure is read from the SERVER's request log
(start/end/site/path/status of each request) or from outside the crawl process, and every ratio
compares figures measured in the same run: the machine is shared and noisy, so absolute times
alone mean little. One table is printed (and, below it, where the time of each seed and broad
crawl went). Written to ``--out`` (default ``bench/results/``):

* ``latest.json``: every figure, per-site facts, the git commit and changed files, date, cores,
  load; a line per run is appended to ``history.jsonl`` so runs stay comparable. Each crawl
  also records a digest of ``newscrawler/**/*.py`` taken when it started: other people edit
  the working tree, and the run warns when rows were crawled with different code;
* ``timeline-<scenario>.png``: one panel per crawl, one line per site, one bar per request
  (robots.txt grey, feeds blue, articles green, retries orange, 429s red), x = seconds since
  the first request; ``memory-rss.png``: RSS, articles written and requests queued over time;
* ``requests-<scenario>-<row>.jsonl``: each crawl's request log, the evidence behind it all.

Scenarios (``--quick``: smaller versions, ~4 min in all, for CI smoke tests and development):

seed
    ``seed_web()``: 26 feeds, 36 articles, 8 sites, slow (0.5-1.1 s a request); "delta" answers
    429 to any request < 2 s after its previous one. Rows: sequential (CONCURRENT_REQUESTS=1,
    no delay; skipped by --quick), parallel without per-site delay (no delay, no margin, 10 at
    once, 10 per site) and the default polite crawl.
broad
    ``broad_web(200, 5, (0.3, 1.5))`` (--quick: 30 sites): the polite crawl with the default
    CONCURRENT_REQUESTS=10 and with 100, where politeness rather than the cap binds.
cpu
    2,000 real article pages from the corpus (--quick: 300) over 20 sites, no latency, no delay,
    CONCURRENT_REQUESTS=32, 16 per site. Compared with the same ``extract()`` work in ONE
    process on one core, measured in this process before, between and after the crawls. Rows:
    the default pool (one worker per core) and EXTRACT_WORKERS=1. Target: >= 1.5x the
    single-core rate on 2 cores. Without the corpus, generated pages are used (and said so).
memory
    ``memory_web(20000, 20)`` (--quick: 2,000), no latency, no delay: peak RSS of the crawl
    process plus its descendants (extraction workers, by kind; psutil, every 0.2 s), RSS at
    25/50/75/100 % of the articles written, and the crawl's queue (progress line every second)
    so that growth can be told apart: per article written, or per request queued.

Columns: wall = first request start -> last request end in the server log (cpu: first ARTICLE
request -> last article written); proc = the crawl process from start to exit (imports,
worker start-up and shutdown included); articles = written / expected; min gap = the smallest
time between two request starts at one site, as the server saw them.

Bounds (``bench/bounds.py``), from the server log of the same crawl, per site n = requests not
answered 429 and latency = their mean response time; D = DOWNLOAD_DELAY (2 s):

* polite bnd, the issue's politeness bound: max over sites of (n - 1) x max(D, latency) +
  latency. It IGNORES the global cap CONCURRENT_REQUESTS: 200 sites x 7 requests x ~0.9 s is
  ~126 s of requests, which 10 connections cannot carry in the ~13 s the politeness bound
  allows. Hence broad also runs with CONCURRENT_REQUESTS=100, where politeness binds;
* concurrency bound: sum(latency of every request) / CONCURRENT_REQUESTS;
* chain bound: the ideal schedule that respects only robots.txt -> feed -> the articles it lists
  (across sites too) and the per-site rules (requests per site at once, starts D apart);
* phys bnd = the largest of the three, named in the table. wall / phys bnd is how far the crawl
  is from what physics and its own rules allow; 1.00 is perfect.

The crawler keeps D + POLITENESS_MARGIN (2.1 s) between starts, so even a perfect polite crawl
sits about (n - 1) x 0.1 s above the bound of a site that needs n requests.

cpu figures: end-to-end articles/s = articles written / (first article request start -> last
article written). That window starts after the feeds and robots.txt (a handful of requests that
measure nothing about extraction) and ends at the last write, not at process exit (shutting the
pool down and writing stats is not throughput); ``newscrawler/elapsed_seconds`` would include
both and the JSONL ``fetched_at`` has one-second resolution, too coarse for a 300-page run. The
last write is the JSONL file's mtime (the writer flushes every line). The single-core reference
extracts each distinct page once (real pages repeat under other URLs to make 2,000) and weights
it by how often the crawl fetches it: the same work, in less time. Also reported, because the
machine is shared: the cores each process used during the window (workers, reactor, simulated
web, and every OTHER process on the machine), and a projection from CPU seconds of the
x-single-core rate on idle cores -- a projection, never a substitute for the measured ratio.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import bounds, harness, sendlog, timeline  # noqa: E402
from newscrawler import settings as project_settings  # noqa: E402
from simweb import (  # noqa: E402
    NewsWeb,
    broad_web,
    corpus_web,
    memory_web,
    seed_web,
    serve,
    serve_in_process,
)

SCENARIOS = ("seed", "broad", "cpu", "memory")
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "zyte"
RESULTS_DIR = REPO / "bench" / "results"
CPU_TARGET = 1.5
CRAWL_TIMEOUT = 1800.0
REFERENCE_SAMPLE = 150  # at most this many distinct pages in a single-core reference pass
FAST = {"DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS": "32",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "16"}


@dataclass
class Line:
    """One line of the printed table."""

    scenario: str
    row: str
    wall: float | None = None
    proc: float | None = None
    polite: float | None = None
    polite_ratio: float | None = None
    phys: float | None = None
    phys_what: str = ""
    phys_ratio: float | None = None
    r429: int | None = None
    articles: str = ""
    min_gap: float | None = None
    notes: str = ""


@dataclass
class Bench:
    args: argparse.Namespace
    out: Path
    work: Path
    lines: list[Line] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)

    # -- plumbing ----------------------------------------------------------------------------

    def say(self, message: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    def crawl(self, scenario: str, label: str, make_web: Callable[[], NewsWeb],
              settings: dict[str, str], *, keep_urls: bool = True) -> dict[str, Any]:
        """Serve a fresh web, crawl it, analyse the server's log; the row's raw figures."""
        web = make_web()
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:48]
        workdir = self.work / f"{scenario}-{slug}"
        if workdir.exists():
            raise ValueError(f"two rows of {scenario} named {label!r}")
        # the web in a process of its own: its log's times must not wait for our monitor
        with serve_in_process(web) as running:
            feeds = running.write_feed_list(self.work / f"{scenario}-{slug}-feeds.txt")
            expected = running.expected_urls()
            self.say(f"{scenario}: crawling '{label}' ({len(expected)} articles expected)")
            load_before = os.getloadavg()[0]
            digest = source_digest()
            # the crawl's own record of when it sent each request (see bench/sendlog.py)
            sent_log = self.work / f"{scenario}-{slug}-sent.jsonl"
            extensions = {**project_settings.EXTENSIONS, "bench.sendlog.SendLog": 0}
            run = harness.run_crawl(workdir, feeds, {
                **settings, "BENCH_SEND_LOG": str(sent_log),
                "EXTENSIONS": json.dumps(extensions)}, label=label, timeout=CRAWL_TIMEOUT,
                keep_urls=keep_urls, server_pid=running.pid)
            running.wait_idle(10)
            records = running.log.records()
            log_path = self.out / f"requests-{scenario}-{slug}.jsonl"
            running.log.dump_jsonl(log_path)
        if run.returncode != 0 or run.timed_out:
            self.say(f"{scenario}/{label}: crawl exited {run.returncode}"
                     f"{' (timed out)' if run.timed_out else ''}; log tail:\n{run.log_tail}")
        feed_keys = {(site.name, path) for site in web.sites for path in site.feeds}
        reqs = bounds.to_reqs(records, feeds=feed_keys)
        delay = float(_setting(settings, "DOWNLOAD_DELAY"))
        margin = float(_setting(settings, "POLITENESS_MARGIN"))
        analysis = bounds.analyse(
            reqs, delay=delay, concurrency=int(_setting(settings, "CONCURRENT_REQUESTS")),
            per_site=int(_setting(settings, "CONCURRENT_REQUESTS_PER_DOMAIN")),
            configured_gap=delay + margin if delay else 0.0, listed_by=_listed_by(web))
        written_expected = len(expected & set(run.urls)) if keep_urls else None
        sent = sendlog.sent_gaps(sent_log)
        return {
            "sent_min_gap": min(sent, default=None),
            "sent_gaps_below_delay": sum(gap < delay for gap in sent),
            "label": label, "run": run, "reqs": reqs, "analysis": analysis,
            "expected": len(expected), "written_expected": written_expected,
            "log": str(log_path.relative_to(self.out)), "load_before": load_before,
            "load_after": os.getloadavg()[0], "source": digest,
        }

    def row_record(self, raw: dict[str, Any]) -> dict[str, Any]:
        run: harness.CrawlRun = raw["run"]
        a: bounds.Analysis = raw["analysis"]
        stats = run.stats
        return {
            "row": raw["label"],
            "settings": {k: v for k, v in run.settings.items()
                         if k not in ("JSONL_OUTPUT", "BENCH_SEND_LOG", "EXTENSIONS")},
            "returncode": run.returncode,
            "timed_out": run.timed_out,
            "wall_s": a.wall,
            "process_wall_s": run.process_wall,
            "written": run.written,
            "expected": raw["expected"],
            "written_of_expected": raw["written_expected"],
            "responses_429": a.rate_limited,
            "retried_requests": a.retried,
            "min_gap_s": a.min_gap,
            # the same, as the crawl wrote the requests (the server may log one late)
            "sent_min_gap_s": raw["sent_min_gap"],
            "sent_gaps_below_delay": raw["sent_gaps_below_delay"],
            "politeness_bound_s": a.politeness_bound,
            "concurrency_bound_s": a.concurrency_bound,
            "chain_bound_s": a.chain_bound,
            "physical_bound_s": a.physical_bound,
            "binding_bound": a.binding,
            "ratio_politeness": a.wall / a.politeness_bound if a.politeness_bound else None,
            "ratio_physical": a.wall / a.physical_bound if a.physical_bound else None,
            "analysis": a.as_dict(sites=True),
            "cpu_s": {"crawl_process": run.cpu_main, "descendants": run.cpu_workers,
                      "crawl_tree": run.cpu_tree, "bench_process": run.cpu_harness},
            "peak_rss_mb": run.peak_rss(),
            "stats": {k: v for k, v in stats.items()
                      if k.startswith(("newscrawler/", "retry/", "memusage/", "downloader/res"
                                       "ponse_status_count", "scheduler/enqueued",
                                       "item_scraped", "elapsed"))},
            "request_log": raw["log"],
            "loadavg_1min": [raw["load_before"], raw["load_after"]],
            "source_digest": raw["source"],
        }

    def line_for(self, scenario: str, raw: dict[str, Any], *, polite: bool,
                 notes: str = "") -> Line:
        run: harness.CrawlRun = raw["run"]
        a: bounds.Analysis = raw["analysis"]
        written = raw["written_expected"] if raw["written_expected"] is not None else run.written
        line = Line(scenario, raw["label"], wall=a.wall, proc=run.process_wall,
                    phys=a.physical_bound, phys_what=a.binding,
                    phys_ratio=a.wall / a.physical_bound if a.physical_bound else None,
                    r429=a.rate_limited, articles=f"{written}/{raw['expected']}",
                    min_gap=a.min_gap, notes=notes)
        if polite:
            line.polite = a.politeness_bound
            line.polite_ratio = a.wall / a.politeness_bound
            if raw["sent_min_gap"] is not None:
                line.notes += (f"; as sent: min gap {raw['sent_min_gap']:.3f} s, "
                               f"{raw['sent_gaps_below_delay']} < {a.delay:g} s")
        if run.returncode != 0 or run.timed_out:
            line.notes = f"EXIT {run.returncode}{' TIMEOUT' if run.timed_out else ''}; " + notes
        return line

    def timeline(self, scenario: str, raws: list[dict[str, Any]], extra: str = "",
                 *, with_bounds: bool = True) -> str:
        panels = []
        for raw in raws:
            a: bounds.Analysis = raw["analysis"]
            if with_bounds:
                title = (f"{raw['label']}: wall {a.wall:.1f} s, politeness bound "
                         f"{a.politeness_bound:.1f} s, physical bound {a.physical_bound:.1f} s "
                         f"({a.binding}), {a.rate_limited} x 429, {a.retried} retried")
            else:
                title = (f"{raw['label']}: {a.requests} requests in {a.wall:.1f} s, "
                         f"{raw['run'].written} articles written, {a.rate_limited} x 429")
            marks = []
            last = raw["run"].last_write
            if last is not None:
                marks.append((last, "last article written"))
            panels.append(timeline.Panel(title, raw["reqs"], marks))
        path = self.out / f"timeline-{scenario}.png"
        timeline.plot(path, panels, suptitle=f"{scenario} {extra}".strip())
        return path.name

    # -- scenarios ---------------------------------------------------------------------------

    def seed(self) -> None:
        rows = [
            ("sequential", {"CONCURRENT_REQUESTS": "1", "DOWNLOAD_DELAY": "0"}, False),
            ("parallel, no delay", {"DOWNLOAD_DELAY": "0", "POLITENESS_MARGIN": "0",
                                    "CONCURRENT_REQUESTS": "10",
                                    "CONCURRENT_REQUESTS_PER_DOMAIN": "10"}, False),
            ("polite (defaults)", {}, True),
        ]
        if self.args.quick:
            rows = rows[1:]
        raws = []
        records = []
        for label, settings, polite in rows:
            raw = self.crawl("seed", label, seed_web, settings)
            raws.append(raw)
            records.append(self.row_record(raw))
            a: bounds.Analysis = raw["analysis"]
            notes = f"{a.max_in_flight} max in flight"
            if polite:
                busiest = a.sites[a.politeness_site]
                notes = (f"busiest {busiest.site}: n={busiest.n}, {busiest.latency:.2f} s/req; "
                         f"critical {a.critical_site} (first request at "
                         f"{a.sites[a.critical_site].first_start:.1f} s); {a.gaps_below_gap} gaps "
                         f"< {a.gap:.1f} s, {a.gaps_below_delay} < {a.delay:g} s; "
                         + notes)
            self.lines.append(self.line_for("seed", raw, polite=polite, notes=notes))
        polite_raw = raws[-1]
        fastest = min(raws, key=lambda r: r["analysis"].wall)
        self.results["seed"] = {
            "web": "seed_web()",
            "rows": records,
            "sequential_skipped": bool(self.args.quick),
            "polite_vs_fastest": polite_raw["analysis"].wall / fastest["analysis"].wall,
            "timeline": self.timeline("seed", raws),
        }

    def broad(self) -> None:
        sites = self.args.broad_sites or (30 if self.args.quick else 200)

        def make() -> NewsWeb:
            return broad_web(sites, 5, (0.3, 1.5))

        raws, records = [], []
        # The default 10 places make this a concurrency-bound crawl (1,400 requests of ~0.9 s
        # need >= 126 s on 10 connections, against a 13 s politeness bound); with one place
        # per site, politeness is the only limit; 100 lies in between.
        rows: list[tuple[str, dict[str, str]]] = [
            ("polite, CONCURRENT_REQUESTS=10 (default)", {}),
            ("polite, CONCURRENT_REQUESTS=100", {"CONCURRENT_REQUESTS": "100"})]
        if sites > 100:
            rows.append((f"polite, CONCURRENT_REQUESTS={sites} (one per site)",
                         {"CONCURRENT_REQUESTS": str(sites)}))
        for label, settings in rows:
            raw = self.crawl("broad", label, make, settings)
            raws.append(raw)
            records.append(self.row_record(raw))
            a: bounds.Analysis = raw["analysis"]
            cap = int(_setting(settings, "CONCURRENT_REQUESTS"))
            notes = (f"mean {a.mean_in_flight:.1f}/max {a.max_in_flight} in flight of {cap}; "
                     f"conc bnd {a.concurrency_bound:.1f} s; critical {a.critical_site} (first "
                     f"request at {a.sites[a.critical_site].first_start:.1f} s); "
                     f"{a.gaps_below_gap} gaps < {a.gap:.1f} s, "
                     f"{a.gaps_below_delay} < {a.delay:g} s")
            self.lines.append(self.line_for("broad", raw, polite=True, notes=notes))
        self.results["broad"] = {"web": f"broad_web({sites}, 5, (0.3, 1.5))", "rows": records,
                                 "timeline": self.timeline("broad", raws)}

    def cpu(self) -> None:
        pages = self.args.cpu_pages or (300 if self.args.quick else 2000)
        corpus: Path | None = self.args.corpus
        if corpus is not None and not (corpus / "ground-truth.json").is_file():
            self.say(f"cpu: no corpus at {corpus}: using GENERATED pages instead")
            corpus = None

        def make() -> NewsWeb:
            if corpus is not None:
                return corpus_web(corpus, sites=20, pages=pages)
            return memory_web(pages, 20)

        sample = self._reference_pages(make, corpus is not None)
        passes = [reference_pass(sample)]
        raws, records = [], []
        for label, workers in (("EXTRACT_WORKERS=0 (one per core)", "0"),
                               ("EXTRACT_WORKERS=1", "1")):
            raw = self.crawl("cpu", label, make, {**FAST, "EXTRACT_WORKERS": workers})
            raws.append(raw)
            passes.append(reference_pass(sample))
        ref_rates = [p["rate"] for p in passes]
        ref_rate = statistics.fmean(ref_rates)
        cores = _cores()
        ref_seconds = pages / ref_rate
        self.lines.append(Line(
            "cpu", "single-core extract() (reference)", wall=ref_seconds,
            phys=ref_seconds, phys_what="1 core", phys_ratio=1.0,
            articles=f"{pages} pages",
            notes=(f"{ref_rate:.1f} pages/s (passes {', '.join(f'{r:.1f}' for r in ref_rates)})"
                   f"; got {statistics.fmean(p['cpu_share'] for p in passes):.0%} of a core, "
                   f"other processes {statistics.fmean(p['other_cores'] for p in passes):.2f}"
                   " cores"),
        ))
        for raw in raws:
            run: harness.CrawlRun = raw["run"]
            record = self.row_record(raw)
            first_article = min((q.start for q in raw["reqs"] if q.kind == "article"),
                                default=raw["analysis"].t0)
            last_write = run.last_write or run.ended
            window = last_write - first_article
            rate = run.written / window if window > 0 else 0.0
            speedup = rate / ref_rate
            ideal = ref_seconds / cores
            used = harness.window_cpu(run.samples, first_article, last_write)
            record.update({
                "window_s": window, "articles_per_s": rate, "vs_single_core": speedup,
                "ideal_s": ideal, "ratio_ideal": window / ideal,
                "elapsed_rate": run.written / run.stats["newscrawler/elapsed_seconds"]
                if run.stats.get("newscrawler/elapsed_seconds") else None,
                "process_rate": run.written / run.process_wall,
                # cores busy during the article window, per process group
                "cores_in_window": used,
                "cpu_ms_per_article_in_window": {
                    k: v * window / max(1, run.written) * 1000
                    for k, v in (used or {}).items() if k not in ("seconds", "machine")
                },
                "reference_cpu_ms_per_page": statistics.fmean(
                    p["cpu_seconds"] for p in passes) / pages * 1000,
            })
            projected = projected_speedup(record, cores)
            record["projected_vs_single_core_on_idle_cores"] = projected
            records.append(record)
            notes = (f"{rate:.1f} art/s = {speedup:.2f}x single-core"
                     f"{f' (target >= {CPU_TARGET}x)' if raw is raws[0] else ''}")
            if projected is not None:
                notes += f" (CPU-time projection on {cores} idle cores: {projected:.2f}x)"
            if used is not None:
                notes += (f"; cores busy: workers {used['workers']:.2f}, reactor "
                          f"{used['crawl_process']:.2f}, web+monitor {used['bench_process']:.2f}"
                          f", other processes {used['other']:.2f}")
            self.lines.append(Line(
                "cpu", raw["label"], wall=window, proc=run.process_wall,
                phys=ideal, phys_what=f"{cores} cores", phys_ratio=window / ideal,
                r429=raw["analysis"].rate_limited,
                articles=f"{raw['written_expected']}/{raw['expected']}", notes=notes,
            ))
        self.results["cpu"] = {
            "pages": pages, "sites": 20,
            "source": str(corpus) if corpus is not None else "generated (no corpus)",
            "cores": cores, "target_vs_single_core": CPU_TARGET,
            "reference": {"rate": ref_rate, "passes": passes, "seconds": ref_seconds,
                          "distinct_pages": len(sample)},
            "rows": records,
            "met_target": records[0]["vs_single_core"] >= CPU_TARGET,
            "timeline": self.timeline("cpu", raws, with_bounds=False),
        }

    def _reference_pages(self, make: Callable[[], NewsWeb], from_corpus: bool
                         ) -> list[tuple[bytes, str, float]]:
        """(bytes, url, weight) of the pages the reference extracts; weights add up to N."""
        web = make()
        pages = [(site, path, site.pages[path]) for site in web.sites for path in site.pages]
        total = len(pages)
        if from_corpus:
            counts: dict[str | None, list[Any]] = {}
            for site, path, page in pages:
                counts.setdefault(page.corpus_id, [site, path, page, 0])[3] += 1
            chosen = [(s, p, pg, float(n)) for s, p, pg, n in counts.values()]
        else:
            step = max(1, math.ceil(total / REFERENCE_SAMPLE))
            picked = pages[::step]
            chosen = [(s, p, pg, total / len(picked)) for s, p, pg in picked]
        out = []
        with serve(web) as running:
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            for site, path, page, weight in chosen:
                url = running.url(site.name, path)
                if page.html is not None:
                    body = page.html
                else:  # generated on request: fetch exactly what the crawler gets
                    with opener.open(url, timeout=30) as response:
                        body = response.read()
                out.append((body, url, weight))
        return out

    def memory(self) -> None:
        articles = self.args.memory_articles or (2000 if self.args.quick else 20000)

        def make() -> NewsWeb:
            return memory_web(articles, 20)

        # Progress lines every second: the size of the scheduler's queue next to the RSS.
        raw = self.crawl("memory", f"{articles} articles", make,
                         {**FAST, "PROGRESS_INTERVAL": "1"}, keep_urls=False)
        run: harness.CrawlRun = raw["run"]
        record = self.row_record(raw)
        quarters = rss_at_quarters(run)
        fit = rss_fit(run)
        peak = run.peak_rss()
        queue = queue_peak(run)
        record.update({"rss_at_quarters": quarters, "rss_fit": fit, "queue_peak": queue,
                       "memusage_max_mb": run.stats.get("memusage/max", 0) / harness.MB,
                       "progress": run.progress,
                       "samples": [s.__dict__ for s in run.samples[:: max(1, len(run.samples)
                                                                          // 400)]]})
        chart = timeline.plot_memory(self.out / "memory-rss.png", run,
                                     title=f"memory_web({articles}, 20)")
        self.results["memory"] = {"web": f"memory_web({articles}, 20)", "rows": [record],
                                  "timeline": self.timeline("memory", [raw], with_bounds=False),
                                  "rss_chart": chart.name}
        kinds = ", ".join(f"{k} {v:.0f}" for k, v in sorted(peak["by_kind_mb"].items()))
        hiwater = run.stats.get("memusage/max", 0) / harness.MB
        notes = (f"peak RSS {peak['total_mb']:.0f} MB = crawl {peak['main_mb']:.0f} "
                 f"(Scrapy memusage/max, sampled each 60 s: {hiwater:.0f}) + descendants "
                 f"{peak['workers_mb']:.0f} "
                 f"({kinds}); total at 25/50/75/100 % "
                 "written: " + "/".join(f"{q['total_mb']:.0f}" for q in quarters)
                 + " MB, crawl process: " + "/".join(f"{q['main_mb']:.0f}" for q in quarters)
                 + " MB")
        if queue:
            notes += (f"; queue peaked at {queue['queued']} requests with "
                      f"{queue['written']} written, crawl RSS then {queue['main_mb']:.0f} MB")
        line = self.line_for("memory", raw, polite=False, notes=notes)
        line.articles = f"{run.written}/{raw['expected']}"
        line.phys = line.phys_ratio = None  # no latency, no delay: the server log bounds nothing
        self.lines.append(line)


# -- measurements ----------------------------------------------------------------------------

def reference_pass(sample: list[tuple[bytes, str, float]]) -> dict[str, float]:
    """Time ``extract()`` on the sample in this process: the single-core reference."""
    from newscrawler.extraction.page import extract

    extract(sample[0][0], sample[0][1])  # imports, caches, the language model: not timed
    wall = cpu = 0.0
    machine_before, t_before, own_before = _busy(), time.perf_counter(), time.process_time()
    for body, url, weight in sample:
        t, c = time.perf_counter(), time.process_time()
        extract(body, url)
        wall += (time.perf_counter() - t) * weight
        cpu += (time.process_time() - c) * weight
    span = time.perf_counter() - t_before
    other = (_busy() - machine_before - (time.process_time() - own_before)) / span
    pages = sum(w for _, _, w in sample)
    return {"pages": pages, "seconds": wall, "cpu_seconds": cpu, "rate": pages / wall,
            "cpu_share": cpu / wall, "other_cores": max(0.0, other), "at": time.time()}


def _busy() -> float:
    """CPU seconds all cores of the machine have been busy (every process)."""
    t = psutil.cpu_times()
    return t.user + t.nice + t.system + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0) + \
        getattr(t, "steal", 0.0)


def rss_at_quarters(run: harness.CrawlRun) -> list[dict[str, float]]:
    """RSS when 25/50/75 % of the articles were written, and at the last write (100 %)."""
    live = [s for s in run.samples if s.rss_main]
    if not live:
        return []
    out = []
    final = run.written
    last_write = run.last_write or run.ended
    for quarter in (0.25, 0.5, 0.75, 1.0):
        if quarter < 1.0:
            target = math.ceil(final * quarter)
            sample = next((s for s in live if s.written >= target), live[-1])
        else:  # the pool is shut down right after the last write: take the sample before it
            before = [s for s in live if s.t <= last_write + harness.POLL_SECONDS / 2]
            sample = before[-1] if before else live[-1]
        out.append({"quarter": quarter, "written": sample.written,
                    "main_mb": sample.rss_main / harness.MB,
                    "workers_mb": sample.rss_children / harness.MB,
                    "total_mb": (sample.rss_main + sample.rss_children) / harness.MB,
                    "t_s": sample.t - run.started})
    return out


def projected_speedup(record: dict[str, Any], cores: int) -> float | None:
    """The x-single-core rate the crawl would reach if it had ``cores`` cores to itself.

    From CPU seconds, which the noise of a shared machine does not inflate the way it does
    wall time: the crawl needs w ms of worker CPU and r ms of reactor (+ simulated web) CPU per
    article, the reference ref ms per page. The rate is capped by the workers (at most one core
    each) and by all the CPU the crawl needs sharing ``cores``. A projection, not a measurement.
    """
    ms = record.get("cpu_ms_per_article_in_window") or {}
    ref = record.get("reference_cpu_ms_per_page")
    if not ms or not ref or not ms.get("workers"):
        return None
    workers = int(record["settings"].get("EXTRACT_WORKERS", "0")) or cores
    total = ms["workers"] + ms.get("crawl_process", 0.0) + ms.get("bench_process", 0.0)
    rate = min(min(workers, cores) / ms["workers"], cores / total)  # articles per ms
    return rate * ref


def queue_peak(run: harness.CrawlRun) -> dict[str, float] | None:
    """When the scheduler held the most requests, and the RSS of the crawl process then."""
    if not run.progress:
        return None
    when, written, queued, _active = max(run.progress, key=lambda p: p[2])
    live = [s for s in run.samples if s.rss_main]
    if not live:
        return None
    sample = min(live, key=lambda s: abs(s.t - when))
    return {"t_s": when - run.started, "queued": queued, "written": written,
            "main_mb": sample.rss_main / harness.MB}


def rss_fit(run: harness.CrawlRun) -> dict[str, float]:
    """Least squares of RSS against articles written, from 5 % of the articles on."""
    points = [s for s in run.samples if s.rss_main and s.written >= 0.05 * run.written]
    out: dict[str, float] = {}
    for name, value in (("main", lambda s: s.rss_main),
                        ("total", lambda s: s.rss_main + s.rss_children)):
        xs = [float(s.written) for s in points]
        ys = [value(s) / 1024 for s in points]  # KB
        if len(set(xs)) < 2:
            out[f"{name}_kb_per_article"], out[f"{name}_r2"] = 0.0, 0.0
            continue
        slope, intercept = statistics.linear_regression(xs, ys)
        mean = statistics.fmean(ys)
        total = sum((y - mean) ** 2 for y in ys)
        resid = sum((y - (slope * x + intercept)) ** 2 for x, y in zip(xs, ys, strict=True))
        out[f"{name}_kb_per_article"] = slope
        out[f"{name}_r2"] = 1 - resid / total if total else 0.0
    return out


# -- helpers ---------------------------------------------------------------------------------

def _setting(settings: dict[str, str], name: str) -> Any:
    return settings.get(name, getattr(project_settings, name))


def _listed_by(web: NewsWeb) -> dict[tuple[str, str], list[tuple[str, str]]]:
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for site, feed in web.feeds():
        for entry in feed.entries:
            target = web.entry_target(site, feed, entry)
            if target is not None:
                out.setdefault((target[0].name, target[1]), []).append((site.name, feed.path))
    return out


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _git(*args: str) -> str | None:
    """A read-only git command (no optional locks: the index is never refreshed)."""
    try:
        done = subprocess.run(["git", "--no-optional-locks", *args], cwd=REPO,
                              capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout


def git_state() -> dict[str, Any]:
    """The commit, and the files that differ from it: results of a dirty tree compare less."""
    changed = (_git("status", "--porcelain", "--untracked-files=all") or "").splitlines()
    commit = (_git("rev-parse", "HEAD") or "").strip() or None
    return {"commit": commit, "dirty": bool(changed),
            "changed": [line[3:] for line in changed if len(line) > 3]}


def source_digest() -> str:
    """SHA-1 of the crawler's source (newscrawler/**/*.py): other people edit the working tree
    while the benchmark runs, and rows crawled with different code do not compare."""
    digest = hashlib.sha1()
    for path in sorted((REPO / "newscrawler").rglob("*.py")):
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def machine() -> dict[str, Any]:
    import scrapy

    return {"cores": _cores(), "cpu_count": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(), "scrapy": scrapy.__version__,
            "loadavg": list(os.getloadavg())}


def _fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def table(lines: list[Line]) -> str:
    head = ["scenario", "row", "wall s", "proc s", "polite bnd", "÷polite", "phys bnd (what)",
            "÷phys", "429s", "articles", "min gap s", "notes"]
    rows = [[ln.scenario, ln.row, _fmt(ln.wall), _fmt(ln.proc), _fmt(ln.polite),
             _fmt(ln.polite_ratio, ".2f"),
             f"{_fmt(ln.phys)} ({ln.phys_what})" if ln.phys is not None else "-",
             _fmt(ln.phys_ratio, ".2f"), "-" if ln.r429 is None else str(ln.r429), ln.articles,
             _fmt(ln.min_gap, ".2f"), ln.notes] for ln in lines]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head) - 1)]
    out = []
    for r in [head, *rows]:
        cells = [c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)]
        out.append(" | ".join([*cells, r[-1]]))
        if r is head:
            out.append("-+-".join("-" * w for w in widths) + "-+-" + "-" * 5)
    return "\n".join(out)


def details(results: dict[str, Any]) -> str:
    """Where the time goes in the seed and broad crawls: bounds, the critical site, idle slots.

    The critical site is the one whose last request ended last: wall = when its first request
    started + how long its own chain took; that chain is compared with its floor under the
    crawler's own rules, (n - 1) x max(D + margin, latency) + latency.
    """
    out = []
    for name in ("seed", "broad"):
        for row in results.get(name, {}).get("rows", []):
            a = row["analysis"]
            sites = a["sites"]
            crit = sites[a["critical_site"]]
            own = crit["last_end"] - crit["first_start"]
            per_site = int(row["settings"].get("CONCURRENT_REQUESTS_PER_DOMAIN", 1) or 1)
            floor = bounds.politeness_bound(crit["n"], crit["latency"], a["gap"], per_site)
            late = [s for s in sites.values() if s["first_start"] > 1.0]
            idle = sorted(sites.values(), key=lambda s: -s["idle"])[:3]
            out.append(
                f"{name} / {row['row']}: bounds politeness {a['politeness_bound']:.1f} s "
                f"({a['politeness_site']}), concurrency {a['concurrency_bound']:.1f} s, chain "
                f"{a['chain_bound']:.1f} s ({a['chain_site']}); in flight mean "
                f"{a['mean_in_flight']:.1f}, max {a['max_in_flight']}.\n"
                f"    critical site {crit['site']}: first request at {crit['first_start']:.1f} s"
                f", then {own:.1f} s for n={crit['n']} ({crit['latency']:.2f} s each; floor "
                f"with a {a['gap']:.1f} s gap {floor:.1f} s, idle inside {crit['idle']:.1f} s)."
                f"\n    {len(late)}/{len(sites)} sites sent their first request > 1 s late "
                f"(latest {max(s['first_start'] for s in sites.values()):.1f} s); most idle "
                "between requests: " + ", ".join(f"{s['site']} {s['idle']:.1f} s" for s in idle))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.split("\n")[0])
    parser.add_argument("--scenarios", default=",".join(SCENARIOS),
                        help="comma-separated, from: " + ", ".join(SCENARIOS))
    parser.add_argument("--quick", action="store_true", help="smaller versions (CI, dev)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                        help="folder with html/ and ground-truth.json (cpu scenario)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR,
                        help="where latest.json, history.jsonl, timelines and logs go")
    parser.add_argument("--broad-sites", type=int)
    parser.add_argument("--cpu-pages", type=int)
    parser.add_argument("--memory-articles", type=int)
    parser.add_argument("--keep-work", action="store_true",
                        help="keep the crawls' working folders (outputs, logs)")
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SCENARIOS]
    if unknown or not chosen:
        parser.error(f"unknown scenario(s) {unknown}; choose from {', '.join(SCENARIOS)}")

    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="newscrawler-bench-"))
    bench = Bench(args, args.out, work)
    started = datetime.now(UTC)
    header = {
        "schema": 1,
        "date": started.isoformat(timespec="seconds"),
        "command": " ".join(["python", "bench/run.py", *(argv or sys.argv[1:])]),
        "quick": args.quick,
        "git": git_state(),
        "machine": machine(),
    }
    try:
        for name in chosen:
            t = time.time()
            getattr(bench, name)()
            bench.results[name]["seconds"] = time.time() - t
            bench.results[name]["loadavg_after"] = list(os.getloadavg())
    finally:
        if args.keep_work:
            bench.say(f"working folders kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    text = table(bench.lines)
    print(text)
    more = details(bench.results)
    if more:
        print()
        print(more)
    digests = sorted({row.get("source_digest") for r in bench.results.values()
                      for row in r.get("rows", [])} - {None})
    if len(digests) > 1:
        print(f"\nWARNING: the crawler's source changed during this run ({', '.join(digests)}):"
              " rows with different source_digest in latest.json do not compare.")
    header["git_at_end"] = git_state()
    document = {**header, "source_digests": digests,
                "duration_s": (datetime.now(UTC) - started).total_seconds(),
                "table": [ln.__dict__ for ln in bench.lines], "scenarios": bench.results}
    (args.out / "latest.json").write_text(json.dumps(document, indent=1, default=str) + "\n",
                                          encoding="utf-8")
    with (args.out / "history.jsonl").open("a", encoding="utf-8") as history:
        history.write(json.dumps({k: document[k] for k in
                                  ("date", "command", "quick", "git", "machine", "table")},
                                 default=str) + "\n")
    print(f"\nresults: {args.out / 'latest.json'}; timelines: "
          + ", ".join(str(args.out / r["timeline"]) for r in bench.results.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
