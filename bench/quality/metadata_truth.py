"""Metadata rates of one ``bench.quality`` run against a corpus' truth: the crawl's items (end to
end) and ``extract()`` direct, scored by :func:`bench.quality.truth.metadata_rates` (title exact,
authors as a set, the same instant, the same language). A truth without those fields (Zyte's)
gives presence rates only, as ``python -m bench.quality.truth`` does."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench.quality.truth import FIELDS, metadata_rates

__all__ = ["metadata_against_truth", "print_metadata_rates"]


def metadata_against_truth(folder: Path, direct: list[dict[str, Any]],
                           crawled: dict[str, dict[str, Any]] | None) -> dict[str, Any]:
    """``{"crawl": rates | None, "extract_direct": rates}`` against ``folder``'s
    ground-truth.json; ``direct`` is :func:`bench.quality.direct.direct_results`' rows and
    ``crawled`` the crawl's items matched to page ids (None with ``--direct-only``)."""
    full = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    truth = {key: {k: v for k, v in entry.items() if k in FIELDS} for key, entry in full.items()}
    rates = {"extract_direct": metadata_rates({r["id"]: r["ours"] for r in direct}, truth),
             "crawl": metadata_rates(crawled, truth) if crawled is not None else None}
    return {name: _without_misses(report) for name, report in rates.items()}


def _without_misses(report: dict[str, Any] | None) -> dict[str, Any] | None:
    """The rates (misses are listed by ``python -m bench.quality.truth``, not here)."""
    if report is None:
        return None
    return {k: ({f: v for f, v in entry.items() if f != "misses"}
                if isinstance(entry, dict) else entry) for k, entry in report.items()}


def print_metadata_rates(corpora: dict[str, dict[str, Any]], out: Any = None) -> None:
    """One line per corpus and source: each field's rate against the truth (presence where the
    truth does not give the field)."""
    w = (out or sys.stdout).write
    w("\n== metadata against the corpus truth: rate right (p: presence only, no truth) ==\n")
    w(f"  {'corpus':10s}{'source':18s}" + "".join(f"{f:>11s}" for f in FIELDS) + "\n")
    for name, results in corpora.items():
        for source, label in (("crawl", "crawl"), ("extract_direct", "extract() direct")):
            report = (results.get("metadata_truth") or {}).get(source)
            if report is None:
                continue
            cells = []
            for field in FIELDS:
                entry = report[field]
                rate = entry.get("rate")
                cells.append(f"{rate:11.3f}" if rate is not None
                             else f"{'p ' + format(entry['present'] or 0, '.3f'):>11s}")
            w(f"  {name:10s}{label:18s}" + "".join(cells) + "\n")
