"""CPU time per page of extract() variants, measured in this one process."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any

from bench.scoring import CorpusPage
from newscrawler.extraction.page import ExtractOptions, extract


@dataclass(frozen=True)
class Variant:
    name: str
    options: ExtractOptions | None      # None: plain trafilatura.extract(html, **plain)
    as_text: bool = False               # str input (Scrapy's response.text) instead of bytes
    plain: tuple[tuple[str, Any], ...] = ()   # trafilatura.extract's keyword arguments

    def run(self, html: bytes | str, url: str) -> str | None:
        """This variant's text of one page."""
        if self.options is None:
            import trafilatura

            return trafilatura.extract(html, **dict(self.plain))
        return extract(html, url, options=self.options).text


# The issue's reference: plain trafilatura without comments (news pages' comments are no
# article), balanced mode, tables, its own txt output.
PLAIN = Variant("trafilatura.extract(include_comments=False)", None,
                plain=(("include_comments", False),))


def time_variants(pages: list[CorpusPage], variants: list[Variant], repeats: int) -> list[dict]:
    """CPU time per page of each variant, in THIS one process.

    Pages and variants are interleaved (page 1 with every variant, then page 2...) so that the
    noise of a shared machine hits all variants alike, and each (variant, page) keeps the best
    of ``repeats`` runs. One warm-up run per variant first (model loading, regex compiling).
    """
    def runner(variant: Variant) -> Any:
        inputs = [response_text(p) if variant.as_text else p.html for p in pages]
        return lambda i: variant.run(inputs[i], pages[i].url)

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


def response_text(page: CorpusPage) -> str:
    """What the spider gets from ``response.text`` (no charset in the HTTP header here)."""
    from scrapy.http import HtmlResponse

    return HtmlResponse(page.url, body=page.html, headers={"Content-Type": "text/html"}).text
