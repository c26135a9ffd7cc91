"""The figures of a quality report: mean scores, the lowest pages, metadata presence and its
agreement with the page's markup."""

from __future__ import annotations

from collections import Counter
from typing import Any

from bench.quality.diagnosis import diagnose
from bench.quality.markup import page_reference, title_agrees
from bench.scoring import CorpusPage, Score, mean_scores, score, tokens
from newscrawler.utils.dates import to_utc_iso

LOWEST = 5
METADATA_FIELDS = ("title", "published", "authors", "language", "description", "image",
                   "canonical_url", "site_name", "tags")
# the same for crawled items (newscrawler.items.Article): summary is the feed's or description
ITEM_FIELDS = ("title", "published", "authors", "language", "summary", "image", "tags")


def words(text: str | None) -> Counter:
    """Tokens without table markup ("|", "|---|"), which our plain-text tables drop."""
    return Counter(t for t in tokens(text) if t.strip("|-"))


def score_dict(s: Score) -> dict[str, float]:
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
                 **{f"ours_{k}": v for k, v in score_dict(ours).items()}}
        if direct_texts is not None:
            direct = score(direct_texts.get(page.id), page.truth)
            entry.update({f"direct_{k}": v for k, v in score_dict(direct).items()})
        per_page.append(entry)

    def mean(prefix: str, only_found: bool) -> dict[str, float]:
        chosen = [p for p in per_page if p["found"] or not only_found]
        return score_dict(mean_scores([
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
