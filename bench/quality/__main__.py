"""Extraction quality against every corpus given (Zyte's and Fundus' by default).

    python -m bench.quality [--corpus DIR ...] [--direct-only] [--options-grid] [--profile]
                            [--items FILE.jsonl] [--header-charset mixed|none]
                            [--legacy-bytes] [--sites N]

``--corpus`` may be repeated; without it both ``../shared/corpus/zyte`` (121 pages) and
``../shared/corpus/fundus`` (144 pages, 19 languages) are evaluated, each on its own, and a
corpus folder that is missing is reported "skipped" (a clone without the data exits 0).

Default (end-to-end) mode, per corpus: the corpus pages are served by the simulated news web
(``simweb.corpus_web``: byte for byte, one RSS feed per site listing them with
link and title only -- no date, summary or content:encoded, so nothing of the ground truth can
reach an item's text), the REAL crawl runs on its feed list (``python -m scrapy crawl feeds``
in a subprocess, temporary STATE_DIR and output, DOWNLOAD_DELAY=0, 32 requests at once, 8 per
site), and the ``text`` of every JSONL item is scored against the ground truth. In the same
run, on the same pages: our ``extract()`` called directly and plain
``trafilatura.extract(html, include_comments=False)`` (the issue's reference). Printed side
by side ("crawl (end to end)", "extract() direct", "trafilatura (include_comments=False)"):
mean token precision/recall/F1, the pages more than 0.02 F1 below plain trafilatura with the
reason, every page where the crawl differs from extract() with the cause, the crawl's 5 lowest
pages with a reason, metadata presence and agreement of the crawled items with what the HTML
states in standard places (JSON-LD datePublished, og:title/<title>, <html lang>...), whether the
items' language follows their text where <html lang> says otherwise, and the speed of
extract(). Then, over all corpora, the text rule's choice cross-validated by site
(:mod:`bench.quality.crossval`: chosen on some folds, reported on the held-out one) beside the
in-sample figure, and one summary table per corpus; then the metadata rates (title, authors,
date, language) of the crawl's items and of extract() direct against the corpus truth
(:mod:`bench.quality.metadata_truth`: Fundus' truth has them; Zyte's gives presence only).

``--header-charset mixed`` (default) serves page i (in id order) in turn without a charset
(as corpus_web does: the page declares its own), with the page's own charset, and with one
contradicting the page (ISO-8859-1 over UTF-8 bytes, UTF-8 over legacy bytes); ``none`` serves
all without. ``--legacy-bytes`` runs everything on a windows-1252 copy of the corpus (same text:
unencodable characters as ``&#N;``), whose meta declarations are in turn rewritten, removed or
left claiming UTF-8. Results go to ``bench/results/quality.json``.

``--direct-only``: only the direct part (extract() and trafilatura on the stored pages, the
option check against trafilatura's txt output, metadata figures). ``--options-grid`` prints
the table of trafilatura option variants per corpus and the choice among them cross-validated
(also ``bench/results/options-grid.json``). ``--profile`` prints what a worker spends per page,
component by component, as a ratio to one ``trafilatura.bare_extraction(html,
with_metadata=True)`` call on the same pages in the same process
(:mod:`bench.quality.profile`). Scoring runs in a pool of 2 processes; ms/page is
measured afterwards in ONE process. ``--items output/x.jsonl`` also scores an existing crawl's
output, matched to the first corpus by URL (:func:`bench.quality.items.score_items`).

It exits 1 when a crawl fails (its log's tail goes to stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bench.paths import RESULTS_DIR
from bench.quality.corpora import DEFAULT_CORPORA, Corpus, assign_folds, load_corpora
from bench.quality.crawl import run_crawl
from bench.quality.crossval import cross_validate, print_cross_validation
from bench.quality.direct import direct_results, run_direct
from bench.quality.end_to_end import COLUMNS, end_to_end_report
from bench.quality.items import load_items, match_items, score_items
from bench.quality.metadata_truth import metadata_against_truth, print_metadata_rates
from bench.quality.options_grid import (
    TEXT_CHOICES,
    candidates,
    default_name,
    print_grid,
    run_grid,
    score_variants,
)
from bench.quality.printing import print_end_to_end, print_report, print_summary
from bench.quality.profile import print_profile, run_profile
from bench.quality.serving import legacy_copy
from bench.quality.timing import PLAIN
from bench.quality.workers import quiet_logs
from bench.scoring import load_corpus

WORKERS = 2


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.quality",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, action="append",
                        help="a corpus folder (html/ and ground-truth.json); repeatable "
                        "(default: ../shared/corpus/zyte and ../shared/corpus/fundus)")
    parser.add_argument("--profile", action="store_true",
                        help="what extract() spends per page, against one bare_extraction")
    parser.add_argument("--direct-only", action="store_true",
                        help="only the direct part (extract() on the stored pages)")
    parser.add_argument("--options-grid", action="store_true",
                        help="measure the trafilatura option variants instead")
    parser.add_argument("--items", type=Path,
                        help="also score an existing crawl's JSONL output (matched by URL)")
    parser.add_argument("--header-charset", choices=("mixed", "none"), default="mixed",
                        help="end to end: Content-Type charsets the pages are served with "
                        "(mixed: none / the page's own / contradicting the page, in turn)")
    parser.add_argument("--legacy-bytes", action="store_true",
                        help="run on a windows-1252 copy of the corpus (same text)")
    parser.add_argument("--sites", type=int, default=20,
                        help="end to end: simulated sites the pages are spread over")
    parser.add_argument("--out", type=Path, help="JSON results file "
                        "(default bench/results/quality.json or options-grid.json)")
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--repeats", type=int, default=2,
                        help="timing runs per page; the fastest counts (default 2)")
    args = parser.parse_args(argv)
    quiet_logs()
    import tempfile

    with tempfile.TemporaryDirectory(prefix="quality-") as tmp:
        corpora, missing = load_corpora(args.corpus or list(DEFAULT_CORPORA), Path(tmp))
        for folder in missing:
            print(f"quality: skipped -- corpus folder not found: {folder}")
        if not corpora:
            return 0
        if args.legacy_bytes:
            corpora = [Corpus(c.name, legacy, load_corpus(legacy), c.source)
                       for c in corpora
                       for legacy in [legacy_copy(c.folder, Path(tmp) / f"legacy-{c.name}")]]
        return _main(args, corpora)


def _main(args: argparse.Namespace, corpora: list[Corpus]) -> int:
    labels = {c.name: f"{c.source}" + (" (windows-1252 copy)" if args.legacy_bytes else "")
              for c in corpora}
    if args.options_grid:
        grid = run_grid(corpora, args.workers, args.repeats)
        print_grid(grid)
        out = args.out or RESULTS_DIR / "options-grid.json"
        _write_json(out, grid)
        print(f"\nwritten: {out}")
        return 0
    if args.profile:
        profile = run_profile(corpora, args.repeats)
        print_profile(profile)
        out = args.out or RESULTS_DIR / "profile.json"
        _write_json(out, profile)
        print(f"\nwritten: {out}")
        return 0

    results: dict[str, Any] = {"corpora": {}}
    status = 0
    for corpus in corpora:
        report = results["corpora"][corpus.name] = {"corpus": labels[corpus.name]}
        status = max(status, _evaluate(args, corpus, report))
    print("quality: the text rule cross-validated...", file=sys.stderr, flush=True)
    cv = text_choice_cv(corpora, args.workers)
    print_cross_validation(cv, default_name(TEXT_CHOICES))
    results["text_choice_cross_validation"] = cv
    print_summary(results["corpora"], cv)
    print_metadata_rates(results["corpora"])
    if args.items and not args.direct_only:
        items_report = score_items(load_items(args.items), corpora[0].pages)
        print_report(items_report)
        results["items"] = items_report
    out = args.out or RESULTS_DIR / "quality.json"
    _write_json(out, results)
    print(f"\nwritten: {out}")
    return status


def _evaluate(args: argparse.Namespace, corpus: Corpus, results: dict[str, Any]) -> int:
    """One corpus: the crawl (unless --direct-only), extract() and plain trafilatura."""
    pages = corpus.pages
    print(f"\n######## corpus {corpus.name}: {len(pages)} pages ({results['corpus']})")
    if args.direct_only:
        direct = direct_results(corpus.folder, pages, args.workers)
        report = run_direct(corpus.folder, pages, args.workers, args.repeats, results=direct)
        print_report(report)
        results["direct"] = report
        results["metadata_truth"] = metadata_against_truth(corpus.folder, direct, None)
        return 0
    print(f"quality: {corpus.name}: crawling {len(pages)} pages served by the simulated web...",
          file=sys.stderr, flush=True)
    crawl = run_crawl(corpus.folder, pages, sites=args.sites,
                      header_charset=args.header_charset)
    print(f"quality: {corpus.name}: extract() and trafilatura on the same pages...",
          file=sys.stderr, flush=True)
    direct = direct_results(corpus.folder, pages, args.workers)
    report = run_direct(corpus.folder, pages, args.workers, args.repeats, results=direct)
    e2e = end_to_end_report(pages, crawl, direct)
    print_end_to_end(e2e, report)
    results["columns"] = list(COLUMNS.values())
    results["end_to_end"] = e2e
    results["direct"] = report
    crawled = match_items(crawl.items, pages, crawl.page_ids)["matched"]
    results["metadata_truth"] = metadata_against_truth(corpus.folder, direct, crawled)
    if crawl.returncode != 0 or not crawl.items:
        print(f"\nquality: the crawl of {corpus.name} failed (exit status {crawl.returncode}); "
              f"its log ends:\n{crawl.log_tail}", file=sys.stderr)
        return 1
    return 0


def text_choice_cv(corpora: list[Corpus], workers: int) -> dict[str, Any]:
    """How the text is chosen (:data:`TEXT_CHOICES`), cross-validated by site over all
    corpora, with plain trafilatura for the pages-below count."""
    variants = [PLAIN, *TEXT_CHOICES]
    per_page: dict[str, dict[tuple[str, str], float]] = {v.name: {} for v in variants}
    for corpus in corpora:
        for v, p, s, _ in score_variants(corpus, variants, workers):
            per_page[variants[v].name][corpus.name, corpus.pages[p].id] = s[2]
    folds = assign_folds([(c.name, page) for c in corpora for page in c.pages])
    return cross_validate(per_page, folds, candidates(TEXT_CHOICES), per_page[PLAIN.name])


if __name__ == "__main__":
    sys.exit(main())
