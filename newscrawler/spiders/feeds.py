"""The feeds spider: decides WHAT to fetch. Parsing, extraction and reporting live elsewhere."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from typing import Any

import scrapy
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from newscrawler import keys
from newscrawler import signals as news_signals
from newscrawler.archive.extension import WarcArchive
from newscrawler.errors import ConfigError
from newscrawler.extraction.pool import ExtractionFailed, ExtractionPool, default_workers
from newscrawler.items import Article
from newscrawler.politeness.robots import prefetch_robots
from newscrawler.rendering.routing import article_meta, browser_retry, should_retry_in_browser
from newscrawler.report.failures import describe_failure
from newscrawler.safety.middleware import BlockedAddress
from newscrawler.sources.discovery import discover_feed_links
from newscrawler.sources.feed import FeedEntry
from newscrawler.sources.feedlist import load_feed_list
from newscrawler.sources.listtypes import FeedList, FeedListError, FeedSource
from newscrawler.spiders.pages import ArticlePages, now_iso, response_headers
from newscrawler.state.conditional import is_not_modified
from newscrawler.state.extension import CrawlState
from newscrawler.state.store import article_keys, open_store
from newscrawler.utils.urls import canonical_url

# Within a site, feeds go before articles: every site's chain of requests starts at once.
FEED_PRIORITY = 10
ARTICLE_PRIORITY = 0


@dataclass(frozen=True, slots=True)
class FeedContext:
    """What a feed's requests carry from the feed list: plain values, so JOBDIR can pickle them."""

    category: str | None = None
    render: str | None = None
    discovered_from: str | None = None  # the home page this feed was found on

    @classmethod
    def of(cls, source: FeedSource) -> FeedContext:
        return cls(category=source.category, render=source.render)

    def discovered_at(self, page_url: str) -> FeedContext:
        return replace(self, discovered_from=page_url)


