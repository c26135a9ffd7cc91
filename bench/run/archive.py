"""The warc scenario: what WARC capture costs the cpu scenario's crawl, and how fast one WARC
file of 1,000 pages is re-extracted (``scrapy crawl warc``), each beside a figure measured in
the same run: the crawl without WARC_OUTPUT, and single-core ``extract()`` on the same pages.

* capture: the cpu scenario's crawl (2,000 pages; --quick: 300) without and with WARC_OUTPUT,
  alternated (three rounds; --quick: one), so that a machine that gets busier during the run
  weighs on both. The corpus's 121 pages repeat under other URLs in that web, and a repeated
  payload is a cheap revisit record: here each page gets a comment naming its URL, so every
  payload is new and written in full, as in a real crawl. Two overheads, target < 5 %: the
  measured one, 1 - (articles/s with) / (articles/s without), which the machine's other load
  shifts by more than 5 % from one crawl to the next; and the CPU one, the extra CPU seconds
  per article of the crawl and its workers over those without WARC_OUTPUT (what a CPU-bound
  crawl loses in throughput), which that noise inflates much less;
* re-extraction: the same kind of pages, 1,000 of them (--quick: 300), written as one
  CC-NEWS-shaped WARC file (response records only: every page is an article), read by the
  warc spider with one extraction worker per core. articles/s = articles written / (first
  article written -> last), against single-core ``extract()`` on the same pages (weighted
  sample, as the cpu scenario's reference). The limit on N cores is N x; Fundus reports about
  40 CC-NEWS articles/s on a laptop, for scale.
"""

from __future__ import annotations

import io
import statistics
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from bench import harness
from bench.run.cpuweb import FAST, cpu_web
from bench.run.crawls import Bench
from bench.run.measures import reference_pages, reference_pass, served_pages
from bench.run.provenance import core_count
from bench.run.table import Line
from simweb import NewsWeb

OVERHEAD_TARGET = 0.05


def warc(bench: Bench) -> None:
    quick = bench.args.quick
    capture = _capture_overhead(bench, bench.args.cpu_pages or (300 if quick else 2000),
                                rounds=1 if quick else 3)
    reextraction = _reextraction(bench, (bench.args.cpu_pages or 300) if quick else 1000)
    bench.results["warc"] = {"capture": capture, "reextraction": reextraction,
                             "rows": capture["rows"], "timeline": capture["timeline"]}


def _rate(run: harness.CrawlRun, first_article: float) -> tuple[float, float]:
    last = run.last_write or run.ended
    window = last - first_article
    return (run.written / window if window > 0 else 0.0), window


def _unique(make: Callable[[], NewsWeb]) -> Callable[[], NewsWeb]:
    """``make``'s web with a comment naming its URL added to each stored page: no two
    payloads alike (generated pages differ already)."""
    def unique() -> NewsWeb:
        web = make()
        for site in web.sites:
            if not isinstance(site.pages, dict):
                continue
            for path, page in list(site.pages.items()):
                if page.html is not None:
                    site.pages[path] = replace(
                        page, html=page.html + f"\n<!-- {site.name}{path} -->\n".encode())
        return web
    return unique


def _capture_overhead(bench: Bench, pages: int, rounds: int) -> dict[str, Any]:
    built, corpus = cpu_web(bench, "warc", pages)
    make = _unique(built)
    sample = reference_pages(make, corpus is not None)
    passes = [reference_pass(sample)]
    rows: dict[str, list[dict[str, Any]]] = {"without": [], "with": []}
    records, raws = [], []
    for round_ in range(1, rounds + 1):
        for kind in ("without", "with"):
            label = f"{kind} WARC_OUTPUT, round {round_}"
            settings = {**FAST, "EXTRACT_WORKERS": "0"}
            if kind == "with":
                settings["WARC_OUTPUT"] = str(bench.work / f"warcs-{round_}")
            raw = bench.crawl("warc", label, make, settings)
            raws.append(raw)
            run: harness.CrawlRun = raw["run"]
            first = min((q.start for q in raw["reqs"] if q.kind == "article"),
                        default=raw["analysis"].t0)
            rate, window = _rate(run, first)
            warc_bytes = sum(p.stat().st_size for p in Path(settings["WARC_OUTPUT"])
                             .glob("*.warc.gz")) if kind == "with" else 0
            busy = harness.window_cpu(run.samples, first, run.last_write or run.ended)
            row = {"row": label, "articles_per_s": rate, "window_s": window, "cores": busy,
                   "written": run.written, "expected": raw["expected"],
                   "returncode": run.returncode,
                   "crawl_cpu_ms_per_article": run.cpu_main / max(1, run.written) * 1000,
                   "tree_cpu_ms_per_article": run.cpu_tree / max(1, run.written) * 1000,
                   "warc_bytes": warc_bytes,
                   "warc_records": run.stats.get("newscrawler/warc/records")}
            rows[kind].append(row)
            records.append({**bench.row_record(raw), **row})
            passes.append(reference_pass(sample))
            bench.lines.append(Line(
                "warc", label, wall=window, proc=run.process_wall,
                articles=f"{run.written}/{raw['expected']}",
                notes=f"{rate:.1f} art/s; CPU/article: crawl process "
                      f"{row['crawl_cpu_ms_per_article']:.1f} ms, with its workers "
                      f"{row['tree_cpu_ms_per_article']:.1f} ms"
                      + (f"; {warc_bytes / 1e6:.1f} MB of WARC, {row['warc_records']:.0f} "
                         "records" if kind == "with" else "") + _busy(busy)))
    ref_rate = statistics.fmean(p["rate"] for p in passes)
    without = statistics.fmean(r["articles_per_s"] for r in rows["without"])
    with_ = statistics.fmean(r["articles_per_s"] for r in rows["with"])
    overhead = 1 - with_ / without if without else None
    cpu_without = statistics.fmean(r["crawl_cpu_ms_per_article"] for r in rows["without"])
    cpu_with = statistics.fmean(r["crawl_cpu_ms_per_article"] for r in rows["with"])
    tree_without = statistics.fmean(r["tree_cpu_ms_per_article"] for r in rows["without"])
    tree_with = statistics.fmean(r["tree_cpu_ms_per_article"] for r in rows["with"])
    cpu_overhead = tree_with / tree_without - 1 if tree_without else None
    bench.lines.append(Line(
        "warc", "capture overhead (means)", articles=f"{pages} pages",
        notes=(f"measured {without:.1f} -> {with_:.1f} art/s: {overhead:+.1%}; CPU "
               f"{tree_without:.1f} -> {tree_with:.1f} ms/article (crawl process "
               f"{cpu_without:.1f} -> {cpu_with:.1f}): {cpu_overhead:+.1%} (target < "
               f"{OVERHEAD_TARGET:.0%}); single-core extract() {ref_rate:.1f} pages/s"
               if overhead is not None and cpu_overhead is not None else "no rate")))
    return {"pages": pages, "source": str(corpus) if corpus else "generated (no corpus)",
            "unique_payloads": True, "rounds": rounds, "rows": records,
            "without_rate": without, "with_rate": with_, "overhead_measured": overhead,
            "overhead_cpu": cpu_overhead, "target": OVERHEAD_TARGET,
            "met_target_cpu": cpu_overhead is not None and cpu_overhead < OVERHEAD_TARGET,
            "crawl_cpu_ms_per_article": {"without": cpu_without, "with": cpu_with},
            "tree_cpu_ms_per_article": {"without": tree_without, "with": tree_with},
            "reference": {"rate": ref_rate, "passes": passes},
            "timeline": bench.timeline("warc", raws, with_bounds=False)}


