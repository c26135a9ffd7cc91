"""Metadata against a corpus' truth: title, authors, date and language rates, cross-validated.

    python -m bench.quality.truth [--corpus DIR ...] [--folds 5] [--profile] [--workers 2]

Runs ``extract()`` on every page of each corpus (default: ``../shared/corpus/fundus`` and
``../shared/corpus/zyte``) in a pool of 2 processes and prints, per corpus, each rate with the
pages that miss (what we gave against the truth). A corpus whose truth has no metadata (Zyte's
has only the text) gets presence rates only.

How a value counts as right (:func:`same_title` ... :func:`same_language`):

* title: equal after normalising what no reader sees: HTML entities, runs of whitespace
  (no-break spaces included), soft hyphens and zero-width spaces. Quotes, dashes and case count.
* authors: the same set of names (case ignored, whitespace normalised as for titles); the
  partial rate counts pages where at least one name is shared (or both say none).
* date: the same instant, to the second (our output has no fractions). A date without a time
  (midnight, no zone) on either side is right on the right day; a truth time without a zone
  (Fundus writes some in the publisher's local time) is right when it is ours in some whole
  quarter-hour offset between -12 h and +14 h. Date sources are chosen by the stricter
  :func:`same_time` (a bare day of ours is wrong where the truth has a time): else a rule that
  drops every time would win.
* language: the same ISO 639-1 code. Fundus gives the publisher's registry language, not the
  page's: a German DW page counts "en" (misses are listed, so such cases show).

Rules are chosen by cross-validation over publishers (``--folds``): publishers (Fundus:
``<country>/<Publisher>``; others: the URL's host) are dealt into folds in sorted order; for
each fold the variant with the best rate on the other folds is chosen and scored on this one.
Printed: the rate on the folds it was chosen on, and the held-out rate (the estimate for
unseen publishers), beside the default the code uses.

``--profile`` adds what metadata costs per page, component by component, beside one
``trafilatura.bare_extraction(..., with_metadata=True)`` call (``bench/quality/truth_profile.py``).
:func:`metadata_rates` is the entry point for scoring a crawl's items as well.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.paths import DEFAULT_CORPUS, RESULTS_DIR
from bench.quality.truth_variants import VARIANTS, page_variants
from bench.quality.workers import corpus_pool, quiet_logs, worker_page
from bench.scoring import load_corpus
from newscrawler.extraction.titles import headline_keys, title_key
from newscrawler.utils.text import normalize_line

__all__ = ["cross_validate", "metadata_rates", "same_authors", "same_instant", "same_language",
           "same_time", "same_title", "shares_an_author"]

FIELDS = ("title", "authors", "published", "language")
DEFAULT_CORPORA = (DEFAULT_CORPUS.parent / "fundus", DEFAULT_CORPUS)
MISSES_SHOWN = 40


# --- what counts as right ----------------------------------------------------------------------

def same_title(ours: str | None, truth: str | None) -> bool:
    return bool(ours) and normalize_line(ours) == normalize_line(truth)


def _name_set(names: Any) -> set[str]:
    return {normalize_line(n).casefold() for n in names or () if normalize_line(n)}


def same_authors(ours: Any, truth: Any) -> bool:
    return _name_set(ours) == _name_set(truth)


def shares_an_author(ours: Any, truth: Any) -> bool:
    mine, theirs = _name_set(ours), _name_set(truth)
    return bool(mine & theirs) or mine == theirs


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def _day_only(moment: datetime) -> bool:
    return (moment.hour, moment.minute, moment.second) == (0, 0, 0)


_OFFSETS = [timedelta(minutes=15 * q) for q in range(-48, 57)]   # -12 h ... +14 h


def same_instant(ours: str | None, truth: str | None, *, bare_day_counts: bool = True) -> bool:
    """Same moment; with ``bare_day_counts`` a date without a time is right on the right day."""
    mine, theirs = _parse(ours), _parse(truth)
    if mine is None or theirs is None:
        return False
    mine = (mine if mine.tzinfo else mine.replace(tzinfo=UTC)).astimezone(UTC)
    mine, theirs = mine.replace(microsecond=0), theirs.replace(microsecond=0)
    if _day_only(mine):                     # we gave a bare day: the publisher's day
        if not bare_day_counts and not _day_only(theirs):
            return False
        return mine.date() == theirs.date()
    if theirs.tzinfo is None:               # local time of an unknown zone
        if _day_only(theirs):
            return any((mine + offset).date() == theirs.date() for offset in _OFFSETS)
        local = theirs.replace(tzinfo=UTC)
        return any(mine + offset == local for offset in _OFFSETS)
    return mine == theirs.astimezone(UTC)


def same_language(ours: str | None, truth: str | None) -> bool:
    return bool(ours) and ours == truth


def same_time(ours: str | None, truth: str | None) -> bool:
    """:func:`same_instant` where the truth has a time: a bare day of ours is not enough."""
    return same_instant(ours, truth, bare_day_counts=False)


_SAME = {"title": same_title, "authors": same_authors, "published": same_instant,
         "language": same_language}
# Rules are chosen by these: a bare day scores as right, so without this a rule that drops every
# time would win the choice of date sources.
_CHOOSE_BY = {**_SAME, "published": same_time}


# --- rates -------------------------------------------------------------------------------------

def metadata_rates(items: dict[str, dict[str, Any]],
                   truth: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Rates of ``items`` (page id -> fields: an Article's JSON or PageFields as a dict) against
    ``truth`` (page id -> the ground truth's entry). A field the truth does not give is rated
    by presence only. Pages without an item count as wrong (and as absent)."""
    report: dict[str, Any] = {"pages": len(truth), "pages_with_item": 0}
    report["pages_with_item"] = sum(1 for key in truth if key in items)
    for field in FIELDS:
        judged = [key for key in truth if field in truth[key]]
        present = sum(1 for key in truth if (items.get(key) or {}).get(field))
        entry: dict[str, Any] = {"present": _rate(present, len(truth))}
        if judged:
            right, misses, partial = 0, [], 0
            for key in judged:
                ours, theirs = (items.get(key) or {}).get(field), truth[key][field]
                if _SAME[field](ours, theirs):
                    right += 1
                else:
                    misses.append({"id": key, "ours": ours, "truth": theirs})
                if field == "authors":
                    partial += shares_an_author(ours, theirs)
            entry.update(pages=len(judged), right=right, rate=_rate(right, len(judged)),
                         misses=misses)
            if field == "authors":
                entry["partial_rate"] = _rate(partial, len(judged))
        report[field] = entry
    access = [(items.get(key) or {}).get("free_access") for key in truth]
    report["free_access"] = {"true": access.count(True), "false": access.count(False),
                             "null": sum(1 for value in access if value is None)}
    return report


