"""The crawl's items scored side by side with extract() and trafilatura on the same pages."""

from __future__ import annotations

import re
from typing import Any

from bench.quality.crawl import CRAWL_SETTINGS, Crawl
from bench.quality.diagnosis import diagnose
from bench.quality.items import match_items, score_items
from bench.quality.report import score_dict, words
from bench.scoring import CorpusPage, Score, mean_scores, score

COLUMNS = {"crawl": "crawl (end to end)", "extract_direct": "extract() direct",
           "trafilatura_defaults": "trafilatura (include_comments=False)"}
BELOW_PLAIN = 0.02   # the margin under plain trafilatura


def end_to_end_report(pages: list[CorpusPage], crawl: Crawl,
                      direct: list[dict]) -> dict[str, Any]:
    """The crawl's items scored side by side with extract() and trafilatura on the same pages.

    ``direct`` is :func:`bench.quality.direct.direct_results` (per page: our extract() fields,
    plain trafilatura's text, the page's reference markup). Means are over ALL corpus pages (a
    page the crawl did not write counts as F1 0).
    """
    by_direct = {r["id"]: r for r in direct}
    references = {r["id"]: r["reference"] for r in direct}
    items_report = score_items(crawl.items, pages, crawl.page_ids, references)
    rows = match_items(crawl.items, pages, crawl.page_ids)["matched"]
    per_page = []
    for page in pages:
        item = rows.get(page.id)
        result = by_direct[page.id]
        crawl_text = item.get("text") if item else None
        direct_text = result["ours"]["text"]
        scores = {"crawl": score(crawl_text, page.truth),
                  "extract_direct": score(direct_text, page.truth),
                  "trafilatura_defaults": score(result["direct_text"], page.truth)}
        served = crawl.served.get(page.id, {})
        entry = {"id": page.id, "url": page.url, "served_url": served.get("url"),
                 "content_type": served.get("content_type"),
                 "header_charset": served.get("header_charset"), "found": item is not None,
                 "text_source": item.get("text_source") if item else None,
                 **{name: score_dict(s) for name, s in scores.items()}}
        delta = scores["crawl"].f1 - scores["extract_direct"].f1
        entry["crawl_minus_direct_f1"] = round(delta, 4)
        entry["same_tokens_as_direct"] = words(crawl_text) == words(direct_text)
        if not entry["same_tokens_as_direct"]:
            entry["difference"] = explain_difference(item, direct_text)
        per_page.append(entry)

    def mean(name: str, chosen: list[dict] = per_page) -> dict[str, float]:
        return score_dict(mean_scores([Score(**p[name]) for p in chosen])) if chosen else {}

    columns = {label: mean(name) for name, label in COLUMNS.items()}
    below = [p for p in per_page if p["crawl"]["f1"] < p["extract_direct"]["f1"] - 1e-9]
    above = [p for p in per_page if p["crawl"]["f1"] > p["extract_direct"]["f1"] + 1e-9]
    worst = min((p["crawl_minus_direct_f1"] for p in per_page), default=0.0)
    crawl_f1, direct_f1 = columns[COLUMNS["crawl"]]["f1"], columns[COLUMNS["extract_direct"]]["f1"]
    below_plain = {name: listed_below_plain(per_page, name, pages, rows, by_direct)
                   for name in ("crawl", "extract_direct")}
    by_header = {}
    for kind in dict.fromkeys(p["header_charset"] for p in per_page if p["header_charset"]):
        chosen = [p for p in per_page if p["header_charset"] == kind]
        by_header[kind] = {"pages": len(chosen), "crawl_f1": mean("crawl", chosen)["f1"],
                           "direct_f1": mean("extract_direct", chosen)["f1"],
                           "pages_below_direct": sum(p in below for p in chosen)}

    def listed(chosen: list[dict]) -> list[dict]:
        return [{"id": p["id"], "url": p["url"], "crawl_f1": p["crawl"]["f1"],
                 "direct_f1": p["extract_direct"]["f1"], "delta": p["crawl_minus_direct_f1"],
                 "cause": p.get("difference", "same tokens")}
                for p in sorted(chosen, key=lambda p: p["crawl_minus_direct_f1"])]

    return {
        "mode": "end-to-end",
        "pages": len(pages),
        "columns": columns,
        "crawl": {"command": "python -m scrapy crawl feeds -a feeds=LIST "
                             + " ".join(f"-s {k}={v}" for k, v in CRAWL_SETTINGS.items()),
                  "returncode": crawl.returncode, "seconds": crawl.seconds,
                  "summary": crawl.summary},
        "feeds": crawl.feeds,
        "items": items_report["items"],
        "pages_with_row": items_report["pages_with_row"],
        "unmatched_items": items_report["unmatched_items"],
        "duplicate_items": items_report["duplicate_items"],
        "missing_pages": items_report["missing_pages"],
        "text_source": items_report["text_source"],
        "crawl_matched_pages": items_report["ours"],
        "crawl_vs_direct": {"same_tokens": sum(p["same_tokens_as_direct"] for p in per_page),
                            "pages_below": listed(below), "pages_above": listed(above),
                            "worst_delta_f1": round(worst, 4),
                            "by_header_charset": by_header},
        "below_plain": below_plain,
        "targets": {"crawl_mean_f1_at_least_direct": crawl_f1 >= direct_f1,
                    "crawl_mean_f1_at_least_0.96": crawl_f1 >= 0.96,
                    "no_page_more_than_0.02_below_direct": worst >= -0.02},
        "lowest": items_report["lowest"],
        "metadata_presence": items_report["metadata_presence"],
        "agreement": items_report["agreement"],
        "language_check": language_check(rows, references),
        "per_page": per_page,
    }


