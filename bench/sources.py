"""Many sources on one machine: load a feed list, keep each source's schedule, pick the due ones.

    python -m bench.sources [--sizes 10000,100000] [--sites 5000]

The first, measured step of the issue's "many feeds" benchmark: no crawl, only what every run
does before its first request — read the list (``load_feed_list``), make the sources known to
the SQLite store (``add_sources``: all new the first time, all known afterwards), select the
due ones (``due_sources``: one range scan of the ``next_due`` index; ``claim_due``: the
frontier's lookup of one batch of 1,000 by URL) — and what a run does at
its end (``save_sources`` of every source polled). Each size runs in a fresh process, so its
peak RSS is its own; the ratios compare the sizes measured side by side in this one run.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DAY = 86400.0


def child(size: int, sites: int) -> dict[str, float]:
    # imported here: the parent process measures nothing and must stay small
    from newscrawler.schedule.record import SourceRecord
    from newscrawler.sources.feedlist import load_feed_list
    from newscrawler.state.sqlite import SQLiteState

    figures: dict[str, float] = {"rss_start_mb": _peak_rss_mb()}
    with tempfile.TemporaryDirectory() as folder:
        listing = Path(folder) / "feeds.txt"
        listing.write_text("".join(
            f"http://127.0.{(i % sites) // 254}.{(i % sites) % 254 + 1}:8080/feed/{i}.xml\n"
            for i in range(size)))
        start = time.perf_counter()
        feeds = load_feed_list(str(listing))
        figures["load_list_s"] = time.perf_counter() - start
        # the crawl command checked it, the spider loads it: the second is the cached parse
        figures["load_again_s"] = _timed(lambda: load_feed_list(str(listing)))
        urls = list(feeds.urls)
        assert len(urls) == size, (len(urls), feeds.problems[:3])
        store = SQLiteState(Path(folder) / "state")
        now = 1_800_000_000.0
        figures["add_new_s"] = _timed(lambda: store.add_sources(urls, now))
        figures["select_all_due_s"] = _timed(lambda: store.due_sources(now))
        # the frontier's query: the due among one batch (FRONTIER_BATCH) of the list
        figures["due_in_batch_s"] = _timed(lambda: store.claim_due(urls[-1000:], now, now))
        # every source polled once: next due spread evenly over the next day
        records = [SourceRecord(url, next_due=now + DAY * i / size, last_poll=now,
                                last_success=now, interval=DAY, entries=5, new_entries=5,
                                daily_new=(("2027-01-15", 5),)) for i, url in enumerate(urls)]
        figures["save_all_s"] = _timed(lambda: store.save_sources(records))
        records = []  # the RSS peak below is the store's, not this list's
        figures["add_known_s"] = _timed(lambda: store.add_sources(urls, now + 3600))
        due: set[str] = set()
        figures["select_hour_due_s"] = _timed(lambda: due.update(store.due_sources(now + 3600)))
        figures["due_in_hour"] = len(due)
        figures["earliest_due_s"] = _timed(lambda: store.earliest_due(now + 3600))
        store.close()
        figures["state_file_mb"] = sum(
            p.stat().st_size for p in (Path(folder) / "state").iterdir()) / 2**20
    figures["rss_peak_mb"] = _peak_rss_mb()
    return figures


def _timed(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--sites", type=int, default=5000)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.sites)))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {}
    for size in sizes:
        out = subprocess.run([sys.executable, "-m", "bench.sources", "--child", str(size),
                              "--sites", str(args.sites)], capture_output=True, text=True,
                             check=True)
        results[size] = json.loads(out.stdout.strip().splitlines()[-1])
    names = list(results[sizes[0]])
    print(f"{'figure':<20}" + "".join(f"{size:>12,}" for size in sizes)
          + (f"{'ratio':>10}" if len(sizes) > 1 else ""))
    for name in names:
        values = [results[size][name] for size in sizes]
        ratio = f"{values[-1] / values[0]:>10.1f}" if len(sizes) > 1 and values[0] else ""
        print(f"{name:<20}" + "".join(f"{v:>12.3f}" for v in values) + ratio)


if __name__ == "__main__":
    main()
