"""The ``CrawlState`` extension: opens the run's state store and hands it to every component.

Components find it with ``CrawlState.of(crawler)`` (Scrapy's ``crawler.get_extension``), never
through attributes of the spider, so a middleware or pipeline works the same under any spider.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from scrapy import signals

from newscrawler import keys
from newscrawler.state.store import StateStore, open_store

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

__all__ = ["CrawlState"]

DAY = 86400.0
PRUNE_BATCH = 10_000        # keys forgotten per statement: each a short transaction
WATCH_PRUNE_EVERY = 3600.0  # seconds: a crawl that never closes prunes when idle, this often


class CrawlState:
    """The store of this run (``STATE_STORE``) and whether to ignore it (``RECRAWL``).

    With ``RECRAWL`` the store is still written (what this run writes is remembered), but
    nothing read from it decides what to fetch: no article is skipped as seen, no feed is asked
    for with its validators.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.store: StateStore = open_store(crawler.settings)
        self.recrawl = crawler.settings.getbool("RECRAWL")
        self.retention = crawler.settings.getfloat("STATE_RETENTION_DAYS") * DAY
        self.clock = time.time
        self.pruned_at = float("-inf")
        crawler.signals.connect(self._spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self._spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self._spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlState:
        return cls(crawler)

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlState | None:
        """The run's CrawlState, or None when the extension is turned off."""
        return crawler.get_extension(cls)

    def is_written(self, keys_: list[str]) -> bool:
        """Written by an earlier run, and the run is not told to ignore that."""
        return not self.recrawl and self.store.is_written(keys_)

    def prune(self) -> int:
        """Forget the articles written before STATE_RETENTION_DAYS (0: never)."""
        if not self.retention:
            return 0
        now = self.clock()
        self.pruned_at = now
        forgotten = self.store.prune_written(now - self.retention, PRUNE_BATCH)
        if forgotten:
            self.crawler.stats.inc_value(keys.ARTICLES_FORGOTTEN, forgotten)
        return forgotten

    def _spider_opened(self, spider: Spider) -> None:
        self.prune()

    def _spider_idle(self, spider: Spider) -> None:
        # Idle: no request in progress, every polled feed's articles written or failed. A run
        # that finishes passes here last; watch mode, which never finishes, passes here often.
        self._commit_validators()
        if self.clock() - self.pruned_at >= WATCH_PRUNE_EVERY:
            self.prune()

    def _spider_closed(self, spider: Spider, reason: str) -> None:
        if reason == "finished":
            # Only a clean finish may store validators: see state/store.py.
            self._commit_validators()
        try:
            self.prune()
        finally:  # a store that failed to prune (Redis gone) is still closed
            self.store.close()

    def _commit_validators(self) -> None:
        stored = self.store.commit_validators()
        if stored or self.crawler.stats.get_value(keys.FEED_VALIDATORS_STORED) is None:
            self.crawler.stats.inc_value(keys.FEED_VALIDATORS_STORED, stored)