def listed_below_plain(per_page: list[dict], name: str, pages: list[CorpusPage],
                       items: dict[str, dict], by_direct: dict[str, dict]) -> list[dict]:
    """The pages where column ``name`` is more than :data:`BELOW_PLAIN` F1 under plain
    trafilatura, lowest first, with the reason: where the tokens we lost or added live
    (:func:`diagnose`), and what the page stated as its article body."""
    by_id = {page.id: page for page in pages}
    below = [p for p in per_page
             if p[name]["f1"] < p["trafilatura_defaults"]["f1"] - BELOW_PLAIN]
    below.sort(key=lambda p: p[name]["f1"] - p["trafilatura_defaults"]["f1"])
    listed = []
    for p in below:
        result = by_direct[p["id"]]
        text = (items.get(p["id"]) or {}).get("text") if name == "crawl" else \
            result["ours"]["text"]
        stated = result.get("declared_body") or "no articleBody stated: the length rule decided"
        listed.append({"id": p["id"], "url": p["url"], "f1": p[name]["f1"],
                       "plain_f1": p["trafilatura_defaults"]["f1"],
                       "delta": round(p[name]["f1"] - p["trafilatura_defaults"]["f1"], 4),
                       "reason": f"{diagnose(by_id[p['id']], text)}; {stated}"})
    return listed


def explain_difference(item: dict | None, direct_text: str | None) -> str:
    """Why the crawl's text of a page differs from extract()'s on the same HTML."""
    if item is None:
        return "not written by the crawl (page failed or text empty; see the crawl's summary)"
    text = item.get("text") or ""
    if item.get("text_source") == "feed":
        return "the feed's text was chosen over the page's (choose_text)"
    if re.search("[\ufffd\x80-\x9f]", text) and not re.search("[\ufffd\x80-\x9f]",
                                                              direct_text or ""):
        return "decoding: U+FFFD or C1 control characters (a charset taken from the header?)"
    first, _, rest = (direct_text or "").partition("\n\n")
    if rest and words(text) == words(rest):
        return f"the headline at the top of the text was dropped ({first[:50]!r})"
    missing = words(direct_text) - words(text)
    extra = words(text) - words(direct_text)
    return (f"{sum(missing.values())} tokens missing (e.g. {' '.join(list(missing)[:5])!r}), "
            f"{sum(extra.values())} extra (e.g. {' '.join(list(extra)[:5])!r})")


def language_check(rows: dict[str, dict], references: dict[str, dict[str, Any]]) -> dict:
    """"Declared languages lie; where text and declaration disagree, the text wins": on the
    crawled items whose <html lang> differs from the language of their text (py3langid on the
    item's text of >= 200 characters), which one the item's ``language`` says."""
    import py3langid

    pages = text_wins = declared_wins = 0
    cases = []
    for pid, row in rows.items():
        declared = (references.get(pid) or {}).get("lang")
        text = row.get("text") or ""
        if not declared or len(text) < 200:
            continue
        detected, _ = py3langid.classify(text[:5000])
        if detected == declared:
            continue
        pages += 1
        text_wins += row.get("language") == detected
        declared_wins += row.get("language") == declared
        cases.append({"id": pid, "declared": declared, "text": detected,
                      "item": row.get("language")})
    return {"pages_where_text_and_declaration_differ": pages, "item_says_text": text_wins,
            "item_says_declared": declared_wins, "cases": cases}
