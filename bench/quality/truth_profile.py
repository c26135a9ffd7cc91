"""What metadata costs per page, component by component, beside one
``trafilatura.bare_extraction(..., with_metadata=True)`` call on the same pages.

Measured in THIS one process (CPU time), pages and components interleaved so that the noise of
a shared machine hits all alike, each (component, page) keeping the best of ``repeats`` runs.
Every component runs on an already parsed tree (parsing and decoding belong to the text path).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.scoring import load_corpus
from newscrawler.extraction import metadata
from newscrawler.extraction.access import free_access
from newscrawler.extraction.authors import page_authors
from newscrawler.extraction.decoding import decode_html, parse_html
from newscrawler.extraction.linked_data import linked_data
from newscrawler.extraction.page import DEFAULT_OPTIONS, extract
from newscrawler.extraction.titles import choose_title

__all__ = ["print_profile", "profile"]

REFERENCE = "bare_extraction(with_metadata=True)"


def _lean_metadata(tree: Any, url: str) -> Any:
    """What extract() reads after bare_extraction, our JSON-LD parse included."""
    linked = linked_data(tree)
    og_title = metadata.meta_content(tree, ".//meta[@property='og:title'][@content]")
    return metadata.read_metadata(tree, linked, url, og_title=og_title,
                                  stated_date=metadata.stated_publication_date(tree, linked))


def _components(trees: list[Any], urls: list[str], htmls: list[bytes],
                texts: list[str]) -> dict[str, Callable[[int], Any]]:
    import trafilatura
    from htmldate import find_date
    from trafilatura.metadata import extract_metadata

    options = {"favor_precision": DEFAULT_OPTIONS.favor_precision,
               "include_comments": DEFAULT_OPTIONS.include_comments,
               "include_tables": DEFAULT_OPTIONS.include_tables}
    extensive = metadata.htmldate_params(True)

    parsed = [linked_data(tree) for tree in trees]  # parsed once per page, as in extract()

    def warm(lookup: Callable[[Any, Any], Any]) -> Callable[[int], Any]:
        def run(i: int) -> Any:
            return lookup(trees[i], parsed[i])
        return run

    return {
        REFERENCE: lambda i: trafilatura.bare_extraction(
            trees[i], url=urls[i], with_metadata=True, date_extraction_params=extensive,
            **options),
        "bare_extraction(with_metadata=False)": lambda i: trafilatura.bare_extraction(
            trees[i], url=urls[i], with_metadata=False, **options),
        "extract()'s: with_metadata=False, then read_metadata()": lambda i: (
            trafilatura.bare_extraction(trees[i], url=urls[i], with_metadata=False, **options),
            _lean_metadata(trees[i], urls[i])),
        "  trafilatura extract_metadata() alone": lambda i: extract_metadata(
            trees[i], urls[i], extensive),
        "  htmldate find_date(extensive_search=True)": lambda i: find_date(
            trees[i], url=urls[i], **extensive),
        "  htmldate find_date(extensive_search=False)": lambda i: find_date(
            trees[i], url=urls[i], **metadata.htmldate_params(False)),
        "our read_metadata() without trafilatura's (all fields; its pieces where needed)":
            lambda i: _lean_metadata(trees[i], urls[i]),
        "  our JSON-LD parse (once per page)": lambda i: linked_data(trees[i]),
        "  our stated date (JSON-LD, meta, microdata)": warm(metadata.stated_publication_date),
        "  our headline choice": warm(lambda t, ld: choose_title(
            metadata.title_candidates(t, ld, None, None))),
        "  our authors": warm(lambda t, ld: page_authors(t, ld, None)),
        "  our free_access": warm(free_access),
        "our declared language + canonical URL": lambda i: (
            metadata.declared_language(trees[i]), metadata.canonical_url(trees[i], "")),
        f"language id ({metadata.LANGID_MAX_CHARS} characters)": lambda i: metadata.language(
            texts[i], None),
        "language id (5 000 characters, as before)": lambda i: metadata.language(
            texts[i], None, 5000),
        "whole extract() (bytes in)": lambda i: extract(htmls[i], urls[i]),
    }


def profile(corpus: Path, repeats: int = 2) -> dict[str, Any]:
    """ms per page of each component (best of ``repeats``), and its ratio to the reference."""
    pages = load_corpus(corpus)
    trees = [parse_html(decode_html(page.html)) for page in pages]
    keep = [i for i, tree in enumerate(trees) if tree is not None]
    trees = [trees[i] for i in keep]
    urls = [pages[i].url for i in keep]
    htmls = [pages[i].html for i in keep]
    texts = [extract(html, url).text or "" for html, url in zip(htmls, urls, strict=True)]
    components = _components(trees, urls, htmls, texts)
    for run in components.values():    # warm-up: models, regexes, caches
        run(0)
    best = {name: [float("inf")] * len(trees) for name in components}
    for _ in range(max(repeats, 1)):
        for i in range(len(trees)):
            for name, run in components.items():
                start = time.process_time()
                run(i)
                best[name][i] = min(best[name][i], (time.process_time() - start) * 1000)
    ms = {name: sum(times) / len(times) for name, times in best.items()}
    return {"pages": len(trees), "repeats": repeats,
            "ms_per_page": {name: round(value, 3) for name, value in ms.items()},
            "ratio_to_reference": {name: round(value / ms[REFERENCE], 3)
                                   for name, value in ms.items()}}


def print_profile(result: dict[str, Any]) -> None:
    print(f"  cost per page ({result['pages']} pages, best of {result['repeats']}, CPU time in"
          " one process; ratio to one bare_extraction(with_metadata=True) call):")
    for name, ms in result["ms_per_page"].items():
        print(f"    {ms:8.2f} ms  {result['ratio_to_reference'][name]:6.3f}x  {name}")
