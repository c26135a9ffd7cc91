#!/usr/bin/env python
"""Extraction quality against the article-body corpus (``../shared/corpus/zyte`` by default).

    python bench/quality.py [--corpus DIR] [--direct-only] [--options-grid] [--items FILE.jsonl]
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
output, matched to the corpus by URL (:func:`score_items`).

Without the corpus folder the script prints "skipped" and exits 0 (a clone without the data).
It exits 1 when the crawl fails (its log's tail goes to stderr).
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import pickle
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.scoring import CorpusPage, Score, load_corpus, mean_scores, score, tokens  # noqa: E402
from newscrawler.extraction.page import (  # noqa: E402
    DEFAULT_OPTIONS,
    ExtractOptions,
    PageFields,
    extract,
    looks_script_rendered,
)
from newscrawler.utils.dates import to_utc_iso  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "zyte"
RESULTS_DIR = REPO / "bench" / "results"
WORKERS = 2
LOWEST = 5
METADATA_FIELDS = ("title", "published", "authors", "language", "description", "image",
                   "canonical_url", "site_name", "tags")
# the same for crawled items (newscrawler.items.Article): summary is the feed's or description
ITEM_FIELDS = ("title", "published", "authors", "language", "summary", "image", "tags")


def _quiet_logs() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in ("trafilatura", "htmldate", "charset_normalizer", "readability", "justext"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


# --- what the HTML states in standard places (independent of newscrawler.extraction.page) --------


def page_reference(html: bytes | str) -> dict[str, Any]:
    """Date, titles and declared language as the page's standard markup states them."""
    import lxml.html
    from w3lib.encoding import html_to_unicode

    ref: dict[str, Any] = {"date": None, "date_source": None, "og_title": None,
                           "title": None, "lang": None}
    if isinstance(html, bytes):
        html = html_to_unicode(None, html)[1]  # as Scrapy decodes a page without a charset header
    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, TypeError, lxml.etree.ParserError):
        return ref
    for source, value in _reference_dates(tree):
        iso = to_utc_iso(value)
        if iso and iso >= "1995":  # CMS placeholders like 0001-01-01 are no statement
            ref["date"], ref["date_source"] = value, source
            break
    og = tree.find(".//meta[@property='og:title']")
    if og is not None and (og.get("content") or "").strip():
        ref["og_title"] = og.get("content").strip()
    title = tree.find(".//title")
    if title is not None and (title.text_content() or "").strip():
        ref["title"] = title.text_content().strip()
    root = tree.getroottree().getroot()
    lang = (root.get("lang") or "").strip().lower()
    if lang:
        ref["lang"] = re.split(r"[-_]", lang)[0]
    return ref


def _reference_dates(tree: Any) -> Iterable[tuple[str, str]]:
    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(reversed(node))
            elif isinstance(node, dict):
                if isinstance(node.get("datePublished"), str):
                    yield "JSON-LD datePublished", node["datePublished"]
                stack.extend(v for v in node.values() if isinstance(v, (list, dict)))
    for meta in tree.iterfind(".//meta[@property='article:published_time']"):
        yield "article:published_time", meta.get("content") or ""
    for element in tree.iterfind(".//time[@datetime]"):
        yield "<time datetime>", element.get("datetime") or ""


def _norm_title(value: str | None) -> str:
    value = unicodedata.normalize("NFKC", value or "").casefold()
    value = value.translate(str.maketrans("\u2018\u2019\u201c\u201d\u2013\u2014", "''\"\"--"))
    return " ".join(re.sub(r"[^\w\s]", " ", value).split())


def title_agrees(ours: str | None, reference: str | None) -> bool:
    """Same title after normalisation; a <title> may add the site name around it."""
    a, b = _norm_title(ours), _norm_title(reference)
    if not a or not b:
        return False
    return a == b or (len(a) >= 10 and (b.startswith(a) or b.endswith(a)))


# --- per-page work (pool workers) ------------------------------------------------------------

_PAGES: list[CorpusPage] = []


def _init_worker(corpus: str) -> None:
    global _PAGES
    _quiet_logs()
    _PAGES = load_corpus(corpus)


def _as_row(fields: PageFields) -> dict[str, Any]:
    row = asdict(fields)
    row["authors"], row["tags"] = list(fields.authors), list(fields.tags)
    return row


def _words(text: str | None) -> Counter:
    """Tokens without table markup ("|", "|---|"), which our plain-text tables drop."""
    return Counter(t for t in tokens(text) if t.strip("|-"))


