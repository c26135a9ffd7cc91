"""Many feeds, one machine: the real crawl over 10,000 and 100,000 feeds, side by side.

    python -m bench.many_feeds [--sizes 10000,100000] [--sites 5000] [--window 45]

Every feed of ``--sites`` loopback sites (simweb, served in a process of its own) is due; each
lists one article of its site. ``scrapy crawl feeds`` runs for ``--window`` seconds
(``CLOSESPIDER_TIMEOUT``) with the project's defaults, monitored by bench/harness.py. Figures
from outside the crawl: the time from the process start to the first request the web saw,
requests the web answered in the window, and the peak RSS of the crawl process and of its
workers; the crawl's own progress line gives the requests queued. The ratio column compares
the sizes measured in this one run. A first, measured step of the issue's "many feeds"
benchmark: the whole crawl (hours at the polite default) is not run to its end.
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


def measure(feeds: int, sites: int, window: float, work: Path) -> dict[str, float]:
    web = many_feeds_web(feeds, sites)
    with serve_in_process(web) as running:
        listing = running.write_feed_list(work / f"feeds-{feeds}.txt")
        run = harness.run_crawl(work / f"crawl-{feeds}", listing, {
            "CLOSESPIDER_TIMEOUT": str(window), "PROGRESS_INTERVAL": "1",
            "EXTRACT_WORKERS": "2", "LOG_LEVEL": "INFO"}, label=f"{feeds} feeds",
            timeout=window + 300, keep_urls=False, server_pid=running.pid)
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
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        results = {size: measure(size, args.sites, args.window, Path(folder)) for size in sizes}
    print(f"{'figure':<26}" + "".join(f"{size:>12,}" for size in sizes)
          + (f"{'ratio':>8}" if len(sizes) > 1 else ""))
    for name in results[sizes[0]]:
        values = [results[size][name] for size in sizes]
        ratio = f"{values[-1] / values[0]:>8.2f}" if len(sizes) > 1 and values[0] else ""
        print(f"{name:<26}" + "".join(f"{v:>12.1f}" for v in values) + ratio)


if __name__ == "__main__":
    main()