class FeedsSpider(scrapy.Spider):
    name = "feeds"

    def __init__(self, feeds: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.feed_list: FeedList = self.load_feeds(feeds)
        self.extractor: ExtractionPool | None = None
        self.pages: ArticlePages | None = None
        self.archive: WarcArchive | None = None
        self.crawl_state: CrawlState | None = None  # not "state": JOBDIR owns spider.state
        self._robots_prefetch: list[Any] = []  # keeps the prefetch tasks alive

    @staticmethod
    def load_feeds(feeds: str | None) -> FeedList:
        try:
            return load_feed_list(feeds)
        except FeedListError as exc:
            raise ConfigError(str(exc)) from exc

    @classmethod
    def validate_arguments(cls, settings: BaseSettings, arguments: dict[str, Any]) -> None:
        """Called by the crawl command before the reactor starts: fail fast, one line."""
        cls.load_feeds(arguments.get("feeds"))
        open_store(settings).close()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> FeedsSpider:
        # -a recrawl=1 is the RECRAWL setting for this run (settings freeze after the spider)
        if (recrawl := kwargs.pop("recrawl", None)) is not None:
            crawler.settings.set("RECRAWL", _is_true(recrawl), priority="spider")
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(spider._spider_closed, signal=signals.spider_closed)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        assert self.extractor is not None
        self._send(news_signals.feeds_listed, count=len(self.feed_list.sources))
        self.logger.info("starting %d extraction workers", self.extractor.workers)
        await self.extractor.warm_up()
        for problem in self.feed_list.problems:
            self.logger.warning("feed list: %s", problem)
        urls = [source.url for source in self.feed_list.sources]
        if self.settings.getbool("ROBOTSTXT_PREFETCH"):
            self._robots_prefetch = prefetch_robots(self.crawler, urls)
        for source in self.feed_list.sources:
            yield self.feed_request(source.url, FeedContext.of(source))

    # feeds

    def feed_request(self, url: str, context: FeedContext) -> Request:
        return Request(
            url,
            callback=self.parse_feed,
            errback=self.feed_error,
            priority=FEED_PRIORITY,
            cb_kwargs={"context": context},
            meta={keys.FEED_URL: url, keys.FEED_CATEGORY: context.category,
                  keys.HANDLE_HTTPSTATUS_LIST: [304]},
        )

    async def parse_feed(self, response: Response, context: FeedContext
                         ) -> AsyncIterator[Request]:
        feed_url = response.meta[keys.FEED_URL]
        if is_not_modified(response):
            self._send(news_signals.feed_not_modified, url=feed_url)
            return
        assert self.extractor is not None
        try:
            parsed = await self.extractor.parse_feed(response.body, response.url,
                                                     response_headers(response))
        except ExtractionFailed as exc:
            self._send(news_signals.feed_failed, url=feed_url, reason=str(exc))
            return
        if not parsed.ok and not context.discovered_from:
            discovered = discover_feed_links(response.body, response.url)
            if discovered:
                # A home page in the list: follow the first feed it announces.
                yield self.feed_request(discovered[0], context.discovered_at(feed_url))
                return
        if not parsed.ok:
            self._send(news_signals.feed_failed, url=feed_url, reason=parsed.problem)
            return
        for link, reason in parsed.skipped_links:
            self.logger.info("feed %s: skipped entry link %r: %s", feed_url, link, reason)
        self._send(news_signals.feed_fetched, url=feed_url, entries=len(parsed.entries),
                   warning=parsed.warning)
        for entry in parsed.entries:
            if self._already_written(entry, response.url):
                self.crawler.stats.inc_value(keys.ARTICLES_SKIPPED_SEEN)
                continue
            yield self.article_request(entry, response.url, context)

    def _already_written(self, entry: FeedEntry, feed_url: str) -> bool:
        if self.crawl_state is None:
            return False
        return self.crawl_state.is_written(
            article_keys(canonical_url(entry.link), canonical_url(feed_url), entry.entry_id))

    def feed_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self._send(news_signals.feed_failed, url=request.meta[keys.FEED_URL],
                   reason=describe_failure(failure))

    # articles

    def article_request(self, entry: FeedEntry, feed_url: str, context: FeedContext) -> Request:
        url = canonical_url(entry.link)
        return Request(
            url,
            callback=self.parse_article,
            errback=self.article_error,
            priority=ARTICLE_PRIORITY,
            cb_kwargs={"entry": entry, "feed_url": feed_url, "category": context.category},
            # the browser's meta when the feed list or RENDER_JS_DOMAINS ask for it
            meta={keys.LISTED_BY: feed_url, **article_meta(url, context.render, self.settings)},
        )

    async def parse_article(
        self, response: Response, entry: FeedEntry, feed_url: str, category: str | None
    ) -> AsyncIterator[Article | Request]:
        assert self.pages is not None
        page, reason = await self.pages.page(response)
        if page is not None and should_retry_in_browser(response, page.text, self.settings):
            # RENDER_JS_FALLBACK: a script app's shell; the browser's page replaces this one
            self.logger.info("rendering %s in the browser: the page is a script app", response.url)
            self.crawler.stats.inc_value(keys.RENDER_FALLBACKS)
            yield browser_retry(response.request, self.settings)
            return
        location = await self.archive.location(response.request) if self.archive else None
        article = self.pages.article(entry, page, url=response.url, feed_url=feed_url,
                                     category=category, fetched_at=now_iso(),
                                     warc=location.as_field() if location else None)
        if (kept := self.pages.outcome(article, response.url, reason)) is not None:
            yield kept

    def article_error(self, failure: Failure) -> Iterator[Article]:
        assert self.pages is not None
        request = failure.request  # type: ignore[attr-defined]
        article = self.pages.without_page(
            request.cb_kwargs["entry"], request.url, describe_failure(failure),
            blocked=bool(failure.check(BlockedAddress)), feed_url=request.cb_kwargs["feed_url"],
            category=request.cb_kwargs["category"], fetched_at=now_iso())
        if article is not None:
            yield article

    # plumbing

    def _send(self, signal: object, **kwargs: Any) -> None:
        self.crawler.signals.send_catch_log(signal, spider=self, **kwargs)

    def _spider_opened(self, spider: scrapy.Spider) -> None:
        self.crawl_state = CrawlState.of(self.crawler)
        self.archive = WarcArchive.of(self.crawler)
        workers = self.settings.getint("EXTRACT_WORKERS") or default_workers()
        self.extractor = ExtractionPool(workers, self.settings.getfloat("EXTRACT_TIMEOUT"),
                                        self.settings.getfloat("FEED_PARSE_TIMEOUT"))
        self.pages = ArticlePages(self.extractor, self.settings, self._send)

    def _spider_closed(self, spider: scrapy.Spider, reason: str) -> None:
        if self.extractor is not None:
            self.extractor.close()


def _is_true(value: str | None) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")