def _direct_task(index: int) -> dict[str, Any]:
    import trafilatura

    page = _PAGES[index]
    fields = extract(page.html, page.url)
    options = {"url": page.url, "include_comments": DEFAULT_OPTIONS.include_comments,
               "favor_recall": DEFAULT_OPTIONS.favor_recall, "fast": DEFAULT_OPTIONS.fast,
               "include_tables": DEFAULT_OPTIONS.include_tables}
    ours = _words(fields.text)
    same = _words(trafilatura.extract(page.html, favor_precision=DEFAULT_OPTIONS.favor_precision,
                                      **options)) == ours
    via_fallback = False
    if not same and DEFAULT_OPTIONS.favor_precision and DEFAULT_OPTIONS.precision_fallback:
        # the precision fallback may have taken the balanced mode's text
        via_fallback = _words(trafilatura.extract(page.html, **options)) == ours
    return {
        "id": page.id,
        "direct_text": trafilatura.extract(page.html),
        "same_options_tokens_equal": same or via_fallback,
        "balanced_fallback": via_fallback,
        "ours": _as_row(fields),
        "script_rendered": looks_script_rendered(page.html, fields.text),
        "reference": page_reference(page.html),
    }


# --- reports ---------------------------------------------------------------------------------


def _score_dict(s: Score) -> dict[str, float]:
    return {"precision": round(s.precision, 4), "recall": round(s.recall, 4), "f1": round(s.f1, 4)}


def build_report(
    corpus: list[CorpusPage],
    rows: dict[str, dict[str, Any]],
    *,
    mode: str,
    direct_texts: dict[str, str | None] | None = None,
    references: dict[str, dict[str, Any]] | None = None,
    fields: tuple[str, ...] = METADATA_FIELDS,
) -> dict[str, Any]:
    """Scores and metadata figures of ``rows`` (page id -> item-like dict) against ``corpus``.

    Pages without a row count as empty text (F1 0) in ``ours_all``; ``ours`` covers the pages
    that have a row. ``references`` (page id -> :func:`page_reference`) is computed if absent.
    """
    by_id = {page.id: page for page in corpus}
    references = references or {pid: page_reference(by_id[pid].html) for pid in rows}
    per_page = []
    for page in corpus:
        row = rows.get(page.id)
        ours = score(row.get("text") if row else None, page.truth)
        entry = {"id": page.id, "url": page.url, "found": row is not None,
                 **{f"ours_{k}": v for k, v in _score_dict(ours).items()}}
        if direct_texts is not None:
            direct = score(direct_texts.get(page.id), page.truth)
            entry.update({f"direct_{k}": v for k, v in _score_dict(direct).items()})
        per_page.append(entry)

    def mean(prefix: str, only_found: bool) -> dict[str, float]:
        chosen = [p for p in per_page if p["found"] or not only_found]
        return _score_dict(mean_scores([
            Score(p[f"{prefix}_precision"], p[f"{prefix}_recall"], p[f"{prefix}_f1"])
            for p in chosen
        ]))

    report: dict[str, Any] = {
        "mode": mode,
        "pages": len(corpus),
        "pages_with_row": len(rows),
        "ours": mean("ours", only_found=True),
        "ours_all": mean("ours", only_found=False),
    }
    if direct_texts is not None:
        report["direct"] = mean("direct", only_found=False)
    lowest = sorted((p for p in per_page if p["found"]), key=lambda p: p["ours_f1"])[:LOWEST]
    report["lowest"] = [
        {"id": p["id"], "url": p["url"], "f1": p["ours_f1"], "precision": p["ours_precision"],
         "recall": p["ours_recall"],
         "reason": diagnose(by_id[p["id"]], rows[p["id"]].get("text"))}
        for p in lowest
    ]
    report["metadata_presence"] = {
        field: round(sum(bool(row.get(field)) for row in rows.values()) / max(len(rows), 1), 4)
        for field in fields
    }
    report["agreement"] = agreement(rows, references)
    report["per_page"] = per_page
    return report


