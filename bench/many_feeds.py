"""Many feeds, one machine: the real crawl over 10,000 and 100,000 feeds, side by side.

    python -m bench.many_feeds [--sizes 10000,100000] [--sites 5000] [--window 45]
                               [--modes frontier,memory,disk]

Every feed of ``--sites`` loopback sites (simweb, served in a process of its own) is due; each
lists one article of its site. ``scrapy crawl feeds`` runs for ``--window`` seconds
(``CLOSESPIDER_TIMEOUT``) with the project's defaults, monitored by bench/harness.py. Figures
from outside the crawl: the time from the process start to the first request the web saw,
requests the web answered in the window, and the peak RSS of the crawl process and of its
workers; the crawl's own progress line gives the requests queued. The ratio column compares
the sizes measured in this one run. A first, measured step of the issue's "many feeds"
benchmark: the whole crawl (hours at the polite default) is not run to its end.

Three ways to hold the due sources, each at every size (``--modes``):

* ``frontier``: the project's default, ``FRONTIER_BATCH`` sources at a time from the state
  store (newscrawler/schedule/frontier.py);
* ``memory``: ``FRONTIER_BATCH=0``, every due source queued at start in Scrapy's memory queues;
* ``disk``: ``FRONTIER_BATCH=0`` with a ``JOBDIR``: every due source queued at start in
  Scrapy's disk queues (``SCHEDULER_DISK_QUEUE``, pickled to files).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench import harness
from simweb import Entry, Feed, LazyPages, NewsWeb, Site, serve_in_process
from simweb.pagegen import article_stub
from simweb.textgen import default_base_time


def many_feeds_web(feeds: int, sites: int) -> NewsWeb:
    base = default_base_time()
    out = []
    per_site, extra = divmod(feeds, sites)
    for i in range(sites):
        name = f"s{i:05d}"
        path, title, published = article_stub(name, 0, seed=0, base=base)
        site = Site(name, pages=LazyPages(name, 1, seed=0, base=base))
        for j in range(per_site + (1 if i < extra else 0)):
            site.feeds[f"/feeds/{j}.xml"] = Feed(
                f"/feeds/{j}.xml", "rss", [Entry(name, path, title=title, published=published)])
        out.append(site)
    return NewsWeb(out)


MODES = ("frontier", "memory", "disk")


def mode_settings(mode: str, work: Path) -> dict[str, str]:
    if mode == "frontier":
        return {}
    if mode == "memory":
        return {"FRONTIER_BATCH": "0"}
    if mode == "disk":
        return {"FRONTIER_BATCH": "0", "JOBDIR": str(work / "job")}
    raise SystemExit(f"error: unknown mode {mode!r} (one of {', '.join(MODES)})")


def measure(feeds: int, sites: int, window: float, work: Path, mode: str) -> dict[str, float]:
    web = many_feeds_web(feeds, sites)
    work = work / f"{mode}-{feeds}"
    with serve_in_process(web) as running:
        listing = running.write_feed_list(work.with_suffix(".txt"))
        run = harness.run_crawl(work, listing, {
            "CLOSESPIDER_TIMEOUT": str(window), "PROGRESS_INTERVAL": "1",
            "EXTRACT_WORKERS": "2", "LOG_LEVEL": "INFO", **mode_settings(mode, work)},
            label=f"{feeds} feeds, {mode}", timeout=window + 300, keep_urls=False,
            server_pid=running.pid)
        running.wait_idle(10)
        records = running.log.records()
    first = min(r.start for r in records) if records else float("nan")
    queued = [queued for _, _, queued, _ in run.progress] or [0]
    return {
        "start_to_first_request_s": first - run.started,
        "requests_answered": len(records),
        "feed_requests": sum(1 for r in records if r.path.startswith("/feeds/")),
        "peak_queued": max(queued),
        "rss_crawl_peak_mb": max(s.rss_main for s in run.samples) / 2**20,
        "rss_workers_peak_mb": max(s.rss_children for s in run.samples) / 2**20,
        "rss_total_peak_mb": max(s.rss_main + s.rss_children for s in run.samples) / 2**20,
        "process_s": run.ended - run.started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--sites", type=int, default=5000)
    parser.add_argument("--window", type=float, default=45.0)
    parser.add_argument("--modes", default=",".join(MODES))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    modes = [m.strip() for m in args.modes.split(",")]
    columns = [(size, mode) for size in sizes for mode in modes]
    with tempfile.TemporaryDirectory() as folder:
        results = {(size, mode): measure(size, args.sites, args.window, Path(folder), mode)
                   for size, mode in columns}
    print(f"{'figure':<26}" + "".join(f"{f'{size:,} {mode}':>18}" for size, mode in columns))
    for name in results[columns[0]]:
        print(f"{name:<26}" + "".join(f"{results[column][name]:>18.1f}" for column in columns))
    if len(sizes) > 1:  # growth from the smallest to the largest size, per mode
        print(f"\nratio {sizes[-1]:,} / {sizes[0]:,} feeds")
        print(f"{'figure':<26}" + "".join(f"{mode:>12}" for mode in modes))
        for name in results[columns[0]]:
            cells = []
            for mode in modes:
                low, high = results[(sizes[0], mode)][name], results[(sizes[-1], mode)][name]
                cells.append(f"{high / low:>12.2f}" if low else f"{'-':>12}")
            print(f"{name:<26}" + "".join(cells))


if __name__ == "__main__":
    main()
