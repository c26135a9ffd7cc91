"""The quality reports as text."""

from __future__ import annotations

import sys
from typing import Any

from bench.quality.report import LOWEST


def _fmt(s: dict[str, float]) -> str:
    return f"P={s['precision']:.3f} R={s['recall']:.3f} F1={s['f1']:.3f}"


def print_report(report: dict[str, Any], out: Any = None) -> None:
    out = out or sys.stdout
    w = out.write
    w(f"\n== extraction quality ({report['mode']}): {report['pages']} corpus pages, "
      f"{report['pages_with_row']} with a result ==\n")
    if "direct" in report:
        w(f"  {'':38s}{'precision':>10s}{'recall':>10s}{'F1':>10s}\n")
        for label, key in (("trafilatura (include_comments=False)", "direct"),
                           ("newscrawler extract()", "ours")):
            s = report[key]
            w(f"  {label:38s}{s['precision']:10.3f}{s['recall']:10.3f}{s['f1']:10.3f}\n")
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
    print_pages_and_metadata(report, w)


def print_pages_and_metadata(report: dict[str, Any], w: Any, what: str = "") -> None:
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
    w(f"  {'mean over ' + str(report['pages']) + ' pages':38s}{'precision':>10s}"
      f"{'recall':>10s}{'F1':>10s}\n")
    for label, s in report["columns"].items():
        w(f"  {label:38s}{s['precision']:10.3f}{s['recall']:10.3f}{s['f1']:10.3f}\n")
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
    print_pages_and_metadata(report, w, " (crawled items)")
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


def print_summary(corpora: dict[str, dict[str, Any]], cv: dict[str, Any] | None = None,
                  out: Any = None) -> None:
    """One line per corpus: the crawl, extract() and plain trafilatura, the cross-validated
    text choice, and the pages more than 0.02 F1 below plain trafilatura (lowest five listed
    with their reason)."""
    w = (out or sys.stdout).write
    held = (cv["cross_validated"] or {}).get("per_corpus", {}) if cv else {}
    w("\n== summary per corpus: mean token F1; pages > 0.02 F1 below plain trafilatura "
      "(target 0) ==\n")
    w(f"  {'corpus':10s}{'pages':>6s}{'crawl':>8s}{'extract()':>11s}{'plain':>8s}"
      f"{'extract() CV':>14s}{'crawl <-.02':>13s}{'extract() <-.02':>17s}\n")
    for name, results in corpora.items():
        e2e, direct = results.get("end_to_end"), results["direct"]
        if e2e:
            columns = list(e2e["columns"].values())
            crawl_f1, ours_f1, plain_f1 = (c["f1"] for c in columns)
            below = {k: len(v) for k, v in e2e["below_plain"].items()}
        else:
            crawl_f1, ours_f1, plain_f1 = None, direct["ours_all"]["f1"], direct["direct"]["f1"]
            below = {"crawl": None, "extract_direct": sum(
                p["ours_f1"] < p["direct_f1"] - 0.02 for p in direct["per_page"])}
        crawl = f"{crawl_f1:8.3f}" if crawl_f1 is not None else f"{'-':>8s}"
        cv_f1 = f"{held[name]:14.3f}" if name in held else f"{'-':>14s}"
        crawl_below = "-" if below["crawl"] is None else str(below["crawl"])
        w(f"  {name:10s}{direct['pages']:6d}{crawl}{ours_f1:11.3f}{plain_f1:8.3f}{cv_f1}"
          f"{crawl_below:>13s}{below['extract_direct']:>17d}\n")
    for name, results in corpora.items():
        e2e = results.get("end_to_end")
        if not e2e:
            continue
        listed = e2e["below_plain"]["crawl"]
        w(f"  {name}: crawl pages > 0.02 below plain trafilatura: {len(listed)}"
          + (", the lowest five:" if listed else "") + "\n")
        for p in listed[:5]:
            w(f"    {p['delta']:+.3f} (F1 {p['f1']:.3f}, plain {p['plain_f1']:.3f}) "
              f"{p['url'][:70]}\n      -> {p['reason']}\n")