def agreement(rows: dict[str, dict[str, Any]], references: dict[str, dict[str, Any]]) -> dict:
    """Our metadata against the page's standard markup, on the pages that have that markup."""
    date_total = date_same = 0
    by_source: dict[str, list[int]] = {}
    date_misses, lang_differs = [], []
    og_total = og_same = title_total = title_same = 0
    lang_total = lang_same = 0
    for pid, row in rows.items():
        ref = references.get(pid) or {}
        ref_iso = to_utc_iso(ref.get("date"))
        if ref_iso and ref_iso >= "1995":
            date_total += 1
            same = bool(row.get("published")) and row["published"][:10] == ref_iso[:10]
            date_same += same
            counts = by_source.setdefault(ref["date_source"], [0, 0])
            counts[0] += 1
            counts[1] += same
            if not same:
                date_misses.append({"id": pid, "reference": ref["date"],
                                    "source": ref["date_source"], "ours": row.get("published")})
        if ref.get("og_title"):
            og_total += 1
            og_same += title_agrees(row.get("title"), ref["og_title"])
        if ref.get("og_title") or ref.get("title"):
            title_total += 1
            title_same += title_agrees(row.get("title"), ref.get("og_title")) or title_agrees(
                row.get("title"), ref.get("title"))
        if ref.get("lang"):
            lang_total += 1
            if row.get("language") == ref["lang"]:
                lang_same += 1
            else:
                lang_differs.append({"id": pid, "declared": ref["lang"],
                                     "ours": row.get("language")})

    def rate(same: int, total: int) -> float | None:
        return round(same / total, 4) if total else None

    return {
        "date_same_day_utc": {"pages": date_total, "rate": rate(date_same, date_total),
                              "by_source": {k: {"pages": v[0], "rate": rate(v[1], v[0])}
                                            for k, v in sorted(by_source.items())},
                              "disagreements": date_misses},
        "title_same_as_og_title": {"pages": og_total, "rate": rate(og_same, og_total)},
        "title_same_as_og_or_title_tag": {"pages": title_total,
                                          "rate": rate(title_same, title_total)},
        "language_same_as_html_lang": {"pages": lang_total, "rate": rate(lang_same, lang_total),
                                       "detected_otherwise": lang_differs},
    }


_NOISE_CLASSES = {
    "related/recommended links": re.compile(r"related|recommend|more-|read-?more|trending|popular|outbrain|taboola", re.I),  # noqa: E501
    "newsletter/subscription box": re.compile(r"newsletter|subscri|signup|sign-up|promo", re.I),
    "share/social widgets": re.compile(r"share|social|follow", re.I),
    "author bio/byline": re.compile(r"author|byline|bio\b|contributor", re.I),
    "photo captions/credits": re.compile(r"caption|credit|figure|photo", re.I),
    "comments": re.compile(r"comment|disqus|respond", re.I),
    "tags/breadcrumbs/nav": re.compile(r"tag|breadcrumb|nav|menu|footer|sidebar", re.I),
}


_HIDDEN_XPATH = (
    ".//*[@hidden or @aria-hidden='true' or contains(@style,'display:none')"
    " or contains(@style,'display: none') or contains(@class,'hide') or contains(@class,'hidden')"
    " or contains(@class,'scrim') or contains(@class,'overlay') or contains(@class,'paywall')"
    " or contains(@class,'modal')]"
)


def diagnose(page: CorpusPage, predicted: str | None) -> str:
    """A short, automatic guess at why a page scores low (where its lost tokens live)."""
    import lxml.html

    s = score(predicted, page.truth)
    if s.f1 >= 0.98:
        return "no notable loss"
    if not tokens(predicted):
        shell = looks_script_rendered(page.html, predicted)
        return "nothing extracted" + (" (page looks script-rendered)" if shell else "")
    try:
        tree = lxml.html.fromstring(page.html)
    except (ValueError, lxml.etree.ParserError):
        return f"unparsable page (P={s.precision:.2f} R={s.recall:.2f})"
    for bad in tree.iter("script", "style", "noscript", "template"):
        bad.drop_tree()
    pred, gold = Counter(tokens(predicted)), Counter(tokens(page.truth))
    if 1 - s.recall >= 1 - s.precision:
        missing = gold - pred
        visible = Counter(tokens(tree.text_content()))
        share_invisible = sum((missing - visible).values()) / max(sum(missing.values()), 1)
        if share_invisible > 0.5:
            return (f"ground truth text not in the page's visible HTML (scripts/JSON or loaded "
                    f"later) (R={s.recall:.2f})")
        hidden = Counter()
        for element in tree.xpath(_HIDDEN_XPATH):
            hidden.update(tokens(element.text_content()))
        if sum((missing & hidden).values()) > 0.5 * sum(missing.values()):
            return (f"ground truth sits in a hidden overlay/paywall element (R={s.recall:.2f})")
        for label, xpath in (("ground truth includes photo captions", ".//figcaption|.//caption"
                              "|.//*[contains(@class,'caption')]"),
                             ("missed table content", ".//table"),
                             ("missed list items", ".//li"),
                             ("missed headings/subheadings", ".//h2|.//h3|.//h4"),
                             ("missed quotes/embeds", ".//blockquote")):
            found = Counter()
            for element in tree.xpath(xpath):
                found.update(tokens(element.text_content()))
            if sum((missing & found).values()) > 0.4 * sum(missing.values()):
                return f"{label} (R={s.recall:.2f})"
        paragraphs = [x for x in page.truth.split("\n\n") if x.strip()]
        lost = [x for x in paragraphs if x.strip()[:40] not in (predicted or "")]
        return (f"missed {len(lost)} of {len(paragraphs)} ground-truth paragraphs, plain body "
                f"text (body split over several containers?) (R={s.recall:.2f})")
    extra = pred - gold
    best, best_share = "", 0.0
    for label, matches in _NOISE_GROUPS:
        found = Counter()
        for element in tree.iter():
            if not isinstance(element.tag, str) or not matches(element):
                continue
            words = Counter(tokens(element.text_content()))
            # a container of the article itself says nothing about where the extra text is
            if sum((words & gold).values()) <= 0.3 * sum(gold.values()):
                found.update(words)
        share = sum((extra & found).values()) / max(sum(extra.values()), 1)
        if share > best_share:
            best, best_share = label, share
    if best_share > 0.4:
        return f"kept {best} (P={s.precision:.2f})"
    example = next((x for x in (predicted or "").split("\n\n")
                    if x.strip() and x.strip()[:40] not in page.truth), "")
    example = f', e.g. "{example[:60]}"' if example else ""
    return f"text beyond the ground truth's article body{example} (P={s.precision:.2f})"


