"""A crawl's JSONL items mapped back to the corpus pages they came from, and scored."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from bench.quality.report import ITEM_FIELDS, build_report
from bench.scoring import CorpusPage


def _url_key(url: str) -> str:
    parts = urlsplit(url.strip())
    host = parts.netloc.lower().removeprefix("www.")
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not k.lower().startswith("utm_") and k.lower() != "srcref"))
    return f"{host}{parts.path.rstrip('/')}?{query}"


def _path_key(url: str) -> str:
    return urlsplit(url.strip()).path.rstrip("/")


def match_items(items: list[dict], corpus: list[CorpusPage],
                page_ids: dict[str, str] | None = None) -> dict[str, Any]:
    """Corpus page id -> first item whose url (or canonical_url) is that page's URL.

    ``page_ids`` (URL -> page id: where a simulated web served each page) is asked first; then
    the exact URL (host without www, tracking parameters and trailing slash ignored), else the
    same path when only one corpus page has it (a simulated web serves the pages under its own
    host).
    """
    by_url = {_url_key(page.url): page.id for page in corpus}
    by_url.update({_url_key(url): page_id for url, page_id in (page_ids or {}).items()})
    by_path: dict[str, list[str]] = {}
    for page in corpus:
        by_path.setdefault(_path_key(page.url), []).append(page.id)
    matched: dict[str, dict] = {}
    unmatched, duplicates = [], 0
    for item in items:
        urls = [u for u in (item.get("url"), item.get("canonical_url")) if isinstance(u, str)]
        page_id = next((by_url[_url_key(u)] for u in urls if _url_key(u) in by_url), None)
        if page_id is None:
            page_id = next((by_path[_path_key(u)][0] for u in urls
                            if len(by_path.get(_path_key(u), ())) == 1), None)
        if page_id is None:
            unmatched.append(urls[0] if urls else None)
        elif page_id in matched:
            duplicates += 1
        else:
            matched[page_id] = item
    return {"matched": matched, "unmatched": unmatched, "duplicates": duplicates}


def score_items(items: list[dict], corpus: list[CorpusPage],
                page_ids: dict[str, str] | None = None,
                references: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Report on crawled JSONL items (dicts of the Article schema) mapped back to ``corpus``."""
    matching = match_items(items, corpus, page_ids)
    rows = matching["matched"]
    report = build_report(corpus, rows, mode="end-to-end", references=references,
                          fields=ITEM_FIELDS)
    found = set(rows)
    report["items"] = len(items)
    report["unmatched_items"] = matching["unmatched"]
    report["duplicate_items"] = matching["duplicates"]
    report["missing_pages"] = [page.url for page in corpus if page.id not in found]
    report["text_source"] = dict(Counter(str(row.get("text_source", "page"))
                                         for row in rows.values()))
    return report


def load_items(path: str | Path) -> list[dict]:
    items = []
    # split on "\n" only: str.splitlines() would also split inside a JSON string at U+2028...
    for line in Path(path).read_text(encoding="utf-8").split("\n"):
        if line.strip():
            items.append(json.loads(line))
    return items
