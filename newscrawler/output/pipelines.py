"""Item pipelines, in the order they run: clean → validate → filter → de-duplicate → write.

The writer is the only code that opens the output file. It is a pipeline rather than a Scrapy
feed export because it must flush each line before anything records the article as written
(feed exports buffer and write on their own schedule); Scrapy's ``FEEDS`` still works beside it.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.asyncio import CallLaterResult, call_later

from newscrawler import keys
from newscrawler.output.jsonl import (
    json_line,
    last_whole_line,
    output_path,
    parse_period,
    period_start,
    repair_torn_tail,
)
from newscrawler.sources.filters import parse_languages
from newscrawler.state.extension import CrawlState
from newscrawler.state.store import article_keys
from newscrawler.utils.dates import to_utc_iso
from newscrawler.utils.text import html_to_text, normalize_line, normalize_text
from newscrawler.utils.urls import canonical_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["CleanPipeline", "DedupePipeline", "JsonLinesWriter", "LanguageFilterPipeline",
           "ValidatePipeline"]

logger = logging.getLogger(__name__)


class CleanPipeline:
    """Whitespace, entities and stray tags out; dates to UTC ISO; tracking parameters out."""

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        for key in ("url", "feed_url"):
            if adapter.get(key):
                adapter[key] = canonical_url(adapter[key])
        for key in ("title", "language", "image", "category", "publisher"):
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
                self.stats.inc_value(f"{keys.DROPPED}/no {field}")
                raise DropItem(f"no {field}: {adapter.get('url')}")
        return item


class LanguageFilterPipeline:
    """``LANGUAGES``: an article in another language is not written; counted by language.

    The language is known only after extraction (sources that declare another one were not
    requested at all). An article whose language cannot be told is written: it is not known
    to be in another language.
    """

    def __init__(self, crawler: Crawler, languages: frozenset[str]) -> None:
        self.stats = crawler.stats
        self.languages = languages

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LanguageFilterPipeline:
        languages = parse_languages(crawler.settings.get("LANGUAGES"))
        if not languages:
            raise NotConfigured("LANGUAGES is empty: every language is written")
        return cls(crawler, languages)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        language = adapter.get("language")
        if language and language not in self.languages:
            self.stats.inc_value(f"{keys.FILTERED_LANGUAGE}/{language}")
            # a filter doing its job, not a problem: Scrapy would log each drop as a warning
            raise DropItem(f"language {language}: {adapter.get('url')}", log_level="DEBUG")
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
            self.stats.inc_value(f"{keys.DROPPED}/duplicate")
            raise DropItem(f"duplicate: {url}")
        self.seen.add(url)
        return item


class JsonLinesWriter:
    """Append each article as one UTF-8 JSON line to ``JSONL_OUTPUT``, flushed item by item.

    Only after the line is flushed is the article recorded in the state store: a kill between
    the two writes the article again next run (at most one duplicate), never loses it. A torn
    last line that a kill left in an earlier output is moved aside when the next run starts.

    With ``JSONL_ROTATE`` the output rolls to a new file (named for its period's start) at every
    period boundary: a timer closes the file at the boundary, flushed and synced, and the next
    item opens the next one, so a downstream job can take every file but the newest.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.template = crawler.settings.get("JSONL_OUTPUT")
        self.rotate = parse_period(crawler.settings.get("JSONL_ROTATE"))
        self.path: Path | None = None
        self.file: IO[str] | None = None
        self.file_period: datetime | None = None  # with JSONL_ROTATE: the open file's period
        self.timer: CallLaterResult | None = None
        self.state = CrawlState.of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JsonLinesWriter:
        return cls(crawler)

    def open_spider(self) -> None:
        self.path = self._current_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for earlier in sorted({self.path, *self._earlier_outputs()}):
            if moved := repair_torn_tail(earlier):
                self.stats.inc_value(keys.TORN_LINES_REPAIRED)
                logger.warning("moved a torn last line (%d bytes) of %s to %s.torn",
                               moved, earlier, earlier.name)
            self._record_last_line(earlier)
        if self.rotate:
            self._arm_rotation()  # files open with their first item: no empty files
        else:
            self._open()

    def _current_path(self) -> Path:
        spider = self.crawler.spider
        assert spider is not None
        now = datetime.now(UTC)
        if self.rotate:
            self.file_period = now = period_start(now, self.rotate)
        return output_path(self.template, spider.name, now=now,
                           job=getattr(spider, "_job", None))

    def _open(self) -> None:
        assert self.path is not None
        self.file = self.path.open("a", encoding="utf-8", newline="\n")
        self.stats.set_value(keys.OUTPUT, str(self.path))
        if self.rotate:
            logger.info("output file opened: %s", self.path)

    def _close_file(self) -> None:
        if self.file is not None:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
            self.file = None
            logger.info("output file closed: %s", self.path)

    def _arm_rotation(self) -> None:
        now = datetime.now(UTC).timestamp()
        self.timer = call_later(self.rotate - now % self.rotate, self._period_ended)

    def _period_ended(self) -> None:
        self._close_file()
        self._arm_rotation()

    def _file_for_now(self) -> IO[str]:
        """The open output file; with rotation, the one of the current period (opened now)."""
        if self.rotate and (self.file is None or self.file_period
                            != period_start(datetime.now(UTC), self.rotate)):
            self._close_file()  # the timer may not have run yet: never two files open
            self.path = self._current_path()
            self._open()
        assert self.file is not None
        return self.file

    def _record_last_line(self, path: Path) -> None:
        """A kill between "line flushed" and "article recorded" leaves exactly one article
        unrecorded: the last whole line of that output. Recording it now makes the next run
        skip it, so a kill costs no duplicate at all."""
        line = last_whole_line(path)
        if self.state is None or not line:
            return
        try:
            item = json.loads(line)
        except ValueError:
            return
        if isinstance(item, dict) and item.get("url"):
            self.state.store.mark_written(article_keys(item["url"], item.get("feed_url"),
                                                       item.get("entry_id")))

    def _earlier_outputs(self) -> list[Path]:
        """Outputs of earlier runs of the same template (time, host, pid or job differ)."""
        assert self.crawler.spider is not None
        template = self.template
        for varying in ("%(time)s", "%(host)s", "%(pid)s", "%(job)s"):
            template = template.replace(varying, "*")
        pattern = output_path(template, self.crawler.spider.name)
        return [p for p in pattern.parent.glob(pattern.name) if p.is_file()]

    def process_item(self, item: Any) -> Any:
        file = self._file_for_now()
        adapter = ItemAdapter(item)
        file.write(json_line(item) + "\n")
        file.flush()
        if self.state is not None:
            self.state.store.mark_written(article_keys(adapter["url"], adapter.get("feed_url"),
                                                       adapter.get("entry_id")))
        self.stats.inc_value(keys.ARTICLES_WRITTEN)
        self.stats.inc_value(f"{keys.ARTICLES_WRITTEN}/{adapter['text_source']}")
        return item

    def close_spider(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self._close_file()
