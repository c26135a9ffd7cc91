"""Item pipelines, in the order they run: clean → validate → de-duplicate → write.

The writer is the only code that opens the output file. It is a pipeline rather than a Scrapy
feed export because it must flush each line before anything records the article as written
(feed exports buffer and write on their own schedule); Scrapy's ``FEEDS`` still works beside it.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from newscrawler.dates import to_utc_iso
from newscrawler.text import html_to_text, normalize_line, normalize_text
from newscrawler.urls import canonical_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["CleanPipeline", "DedupePipeline", "JsonLinesWriter", "ValidatePipeline",
           "output_path"]

STATS_PREFIX = "newscrawler"


class CleanPipeline:
    """Whitespace, entities and stray tags out; dates to UTC ISO; tracking parameters out."""

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        for key in ("url", "feed_url"):
            if adapter.get(key):
                adapter[key] = canonical_url(adapter[key])
        for key in ("title", "language", "image", "category"):
            adapter[key] = normalize_line(adapter.get(key)) or None
        adapter["summary"] = html_to_text(adapter.get("summary")) or None
        adapter["text"] = normalize_text(adapter.get("text")) or None
        adapter["published"] = to_utc_iso(adapter.get("published"))
        for key in ("authors", "tags"):
            values = (normalize_line(v) for v in adapter.get(key) or ())
            adapter[key] = list(dict.fromkeys(v for v in values if v))
        return item


class ValidatePipeline:
    """An article without URL, title or text is not an article: drop it, count the reason."""

    REQUIRED = ("url", "title", "text")

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        for field in self.REQUIRED:
            if not adapter.get(field):
                self.stats.inc_value(f"{STATS_PREFIX}/dropped/no {field}")
                raise DropItem(f"no {field}: {adapter.get('url')}")
        return item


class DedupePipeline:
    """The same article listed by two feeds or reached through two URLs is written once.

    Requests are already de-duplicated by Scrapy's dupefilter on the canonical entry link;
    this catches what only the response tells: two links that redirect to one page.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        url = ItemAdapter(item)["url"]
        if url in self.seen:
            self.stats.inc_value(f"{STATS_PREFIX}/dropped/duplicate")
            raise DropItem(f"duplicate: {url}")
        self.seen.add(url)
        return item


def output_path(template: str, spider_name: str, now: datetime | None = None) -> Path:
    """Expand ``%(name)s`` and ``%(time)s`` the way Scrapy expands ``FEEDS`` URIs."""
    now = now or datetime.now(UTC)
    stamp = now.replace(microsecond=0, tzinfo=None).isoformat().replace(":", "-")
    return Path(template % {"name": spider_name, "time": stamp})


class JsonLinesWriter:
    """Append each article as one UTF-8 JSON line to ``JSONL_OUTPUT``, flushed item by item."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.template = crawler.settings.get("JSONL_OUTPUT")
        self.path: Path | None = None
        self.file: IO[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JsonLinesWriter:
        return cls(crawler)

    def open_spider(self) -> None:
        assert self.crawler.spider is not None
        self.path = output_path(self.template, self.crawler.spider.name)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.file = self.path.open("a", encoding="utf-8", newline="\n")
        self.stats.set_value(f"{STATS_PREFIX}/output", str(self.path))

    def process_item(self, item: Any) -> Any:
        assert self.file is not None
        adapter = ItemAdapter(item)
        self.file.write(json.dumps(adapter.asdict(), ensure_ascii=False) + "\n")
        self.file.flush()
        self.stats.inc_value(f"{STATS_PREFIX}/articles_written")
        self.stats.inc_value(f"{STATS_PREFIX}/articles_written/{adapter['text_source']}")
        return item

    def close_spider(self) -> None:
        if self.file is not None:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
            self.file = None
