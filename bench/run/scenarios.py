"""The benchmark's scenarios (seed, broad, cpu, memory): which webs are crawled with which
settings, and what each adds to its rows."""

from __future__ import annotations

from collections.abc import Callable

from bench import bounds, harness, timeline
from bench.run.archive import warc
from bench.run.cpu import cpu
from bench.run.cpuweb import FAST
from bench.run.crawls import Bench, setting
from bench.run.measures import (
    queue_peak,
    rss_at_quarters,
    rss_fit,
)
from simweb import NewsWeb, broad_web, memory_web, seed_web


def seed(bench: Bench) -> None:
    rows = [
        ("sequential", {"CONCURRENT_REQUESTS": "1", "DOWNLOAD_DELAY": "0"}, False),
        ("parallel, no delay", {"DOWNLOAD_DELAY": "0", "POLITENESS_MARGIN": "0",
                                "CONCURRENT_REQUESTS": "10",
                                "CONCURRENT_REQUESTS_PER_DOMAIN": "10"}, False),
        ("polite (defaults)", {}, True),
    ]
    if bench.args.quick:
        rows = rows[1:]
    raws = []
    records = []
    for label, settings, polite in rows:
        raw = bench.crawl("seed", label, seed_web, settings)
        raws.append(raw)
        records.append(bench.row_record(raw))
        a: bounds.Analysis = raw["analysis"]
        notes = f"{a.max_in_flight} max in flight"
        if polite:
            busiest = a.sites[a.politeness_site]
            notes = (f"busiest {busiest.site}: n={busiest.n}, {busiest.latency:.2f} s/req; "
                     f"critical {a.critical_site} (first request at "
                     f"{a.sites[a.critical_site].first_start:.1f} s); {a.gaps_below_gap} gaps "
                     f"< {a.gap:.1f} s, {a.gaps_below_delay} < {a.delay:g} s; "
                     + notes)
        bench.lines.append(bench.line_for("seed", raw, polite=polite, notes=notes))
    polite_raw = raws[-1]
    fastest = min(raws, key=lambda r: r["analysis"].wall)
    bench.results["seed"] = {
        "web": "seed_web()",
        "rows": records,
        "sequential_skipped": bool(bench.args.quick),
        "polite_vs_fastest": polite_raw["analysis"].wall / fastest["analysis"].wall,
        "timeline": bench.timeline("seed", raws),
    }


def broad(bench: Bench) -> None:
    sites = bench.args.broad_sites or (30 if bench.args.quick else 200)

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
        raw = bench.crawl("broad", label, make, settings)
        raws.append(raw)
        records.append(bench.row_record(raw))
        a: bounds.Analysis = raw["analysis"]
        cap = int(setting(settings, "CONCURRENT_REQUESTS"))
        notes = (f"mean {a.mean_in_flight:.1f}/max {a.max_in_flight} in flight of {cap}; "
                 f"conc bnd {a.concurrency_bound:.1f} s; critical {a.critical_site} (first "
                 f"request at {a.sites[a.critical_site].first_start:.1f} s); "
                 f"{a.gaps_below_gap} gaps < {a.gap:.1f} s, "
                 f"{a.gaps_below_delay} < {a.delay:g} s")
        bench.lines.append(bench.line_for("broad", raw, polite=True, notes=notes))
    bench.results["broad"] = {"web": f"broad_web({sites}, 5, (0.3, 1.5))", "rows": records,
                              "timeline": bench.timeline("broad", raws)}


def memory(bench: Bench) -> None:
    articles = bench.args.memory_articles or (2000 if bench.args.quick else 20000)

    def make() -> NewsWeb:
        return memory_web(articles, 20)

    # Progress lines every second: the size of the scheduler's queue next to the RSS.
    raw = bench.crawl("memory", f"{articles} articles", make,
                     {**FAST, "PROGRESS_INTERVAL": "1"}, keep_urls=False)
    run: harness.CrawlRun = raw["run"]
    record = bench.row_record(raw)
    quarters = rss_at_quarters(run)
    fit = rss_fit(run)
    peak = run.peak_rss()
    queue = queue_peak(run)
    record.update({"rss_at_quarters": quarters, "rss_fit": fit, "queue_peak": queue,
                   "memusage_max_mb": run.stats.get("memusage/max", 0) / harness.MB,
                   "progress": run.progress,
                   "samples": [s.__dict__ for s in run.samples[:: max(1, len(run.samples)
                                                                      // 400)]]})
    chart = timeline.plot_memory(bench.out / "memory-rss.png", run,
                                 title=f"memory_web({articles}, 20)")
    bench.results["memory"] = {"web": f"memory_web({articles}, 20)", "rows": [record],
                               "timeline": bench.timeline("memory", [raw], with_bounds=False),
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
    line = bench.line_for("memory", raw, polite=False, notes=notes)
    line.articles = f"{run.written}/{raw['expected']}"
    line.phys = line.phys_ratio = None  # no latency, no delay: the server log bounds nothing
    bench.lines.append(line)


SCENARIOS: dict[str, Callable[[Bench], None]] = {
    "seed": seed, "broad": broad, "cpu": cpu, "memory": memory, "warc": warc}