def _rate(right: int, total: int) -> float | None:
    return round(right / total, 4) if total else None


# --- cross-validation over publishers ----------------------------------------------------------

def publisher_of(key: str, url: str) -> str:
    """The publisher a page belongs to: Fundus' "<country>/<Publisher>", else the URL's host."""
    if "/" in key:
        return key.rsplit("_", 3)[0]
    return (urlsplit(url).hostname or key).removeprefix("www.")


def cross_validate(hits: dict[str, dict[str, bool]], publishers: dict[str, str],
                   folds: int) -> dict[str, Any]:
    """Choose a variant on all folds but one, score it on that one; ``hits``: variant -> page ->
    right? The first variant wins ties (list the code's default first)."""
    names = sorted(set(publishers.values()))
    fold_of = {name: i % folds for i, name in enumerate(names)}
    variants = list(hits)
    held_out_right = chosen_right = chosen_total = 0
    choices = []
    for fold in range(folds):
        train = [p for p in publishers if fold_of[publishers[p]] != fold]
        test = [p for p in publishers if fold_of[publishers[p]] == fold]
        if not test:
            continue
        best = max(variants, key=lambda v: (sum(hits[v][p] for p in train), -variants.index(v)))
        choices.append(best)
        chosen_right += sum(hits[best][p] for p in train)
        chosen_total += len(train)
        held_out_right += sum(hits[best][p] for p in test)
    everywhere = {v: _rate(sum(hits[v].values()), len(publishers)) for v in variants}
    return {"chosen_per_fold": choices,
            "rate_where_chosen": _rate(chosen_right, chosen_total),
            "held_out_rate": _rate(held_out_right, len(publishers)),
            "all_pages_by_variant": everywhere}


# --- running it --------------------------------------------------------------------------------

def _task(index: int) -> dict[str, Any]:
    page = worker_page(index)
    return {"id": page.id, "url": page.url, **page_variants(page.html, page.url)}