def _class_matcher(pattern: str) -> Any:
    regex = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern, re.IGNORECASE)
    return lambda el: bool(regex.search(f"{el.get('class', '')} {el.get('id', '')}"))


_NOISE_GROUPS = [
    ("headline/dateline (not in the ground truth)",
     lambda el: el.tag in ("h1", "time") or "date" in (el.get("class") or "").lower()),
    *((label, _class_matcher(pattern)) for label, pattern in _NOISE_CLASSES.items()),
]


# --- end to end ------------------------------------------------------------------------------


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


# --- printing --------------------------------------------------------------------------------


def _fmt(s: dict[str, float]) -> str:
    return f"P={s['precision']:.3f} R={s['recall']:.3f} F1={s['f1']:.3f}"


def print_report(report: dict[str, Any], out: Any = None) -> None:
    out = out or sys.stdout
    w = out.write
    w(f"\n== extraction quality ({report['mode']}): {report['pages']} corpus pages, "
      f"{report['pages_with_row']} with a result ==\n")
    if "direct" in report:
        w(f"  {'':34s}{'precision':>10s}{'recall':>10s}{'F1':>10s}\n")
        for label, key in (("trafilatura.extract(html) defaults", "direct"),
                           ("newscrawler extract()", "ours")):
            s = report[key]
            w(f"  {label:34s}{s['precision']:10.3f}{s['recall']:10.3f}{s['f1']:10.3f}\n")
    else:
        w(f"  matched pages: {_fmt(report['ours'])}\n")
        w(f"  all corpus pages (missing = 0): {_fmt(report['ours_all'])}\n")
    if "items" in report:
        w(f"  items: {report['items']}, unmatched: {len(report['unmatched_items'])}, "
          f"duplicates: {report['duplicate_items']}, pages never crawled: "
          f"{len(report['missing_pages'])}, text_source: {report['text_source']}\n")
    if "tokens_same_as_trafilatura_txt" in report:
        t = report["tokens_same_as_trafilatura_txt"]
        w(f"  paragraph joining: token multiset identical to trafilatura's txt output (same "
          f"options) on {t['same']}/{t['pages']} pages ({t.get('balanced_fallback', 0)} of them "
          f"through the precision fallback's balanced text)\n")
    if "script_rendered_pages" in report:
        w(f"  pages judged script-rendered: {len(report['script_rendered_pages'])}\n")
    _print_pages_and_metadata(report, w)


