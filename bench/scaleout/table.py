"""The scale-out benchmark's printed table."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Row:
    scenario: str
    label: str
    workers: int
    wall: float
    proc: float
    articles: str
    dups: int
    per_worker: str
    min_gap: float | None
    polite: float | None = None
    notes: str = ""
    record: dict[str, Any] = field(default_factory=dict)


def _fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def table(rows: list[Row]) -> str:
    head = ["scenario", "row", "wall s", "proc s", "polite bnd", "÷polite", "articles", "dup",
            "per worker", "min gap s", "notes"]
    cells = [[r.scenario, r.label, _fmt(r.wall), _fmt(r.proc), _fmt(r.polite),
              _fmt(r.wall / r.polite if r.polite else None, ".2f"), r.articles, str(r.dups),
              r.per_worker, _fmt(r.min_gap, ".2f"), r.notes] for r in rows]
    widths = [max(len(c[i]) for c in [head, *cells]) for i in range(len(head) - 1)]
    out = []
    for c in [head, *cells]:
        out.append(" | ".join([*(v.ljust(w) for v, w in zip(c, widths, strict=False)), c[-1]]))
        if c is head:
            out.append("-+-".join("-" * w for w in widths) + "-+-" + "-" * 5)
    return "\n".join(out)
