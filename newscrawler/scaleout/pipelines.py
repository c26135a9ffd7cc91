"""The scale-out item pipeline: an article is written once per crawl, whichever worker fetched it.

:class:`ClusterDedupePipeline` drops what a request re-queued from a killed worker can produce
twice (docs/scaling.md, "How it works").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured

from newscrawler import keys
from newscrawler.scaleout.state import RedisState
from newscrawler.state.extension import CrawlState
from newscrawler.state.store import article_keys

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["ClusterDedupePipeline"]


class ClusterDedupePipeline:
    """Drop an article another worker (or this one) already wrote in this crawl.

    A request re-queued from a killed worker may have had its article written just before the
    kill; fetching it again is harmless, writing it twice is not. Runs just before the writer.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        state = CrawlState.of(crawler)
        if state is None or not isinstance(state.store, RedisState):
            raise NotConfigured("ClusterDedupePipeline needs the Redis state store "
                                "(STATE_STORE, set by the scale-out add-on)")
        self.store: RedisState = state.store

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ClusterDedupePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        if self.store.written_in_crawl(article_keys(
                adapter["url"], adapter.get("feed_url"), adapter.get("entry_id"))):
            self.crawler.stats.inc_value(f"{keys.DROPPED}/written by another worker")
            raise DropItem(f"already written in this crawl: {adapter['url']}", log_level="INFO")
        return item
