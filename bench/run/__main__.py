"""Crawl-speed benchmark: the REAL crawl against the simulated news web, figures side by side.

    python -m bench.run [--scenarios seed,broad,cpu,memory] [--quick] [--corpus DIR]
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
    CONCURRENT_REQUESTS=32, 16 per site (``bench/run/cpu.py``). Compared with ONE core of plain
    ``trafilatura.bare_extraction(html, with_metadata=True)`` and of our ``extract()`` on the
    same pages, both measured in this process before, between and after the crawls. Rows: the
    default pool (one worker per core), cores - 1 and cores + 1 workers. Target: >= 1.6x the
    single-core bare_extraction rate on 2 cores (the limit is 2x). Each row also says where the
    CPU went, in ms per article: the crawl process, the extraction workers, the simulated web's
    server (its own process, counted apart: on a real crawl the sites are elsewhere) and the
    monitor. Without the corpus, generated pages are used (and said so).
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
machine is shared: the CPU each process used during the window (workers, crawl process,
simulated web, monitor) per article, the cores every OTHER process on the machine used, and a
projection from CPU seconds of the x-single-core rates on idle cores (crawl process and workers
only) -- a projection, never a substitute for the measured ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.paths import DEFAULT_CORPUS, RESULTS_DIR
from bench.run.crawls import Bench
from bench.run.provenance import git_state, machine
from bench.run.scenarios import SCENARIOS
from bench.run.table import details, table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run",
                                     description=__doc__.split("\n")[0])
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
        "command": " ".join(["python", "-m", "bench.run", *(argv or sys.argv[1:])]),
        "quick": args.quick,
        "git": git_state(),
        "machine": machine(),
    }
    try:
        for name in chosen:
            t = time.time()
            SCENARIOS[name](bench)
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
