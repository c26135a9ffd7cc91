"""Direct mode: our extract() and plain trafilatura on the stored corpus pages, scored."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.quality.markup import page_reference
from bench.quality.report import build_report, words
from bench.quality.timing import PLAIN, Variant, time_variants
from bench.quality.workers import corpus_pool, worker_page
from bench.scoring import CorpusPage
from newscrawler.extraction.decoding import decode_html, parse_html
from newscrawler.extraction.evidence import BODY_SOURCES, declared_article_body
from newscrawler.extraction.linked_data import linked_data
from newscrawler.extraction.page import DEFAULT_OPTIONS, PageFields, extract
from newscrawler.extraction.shells import looks_script_rendered


def _as_row(fields: PageFields) -> dict[str, Any]:
    row = asdict(fields)
    row["authors"], row["tags"] = list(fields.authors), list(fields.tags)
    return row


def _direct_task(index: int) -> dict[str, Any]:
    import trafilatura

    page = worker_page(index)
    fields = extract(page.html, page.url)
    options = {"url": page.url, "include_comments": DEFAULT_OPTIONS.include_comments,
               "favor_recall": DEFAULT_OPTIONS.favor_recall, "fast": DEFAULT_OPTIONS.fast,
               "include_tables": DEFAULT_OPTIONS.include_tables}
    ours = words(fields.text)
    same = words(trafilatura.extract(page.html, favor_precision=DEFAULT_OPTIONS.favor_precision,
                                     **options)) == ours
    via_fallback = False
    if not same and DEFAULT_OPTIONS.favor_precision and DEFAULT_OPTIONS.precision_fallback:
        # the precision fallback may have taken the balanced mode's text
        via_fallback = words(trafilatura.extract(page.html, **options)) == ours
    return {
        "id": page.id,
        "direct_text": PLAIN.run(page.html, page.url),
        "same_options_tokens_equal": same or via_fallback,
        "balanced_fallback": via_fallback,
        "ours": _as_row(fields),
        "script_rendered": looks_script_rendered(page.html, fields.text),
        "reference": page_reference(page.html),
        "declared_body": declared_body(page.html),
    }


def declared_body(html: bytes) -> str | None:
    """Which markup states the page's article body (what the text rule could go by)."""
    tree = parse_html(decode_html(html))
    linked = linked_data(tree) if tree is not None else None
    for source in BODY_SOURCES:
        body = declared_article_body(tree, linked, (source,), 1) if linked is not None else None
        if body:
            return f"{source} articleBody stated ({len(body)} characters)"
    return None


def direct_results(corpus_dir: Path, pages: list[CorpusPage], workers: int) -> list[dict]:
    """:func:`_direct_task` on every page, in a pool of ``workers`` processes."""
    with corpus_pool(corpus_dir, workers) as pool:
        return pool.map(_direct_task, range(len(pages)), chunksize=4)


def run_direct(corpus_dir: Path, pages: list[CorpusPage], workers: int,
               repeats: int = 2, results: list[dict] | None = None) -> dict[str, Any]:
    if results is None:
        results = direct_results(corpus_dir, pages, workers)
    rows = {r["id"]: r["ours"] for r in results}
    report = build_report(
        pages, rows, mode="direct",
        direct_texts={r["id"]: r["direct_text"] for r in results},
        references={r["id"]: r["reference"] for r in results},
    )
    report["tokens_same_as_trafilatura_txt"] = {
        "pages": len(results), "same": sum(r["same_options_tokens_equal"] for r in results),
        "balanced_fallback": sum(r["balanced_fallback"] for r in results)}
    report["script_rendered_pages"] = [r["id"] for r in results if r["script_rendered"]]
    report["options"] = asdict(DEFAULT_OPTIONS)
    report["timing"] = time_variants(pages, [Variant("ours", DEFAULT_OPTIONS)], repeats)[0]
    return report