def _print_pages_and_metadata(report: dict[str, Any], w: Any, what: str = "") -> None:
    """The lowest pages with their reasons, metadata presence and agreement, timing."""
    w(f"\n  {LOWEST} lowest pages{what}:\n")
    for p in report["lowest"]:
        w(f"    F1={p['f1']:.3f} P={p['precision']:.3f} R={p['recall']:.3f}  "
          f"{p['url'][:70]}\n      -> {p['reason']}\n")
    w(f"\n  metadata presence{what}: " + ", ".join(
        f"{k} {v:.0%}" for k, v in report["metadata_presence"].items()) + "\n")
    a = report["agreement"]
    d = a["date_same_day_utc"]
    if d["pages"]:
        w(f"  published, same UTC day as the page's markup: {d['rate']:.1%} of {d['pages']} "
          f"pages (" + ", ".join(f"{k} {v['rate']:.0%} of {v['pages']}"
                                 for k, v in d["by_source"].items()) + ")\n")
        for miss in d["disagreements"][:5]:
            w(f"      {miss['source']}: {miss['reference']!r} vs ours {miss['ours']!r}\n")
    for key, label in (("title_same_as_og_title", "title same as og:title"),
                       ("title_same_as_og_or_title_tag", "title same as og:title or <title>")):
        if a[key]["pages"]:
            w(f"  {label}: {a[key]['rate']:.1%} of {a[key]['pages']} pages\n")
    lang = a["language_same_as_html_lang"]
    if lang["pages"]:
        w(f"  language same as <html lang>: {lang['rate']:.1%} of {lang['pages']} pages")
        if lang["detected_otherwise"]:
            w("; detected otherwise: " + ", ".join(
                f"{x['declared']}->{x['ours']}" for x in lang["detected_otherwise"]))
        w("\n")
    if "timing" in report:
        t = report["timing"]
        w(f"\n  extract() in one process: {t['ms_per_page']:.1f} ms/page CPU, best of "
          f"{t['repeats']} "
          f"({t['pages_per_s']:.1f} pages/s; median {t['median_ms']:.1f} ms, "
          f"max {t['max_ms']:.0f} ms)\n")


# --- direct mode -----------------------------------------------------------------------------


def direct_results(corpus_dir: Path, pages: list[CorpusPage], workers: int) -> list[dict]:
    """:func:`_direct_task` on every page, in a pool of ``workers`` processes."""
    with multiprocessing.Pool(workers, initializer=_init_worker,
                              initargs=(str(corpus_dir),)) as pool:
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


def time_variants(pages: list[CorpusPage], variants: list[Variant], repeats: int) -> list[dict]:
    """CPU time per page of each variant, in THIS one process.

    Pages and variants are interleaved (page 1 with every variant, then page 2...) so that the
    noise of a shared machine hits all variants alike, and each (variant, page) keeps the best
    of ``repeats`` runs. One warm-up run per variant first (model loading, regex compiling).
    """
    import trafilatura

    def runner(variant: Variant) -> Any:
        if variant.options is None:
            return lambda i: trafilatura.extract(pages[i].html)
        inputs = [_response_text(p) if variant.as_text else p.html for p in pages]
        options = variant.options
        return lambda i: extract(inputs[i], pages[i].url, options=options)

    runners = [runner(v) for v in variants]
    for run in runners:
        run(0)
    best = [[float("inf")] * len(pages) for _ in variants]
    for _ in range(max(repeats, 1)):
        for i in range(len(pages)):
            for v, run in enumerate(runners):
                start = time.process_time()
                run(i)
                best[v][i] = min(best[v][i], (time.process_time() - start) * 1000)
    results = []
    for times in best:
        total = sum(times)
        results.append({
            "pages": len(times), "repeats": repeats, "ms_per_page": round(total / len(times), 2),
            "pages_per_s": round(1000 * len(times) / total, 2) if total else None,
            "median_ms": round(statistics.median(times), 2), "max_ms": round(max(times), 1),
        })
    return results


def _response_text(page: CorpusPage) -> str:
    """What the spider gets from ``response.text`` (no charset in the HTTP header here)."""
    from scrapy.http import HtmlResponse

    return HtmlResponse(page.url, body=page.html, headers={"Content-Type": "text/html"}).text


# --- options grid ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    name: str
    options: ExtractOptions | None      # None: plain trafilatura.extract(html) with defaults
    as_text: bool = False               # str input (Scrapy's response.text) instead of bytes


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
    variant, page = GRID[variant_index], _PAGES[page_index]
    if variant.options is None:
        text, published = trafilatura.extract(page.html), False
    else:
        html = _response_text(page) if variant.as_text else page.html
        fields = extract(html, page.url, options=variant.options)
        text, published = fields.text, bool(fields.published)
    s = score(text, page.truth)
    return variant_index, page_index, (s.precision, s.recall, s.f1), published


def run_grid(corpus_dir: Path, pages: list[CorpusPage], workers: int,
             repeats: int = 2) -> dict[str, Any]:
    tasks = [(v, p) for v in range(len(GRID)) for p in range(len(pages))]
    with multiprocessing.Pool(workers, initializer=_init_worker,
                              initargs=(str(corpus_dir),)) as pool:
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
            **_score_dict(m),
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


# --- end to end: the real crawl of the corpus, served by the simulated news web ---------------

