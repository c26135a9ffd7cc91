"""Choosing options on some sites and reporting them on others: grouped cross-validation.

A choice made on the pages it is reported on is optimistic (the issue measured 0.973 on the 121
pages the options were chosen on, 0.959 on new pages of the same benchmark). Here the pages of
every corpus are split into folds by site (:func:`bench.quality.corpora.assign_folds`: a site is
never on both sides); for each fold the candidate with the best mean F1 on the OTHER folds is
chosen, and its F1 on the held-out fold is what counts. Printed beside the in-sample figure (the
best candidate on all pages, scored on those same pages), the difference is the optimism.
"""

from __future__ import annotations

import sys
from collections import Counter
from statistics import fmean
from typing import Any

Key = tuple[str, str]   # (corpus name, page id)
BELOW = 0.02            # the margin: a page this much below plain trafilatura counts
CHOICE_DECIMALS = 3     # mean F1 is compared as it is reported: closer is a tie


def cross_validate(scores: dict[str, dict[Key, float]], folds: dict[Key, int],
                   candidates: list[str], plain: dict[Key, float]) -> dict[str, Any]:
    """In-sample and held-out F1 of choosing among ``candidates`` (by mean F1, then by
    pages under plain trafilatura, then by cost).

    ``scores``: variant -> page -> F1; ``plain``: page -> plain trafilatura's F1 (the pages
    more than :data:`BELOW` under it count in the choice and are reported for the held-out
    choice).
    """
    pages = sorted(folds)
    corpora = sorted({corpus for corpus, _ in pages})
    if len(set(folds.values())) < 2:
        # one site only: no page can be reported on a choice made without its site
        return {"folds": len(set(folds.values())), "candidates": candidates,
                "in_sample": None, "cross_validated": None}

    def best(chosen_pages: list[Key]) -> str:
        """The issue's two targets in order: mean F1 as reported (3 decimals), then fewer
        pages more than BELOW under plain trafilatura; then the cheaper (listed first)."""
        def merit(v: str) -> tuple[float, int, int]:
            below = sum(scores[v][p] < plain[p] - BELOW for p in chosen_pages)
            mean = round(fmean(scores[v][p] for p in chosen_pages), CHOICE_DECIMALS)
            return mean, -below, -candidates.index(v)
        return max(candidates, key=merit)

    def per_corpus(values: dict[Key, float]) -> dict[str, float]:
        return {c: round(fmean(v for (corpus, _), v in values.items() if corpus == c), 4)
                for c in corpora}

    in_sample_choice = best(pages)
    held_out: dict[Key, float] = {}
    per_fold = []
    for fold in sorted(set(folds.values())):
        choosing = [p for p in pages if folds[p] != fold]
        reporting = [p for p in pages if folds[p] == fold]
        choice = best(choosing)
        held_out.update({p: scores[choice][p] for p in reporting})
        per_fold.append({"fold": fold, "chosen": choice, "choosing_pages": len(choosing),
                         "held_out_pages": len(reporting),
                         "held_out_f1": round(fmean(scores[choice][p] for p in reporting), 4),
                         "in_sample_f1": round(fmean(scores[choice][p] for p in choosing), 4)})
    below = Counter(corpus for (corpus, pid), f1 in held_out.items()
                    if f1 < plain[corpus, pid] - BELOW)
    return {
        "folds": len(per_fold), "candidates": candidates,
        "in_sample": {"chosen": in_sample_choice,
                      "per_corpus": per_corpus({p: scores[in_sample_choice][p] for p in pages}),
                      "pooled": round(fmean(scores[in_sample_choice][p] for p in pages), 4)},
        "cross_validated": {"per_corpus": per_corpus(held_out),
                            "pooled": round(fmean(held_out.values()), 4),
                            "pages_below_plain": {c: below.get(c, 0) for c in corpora},
                            "choices": dict(Counter(f["chosen"] for f in per_fold)),
                            "per_fold": per_fold},
    }


def print_cross_validation(cv: dict[str, Any], default: str, out: Any = None) -> None:
    w = (out or sys.stdout).write
    ins, held = cv["in_sample"], cv["cross_validated"]
    if held is None:
        w("\n== option choice, cross-validated: not possible -- the pages come from one site "
          "(folds are grouped by site) ==\n")
        return
    w(f"\n== option choice, cross-validated: {cv['folds']} folds grouped by site (a site is "
      f"never in both the choosing and the reporting folds); {len(cv['candidates'])} "
      f"candidates ==\n")
    corpora = list(ins["per_corpus"])
    w(f"  {'mean F1':60s}" + "".join(f"{c:>10s}" for c in corpora) + f"{'pooled':>10s}\n")
    w(f"  {'in sample: best on all pages, scored on them':60s}"
      + "".join(f"{ins['per_corpus'][c]:10.4f}" for c in corpora) + f"{ins['pooled']:10.4f}\n")
    label = f"cross-validated: chosen on {cv['folds'] - 1} folds, scored on the other"
    w(f"  {label:60s}"
      + "".join(f"{held['per_corpus'][c]:10.4f}" for c in corpora) + f"{held['pooled']:10.4f}\n")
    w(f"  optimism (in sample - cross-validated): {ins['pooled'] - held['pooled']:+.4f} pooled\n")
    w(f"  in-sample choice: {ins['chosen']}\n")
    for fold in held["per_fold"]:
        w(f"    fold {fold['fold']}: chosen on {fold['choosing_pages']} pages -> "
          f"{fold['chosen']}; held out {fold['held_out_pages']} pages: F1 "
          f"{fold['held_out_f1']:.4f} (in sample {fold['in_sample_f1']:.4f})\n")
    w("  pages > 0.02 below plain trafilatura with the held-out choice: " + ", ".join(
        f"{c} {n}" for c, n in held["pages_below_plain"].items()) + "\n")
    agree = all(choice == default for choice in held["choices"])
    w(f"  DEFAULT_OPTIONS ({default}): "
      + ("chosen by every fold" if agree else
         f"folds chose {held['choices']}; in sample: {ins['chosen']}") + "\n")
