"""The grid of trafilatura option variants that chose ``DEFAULT_OPTIONS``: scores per corpus,
the choice cross-validated by site, speed, and the reactor-side costs of the input type."""

from __future__ import annotations

import pickle
import sys
import time
from dataclasses import asdict, replace
from typing import Any

from bench.quality.corpora import Corpus, assign_folds
from bench.quality.crossval import cross_validate, print_cross_validation
from bench.quality.report import score_dict
from bench.quality.timing import PLAIN, Variant, response_text, time_variants
from bench.quality.workers import corpus_pool, worker_page
from bench.scoring import CorpusPage, Score, mean_scores, score
from newscrawler.extraction.page import DEFAULT_OPTIONS, ExtractOptions, extract

_BALANCED = ExtractOptions(include_comments=False, favor_precision=False)
_PRECISION = replace(_BALANCED, favor_precision=True)
REFERENCE_VARIANT = PLAIN.name
# How the text is chosen: the candidates every default run cross-validates, cheapest first
# (a choice between two of equal F1 goes to the one listed first; a lower tolerance runs the
# balanced pass on more pages).
TEXT_CHOICES = [
    Variant("balanced, no comments", _BALANCED),
    Variant("precision only", replace(_PRECISION, precision_fallback=False)),
    Variant("precision + length rule, short < 250 chars",
            replace(_PRECISION, declared_body=(), short_text="min_extraction")),
    Variant("precision + length rule",
            replace(_PRECISION, declared_body=(), short_text="escalation")),
    Variant("precision + length rule, html2txt measure",
            replace(_PRECISION, declared_body=(), page_measure="html2txt",
                    short_text="escalation")),
    Variant("precision + JSON-LD articleBody, tol. 0.05",
            replace(_PRECISION, declared_body=("json-ld",), missing_tolerance=0.05,
                    short_text="escalation")),
    *(Variant(f"precision + JSON-LD/microdata articleBody, tol. {tolerance:g}, "
              "short < 250 chars",
              replace(_PRECISION, missing_tolerance=tolerance, short_text="min_extraction"))
      for tolerance in (0.2, 0.1, 0.05)),
    *(Variant(f"precision + JSON-LD/microdata articleBody, tol. {tolerance:g}",
              replace(_PRECISION, missing_tolerance=tolerance, short_text="escalation"))
      for tolerance in (0.2, 0.1, 0.05)),
    Variant("precision + JSON-LD/microdata articleBody, tol. 0.05, html2txt measure",
            replace(_PRECISION, missing_tolerance=0.05, page_measure="html2txt",
                    short_text="escalation")),
    *(Variant(f"precision + JSON-LD/microdata articleBody, tol. {tolerance:g}",
              replace(_PRECISION, missing_tolerance=tolerance, short_text="escalation"))
      for tolerance in (0.02, 0.0)),
]
GRID = [
    Variant("trafilatura.extract() defaults", None),
    PLAIN,
    Variant("ours, trafilatura defaults", replace(_BALANCED, include_comments=True)),
    *TEXT_CHOICES,
    Variant("no comments, favor_recall", replace(_BALANCED, favor_recall=True)),
    Variant("no comments, no tables", replace(_BALANCED, include_tables=False)),
    Variant("precision, no tables", replace(_PRECISION, include_tables=False)),
    Variant("no comments, deduplicate", replace(_BALANCED, deduplicate=True)),
    Variant("precision, deduplicate", replace(_PRECISION, deduplicate=True)),
    Variant("no comments, fast (no fallback)", replace(_BALANCED, fast=True)),
    Variant("precision, fast (no fallback)", replace(_PRECISION, fast=True)),
    Variant("precision, str input (response.text)", _PRECISION, as_text=True),
    Variant("precision, markdown tables (| a | b |)", replace(_PRECISION, plain_tables=False)),
    Variant("precision, no extensive date search", replace(_PRECISION,
                                                         extensive_date_search=False)),
]


def candidates(variants: list[Variant]) -> list[str]:
    """The variants an option choice can pick: ours (not plain trafilatura), on bytes."""
    return [v.name for v in variants if v.options is not None and not v.as_text]


def default_name(variants: list[Variant]) -> str:
    return next((v.name for v in variants if v.options == DEFAULT_OPTIONS and not v.as_text),
                "DEFAULT_OPTIONS (not in the grid)")


_VARIANTS: list[Variant] = []


def _grid_task(task: tuple[int, int]) -> tuple[int, int, tuple[float, float, float], bool]:
    variant_index, page_index = task
    variant, page = _VARIANTS[variant_index], worker_page(page_index)
    html = response_text(page) if variant.as_text else page.html
    if variant.options is None:
        text, published = variant.run(html, page.url), False
    else:
        fields = extract(html, page.url, options=variant.options)
        text, published = fields.text, bool(fields.published)
    s = score(text, page.truth)
    return variant_index, page_index, (s.precision, s.recall, s.f1), published


