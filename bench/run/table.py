"""The benchmark's printed table, and where the time of each seed and broad crawl went."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench import bounds


@dataclass
class Line:
    """One line of the printed table."""

    scenario: str
    row: str
    wall: float | None = None
    proc: float | None = None
    polite: float | None = None
    polite_ratio: float | None = None
    phys: float | None = None
    phys_what: str = ""
    phys_ratio: float | None = None
    r429: int | None = None
    articles: str = ""
    min_gap: float | None = None
    notes: str = ""


def _fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def table(lines: list[Line]) -> str:
    head = ["scenario", "row", "wall s", "proc s", "polite bnd", "÷polite", "phys bnd (what)",
            "÷phys", "429s", "articles", "min gap s", "notes"]
    rows = [[ln.scenario, ln.row, _fmt(ln.wall), _fmt(ln.proc), _fmt(ln.polite),
             _fmt(ln.polite_ratio, ".2f"),
             f"{_fmt(ln.phys)} ({ln.phys_what})" if ln.phys is not None else "-",
             _fmt(ln.phys_ratio, ".2f"), "-" if ln.r429 is None else str(ln.r429), ln.articles,
             _fmt(ln.min_gap, ".2f"), ln.notes] for ln in lines]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head) - 1)]
    out = []
    for r in [head, *rows]:
        cells = [c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)]
        out.append(" | ".join([*cells, r[-1]]))
        if r is head:
            out.append("-+-".join("-" * w for w in widths) + "-+-" + "-" * 5)
    return "\n".join(out)


def details(results: dict[str, Any]) -> str:
    """Where the time goes in the seed and broad crawls: bounds, the critical site, idle slots.

    The critical site is the one whose last request ended last: wall = when its first request
    started + how long its own chain took; that chain is compared with its floor under the
    crawler's own rules, (n - 1) x max(D + margin, latency) + latency.
    """
    out = []
    for name in ("seed", "broad"):
        for row in results.get(name, {}).get("rows", []):
            a = row["analysis"]
            sites = a["sites"]
            crit = sites[a["critical_site"]]
            own = crit["last_end"] - crit["first_start"]
            per_site = int(row["settings"].get("CONCURRENT_REQUESTS_PER_DOMAIN", 1) or 1)
            floor = bounds.politeness_bound(crit["n"], crit["latency"], a["gap"], per_site)
            late = [s for s in sites.values() if s["first_start"] > 1.0]
            idle = sorted(sites.values(), key=lambda s: -s["idle"])[:3]
            out.append(
                f"{name} / {row['row']}: bounds politeness {a['politeness_bound']:.1f} s "
                f"({a['politeness_site']}), concurrency {a['concurrency_bound']:.1f} s, chain "
                f"{a['chain_bound']:.1f} s ({a['chain_site']}); in flight mean "
                f"{a['mean_in_flight']:.1f}, max {a['max_in_flight']}.\n"
                f"    critical site {crit['site']}: first request at {crit['first_start']:.1f} s"
                f", then {own:.1f} s for n={crit['n']} ({crit['latency']:.2f} s each; floor "
                f"with a {a['gap']:.1f} s gap {floor:.1f} s, idle inside {crit['idle']:.1f} s)."
                f"\n    {len(late)}/{len(sites)} sites sent their first request > 1 s late "
                f"(latest {max(s['first_start'] for s in sites.values()):.1f} s); most idle "
                "between requests: " + ", ".join(f"{s['site']} {s['idle']:.1f} s" for s in idle))
    return "\n".join(out)
