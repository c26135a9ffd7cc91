"""The grid of trafilatura option variants that chose ``DEFAULT_OPTIONS``: scores, speed, and
the reactor-side costs of the input type."""

from __future__ import annotations

import pickle
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from bench.quality.report import score_dict
from bench.quality.timing import Variant, response_text, time_variants
from bench.quality.workers import corpus_pool, worker_page
from bench.scoring import CorpusPage, Score, mean_scores, score
from newscrawler.extraction.page import DEFAULT_OPTIONS, ExtractOptions, extract

_BALANCED = ExtractOptions(include_comments=False, favor_precision=False)
REFERENCE_VARIANT = "include_comments=False"
GRID = [
    Variant("trafilatura.extract() defaults", None),
    Variant("ours, trafilatura defaults", replace(_BALANCED, include_comments=True)),
    Variant(REFERENCE_VARIANT, _BALANCED),
    Variant("no comments, favor_precision", replace(_BALANCED, favor_precision=True,
                                                   precision_fallback=False)),
    Variant("precision + balanced fallback (chosen)", replace(_BALANCED, favor_precision=True)),
    Variant("no comments, favor_recall", replace(_BALANCED, favor_recall=True)),
    Variant("no comments, no tables", replace(_BALANCED, include_tables=False)),
    Variant("precision, no tables", replace(_BALANCED, favor_precision=True,
                                           include_tables=False)),
    Variant("no comments, deduplicate", replace(_BALANCED, deduplicate=True)),
    Variant("precision, deduplicate", replace(_BALANCED, favor_precision=True,
                                             deduplicate=True)),
    Variant("no comments, fast (no fallback)", replace(_BALANCED, fast=True)),
    Variant("precision, fast (no fallback)", replace(_BALANCED, favor_precision=True, fast=True)),
    Variant("precision, str input (response.text)", replace(_BALANCED, favor_precision=True),
            as_text=True),
    Variant("precision, markdown tables (| a | b |)", replace(_BALANCED, favor_precision=True,
                                                            plain_tables=False)),
    Variant("precision, no extensive date search", replace(_BALANCED, favor_precision=True,
                                                         extensive_date_search=False)),
]


def _grid_task(task: tuple[int, int]) -> tuple[int, int, tuple[float, float, float], bool]:
    import trafilatura

    variant_index, page_index = task
    variant, page = GRID[variant_index], worker_page(page_index)
    if variant.options is None:
        text, published = trafilatura.extract(page.html), False
    else:
        html = response_text(page) if variant.as_text else page.html
        fields = extract(html, page.url, options=variant.options)
        text, published = fields.text, bool(fields.published)
    s = score(text, page.truth)
    return variant_index, page_index, (s.precision, s.recall, s.f1), published


def run_grid(corpus_dir: Path, pages: list[CorpusPage], workers: int,
             repeats: int = 2) -> dict[str, Any]:
    tasks = [(v, p) for v in range(len(GRID)) for p in range(len(pages))]
    with corpus_pool(corpus_dir, workers) as pool:
        results = pool.map(_grid_task, tasks, chunksize=8)
    f1s: dict[int, list[float]] = {}
    rows = []
    scores: dict[int, list[Score]] = {}
    dates: dict[int, int] = {}
    for v, _page, s, published in sorted(results):
        scores.setdefault(v, []).append(Score(*s))
        f1s.setdefault(v, []).append(s[2])
        dates[v] = dates.get(v, 0) + published
    reference = next(i for i, v in enumerate(GRID) if v.name == REFERENCE_VARIANT)
    print("  scored; timing in one process...", file=sys.stderr, flush=True)
    timings = time_variants(pages, GRID, repeats)  # the pool is closed: one process of ours
    for v, variant in enumerate(GRID):
        m = mean_scores(scores[v])
        deltas = [a - b for a, b in zip(f1s[v], f1s[reference], strict=True)]
        timing = timings[v]
        rows.append({
            "variant": variant.name,
            "options": asdict(variant.options) if variant.options else "trafilatura defaults",
            "input": "str" if variant.as_text else "bytes",
            **score_dict(m),
            "ms_per_page": timing["ms_per_page"],
            "timing_repeats": timing["repeats"],
            "worst_page_delta_f1": round(min(deltas), 4),
            "pages_worse_by_0.05": sum(d < -0.05 for d in deltas),
            "pages_better_by_0.05": sum(d > 0.05 for d in deltas),
            "published_found": dates[v] if variant.options else None,
        })
    return {"pages": len(pages), "reference_variant": REFERENCE_VARIANT, "rows": rows,
            "chosen": asdict(DEFAULT_OPTIONS), "reactor_side": reactor_costs(pages)}


def reactor_costs(pages: list[CorpusPage]) -> dict[str, float]:
    """Per page, in the spider's process: response.text decoding, pickling str vs bytes."""
    from scrapy.http import HtmlResponse

    decode = pickle_text = pickle_bytes = 0.0
    for page in pages:
        response = HtmlResponse(page.url, body=page.html, headers={"Content-Type": "text/html"})
        start = time.perf_counter()
        text = response.text
        decode += time.perf_counter() - start
        start = time.perf_counter()
        pickle.loads(pickle.dumps(text, protocol=pickle.HIGHEST_PROTOCOL))
        pickle_text += time.perf_counter() - start
        start = time.perf_counter()
        pickle.loads(pickle.dumps(page.html, protocol=pickle.HIGHEST_PROTOCOL))
        pickle_bytes += time.perf_counter() - start
    n = len(pages) / 1000
    return {"response_text_ms": round(decode / n, 3), "pickle_str_ms": round(pickle_text / n, 3),
            "pickle_bytes_ms": round(pickle_bytes / n, 3)}


def print_grid(grid: dict[str, Any], out: Any = None) -> None:
    w = (out or sys.stdout).write
    w(f"\n== trafilatura option grid: {grid['pages']} pages, mean token P/R/F1 ==\n"
      f"  ms/pg: CPU time per page in one process (best of {grid['rows'][0]['timing_repeats']} "
      f"runs); worst / <-.05 / >+.05: per-page F1 change vs '{grid['reference_variant']}' "
      f"(worst page, pages worse, pages better); dates: pages with a published date\n")
    w(f"  {'variant':40s}{'P':>7s}{'R':>7s}{'F1':>7s}{'ms/pg':>8s}{'worst':>8s}"
      f"{'<-.05':>6s}{'>+.05':>6s}{'dates':>6s}\n")
    for r in grid["rows"]:
        dates = "" if r["published_found"] is None else str(r["published_found"])
        w(f"  {r['variant']:40s}{r['precision']:7.3f}{r['recall']:7.3f}{r['f1']:7.3f}"
          f"{r['ms_per_page']:8.1f}{r['worst_page_delta_f1']:8.3f}{r['pages_worse_by_0.05']:6d}"
          f"{r['pages_better_by_0.05']:6d}{dates:>6s}\n")
    c = grid["reactor_side"]
    w(f"  reactor side per page: response.text {c['response_text_ms']:.2f} ms; pickle round "
      f"trip str {c['pickle_str_ms']:.2f} ms vs bytes {c['pickle_bytes_ms']:.2f} ms\n")
    w(f"  chosen (DEFAULT_OPTIONS): {grid['chosen']}\n")
