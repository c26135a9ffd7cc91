"""The crawl process's garbage collector, tuned for a process that keeps many objects alive.

A crawl holds tens of thousands of long-lived objects (queued requests and their feed entries,
the dupefilter, Scrapy's and Twisted's machinery) and allocates fast (a response, its headers,
Deferreds, an item per article). With Python's default thresholds (700, 10, 10) the collector
ran 703 young, 64 middle and 6 full collections in a 1,200-article CPU-bound crawl: 0.51 ms of
the crawl process's CPU per article, each full collection holding the reactor ~70 ms. With a
young threshold of 20,000: 50, 5 and 1, 0.08 ms an article, the same peak RSS: the same garbage
collected in fewer passes (docs/crawl-cost.md).

Not Scrapy's: Scrapy has no setting for it. An extension (Scrapy's mechanism for what a whole
crawl process needs) sets it while the engine runs and restores the thresholds it found when
the engine stops, so a process that builds crawlers without running them (tests) or runs crawls
one after another keeps its own.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["CollectorThreshold"]


class CollectorThreshold:
    """``GC_YOUNG_THRESHOLD``: allocations (net of frees) before a young collection."""

    def __init__(self, young: int) -> None:
        self.young = young
        self.before: tuple[int, int, int] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CollectorThreshold:
        young = crawler.settings.getint("GC_YOUNG_THRESHOLD")
        if young <= 0:
            raise NotConfigured("GC_YOUNG_THRESHOLD is 0: Python's own thresholds")
        extension = cls(young)
        crawler.signals.connect(extension.apply, signal=signals.engine_started)
        crawler.signals.connect(extension.restore, signal=signals.engine_stopped)
        return extension

    def apply(self) -> None:
        self.before = gc.get_threshold()
        gc.set_threshold(self.young, *self.before[1:])

    def restore(self) -> None:
        if self.before is not None:
            gc.set_threshold(*self.before)
            self.before = None