CRAWL_SETTINGS = {"DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS": "32",
                  "CONCURRENT_REQUESTS_PER_DOMAIN": "8", "LOG_LEVEL": "INFO"}
CRAWL_TIMEOUT = 1800.0
COLUMNS = {"crawl": "crawl (end to end)", "extract_direct": "extract() direct",
           "trafilatura_defaults": "trafilatura.extract() defaults"}
# --header-charset mixed: page i (in id order) is served with HEADER_CHARSETS[i % 3]
HEADER_CHARSETS = ("none", "page's own", "contradicting")
FEED_CONTENTS = ("one RSS 2.0 feed per site; each entry carries link, guid and title (the "
                 "page's own <title>, as corpus_web lists it); no pubDate, no description, no "
                 "content:encoded, so the text of an item can only come from its page")


def true_charset(raw: bytes) -> str | None:
    """The charset the page's bytes are in, where that is known: UTF-8 if they are valid
    UTF-8, else what the page's meta declares (independent of newscrawler.extraction.page)."""
    from w3lib.encoding import html_body_declared_encoding

    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    declared = html_body_declared_encoding(raw)
    return declared if declared and declared != "utf-8" else None


def served_content_type(raw: bytes, kind: str) -> tuple[str, str]:
    """(Content-Type, kind) for a page: "none" as corpus_web serves it (no charset, the page
    declares its own), "page's own" charset (served as "none" where it is not known), or one
    "contradicting" the page (the ISO-8859-1 a server defaults to over a UTF-8 page, the UTF-8
    one claims over a legacy page)."""
    charset = true_charset(raw)
    if kind == "contradicting":
        return f"text/html; charset={'iso-8859-1' if charset == 'utf-8' else 'utf-8'}", kind
    if kind == "page's own" and charset:
        return f"text/html; charset={charset}", kind
    return "text/html", "none"


_UTF8_DECLARATION = re.compile(r"""(charset\s*=\s*["']?)utf-?8""", re.IGNORECASE)


def legacy_copy(corpus_dir: Path, dest: Path) -> Path:
    """A copy of the corpus in windows-1252 bytes with the same text (characters windows-1252
    lacks become ``&#N;``); pages must be UTF-8. Page i's UTF-8 meta declaration is, in turn,
    left claiming UTF-8 (a lie), rewritten to windows-1252, or removed: with --header-charset
    mixed that is no header over a lying meta, the page's own charset over a true meta, and a
    header claiming UTF-8 over a page that declares nothing."""
    import gzip
    import shutil

    (dest / "html").mkdir(parents=True, exist_ok=True)
    shutil.copy(corpus_dir / "ground-truth.json", dest / "ground-truth.json")
    for index, page in enumerate(load_corpus(corpus_dir)):
        text = page.html.decode("utf-8", errors="replace")
        if index % 3:
            replacement = r"\1windows-1252" if index % 3 == 1 else r"\1"
            text = _UTF8_DECLARATION.sub(replacement, text)
        raw = text.encode("cp1252", errors="xmlcharrefreplace")
        (dest / "html" / f"{page.id}.html.gz").write_bytes(gzip.compress(raw, compresslevel=1))
    return dest


@dataclass
class Crawl:
    """What one real crawl of the served corpus gave."""

    items: list[dict]
    page_ids: dict[str, str]           # URL the page was served at -> corpus id
    served: dict[str, dict[str, str]]  # corpus id -> {"url", "content_type", "header_charset"}
    returncode: int | None
    seconds: float
    summary: list[str]                 # the crawl's run summary lines
    log_tail: str
    feeds: dict[str, Any]


