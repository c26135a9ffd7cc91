"""The warc spider: articles from stored responses, with no network at all.

    scrapy crawl warc -a warc=PATH[,PATH...] [-a domains=...] [-a since=...] [-a languages=...]

Reads WARC files (a crawl's own ``WARC_OUTPUT``, or anyone's: CC-NEWS) and runs the stored
responses through the same extraction (worker pool), merge and pipelines as ``feeds``. Records
are read and decompressed in a thread (``archive/reader.py``), and which record becomes which
article is decided in ``archive/replay.py``; this spider only moves records between the two and
the worker pool, and yields the articles from ``start()``: no request goes out, no download
handler is called, except for a WARC file given as an http(s) URL (``archive/remote.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.settings import BaseSettings

from newscrawler import keys
from newscrawler import signals as news_signals
from newscrawler.archive import replay
from newscrawler.archive.reader import Problem, StoredRecord, WarcReader
from newscrawler.archive.records import ROLE
from newscrawler.archive.remote import RemoteFetchFailed, fetch_into
from newscrawler.archive.sources import WarcSource, expand_sources
from newscrawler.errors import ConfigError
from newscrawler.extraction.pool import ExtractionFailed, ExtractionPool, default_workers
from newscrawler.items import Article
from newscrawler.sources.discovery import is_home_page_url
from newscrawler.sources.filters import (
    is_older_than,
    parse_domains,
    parse_languages,
    parse_since,
    site_wanted,
)
from newscrawler.sources.parsed import FeedEntry, SourceKind
from newscrawler.sources.selection import OLDER_THAN_SINCE, Rules
from newscrawler.sources.source import ReadLimits
from newscrawler.spiders.arguments import ArgumentSettings, check_arguments, set_from_arguments
from newscrawler.spiders.pages import ArticlePages, response_headers
from newscrawler.state.extension import CrawlState
from newscrawler.utils.urls import canonical_url

logger = logging.getLogger(__name__)

BATCH = 32              # records handed over by the reading thread at a time
IN_FLIGHT_PER_WORKER = 4  # pages waiting for or in the pool, per extraction worker
NOT_IN_DOMAINS = "not in domains"
# -a arguments that are settings for this run, with the parser that checks their value: the
# feeds spider's filters (sources/filters.py), and DOMAINS. SINCE and DOMAINS are applied here,
# to the stored records and the articles made of them; LANGUAGES by LanguageFilterPipeline.
ARGUMENT_SETTINGS: ArgumentSettings = {
    "domains": ("DOMAINS", parse_domains),
    "since": ("SINCE", lambda value: parse_since(value, datetime.now(UTC))),
    "languages": ("LANGUAGES", parse_languages),
}

Entries = dict[str, FeedEntry]   # a stored feed's entries by canonical link


class WarcSpider(scrapy.Spider):
    name = "warc"

    def __init__(self, warc: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.warc = warc
        self.sources: list[WarcSource] = []   # set by from_crawler: s3:// needs the settings
        self.domains: frozenset[str] = frozenset()  # DOMAINS and SINCE, set as the run starts
        self.since: datetime | None = None
        self.pool: ExtractionPool | None = None
        self.pages: ArticlePages | None = None
        self.reader: WarcReader | None = None
        self.ledger = replay.Ledger()
        self.feed_ledger = replay.FeedLedger()
        self._feeds: dict[str, asyncio.Future[Entries]] = {}
        self._categories: dict[str, str | None] = {}
        self.limits = ReadLimits()
        self._tasks: set[asyncio.Future[list[Article]]] = set()

    @staticmethod
    def load_sources(warc: str | None, settings: BaseSettings | None) -> list[WarcSource]:
        return expand_sources(warc, settings)

    @classmethod
    def validate_arguments(cls, settings: BaseSettings, arguments: dict[str, Any]) -> None:
        """Called by the crawl command before the reactor starts: fail fast, one line."""
        cls.load_sources(arguments.get("warc"), settings)
        check_arguments(ARGUMENT_SETTINGS, arguments)

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        # Re-extraction remembers nothing between runs and leaves the crawl's memory alone.
        settings.set_in_component_priority_dict("EXTENSIONS", CrawlState, None)
        # at the spider's priority: the crawl command's settings are applied again afterwards
        settings.set("EXTENSIONS", settings.getdict("EXTENSIONS"), priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> WarcSpider:
        set_from_arguments(ARGUMENT_SETTINGS, crawler.settings, kwargs)
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.sources = cls.load_sources(spider.warc, crawler.settings)
        crawler.signals.connect(spider._spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(spider._spider_closed, signal=signals.spider_closed)
        return spider

    # reading

    async def start(self) -> AsyncIterator[Article]:
        assert self.pool is not None and self.reader is not None
        logger.info("reading %d WARC files with %d extraction workers", len(self.sources),
                    self.pool.workers)
        await self.pool.warm_up()
        limit = IN_FLIGHT_PER_WORKER * self.pool.workers
        for source in self.sources:
            async for record in self._records(source):
                self._dispatch(record)
                while len(self._tasks) >= limit:
                    for article in await self._next_done():
                        yield article
        while self._tasks:
            for article in await self._next_done():
                yield article
        for article in self._remaining():
            yield article
        self._count_stats()

    async def _records(self, source: WarcSource) -> AsyncIterator[StoredRecord]:
        """The records of one file, read in a thread, a batch at a time."""
        assert self.reader is not None
        with contextlib.ExitStack() as stack:
            path = source.name
            if source.remote:
                spool = stack.enter_context(tempfile.NamedTemporaryFile(suffix=".warc"))
                try:
                    fetched = await fetch_into(self.crawler, source.name, spool)
                except RemoteFetchFailed as exc:
                    self._problem(f"{source.name}: cannot fetch it: {exc}")
                    return
                spool.flush()
                logger.info("fetched %s (%d bytes)", source.name, fetched)
                path = spool.name
            try:
                handle = stack.enter_context(Path(path).open("rb"))
            except OSError as exc:
                self._problem(f"{source.name}: cannot open it: {exc.strerror or exc}")
                return
            self.crawler.stats.inc_value(keys.WARC_READ_FILES)
            records = self.reader.read(source.name, handle, path)
            while batch := await asyncio.to_thread(_take, records, BATCH):
                for item in batch:
                    if isinstance(item, Problem):
                        self._problem(str(item))
                    else:
                        yield item

    def _wanted(self, get: Callable[[str], str | None]) -> bool:
        """Read a record's payload only if its site is wanted (feeds always are: an article's
        entry is in its feed, which may be on another site)."""
        return get(ROLE) == "feed" or site_wanted(get("WARC-Target-URI") or "", self.domains)

    def _recent(self, article: Article) -> bool:
        """SINCE: whether ``article`` is not older (an undated one is kept); counted if not.

        The feeds spider applies SINCE to entries before requesting them; a stored page was
        fetched already, and a CC-NEWS page has no entry: its date is the page's."""
        if is_older_than(article.published, self.since):
            self.crawler.stats.inc_value(f"{keys.DROPPED}/{OLDER_THAN_SINCE}")
            return False
        return True

    # what each record is

    def _dispatch(self, record: StoredRecord) -> None:
        (kind, outcome), why = replay.classify(record)
        if kind == "skip":
            if why:
                self.crawler.stats.inc_value(f"{keys.WARC_READ_SKIPPED}/{why}")
        elif kind == "page":
            self._start(self._page(record))
        elif kind == "feed":
            self._feed(record, outcome)
        else:
            key = replay.article_key(record)
            number = self.ledger.arrived(key)
            if number is None:
                pass  # already written: nothing later changes it
            elif outcome == "ok":
                self._start(self._article(record, key, number))
            else:
                self.ledger.hold(key, replay.failure_of(record))

    def _feed(self, record: StoredRecord, outcome: replay.Outcome | None) -> None:
        assert record.context is not None and record.context.feed is not None
        listed = record.context.feed
        if outcome == "ok":
            self._feeds[record.url] = asyncio.ensure_future(self._parse_feed(record, listed))
            self._categories[record.url] = record.context.category
        elif outcome == "not-modified":
            self.feed_ledger.seen(listed)
            self._send(news_signals.feed_not_modified, url=listed)  # its line: source None
        else:
            self.feed_ledger.seen(listed, replay.failure_of(record).reason)

    def _start(self, work: Any) -> None:
        self._tasks.add(asyncio.ensure_future(work))

    async def _next_done(self) -> list[Article]:
        done, self._tasks = await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
        articles = []
        for task in done:
            try:
                articles += task.result()
            except Exception:  # a bug on one record must not end the run, as in a callback
                logger.exception("re-extracting a record failed")
                self.crawler.stats.inc_value("spider_exceptions/count")
        return articles

    async def _parse_feed(self, record: StoredRecord, listed: str) -> Entries:
        """The entries of a stored feed, parsed in the pool as the crawl parsed them."""
        assert self.pool is not None
        try:
            # every entry: the crawl's filters decided what it fetched; SINCE applies to the
            # articles (their date may be the page's) and LANGUAGES in LanguageFilterPipeline
            parsed = await self.pool.read_source(record.body, record.url,
                                                 response_headers(_response(record)),
                                                 self.limits, Rules())
        except ExtractionFailed as exc:
            self.feed_ledger.seen(listed, str(exc))
            return {}
        if parsed.kind is SourceKind.HTML_PAGE:
            if parsed.feed_links or is_home_page_url(record.url):
                self.feed_ledger.forget(listed)  # a home page: its feed's or sitemap's follows
            else:
                self.feed_ledger.seen(listed, "an HTML page, not a feed")
            return {}
        if not parsed.ok:
            self.feed_ledger.seen(listed, parsed.problem)
            return {}
        self.feed_ledger.seen(listed)
        self._send(news_signals.feed_fetched, url=listed, entries=parsed.listed,
                   warning=parsed.warning, kind=parsed.kind)
        entries: Entries = {}
        for entry in parsed.entries:
            entries.setdefault(canonical_url(entry.link), entry)  # the crawl requested the first
        return entries

    async def _listing(self, key: replay.ArticleKey) -> tuple[FeedEntry, str | None]:
        """The feed entry of the article ``key`` and the category of its feed."""
        feed_url, link = key
        feed = self._feeds.get(feed_url or "")
        entry = (await feed).get(link) if feed is not None else None
        if entry is None:
            self.crawler.stats.inc_value(keys.WARC_READ_WITHOUT_FEED)
            return FeedEntry(link=link), None
        return entry, self._categories.get(feed_url or "")

    async def _article(self, record: StoredRecord, key: replay.ArticleKey, number: int
                       ) -> list[Article]:
        """A stored article page, with its feed entry, as the feeds spider made it."""
        assert self.pages is not None
        entry, category = await self._listing(key)
        page, reason = await self.pages.page(_response(record))
        if not self.ledger.is_latest(key, number):
            return []  # a later record of this article (a retry, the browser's) decides
        article = self.pages.article(entry, page, url=record.url, feed_url=key[0],
                                     category=category, fetched_at=replay.fetched_at(record)
                                     or "", warc=record.location.as_field())
        if page is not None and replay.may_be_replaced(record, page.text,
                                                       self.pages.min_text_chars):
            self.ledger.hold(key, replay.Held(article, reason))
            return []
        self.ledger.settle(key)
        kept = self.pages.outcome(article, record.url, reason)
        return [kept] if kept is not None and self._recent(kept) else []

    async def _page(self, record: StoredRecord) -> list[Article]:
        """A page from another crawler's archive (CC-NEWS): an article of its own."""
        assert self.pages is not None
        page, reason = await self.pages.page(_response(record))
        article = self.pages.article(FeedEntry(link=record.url), page, url=record.url,
                                     feed_url=None, category=None,
                                     fetched_at=replay.fetched_at(record) or "",
                                     warc=record.location.as_field(),
                                     source=record.location.file)
        kept = self.pages.outcome(article, record.url, reason)
        return [kept] if kept is not None and self._recent(kept) else []

    def _remaining(self) -> Iterator[Article]:
        """What the last records of articles still left open decide."""
        assert self.pages is not None
        for key, pending in self.ledger.remaining():
            if isinstance(pending, replay.Held):
                kept = self.pages.outcome(pending.article, pending.article.url, pending.reason)
            elif isinstance(pending, replay.Failed):
                feed = self._feeds.get(key[0] or "")
                entries = feed.result() if feed is not None and feed.done() else {}
                kept = self.pages.without_page(
                    entries.get(key[1]) or FeedEntry(link=key[1]), pending.url, pending.reason,
                    blocked=pending.blocked, feed_url=key[0],
                    category=self._categories.get(key[0] or ""), fetched_at=pending.fetched_at)
            else:
                kept = None
            if kept is not None and self._recent(kept):
                yield kept

    # plumbing

    def _problem(self, where_and_why: str) -> None:
        self.crawler.stats.inc_value(keys.WARC_READ_PROBLEMS)
        self._send(news_signals.archive_problem, problem=where_and_why)

    def _count_stats(self) -> None:
        assert self.reader is not None
        stats = self.crawler.stats
        stats.set_value(keys.WARC_READ_RECORDS, self.reader.counts["records"])
        if self.reader.counts["skipped"]:
            stats.set_value(f"{keys.WARC_READ_SKIPPED}/{NOT_IN_DOMAINS}",
                            self.reader.counts["skipped"])
        self._send(news_signals.feeds_listed, count=self.feed_ledger.listed())
        for url, reason in self.feed_ledger.failures():
            self._send(news_signals.feed_failed, url=url, reason=reason)

    def _send(self, signal: object, **kwargs: Any) -> None:
        self.crawler.signals.send_catch_log(signal, spider=self, **kwargs)

    def _spider_opened(self, spider: scrapy.Spider) -> None:
        settings = self.settings
        try:
            self.domains = parse_domains(settings.get("DOMAINS"))
            self.since = parse_since(settings.get("SINCE"), datetime.now(UTC))
        except ValueError as exc:  # the crawl command checked them: only reached without it
            raise ConfigError(f"a filter setting {exc}") from None
        self.limits = ReadLimits(max_bytes=settings.getint("DOWNLOAD_MAXSIZE"),
                                 warn_bytes=settings.getint("DOWNLOAD_WARNSIZE"),
                                 max_urls=settings.getint("SITEMAP_MAX_URLS"))
        workers = self.settings.getint("EXTRACT_WORKERS") or default_workers()
        self.pool = ExtractionPool(workers, self.settings.getfloat("EXTRACT_TIMEOUT"),
                                   self.settings.getfloat("FEED_PARSE_TIMEOUT"))
        self.pages = ArticlePages(self.pool, self.settings, self._send)
        self.reader = WarcReader(self.settings.getint("DOWNLOAD_MAXSIZE"), self._wanted)

    def _spider_closed(self, spider: scrapy.Spider, reason: str) -> None:
        for task in self._tasks:
            task.cancel()
        if self.pool is not None:
            self.pool.close()


def _take(records: Iterator[StoredRecord | Problem], count: int
          ) -> list[StoredRecord | Problem]:
    """Up to ``count`` records (run in the reading thread: reading decompresses)."""
    return list(itertools.islice(records, count))


def _response(record: StoredRecord) -> Response:
    """The stored response as Scrapy's downloader would have handed it to the spider."""
    headers = Headers(list(record.headers))
    response_class = responsetypes.from_args(headers=headers, url=record.url, body=record.body)
    return response_class(url=record.url, status=record.status or 200, headers=headers,
                          body=record.body)


__all__ = ["WarcSpider"]