def score_variants(corpus: Corpus, variants: list[Variant], workers: int) -> list[tuple]:
    """(variant index, page index, (P, R, F1), dated) of every variant on every page."""
    global _VARIANTS
    _VARIANTS = variants  # the pool's workers are forked after this: they see the list
    tasks = [(v, p) for v in range(len(variants)) for p in range(len(corpus.pages))]
    with corpus_pool(corpus.folder, workers) as pool:
        return pool.map(_grid_task, tasks, chunksize=8)


def run_grid(corpora: list[Corpus], workers: int, repeats: int = 1,
             variants: list[Variant] = GRID, timing: bool = True) -> dict[str, Any]:
    """Every variant on every page of every corpus; per corpus its table, then the choice
    among :func:`candidates` cross-validated over all pages, folds grouped by site."""
    variants = [*variants] if PLAIN in variants else [PLAIN, *variants]
    per_page: dict[str, dict[tuple[str, str], float]] = {v.name: {} for v in variants}
    tables = {}
    for corpus in corpora:
        print(f"  {corpus.name}: {len(variants)} variants x {len(corpus.pages)} pages...",
              file=sys.stderr, flush=True)
        results = score_variants(corpus, variants, workers)
        timings = time_variants(corpus.pages, variants, repeats) if timing else None
        tables[corpus.name] = _table(corpus.pages, variants, results, timings)
        for v, p, s, _ in results:
            per_page[variants[v].name][corpus.name, corpus.pages[p].id] = s[2]
    folds = assign_folds([(c.name, page) for c in corpora for page in c.pages])
    cv = cross_validate(per_page, folds, candidates(variants), per_page[PLAIN.name])
    return {"corpora": {c.name: len(c.pages) for c in corpora}, "reference_variant": PLAIN.name,
            "tables": tables, "cross_validation": cv, "default": default_name(variants),
            "chosen": asdict(DEFAULT_OPTIONS),
            "reactor_side": reactor_costs(corpora[0].pages) if timing else None}


def _table(pages: list[CorpusPage], variants: list[Variant], results: list[tuple],
           timings: list[dict] | None) -> list[dict]:
    f1s: dict[int, list[float]] = {}
    scores: dict[int, list[Score]] = {}
    dates: dict[int, int] = {}
    for v, _page, s, published in sorted(results):
        scores.setdefault(v, []).append(Score(*s))
        f1s.setdefault(v, []).append(s[2])
        dates[v] = dates.get(v, 0) + published
    reference = variants.index(PLAIN)
    rows = []
    for v, variant in enumerate(variants):
        deltas = [a - b for a, b in zip(f1s[v], f1s[reference], strict=True)]
        rows.append({
            "variant": variant.name,
            "options": asdict(variant.options) if variant.options else dict(variant.plain),
            "input": "str" if variant.as_text else "bytes",
            **score_dict(mean_scores(scores[v])),
            "ms_per_page": timings[v]["ms_per_page"] if timings else None,
            "timing_repeats": timings[v]["repeats"] if timings else None,
            "worst_page_delta_f1": round(min(deltas), 4),
            "pages_below_plain_by_0.02": sum(d < -0.02 for d in deltas),
            "pages_worse_by_0.05": sum(d < -0.05 for d in deltas),
            "pages_better_by_0.05": sum(d > 0.05 for d in deltas),
            "published_found": dates[v] if variant.options else None,
        })
    return rows


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
    for name, rows in grid["tables"].items():
        timed = rows[0]["ms_per_page"] is not None
        w(f"\n== trafilatura option grid, {name}: {grid['corpora'][name]} pages, mean token "
          f"P/R/F1 ==\n"
          + (f"  ms/pg: CPU time per page in one process (best of {rows[0]['timing_repeats']} "
             "runs); " if timed else "")
          + f"worst / <-.02 / <-.05 / >+.05: per-page F1 against '{grid['reference_variant']}' "
          f"(worst page, pages below by 0.02, by 0.05, above by 0.05); dates: pages dated\n")
        w(f"  {'variant':56s}{'P':>7s}{'R':>7s}{'F1':>7s}{'ms/pg':>8s}{'worst':>8s}"
          f"{'<-.02':>6s}{'<-.05':>6s}{'>+.05':>6s}{'dates':>6s}\n")
        for r in rows:
            dates = "" if r["published_found"] is None else str(r["published_found"])
            ms = f"{r['ms_per_page']:8.1f}" if r["ms_per_page"] is not None else f"{'':8s}"
            mark = " *" if r["variant"] == grid["default"] else ""
            w(f"  {r['variant'] + mark:56s}{r['precision']:7.3f}{r['recall']:7.3f}"
              f"{r['f1']:7.3f}{ms}{r['worst_page_delta_f1']:8.3f}"
              f"{r['pages_below_plain_by_0.02']:6d}{r['pages_worse_by_0.05']:6d}"
              f"{r['pages_better_by_0.05']:6d}{dates:>6s}\n")
        w("  * DEFAULT_OPTIONS\n")
    print_cross_validation(grid["cross_validation"], grid["default"], out)
    c = grid["reactor_side"]
    if c:
        w(f"  reactor side per page: response.text {c['response_text_ms']:.2f} ms; pickle round "
          f"trip str {c['pickle_str_ms']:.2f} ms vs bytes {c['pickle_bytes_ms']:.2f} ms\n")