def run_corpus(corpus: Path, workers: int, folds: int) -> dict[str, Any] | None:
    truth_file = corpus / "ground-truth.json"
    if not truth_file.is_file():
        return None
    full_truth = json.loads(truth_file.read_text(encoding="utf-8"))
    pages = load_corpus(corpus)
    with corpus_pool(corpus, workers) as pool:
        rows = pool.map(_task, range(len(pages)))
    truth = {row["id"]: {k: v for k, v in full_truth[row["id"]].items() if k in FIELDS}
             for row in rows}
    items = {row["id"]: row["fields"] for row in rows}
    report = {"corpus": str(corpus), "rates": metadata_rates(items, truth), "cross_validation": {}}
    lean = metadata_rates({row["id"]: row["lean"] for row in rows}, truth)
    report["rates_without_trafilatura_metadata"] = {
        field: {k: v for k, v in lean[field].items() if k != "misses"} for field in FIELDS}
    report["same_as_extract_without_trafilatura_metadata"] = {
        field: _rate(sum(row["lean"].get(field) == row["fields"].get(field) for row in rows),
                     len(rows))
        for field in (*FIELDS[:3], "description", "image", "tags", "site_name", "free_access")}
    report["text_opens_with_the_headline"] = _openings(rows, full_truth)
    publishers = {row["id"]: publisher_of(row["id"], row["url"]) for row in rows}
    report["publishers"] = len(set(publishers.values()))
    for field, (default, choices) in VARIANTS.items():
        if not any(field in entry for entry in truth.values()):
            continue
        hits = {variant: {row["id"]: _CHOOSE_BY[field](row["variants"][field][variant],
                                                  truth[row["id"]][field]) for row in rows}
                for variant in choices}
        report["cross_validation"][field] = {"default": default,
                                             **cross_validate(hits, publishers, folds)}
    return report


def _openings(rows: list[dict[str, Any]], full_truth: dict[str, dict[str, Any]]) -> dict:
    """Does the first-paragraph rule hold? Against the truth's own title (not ours): pages whose
    text opens with the headline, how many the merge drops it from, and first paragraphs it
    drops that the truth's body keeps (text lost)."""
    opens = dropped = lost = 0
    for row in rows:
        first, truth = row["first_paragraph"]["first"], full_truth[row["id"]]
        key = title_key(first or "", loose=True)
        body_first = (truth.get("articleBody") or "").partition("\n\n")[0]
        if key and truth.get("title") and key in headline_keys(truth["title"]):
            opens += 1
            dropped += row["first_paragraph"]["dropped"]
        if row["first_paragraph"]["dropped"] and key == title_key(body_first, loose=True):
            lost += 1
    return {"pages": opens, "dropped": dropped, "dropped_but_in_the_truth_body": lost}


def print_report(report: dict[str, Any]) -> None:
    rates = report["rates"]
    print(f"\n== {report['corpus']}: {rates['pages']} pages, {report['publishers']} publishers")
    for field in FIELDS:
        entry = rates[field]
        if "rate" not in entry:
            print(f"  {field:10s} present {entry['present']:.3f} (no truth for it)")
            continue
        extra = f", partial {entry['partial_rate']:.3f}" if field == "authors" else ""
        print(f"  {field:10s} {entry['rate']:.3f} ({entry['right']}/{entry['pages']}{extra}),"
              f" present {entry['present']:.3f}")
    print(f"  free_access {rates['free_access']}")
    opening = report["text_opens_with_the_headline"]
    print(f"  text opens with the truth's headline: {opening['pages']} pages, dropped by the"
          f" merge on {opening['dropped']}; dropped though the truth's body has it:"
          f" {opening['dropped_but_in_the_truth_body']}")
    lean = report["rates_without_trafilatura_metadata"]
    print("  read without trafilatura's metadata pass (bare_extraction(with_metadata=False)):"
          + "".join(f" {field} {entry.get('rate') or entry['present']:.3f}"
                    for field, entry in lean.items())
          + ("" if "rate" in lean["title"] else " (presence)"))
    print("    same value as extract() gives now: " + ", ".join(
        f"{field} {rate:.3f}" for field, rate in
        report["same_as_extract_without_trafilatura_metadata"].items()))
    for field, cv in report["cross_validation"].items():
        print(f"  cross-validated {field} (default {cv['default']}): chosen per fold"
              f" {cv['chosen_per_fold']}; rate on the folds it was chosen on"
              f" {cv['rate_where_chosen']:.3f}, held out {cv['held_out_rate']:.3f}")
        for variant, rate in cv["all_pages_by_variant"].items():
            print(f"      {rate:.3f}  {variant}")
    for field in FIELDS:
        misses = rates[field].get("misses") or []
        if misses:
            print(f"  -- {field} misses ({len(misses)}): ours | truth")
            for miss in misses[:MISSES_SHOWN]:
                print(f"     {miss['id']}: {miss['ours']!r} | {miss['truth']!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.quality.truth",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, action="append",
                        help="corpus folder (repeatable; default: fundus and zyte)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--profile", action="store_true",
                        help="also the cost of metadata per page, by component")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "metadata-truth.json")
    args = parser.parse_args(argv)
    quiet_logs()
    results = []
    for corpus in args.corpus or DEFAULT_CORPORA:
        report = run_corpus(corpus, args.workers, args.folds)
        if report is None:
            print(f"truth: skipped -- no ground-truth.json in {corpus}")
            continue
        print_report(report)
        results.append(report)
        if args.profile:
            from bench.quality.truth_profile import print_profile, profile

            report["profile"] = profile(corpus)
            print_profile(report["profile"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