def run_crawl(corpus_dir: Path, pages: list[CorpusPage], *, sites: int = 20,
              header_charset: str = "mixed", timeout: float = CRAWL_TIMEOUT) -> Crawl:
    """Serve the corpus with :func:`corpus_web` on loopback and run ``scrapy crawl feeds``
    on its feed list in a subprocess, as a user runs it (temporary STATE_DIR and output)."""
    import subprocess
    import tempfile

    from newscrawler.utils.urls import canonical_url
    from simweb import corpus_web, serve

    web = corpus_web(corpus_dir, sites=sites)
    wanted = {page.id for page in pages}
    feed_count = entries = dated = summarised = 0
    for site in web.sites:
        for feed in site.feeds.values():
            feed_count += 1
            for entry in feed.entries:
                entries += 1
                # content:encoded would be Page.paragraphs, i.e. the ground truth itself
                if entry.include_content:
                    raise RuntimeError("a corpus_web feed entry carries the ground truth")
                page = site.pages.get(entry.path) if entry.site == site.name else None
                dated += bool(entry.published or (page and page.published))
                summarised += entry.summary is not None
    contents = FEED_CONTENTS
    if dated or summarised:  # corpus_web changed: say what the feeds carry now
        contents = (f"one RSS 2.0 feed per site; entries carry link, guid, title; pubDate on "
                    f"{dated}, description on {summarised}; no content:encoded")
    served_pages = sorted(((page.corpus_id, site, path, page) for site in web.sites
                           for path, page in site.pages.items() if page.corpus_id in wanted),
                          key=lambda x: (x[0], x[1].name, x[2]))
    kinds = {}
    for index, (_, site, path, page) in enumerate(served_pages):
        kind = "none" if header_charset == "none" else HEADER_CHARSETS[index % 3]
        page.content_type, kinds[site.name, path] = served_content_type(page.html or b"", kind)
    with tempfile.TemporaryDirectory(prefix="quality-crawl-") as tmp, serve(web) as running:
        work = Path(tmp)
        served = {}
        page_ids = {}
        for cid, site, path, page in served_pages:
            url = canonical_url(running.url(site.name, path))
            page_ids[url] = cid
            served[cid] = {"url": url, "content_type": page.content_type,
                           "header_charset": kinds[site.name, path]}
        feeds = running.write_feed_list(work / "feeds.txt")
        output = work / "items.jsonl"
        command = [sys.executable, "-m", "scrapy", "crawl", "feeds", "-a", f"feeds={feeds}"]
        settings = {**CRAWL_SETTINGS, "STATE_DIR": str(work / "state"),
                    "JSONL_OUTPUT": str(output)}
        for name, value in settings.items():
            command += ["-s", f"{name}={value}"]
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newscrawler.settings"}
        env.pop("SCRAPY_PROJECT", None)
        log_path = work / "crawl.log"
        start = time.perf_counter()
        returncode: int | None
        with log_path.open("w", encoding="utf-8") as log:
            try:
                returncode = subprocess.run(command, cwd=work, env=env, stdout=log,
                                            stderr=subprocess.STDOUT, timeout=timeout,
                                            check=False).returncode
            except subprocess.TimeoutExpired:
                returncode = None
        seconds = time.perf_counter() - start
        log_text = log_path.read_text(encoding="utf-8", errors="replace")
        items = load_items(output) if output.exists() else []
    summary = [line.split("[newscrawler.summary] INFO: ", 1)[1]
               for line in log_text.splitlines() if "[newscrawler.summary] INFO: " in line]
    return Crawl(items=items, page_ids=page_ids, served=served, returncode=returncode,
                 seconds=round(seconds, 1), summary=summary,
                 log_tail="\n".join(log_text.splitlines()[-30:]),
                 feeds={"feeds": feed_count, "entries": entries, "contents": contents,
                        "served_content_types": dict(Counter(
                            v["header_charset"] for v in served.values()))})


