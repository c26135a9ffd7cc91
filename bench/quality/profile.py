"""What one worker spends on a page, component by component, against one plain
``trafilatura.bare_extraction(html, with_metadata=True)`` call on the same page.

Every component is timed on its own (CPU time, ``time.process_time``) in THIS one process, page
by page and interleaved with the reference and with ``extract()`` itself, so that the noise of a
shared machine hits them alike; each keeps the best of ``repeats`` runs. The second opinion
(the articleBody rule, trafilatura's escalation check with its page measure and the balanced
pass where they run) is the difference between ``extract()`` and ``extract()`` without it.
"""

from __future__ import annotations

import pickle
import sys
import time
from collections.abc import Callable
from copy import copy
from dataclasses import replace
from typing import Any

from bench.quality.corpora import Corpus
from bench.scoring import CorpusPage
from newscrawler.extraction import metadata
from newscrawler.extraction import page as page_module
from newscrawler.extraction.decoding import decode_html, parse_html
from newscrawler.extraction.linked_data import linked_data
from newscrawler.extraction.page import DEFAULT_OPTIONS, extract
from newscrawler.utils.text import normalize_text

# (key, label) in the order a worker meets them; "extract" and "reference" are the totals
COMPONENTS = (
    ("decode", "decoding (bytes -> str)"),
    ("parse", "parsing (lxml, once)"),
    ("lookups", "our lookups (JSON-LD parse, lang, canonical, stated date, og:title)"),
    ("metadata", "read_metadata (trafilatura's parts, htmldate only where unknown)"),
    ("drop", "dropping what no text pass reads (scripts, styles, meta, link)"),
    ("copy", "tree copy (bare_extraction copies a tree it is given)"),
    ("text", "text pass (trafilatura, precision, no metadata)"),
    ("second_opinion", "second opinion (rule, page measure, balanced pass where run)"),
    ("language", "language identification (py3langid)"),
    ("cleanup", "plain tables, text normalisation"),
    ("pickle", "pickling the result (worker -> spider)"),
)


def run_profile(corpora: list[Corpus], repeats: int = 2) -> dict[str, Any]:
    """Per corpus: ms/page of each component, of extract() (+ pickling) and of the reference."""
    return {"repeats": repeats,
            "corpora": {c.name: profile_pages(c.pages, repeats) for c in corpora}}


def profile_pages(pages: list[CorpusPage], repeats: int) -> dict[str, Any]:
    second_passes = _count_second_passes(pages)
    best: dict[str, list[float]] = {}
    for _ in range(max(repeats, 1)):
        for i, page in enumerate(pages):
            for key, step in _steps(page):
                start = time.process_time()
                done = step()
                elapsed = (time.process_time() - start) * 1000
                if done is False:   # the page is no HTML document: nothing more to time
                    break
                row = best.setdefault(key, [float("inf")] * len(pages))
                row[i] = min(row[i], elapsed)
    n = len(pages)

    def ms(key: str) -> float:
        return sum(v for v in best.get(key, []) if v != float("inf")) / n

    parts = {
        "decode": ms("decode"), "parse": ms("parse"), "lookups": ms("lookups"),
        "metadata": ms("metadata"), "drop": ms("drop"),
        "copy": ms("copy"), "text": ms("text_with_copy") - ms("copy"),
        "second_opinion": max(ms("extract") - ms("without_second"), 0.0),
        "language": ms("language"), "cleanup": ms("cleanup"), "pickle": ms("pickle"),
    }
    total = ms("extract") + ms("pickle")
    return {"pages": n, "ms_per_page": {k: round(v, 2) for k, v in parts.items()},
            "sum_of_parts": round(sum(parts.values()), 2),
            "extract_plus_pickle": round(total, 2), "reference": round(ms("reference"), 2),
            "ratio": round(total / ms("reference"), 3) if ms("reference") else None,
            "second_passes": second_passes}


def _steps(page: CorpusPage) -> list[tuple[str, Callable[[], Any]]]:
    """The timed steps of one page, in order; a step returning False ends the page."""
    import trafilatura

    state: dict[str, Any] = {}

    def run_extract() -> None:
        state["fields"] = extract(page.html, page.url)

    def decode() -> None:
        state["text_in"] = decode_html(page.html)

    def parse() -> bool:
        state["tree"] = parse_html(state["text_in"])
        return state["tree"] is not None

    def lookups() -> None:
        tree = state["tree"]
        state["linked"] = linked = linked_data(tree)
        metadata.declared_language(tree)
        metadata.canonical_url(tree, page.url)
        state["stated_date"] = metadata.stated_publication_date(tree, linked)
        state["og_title"] = metadata.meta_content(tree, ".//meta[@property='og:title'][@content]")

    def text_pass() -> None:
        state["raw"] = page_module._bare_extraction(state["tree"], page.url, DEFAULT_OPTIONS)

    def cleanup() -> None:
        normalize_text(page_module._plain_tables(getattr(state["raw"], "text", None) or ""))

    return [
        ("reference", lambda: trafilatura.bare_extraction(page.html, url=page.url,
                                                          with_metadata=True)),
        ("extract", run_extract),
        ("without_second", lambda: extract(page.html, page.url, options=_WITHOUT_SECOND)),
        ("pickle", lambda: pickle.loads(pickle.dumps(state["fields"], pickle.HIGHEST_PROTOCOL))),
        ("language", lambda: metadata.language(state["fields"].text, None)),
        ("decode", decode),
        ("parse", parse),
        ("lookups", lookups),
        ("metadata", lambda: metadata.read_metadata(
            state["tree"], state["linked"], page.url, og_title=state["og_title"],
            stated_date=state["stated_date"])),
        ("drop", lambda: page_module._drop_unread_markup(state["tree"])),
        ("copy", lambda: copy(state["tree"])),
        ("text_with_copy", text_pass),
        ("cleanup", cleanup),
    ]


_WITHOUT_SECOND = replace(DEFAULT_OPTIONS, precision_fallback=False)


def _count_second_passes(pages: list[CorpusPage]) -> int:
    """On how many pages extract() ran the balanced pass (counted around its one caller)."""
    original = page_module._balanced_text
    calls = 0

    def counted(*args: Any, **kwargs: Any) -> str:
        nonlocal calls
        calls += 1
        return original(*args, **kwargs)

    page_module._balanced_text = counted
    try:
        for page in pages:
            extract(page.html, page.url)
    finally:
        page_module._balanced_text = original
    return calls


def print_profile(profile: dict[str, Any], out: Any = None) -> None:
    w = (out or sys.stdout).write
    for name, p in profile["corpora"].items():
        w(f"\n== a worker's CPU per page, {name}: {p['pages']} pages, ms/page (best of "
          f"{profile['repeats']}, one process, interleaved) ==\n")
        for key, label in COMPONENTS:
            w(f"  {label:58s}{p['ms_per_page'][key]:8.2f}\n")
        w(f"  {'sum of the parts':58s}{p['sum_of_parts']:8.2f}\n")
        w(f"  {'extract() + pickling, measured whole':58s}{p['extract_plus_pickle']:8.2f}\n")
        w(f"  {'trafilatura.bare_extraction(html, with_metadata=True)':58s}"
          f"{p['reference']:8.2f}\n")
        w(f"  ratio extract()+pickling / bare_extraction: {p['ratio']:.3f} (target <= 1.0); "
          f"balanced second pass ran on {p['second_passes']} of {p['pages']} pages\n")
