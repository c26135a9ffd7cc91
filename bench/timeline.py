"""Timeline pictures of crawls from the simulated web's request log.

One panel per crawl (row of the benchmark table), one line per site, one bar per request from
its start to its end (x = seconds since the crawl's first request). Colours: robots.txt grey,
feeds blue, articles green, retried requests orange, 429 answers red (with a marker, they are
instantaneous).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import Patch

from bench.bounds import Req

COLOURS = {"robots": "#888888", "feed": "#1f77b4", "article": "#2ca02c", "retry": "#ff7f0e",
           "429": "#d62728"}


@dataclass
class Panel:
    title: str
    reqs: Sequence[Req]
    marks: Sequence[tuple[float, str]] = ()  # (time.time(), label): vertical lines


def _colour(q: Req) -> str:
    if q.status == 429:
        return "429"
    if q.retry:
        return "retry"
    return q.kind if q.kind in COLOURS else "article"


def _site_order(name: str) -> tuple[int, str]:
    digits = "".join(ch for ch in name if ch.isdigit())
    return (int(digits) if digits else -1, name)


def plot(path: Path, panels: Sequence[Panel], *, suptitle: str = "") -> Path:
    heights = []
    for panel in panels:
        sites = {q.site for q in panel.reqs}
        heights.append(max(1.6, 0.22 * len(sites) if len(sites) <= 40 else 0.045 * len(sites)))
    fig, axes = plt.subplots(len(panels), 1, figsize=(12, sum(heights) + 0.9 * len(panels)),
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    for ax, panel in zip(axes[:, 0], panels, strict=True):
        _draw(ax, panel)
    handles = [Patch(color=c, label=k) for k, c in COLOURS.items()]
    fig.legend(handles=handles, loc="upper right", ncol=len(handles), fontsize=8)
    if suptitle:
        fig.suptitle(suptitle, x=0.01, ha="left", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _draw(ax: plt.Axes, panel: Panel) -> None:
    reqs = panel.reqs
    if not reqs:
        ax.set_title(panel.title + " (no requests)", fontsize=9, loc="left")
        return
    t0 = min(q.start for q in reqs)
    span = max(q.end for q in reqs) - t0 or 1.0
    sites = sorted({q.site for q in reqs}, key=_site_order)
    row = {site: i for i, site in enumerate(sites)}
    bars: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for q in reqs:
        # A bar at least 0.15 % of the axis wide: instantaneous requests stay visible.
        bars[(q.site, _colour(q))].append((q.start - t0, max(q.duration, span * 0.0015)))
    for (site, colour), spans in bars.items():
        ax.broken_barh(spans, (row[site] - 0.4, 0.8), facecolors=COLOURS[colour],
                       edgecolors="none")
    limited = [(q.start - t0, row[q.site]) for q in reqs if q.status == 429]
    if limited:
        ax.scatter(*zip(*limited, strict=True), marker="x", color=COLOURS["429"], s=18,
                   zorder=3)
    for when, label in panel.marks:
        ax.axvline(when - t0, color="black", linestyle=":", linewidth=0.8)
        ax.text(when - t0, len(sites) - 0.5, label, fontsize=7, va="bottom", ha="right",
                rotation=90)
    ax.set_ylim(-0.6, len(sites) - 0.4)
    ax.invert_yaxis()
    step = 1 if len(sites) <= 40 else max(1, len(sites) // 40)
    ax.set_yticks(range(0, len(sites), step))
    ax.set_yticklabels(sites[::step], fontsize=6 if len(sites) > 12 else 8)
    right = max([span, *(when - t0 for when, _ in panel.marks)])
    ax.set_xlim(0, right * 1.01)
    ax.set_xlabel("seconds since the first request", fontsize=8)
    ax.set_title(panel.title, fontsize=9, loc="left")
    ax.grid(axis="x", linewidth=0.3)


def plot_memory(path: Path, run: Any, *, title: str = "") -> Path:
    """RSS of the crawl process and of its descendants over time, with articles written and
    requests queued (from the progress lines) on a second axis."""
    live = [s for s in run.samples if s.rss_main]
    fig, ax = plt.subplots(figsize=(12, 4.5))
    if live:
        t0 = run.started
        xs = [s.t - t0 for s in live]
        ax.plot(xs, [s.rss_main / 2**20 for s in live], label="crawl process RSS", color="#1f77b4")
        ax.plot(xs, [s.rss_children / 2**20 for s in live], label="descendants RSS",
                color="#9467bd")
        ax.plot(xs, [(s.rss_main + s.rss_children) / 2**20 for s in live], label="total RSS",
                color="black", linewidth=1.5)
        ax.set_ylabel("MB")
        ax.set_xlabel("seconds since the crawl process started")
        other = ax.twinx()
        other.plot(xs, [s.written for s in live], color="#2ca02c", linestyle="--",
                   label="articles written")
        if run.progress:
            other.plot([p[0] - t0 for p in run.progress], [p[2] for p in run.progress],
                       color="#ff7f0e", linestyle=":", label="requests queued")
        other.set_ylabel("articles / requests")
        lines = ax.get_legend_handles_labels()
        more = other.get_legend_handles_labels()
        ax.legend(lines[0] + more[0], lines[1] + more[1], loc="upper left", fontsize=8)
    ax.set_title(title or "memory", fontsize=10, loc="left")
    ax.grid(linewidth=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
