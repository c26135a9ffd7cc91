"""Figures computed from a monitored crawl (RSS, queue, CPU), and the single-core reference
pass of extract() in this process."""

from __future__ import annotations

import math
import statistics
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import psutil

from bench import harness
from simweb import NewsWeb, Page, Site, serve

REFERENCE_SAMPLE = 150  # at most this many distinct pages in a single-core reference pass


def reference_pages(make: Callable[[], NewsWeb], from_corpus: bool
                    ) -> list[tuple[bytes, str, float]]:
    """(bytes, url, weight) of the pages the reference extracts; weights add up to N."""
    web = make()
    pages = [(site, path, site.pages[path]) for site in web.sites for path in site.pages]
    total = len(pages)
    if from_corpus:
        counts: dict[str | None, list[Any]] = {}
        for site, path, page in pages:
            counts.setdefault(page.corpus_id, [site, path, page, 0])[3] += 1
        chosen = [(s, p, pg, float(n)) for s, p, pg, n in counts.values()]
    else:
        step = max(1, math.ceil(total / REFERENCE_SAMPLE))
        picked = pages[::step]
        chosen = [(s, p, pg, total / len(picked)) for s, p, pg in picked]
    bodies = served_pages(web, [(site, path, page) for site, path, page, _ in chosen])
    return [(body, url, weight) for (body, url), (*_, weight) in zip(bodies, chosen,
                                                                     strict=True)]


def served_pages(web: NewsWeb, pages: list[tuple[Site, str, Page]]) -> list[tuple[bytes, str]]:
    """(bytes, url) of ``pages`` exactly as the crawler gets them from the simulated web."""
    out = []
    with serve(web) as running:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        for site, path, page in pages:
            url = running.url(site.name, path)
            if page.html is not None:
                body = page.html
            else:  # generated on request: fetch it
                with opener.open(url, timeout=30) as response:
                    body = response.read()
            out.append((body, url))
    return out


def _ours(body: bytes, url: str) -> object:
    from newscrawler.extraction.page import extract

    return extract(body, url)


def _bare(body: bytes, url: str) -> object:
    """Plain trafilatura with metadata: the cost a page cannot go below with trafilatura."""
    import trafilatura

    return trafilatura.bare_extraction(body, url=url, with_metadata=True)


# the single-core references a crawl is compared with, by name
REFERENCES: dict[str, Callable[[bytes, str], object]] = {
    "bare_extraction": _bare, "extract()": _ours}


def reference_pass(sample: list[tuple[bytes, str, float]], reference: str = "extract()"
                   ) -> dict[str, float]:
    """Time one of the ``REFERENCES`` on the sample in this process: a single-core rate."""
    extract = REFERENCES[reference]
    extract(sample[0][0], sample[0][1])  # imports, caches, the language model: not timed
    wall = cpu = 0.0
    machine_before, t_before, own_before = _busy(), time.perf_counter(), time.process_time()
    for body, url, weight in sample:
        t, c = time.perf_counter(), time.process_time()
        extract(body, url)
        wall += (time.perf_counter() - t) * weight
        cpu += (time.process_time() - c) * weight
    span = time.perf_counter() - t_before
    other = (_busy() - machine_before - (time.process_time() - own_before)) / span
    pages = sum(w for _, _, w in sample)
    return {"pages": pages, "seconds": wall, "cpu_seconds": cpu, "rate": pages / wall,
            "cpu_share": cpu / wall, "other_cores": max(0.0, other), "at": time.time()}


def _busy() -> float:
    """CPU seconds all cores of the machine have been busy (every process)."""
    t = psutil.cpu_times()
    return t.user + t.nice + t.system + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0) + \
        getattr(t, "steal", 0.0)


def rss_at_quarters(run: harness.CrawlRun) -> list[dict[str, float]]:
    """RSS when 25/50/75 % of the articles were written, and at the last write (100 %)."""
    live = [s for s in run.samples if s.rss_main]
    if not live:
        return []
    out = []
    final = run.written
    last_write = run.last_write or run.ended
    for quarter in (0.25, 0.5, 0.75, 1.0):
        if quarter < 1.0:
            target = math.ceil(final * quarter)
            sample = next((s for s in live if s.written >= target), live[-1])
        else:  # the pool is shut down right after the last write: take the sample before it
            before = [s for s in live if s.t <= last_write + harness.POLL_SECONDS / 2]
            sample = before[-1] if before else live[-1]
        out.append({"quarter": quarter, "written": sample.written,
                    "main_mb": sample.rss_main / harness.MB,
                    "workers_mb": sample.rss_children / harness.MB,
                    "total_mb": (sample.rss_main + sample.rss_children) / harness.MB,
                    "t_s": sample.t - run.started})
    return out


def projected_speedup(record: dict[str, Any], cores: int, ref_ms: float) -> float | None:
    """The x-single-core rate the crawl would reach if it had ``cores`` cores to itself.

    From CPU seconds, which the noise of a shared machine does not inflate the way it does
    wall time: the crawl needs w ms of worker CPU and r ms of crawl-process CPU per article,
    the reference ``ref_ms`` ms per page. The rate is capped by the workers (at most one core
    each) and by all the CPU the crawl needs sharing ``cores``. The simulated web and the
    monitor are left out: on a real crawl they are not on the crawler's cores. A projection,
    not a measurement.
    """
    ms = record.get("cpu_ms_per_article_in_window") or {}
    if not ms or not ref_ms or not ms.get("workers"):
        return None
    workers = int(record["settings"].get("EXTRACT_WORKERS", "0")) or cores
    total = ms["workers"] + ms.get("crawl_process", 0.0)
    rate = min(min(workers, cores) / ms["workers"], cores / total)  # articles per ms
    return rate * ref_ms


def queue_peak(run: harness.CrawlRun) -> dict[str, float] | None:
    """When the scheduler held the most requests, and the RSS of the crawl process then."""
    if not run.progress:
        return None
    when, written, queued, _active = max(run.progress, key=lambda p: p[2])
    live = [s for s in run.samples if s.rss_main]
    if not live:
        return None
    sample = min(live, key=lambda s: abs(s.t - when))
    return {"t_s": when - run.started, "queued": queued, "written": written,
            "main_mb": sample.rss_main / harness.MB}


def rss_fit(run: harness.CrawlRun) -> dict[str, float]:
    """Least squares of RSS against articles written, from 5 % of the articles on."""
    points = [s for s in run.samples if s.rss_main and s.written >= 0.05 * run.written]
    out: dict[str, float] = {}
    for name, value in (("main", lambda s: s.rss_main),
                        ("total", lambda s: s.rss_main + s.rss_children)):
        xs = [float(s.written) for s in points]
        ys = [value(s) / 1024 for s in points]  # KB
        if len(set(xs)) < 2:
            out[f"{name}_kb_per_article"], out[f"{name}_r2"] = 0.0, 0.0
            continue
        slope, intercept = statistics.linear_regression(xs, ys)
        mean = statistics.fmean(ys)
        total = sum((y - mean) ** 2 for y in ys)
        resid = sum((y - (slope * x + intercept)) ** 2 for x, y in zip(xs, ys, strict=True))
        out[f"{name}_kb_per_article"] = slope
        out[f"{name}_r2"] = 1 - resid / total if total else 0.0
    return out
