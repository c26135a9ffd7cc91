"""The cpu scenario: the whole crawl on 2,000 real pages with no network wait, against one core
of plain ``trafilatura.bare_extraction(html, with_metadata=True)`` and of our ``extract()`` on
the same pages, measured in this process before, between and after the crawls.

Rows: EXTRACT_WORKERS=0 (one per core, the default), cores - 1 (the crawl process keeps a core
to itself) and cores + 1. Each crawl row prints its articles/s as a multiple of both single-core
rates (target: >= 1.6x bare_extraction on 2 cores; the limit is 2x) and where the CPU went,
in ms per article written: the crawl process (Scrapy, the pool's IPC, items, JSON), the
extraction workers, the simulated web's server (a process of its own: on a real crawl the sites
are elsewhere, so it is counted apart) and the benchmark's monitor.
"""

from __future__ import annotations

import statistics
from typing import Any

from bench import harness
from bench.run.cpuweb import FAST, cpu_web
from bench.run.crawls import Bench
from bench.run.measures import REFERENCES, projected_speedup, reference_pages, reference_pass
from bench.run.provenance import core_count
from bench.run.table import Line

__all__ = ["CPU_TARGET", "cpu"]

CPU_TARGET = 1.6     # x single-core bare_extraction on 2 cores (issue 15)
BARE, OURS = "bare_extraction", "extract()"
# what the CPU of the article window is split into, and how the notes name each part
PARTS = {"crawl_process": "crawl process", "workers": "workers", "web_server": "web server",
         "bench_process": "monitor"}


def worker_rows(cores: int) -> list[tuple[str, str]]:
    """(label, EXTRACT_WORKERS) of the crawl rows: the default first."""
    rows = [("EXTRACT_WORKERS=0 (one per core)", "0")]
    if cores > 1:
        rows.append((f"EXTRACT_WORKERS={cores - 1} (cores - 1)", str(cores - 1)))
    rows.append((f"EXTRACT_WORKERS={cores + 1} (cores + 1)", str(cores + 1)))
    return rows


def cpu(bench: Bench) -> None:
    pages = bench.args.cpu_pages or (300 if bench.args.quick else 2000)
    make, corpus = cpu_web(bench, "cpu", pages)
    sample = reference_pages(make, corpus is not None)
    cores = core_count()
    # each reference runs before, between and after the crawls: the machine's speed drifts
    passes: dict[str, list[dict[str, float]]] = {name: [] for name in REFERENCES}

    def reference_round() -> None:
        for name in REFERENCES:
            passes[name].append(reference_pass(sample, name))

    reference_round()
    raws = []
    for label, workers in worker_rows(cores):
        raws.append(bench.crawl("cpu", label, make, {**FAST, "EXTRACT_WORKERS": workers}))
        reference_round()
    rates = {name: statistics.fmean(p["rate"] for p in runs) for name, runs in passes.items()}
    ref_ms = {name: statistics.fmean(p["cpu_seconds"] for p in runs) / pages * 1000
              for name, runs in passes.items()}
    for name in REFERENCES:
        seconds = pages / rates[name]
        runs = passes[name]
        each = ", ".join(f"{run['rate']:.1f}" for run in runs)
        share = statistics.fmean(run["cpu_share"] for run in runs)
        other = statistics.fmean(run["other_cores"] for run in runs)
        bench.lines.append(Line(
            "cpu", f"single-core {name} (reference)", wall=seconds, phys=seconds,
            phys_what="1 core", phys_ratio=1.0, articles=f"{pages} pages",
            notes=(f"{rates[name]:.1f} pages/s (passes {each}), {ref_ms[name]:.1f} ms CPU a "
                   f"page; got {share:.0%} of a core, other processes {other:.2f} cores")))
    records = [_crawl_row(bench, raw, rates, ref_ms, cores, pages, first=raw is raws[0])
               for raw in raws]
    bench.results["cpu"] = {
        "pages": pages, "sites": 20,
        "source": str(corpus) if corpus is not None else "generated (no corpus)",
        "cores": cores, "target_vs_bare_extraction": CPU_TARGET,
        "reference": {"rate": rates[OURS], "bare_extraction_rate": rates[BARE],
                      "cpu_ms_per_page": ref_ms, "passes": passes,
                      "seconds": pages / rates[OURS], "distinct_pages": len(sample)},
        "rows": records,
        "met_target": records[0]["vs_bare_extraction"] >= CPU_TARGET,
        "timeline": bench.timeline("cpu", raws, with_bounds=False),
    }


def _crawl_row(bench: Bench, raw: dict[str, Any], rates: dict[str, float],
               ref_ms: dict[str, float], cores: int, pages: int, *, first: bool
               ) -> dict[str, Any]:
    run: harness.CrawlRun = raw["run"]
    record = bench.row_record(raw)
    first_article = min((q.start for q in raw["reqs"] if q.kind == "article"),
                        default=raw["analysis"].t0)
    last_write = run.last_write or run.ended
    window = last_write - first_article
    rate = run.written / window if window > 0 else 0.0
    ideal = pages / rates[OURS] / cores
    used = harness.window_cpu(run.samples, first_article, last_write)
    ms = {part: used[part] * window / max(1, run.written) * 1000 for part in PARTS
          } if used else {}
    record.update({
        "window_s": window, "articles_per_s": rate,
        "vs_single_core": rate / rates[OURS],          # x extract() on one core
        "vs_bare_extraction": rate / rates[BARE],      # x bare_extraction on one core
        "ideal_s": ideal, "ratio_ideal": window / ideal,
        "elapsed_rate": run.written / run.stats["newscrawler/elapsed_seconds"]
        if run.stats.get("newscrawler/elapsed_seconds") else None,
        "process_rate": run.written / run.process_wall,
        "cores_in_window": used,                     # cores busy in the window, per part
        "cpu_ms_per_article_in_window": ms,
        "reference_cpu_ms_per_page": ref_ms[OURS],
        "reference_cpu_ms_per_page_bare": ref_ms[BARE],
    })
    projected = {name: projected_speedup(record, cores, ref_ms[name]) for name in REFERENCES}
    record["projected_on_idle_cores"] = projected
    record["projected_vs_single_core_on_idle_cores"] = projected[OURS]
    notes = (f"{rate:.1f} art/s = {rate / rates[BARE]:.2f}x bare_extraction"
             f"{f' (target >= {CPU_TARGET}x)' if first else ''}, "
             f"{rate / rates[OURS]:.2f}x extract()")
    if projected[BARE] is not None:
        notes += (f" (CPU-time projection on {cores} idle cores: {projected[BARE]:.2f}x, "
                  f"{projected[OURS]:.2f}x)")
    if ms:
        notes += "; CPU ms/article: " + ", ".join(f"{PARTS[p]} {ms[p]:.1f}" for p in PARTS)
    if used is not None:
        notes += f"; other processes busy {used['other']:.2f} cores"
    bench.lines.append(Line(
        "cpu", raw["label"], wall=window, proc=run.process_wall,
        phys=ideal, phys_what=f"{cores} cores", phys_ratio=window / ideal,
        r429=raw["analysis"].rate_limited,
        articles=f"{raw['written_expected']}/{raw['expected']}", notes=notes,
    ))
    return record
