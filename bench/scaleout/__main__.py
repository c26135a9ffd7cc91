"""Scale-out benchmark: N ``scrapy crawl feeds`` workers on one Redis, figures side by side.

    python -m bench.scaleout [--quick] [--scenarios cpu,broad,fair] [--corpus DIR] [--out DIR]

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
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.paths import DEFAULT_CORPUS, REPO, RESULTS_DIR
from bench.scaleout.scenarios import Bench
from bench.scaleout.table import table
from bench.scaleout.workers import redis_server
from newscrawler import settings as project_settings

SCENARIOS = ("cpu", "broad", "fair")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scaleout",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--quick", action="store_true", help="smaller versions (CI, dev)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
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
