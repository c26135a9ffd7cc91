"""The crawl's stats collector: Scrapy's MemoryStatsCollector, without a Python call around
every attribute read.

Scrapy 2.19's ``StatsCollector.__getattribute__`` wraps each stats method, on its first read,
in a check that warns about a deprecated ``spider`` argument, and it runs on every attribute
read (``inc_value``, then ``_stats`` inside it, the latter through a caught AttributeError):
1.6 us an ``inc_value`` against 0.1 us without it. The crawl process counts ~16 stats an article
(Scrapy's downloader and core stats, ours), ~25 us an article. The methods, their arguments and
the stats are Scrapy's own; only the deprecation warning for a ``spider`` argument is gone,
and none of our components passes one.
"""

from __future__ import annotations

from scrapy.statscollectors import MemoryStatsCollector

__all__ = ["CrawlStats"]


class CrawlStats(MemoryStatsCollector):
    """``STATS_CLASS``: Scrapy's in-memory stats, read as plain attributes."""

    __getattribute__ = object.__getattribute__