def _reextraction(bench: Bench, pages: int) -> dict[str, Any]:
    make, corpus = cpu_web(bench, "warc", pages)
    web = make(pages)
    chosen = [(site, path, site.pages[path]) for site in web.sites for path in site.pages]
    bodies = served_pages(web, chosen)
    path = bench.work / f"reextraction-{len(bodies)}-pages.warc.gz"
    _write_cc_news_file(path, bodies)
    sample = reference_pages(lambda: web, corpus is not None)
    passes = [reference_pass(sample)]
    workdir = bench.work / "warc-reextraction"
    bench.say(f"warc: re-extracting {path.name} ({path.stat().st_size / 1e6:.1f} MB)")
    run = harness.run_crawl(workdir, None, {"EXTRACT_WORKERS": "0", "PROGRESS_INTERVAL": "0"},
                            label="re-extraction", spider="warc",
                            arguments=("-a", f"warc={path}"))
    passes.append(reference_pass(sample))
    # from the first article written (the pool's start-up is not re-extraction) to the last
    first_write = next((s.t for s in run.samples if s.written > 0), run.started)
    last_write = run.last_write or run.ended
    if first_write >= last_write:
        # every article was written between two samples: time from the last sample that saw
        # none (a longer window, so the rate is a lower bound rather than none at all)
        first_write = max((s.t for s in run.samples if s.written == 0 and s.t < last_write),
                          default=run.started)
    window = last_write - first_write
    rate = (run.written - 1) / window if window > 0 and run.written > 1 else 0.0
    busy = harness.window_cpu(run.samples, first_write, last_write)
    ref_rate = statistics.fmean(p["rate"] for p in passes)
    cores = core_count()
    record = {"pages": len(bodies), "file_bytes": path.stat().st_size, "written": run.written,
              "returncode": run.returncode, "window_s": window, "articles_per_s": rate,
              "process_wall_s": run.process_wall,
              "articles_per_s_whole_process": run.written / run.process_wall,
              "vs_single_core": rate / ref_rate, "cores": cores, "cores_busy": busy,
              "reference": {"rate": ref_rate, "passes": passes},
              "source": str(corpus) if corpus else "generated (no corpus)"}
    bench.lines.append(Line(
        "warc", f"re-extraction of one {len(bodies):,}-page WARC file", wall=window,
        proc=run.process_wall, articles=f"{run.written}/{len(bodies)}",
        notes=(f"{rate:.1f} art/s = {rate / ref_rate:.2f}x single-core extract() "
               f"({ref_rate:.1f} pages/s; limit {cores}x on {cores} cores)"
               + (f", {rate / busy['workers']:.1f} art/s per core the workers got"
                  if busy and busy["workers"] else "") + "; whole process "
               f"incl. start-up {record['articles_per_s_whole_process']:.1f} art/s"
               + _busy(busy) + ("" if run.returncode == 0 else f"; EXIT {run.returncode}"))))
    return record


def _busy(cores: dict[str, float] | None) -> str:
    """The cores each part used in the window: the machine is shared, this says how much."""
    if not cores:
        return ""
    return (f"; cores busy: workers {cores['workers']:.2f}, crawl process "
            f"{cores['crawl_process']:.2f}, other processes {cores['other']:.2f}")


def _write_cc_news_file(path: Path, bodies: list[tuple[bytes, str]]) -> None:
    """``bodies`` as one WARC file shaped like CC-NEWS: a response record per page."""
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True, warc_version="1.0")
        for body, url in bodies:
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), length=len(body),
                http_headers=StatusAndHeaders("200 OK", [
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Length", str(len(body)))], protocol="HTTP/1.1")))
