"""The feeds spider: decides WHAT to fetch. Parsing, extraction and reporting live elsewhere."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from newscrawler import keys
from newscrawler import signals as news_signals
from newscrawler.errors import ConfigError
from newscrawler.extraction.merge import build_article
from newscrawler.extraction.page import PageFields
from newscrawler.extraction.pool import ExtractionFailed, ExtractionPool, default_workers
from newscrawler.items import Article
from newscrawler.politeness.robots import prefetch_robots
from newscrawler.rendering.routing import article_meta, browser_retry, should_retry_in_browser
from newscrawler.report.failures import describe_failure
from newscrawler.safety.middleware import BlockedAddress
from newscrawler.schedule.extension import PollSchedule
from newscrawler.schedule.watch import WatchLoop
from newscrawler.sources.discovery import discover_feed_links
from newscrawler.sources.feed import FeedEntry
from newscrawler.sources.feedlist import load_feed_list
from newscrawler.sources.listtypes import FeedList, FeedListError, FeedSource
from newscrawler.state.conditional import is_not_modified
from newscrawler.state.extension import CrawlState
from newscrawler.state.store import article_keys, open_store
from newscrawler.utils.urls import canonical_url

# Within a site, feeds go before articles: every site's chain of requests starts at once.
FEED_PRIORITY = 10
ARTICLE_PRIORITY = 0
HTML_TYPES = (b"text/html", b"application/xhtml+xml")
DUE_CHOICES = ("due", "all")


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
        self.crawl_state: CrawlState | None = None  # not "state": JOBDIR owns spider.state
        self._robots_prefetch: list[Any] = []  # keeps the prefetch tasks alive
        self._watch: WatchLoop | None = None

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
        due = str(arguments.get("due", settings.get("DUE"))).strip().lower()
        if due not in DUE_CHOICES:
            raise ConfigError(f"due={due!r}: give due=due (the default) or due=all")
        open_store(settings).close()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> FeedsSpider:
        # -a recrawl=1 is the RECRAWL setting for this run (settings freeze after the spider)
        if (recrawl := kwargs.pop("recrawl", None)) is not None:
            crawler.settings.set("RECRAWL", _is_true(recrawl), priority="spider")
        # -a due=all and -a watch=1 likewise: the DUE and WATCH settings
        if (due := kwargs.pop("due", None)) is not None:
            crawler.settings.set("DUE", str(due).strip().lower(), priority="spider")
        if (watch := kwargs.pop("watch", None)) is not None:
            crawler.settings.set("WATCH", _is_true(watch), priority="spider")
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
        due = self.due_sources()
        if self.settings.getbool("ROBOTSTXT_PREFETCH"):
            self._robots_prefetch = prefetch_robots(self.crawler, [s.url for s in due])
        for source in due:
            yield self.feed_request(source.url, FeedContext.of(source))

    def due_sources(self) -> list[FeedSource]:
        """The listed sources due now, as the state's schedule says (all without it)."""
        schedule = PollSchedule.of(self.crawler)
        if schedule is None:
            return list(self.feed_list.sources)
        by_url = {source.url: source for source in self.feed_list.sources}
        return [by_url[url] for url in schedule.due(list(by_url))]

    def due_requests(self) -> list[Request]:
        """Watch mode: requests for the sources due now. A feed is polled again and again, so
        its request skips the dupefilter (its articles are still filtered)."""
        return [self.feed_request(source.url, FeedContext.of(source)).replace(dont_filter=True)
                for source in self.due_sources()]

    # feeds

    def feed_request(self, url: str, context: FeedContext) -> Request:
        return Request(
            url,
            callback=self.parse_feed,
            errback=self.feed_error,
            priority=FEED_PRIORITY,
            cb_kwargs={"context": context},
            meta={keys.FEED_URL: url, keys.SOURCE_URL: context.discovered_from or url,
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
                                                     _headers(response))
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
        fresh = [entry for entry in parsed.entries
                 if not self._already_written(entry, response.url)]
        self.crawler.stats.inc_value(keys.ARTICLES_SKIPPED_SEEN,
                                     len(parsed.entries) - len(fresh))
        self._send(news_signals.feed_fetched, url=feed_url, entries=len(parsed.entries),
                   warning=parsed.warning, new_entries=len(fresh), poll_hint=parsed.poll_hint,
                   entry_gap=parsed.entry_gap)
        for entry in fresh:
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
        page, reason = await self._extract(response)
        if page is not None and should_retry_in_browser(response, page.text, self.settings):
            # RENDER_JS_FALLBACK: a script app's shell; the browser's page replaces this one
            self.logger.info("rendering %s in the browser: the page is a script app", response.url)
            self.crawler.stats.inc_value(keys.RENDER_FALLBACKS)
            yield browser_retry(response.request, self.settings)
            return
        article = self._article(entry, page, response.url, feed_url, category)
        if not article.text:
            self._send(news_signals.article_failed, url=response.url,
                       reason=f"{reason or 'page gave no text'}, and the feed has none")
            return
        if article.text_source == "feed":
            self._send(news_signals.article_fallback, url=response.url,
                       reason=reason or "page gave no usable text")
        yield article

    def article_error(self, failure: Failure) -> Iterator[Article]:
        request = failure.request  # type: ignore[attr-defined]
        entry: FeedEntry = request.cb_kwargs["entry"]
        reason = describe_failure(failure)
        # A link the address rule blocked is hostile: nothing from its entry is written.
        if (entry.content or entry.summary) and not failure.check(BlockedAddress):
            self._send(news_signals.article_fallback, url=request.url,
                       reason=f"page failed: {reason}")
            yield self._article(entry, None, request.url, request.cb_kwargs["feed_url"],
                                request.cb_kwargs["category"])
        else:
            self._send(news_signals.article_failed, url=request.url, reason=reason)

    async def _extract(self, response: Response) -> tuple[PageFields | None, str | None]:
        content_type = response.headers.get(b"Content-Type", b"").split(b";")[0].strip().lower()
        if not isinstance(response, TextResponse) or (
            content_type and content_type not in HTML_TYPES
        ):
            return None, f"not an HTML page ({content_type.decode('latin-1') or 'no type'})"
        assert self.extractor is not None
        try:
            return await self.extractor.extract(response.body, response.url,
                                                _header_charset(response)), None
        except ExtractionFailed as exc:
            return None, str(exc)

    def _article(self, entry: FeedEntry, page: PageFields | None, url: str, feed_url: str,
                 category: str | None) -> Article:
        return build_article(
            entry, page, url=url, feed_url=feed_url, category=category,
            fetched_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
            min_text_chars=self.settings.getint("MIN_PAGE_TEXT_CHARS"),
        )

    # plumbing

    def _send(self, signal: object, **kwargs: Any) -> None:
        self.crawler.signals.send_catch_log(signal, spider=self, **kwargs)

    def _spider_opened(self, spider: scrapy.Spider) -> None:
        self.crawl_state = CrawlState.of(self.crawler)
        workers = self.settings.getint("EXTRACT_WORKERS") or default_workers()
        self.extractor = ExtractionPool(workers, self.settings.getfloat("EXTRACT_TIMEOUT"),
                                        self.settings.getfloat("FEED_PARSE_TIMEOUT"))
        schedule = PollSchedule.of(self.crawler)
        if self.settings.getbool("WATCH") and schedule is not None:
            self._watch = WatchLoop(self.crawler, self.due_requests, schedule)

    def _spider_closed(self, spider: scrapy.Spider, reason: str) -> None:
        if self.extractor is not None:
            self.extractor.close()


def _is_true(value: str | None) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")


def _headers(response: Response) -> dict[str, str]:
    return {
        key.decode("latin-1").lower(): values[0].decode("latin-1")
        for key, values in response.headers.items() if values
    }


def _header_charset(response: Response) -> str | None:
    """The charset the HTTP header names, if any.

    The page goes to the worker as raw bytes (nothing to decode or re-encode in the reactor)
    with this hint, used there only for bytes that are not valid UTF-8 (see extraction.py).
    """
    content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
    return content_type.partition("charset=")[2].split(";")[0].strip(" \"'") or None