def end_to_end_report(pages: list[CorpusPage], crawl: Crawl,
                      direct: list[dict]) -> dict[str, Any]:
    """The crawl's items scored side by side with extract() and trafilatura on the same pages.

    ``direct`` is :func:`direct_results` (per page: our extract() fields, plain trafilatura's
    text, the page's reference markup). Means are over ALL corpus pages (a page the crawl did
    not write counts as F1 0).
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
                 **{name: _score_dict(s) for name, s in scores.items()}}
        delta = scores["crawl"].f1 - scores["extract_direct"].f1
        entry["crawl_minus_direct_f1"] = round(delta, 4)
        entry["same_tokens_as_direct"] = _words(crawl_text) == _words(direct_text)
        if not entry["same_tokens_as_direct"]:
            entry["difference"] = explain_difference(item, direct_text)
        per_page.append(entry)

    def mean(name: str, chosen: list[dict] = per_page) -> dict[str, float]:
        return _score_dict(mean_scores([Score(**p[name]) for p in chosen])) if chosen else {}

    columns = {label: mean(name) for name, label in COLUMNS.items()}
    below = [p for p in per_page if p["crawl"]["f1"] < p["extract_direct"]["f1"] - 1e-9]
    above = [p for p in per_page if p["crawl"]["f1"] > p["extract_direct"]["f1"] + 1e-9]
    worst = min((p["crawl_minus_direct_f1"] for p in per_page), default=0.0)
    crawl_f1, direct_f1 = columns[COLUMNS["crawl"]]["f1"], columns[COLUMNS["extract_direct"]]["f1"]
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
        "targets": {"crawl_mean_f1_at_least_direct": crawl_f1 >= direct_f1,
                    "crawl_mean_f1_at_least_0.96": crawl_f1 >= 0.96,
                    "no_page_more_than_0.02_below_direct": worst >= -0.02},
        "lowest": items_report["lowest"],
        "metadata_presence": items_report["metadata_presence"],
        "agreement": items_report["agreement"],
        "language_check": language_check(rows, references),
        "per_page": per_page,
    }


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
    if rest and _words(text) == _words(rest):
        return f"the headline at the top of the text was dropped ({first[:50]!r})"
    missing = _words(direct_text) - _words(text)
    extra = _words(text) - _words(direct_text)
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


_HEADER_LABELS = {"none": "text/html without charset", "page's own": "the page's own charset",
                  "contradicting": "a charset contradicting the page"}


def print_end_to_end(report: dict[str, Any], direct: dict[str, Any] | None = None,
                     out: Any = None) -> None:
    w = (out or sys.stdout).write
    crawl = report["crawl"]
    w(f"\n== extraction quality, end to end: {report['pages']} corpus pages served by the "
      f"simulated news web, crawled by the real `scrapy crawl feeds` ==\n")
    w(f"  feeds: {report['feeds']['feeds']} ({report['feeds']['entries']} entries): "
      f"{report['feeds']['contents']}\n")
    w("  pages served with Content-Type: " + ", ".join(
        f"{_HEADER_LABELS.get(k, k)} {n}"
        for k, n in report["feeds"]["served_content_types"].items()) + "\n")
    w(f"  crawl: exit status {crawl['returncode']} after {crawl['seconds']:.0f} s; "
      f"items {report['items']}, unmatched {len(report['unmatched_items'])}, "
      f"duplicates {report['duplicate_items']}, pages never crawled "
      f"{len(report['missing_pages'])}, text_source {report['text_source']}\n\n")
    w(f"  {'mean over ' + str(report['pages']) + ' pages':34s}{'precision':>10s}"
      f"{'recall':>10s}{'F1':>10s}\n")
    for label, s in report["columns"].items():
        w(f"  {label:34s}{s['precision']:10.3f}{s['recall']:10.3f}{s['f1']:10.3f}\n")
    c = report["crawl_vs_direct"]
    w(f"\n  crawl vs extract() direct, per page: same tokens on {c['same_tokens']}, "
      f"better on {len(c['pages_above'])}, worse on {len(c['pages_below'])} "
      f"(worst {c['worst_delta_f1']:+.4f})\n")
    for title, key in (("worse", "pages_below"), ("better", "pages_above")):
        for p in c[key]:
            w(f"    {title} {p['delta']:+.4f} ({p['direct_f1']:.3f} -> {p['crawl_f1']:.3f}) "
              f"{p['url'][:60]}\n      -> {p['cause']}\n")
    if len(c["by_header_charset"]) > 1:
        w("  by Content-Type: " + "; ".join(
            f"{_HEADER_LABELS.get(k, k)} ({v['pages']}): crawl F1 "
            f"{v['crawl_f1']:.3f}, direct {v['direct_f1']:.3f}, "
            f"{v['pages_below_direct']} worse" for k, v in c["by_header_charset"].items()) + "\n")
    t = report["targets"]
    w("  targets: " + ", ".join(f"{k.replace('_', ' ')}: {'yes' if v else 'NO'}"
                                for k, v in t.items()) + "\n")
    if crawl["returncode"] != 0 or report["missing_pages"]:
        for line in crawl["summary"]:
            w(f"    | {line}\n")
    _print_pages_and_metadata(report, w, " (crawled items)")
    lang = report["language_check"]
    w(f"  language: on {lang['pages_where_text_and_declaration_differ']} crawled pages the "
      f"text's language differs from <html lang>; the item says the text's on "
      f"{lang['item_says_text']}, the declared one on {lang['item_says_declared']}"
      + ("".join(f"; {x['declared']}->{x['item']} (text {x['text']})" for x in lang["cases"]))
      + "\n")
    if direct is not None:
        t = direct["tokens_same_as_trafilatura_txt"]
        w(f"  extract() direct: token multiset identical to trafilatura's txt output (same "
          f"options) on {t['same']}/{t['pages']} pages; pages judged script-rendered: "
          f"{len(direct['script_rendered_pages'])}\n")
        if "timing" in direct:
            tm = direct["timing"]
            w(f"  extract() in one process: {tm['ms_per_page']:.1f} ms/page CPU, best of "
              f"{tm['repeats']} ({tm['pages_per_s']:.1f} pages/s; median "
              f"{tm['median_ms']:.1f} ms, max {tm['max_ms']:.0f} ms)\n")


# --- main ------------------------------------------------------------------------------------


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
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
    _quiet_logs()

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
