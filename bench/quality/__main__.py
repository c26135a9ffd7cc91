"""Extraction quality against the article-body corpus (``../shared/corpus/zyte`` by default).

    python -m bench.quality [--corpus DIR] [--direct-only] [--options-grid] [--items FILE.jsonl]
                            [--header-charset mixed|none] [--legacy-bytes] [--sites N]

Default (end-to-end) mode: the corpus pages are served by the simulated news web
(``simweb.corpus_web``: byte for byte, one RSS feed per site listing them with
link and title only -- no date, summary or content:encoded, so nothing of the ground truth can
reach an item's text), the REAL crawl runs on its feed list (``python -m scrapy crawl feeds``
in a subprocess, temporary STATE_DIR and output, DOWNLOAD_DELAY=0, 32 requests at once, 8 per
site), and the ``text`` of every JSONL item is scored against the ground truth. In the same
run, on the same pages: our ``extract()`` called directly and plain ``trafilatura.extract(html)``
with its defaults. Printed side by side ("crawl (end to end)", "extract() direct",
"trafilatura.extract() defaults"): mean token precision/recall/F1, every page where the crawl
differs from extract() with the cause, the issue's targets, the crawl's 5 lowest pages with a
reason, metadata presence and agreement of the crawled items with what the HTML states in
standard places (JSON-LD datePublished, og:title/<title>, <html lang>...), whether the items'
language follows their text where <html lang> says otherwise, and the speed of extract().

``--header-charset mixed`` (default) serves page i (in id order) in turn without a charset
(as corpus_web does: the page declares its own), with the page's own charset, and with one
contradicting the page (ISO-8859-1 over UTF-8 bytes, UTF-8 over legacy bytes); ``none`` serves
all without. ``--legacy-bytes`` runs everything on a windows-1252 copy of the corpus (same text:
unencodable characters as ``&#N;``), whose meta declarations are in turn rewritten, removed or
left claiming UTF-8. Results go to ``bench/results/quality.json``.

``--direct-only``: only the direct part (extract() and trafilatura on the stored pages, the
option check against trafilatura's txt output, metadata figures). ``--options-grid`` prints
the table of trafilatura option variants that chose ``newscrawler.extraction.page.DEFAULT_OPTIONS``
(also ``bench/results/options-grid.json``). Scoring runs in a pool of 2 processes; ms/page is
measured afterwards in ONE process. ``--items output/x.jsonl`` also scores an existing crawl's
output, matched to the corpus by URL (:func:`bench.quality.items.score_items`).

Without the corpus folder the script prints "skipped" and exits 0 (a clone without the data).
It exits 1 when the crawl fails (its log's tail goes to stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bench.paths import DEFAULT_CORPUS, RESULTS_DIR
from bench.quality.crawl import run_crawl
from bench.quality.direct import direct_results, run_direct
from bench.quality.end_to_end import COLUMNS, end_to_end_report
from bench.quality.items import load_items, score_items
from bench.quality.options_grid import print_grid, run_grid
from bench.quality.printing import print_end_to_end, print_report
from bench.quality.serving import legacy_copy
from bench.quality.workers import quiet_logs
from bench.scoring import load_corpus

WORKERS = 2


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.quality",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
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

    if not (args.corpus / "ground-truth.json").is_file():
        print(f"quality: skipped -- corpus folder not found: {args.corpus}")
        return 0
    if args.legacy_bytes:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="quality-legacy-") as tmp:
            legacy = legacy_copy(args.corpus, Path(tmp))
            return _main(args, legacy, f"{args.corpus} (windows-1252 copy)")
    return _main(args, args.corpus, str(args.corpus))


def _main(args: argparse.Namespace, corpus: Path, label: str) -> int:
    args.corpus = corpus
    pages = load_corpus(args.corpus)
    if not pages:
        print(f"quality: skipped -- no pages in {args.corpus}")
        return 0

    if args.options_grid:
        grid = run_grid(args.corpus, pages, args.workers, args.repeats)
        print_grid(grid)
        out = args.out or RESULTS_DIR / "options-grid.json"
        _write_json(out, grid)
        print(f"\nwritten: {out}")
        return 0

    results: dict[str, Any] = {"corpus": label}
    status = 0
    if args.direct_only:
        report = run_direct(args.corpus, pages, args.workers, args.repeats)
        print_report(report)
        results["direct"] = report
    else:
        print(f"quality: crawling {len(pages)} pages served by the simulated web...",
              file=sys.stderr, flush=True)
        crawl = run_crawl(args.corpus, pages, sites=args.sites,
                          header_charset=args.header_charset)
        print("quality: extract() and trafilatura on the same pages...", file=sys.stderr,
              flush=True)
        direct = direct_results(args.corpus, pages, args.workers)
        report = run_direct(args.corpus, pages, args.workers, args.repeats, results=direct)
        e2e = end_to_end_report(pages, crawl, direct)
        print_end_to_end(e2e, report)
        results["columns"] = list(COLUMNS.values())
        results["end_to_end"] = e2e
        results["direct"] = report
        if crawl.returncode != 0 or not crawl.items:
            print(f"\nquality: the crawl failed (exit status {crawl.returncode}); its log ends:\n"
                  f"{crawl.log_tail}", file=sys.stderr)
            status = 1
    if args.items and not args.direct_only:
        items_report = score_items(load_items(args.items), pages)
        print_report(items_report)
        results["items"] = items_report
    out = args.out or RESULTS_DIR / "quality.json"
    _write_json(out, results)
    print(f"\nwritten: {out}")
    return status


if __name__ == "__main__":
    sys.exit(main())
