"""The feeds spider: decides WHAT to fetch. Parsing, extraction and reporting live elsewhere."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
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
from newscrawler.errors import ConfigError, SiteSkipped
from newscrawler.extraction.pool import ExtractionFailed, ExtractionPool, default_workers
from newscrawler.items import Article
from newscrawler.politeness.robots import prefetch_robots, robots_sitemaps
from newscrawler.rendering.routing import article_meta, browser_retry, should_retry_in_browser
from newscrawler.report.failures import describe_failure
from newscrawler.safety.middleware import BlockedAddress
from newscrawler.schedule.extension import PollSchedule
from newscrawler.schedule.frontier import Frontier, interleave_sites
from newscrawler.schedule.watch import WatchLoop
from newscrawler.sources.discovery import is_home_page_url, preferred_sitemaps
from newscrawler.sources.feedlist import load_feed_list
from newscrawler.sources.filters import parse_languages, parse_max_per_source, parse_since
from newscrawler.sources.listtypes import FeedList, FeedListError, FeedSource
from newscrawler.sources.parsed import FeedEntry, ParsedSource, SourceKind
from newscrawler.sources.selection import (
    OVER_MAX_PER_SOURCE,
    SITEMAP_LOOP,
    Rules,
    children_to_follow,
    newest,
)
from newscrawler.sources.source import ReadLimits
from newscrawler.spiders.arguments import ArgumentSettings, check_arguments, set_from_arguments
from newscrawler.spiders.pages import ArticlePages, now_iso, response_headers
from newscrawler.state.conditional import is_not_modified
from newscrawler.state.extension import CrawlState
from newscrawler.state.store import article_keys, open_store
from newscrawler.utils.urls import canonical_url

# Within a site, sources go before articles: every site's chain of requests starts at once.
SOURCE_PRIORITY = 10
ARTICLE_PRIORITY = 0
# -a arguments that are settings for this run (settings freeze after the spider is built),
# with the parser that checks their value
ARGUMENT_SETTINGS: ArgumentSettings = {
    "since": ("SINCE", lambda value: parse_since(value, datetime.now(UTC))),
    "languages": ("LANGUAGES", parse_languages),
    "max_per_source": ("MAX_PER_SOURCE", parse_max_per_source),
}
DUE_CHOICES = ("due", "all")


@dataclass(frozen=True, slots=True)
class SourceContext:
    """What a source's requests carry: plain values, so JOBDIR and Redis can pickle them."""

    listed: str                         # the feed-list line this document serves
    category: str | None = None
    render: str | None = None
    discovered_from: str | None = None  # the home page this source was found on
    indexes: tuple[str, ...] = ()       # the sitemap indexes above this sitemap, top first
    named_as: SourceKind | None = None  # what the document that led here called it


    @classmethod
    def of(cls, source: FeedSource) -> SourceContext:
        return cls(listed=source.url, category=source.category, render=source.render)

    def discovered_at(self, page_url: str, kind: SourceKind | None = None) -> SourceContext:
        return replace(self, discovered_from=page_url, named_as=kind)

    def below(self, index_url: str) -> SourceContext:
        return replace(self, indexes=(*self.indexes, index_url), named_as=SourceKind.SITEMAP)


class FeedsSpider(scrapy.Spider):
    name = "feeds"

    def __init__(self, feeds: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.feed_list: FeedList = self.load_feeds(feeds)
        self.extractor: ExtractionPool | None = None
        self.pages: ArticlePages | None = None
        self.archive: WarcArchive | None = None
        self.crawl_state: CrawlState | None = None  # not "state": JOBDIR owns spider.state
        self.rules = Rules()
        self.limits = ReadLimits()
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
        check_arguments(ARGUMENT_SETTINGS, arguments)
        due = str(arguments.get("due", settings.get("DUE"))).strip().lower()
        if due not in DUE_CHOICES:
            raise ConfigError(f"due={due!r}: give due=due (the default) or due=all")
        open_store(settings).close()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> FeedsSpider:
        # -a recrawl=1 is the RECRAWL setting for this run, -a since=48h SINCE, and so on
        if (recrawl := kwargs.pop("recrawl", None)) is not None:
            crawler.settings.set("RECRAWL", _is_true(recrawl), priority="spider")
        set_from_arguments(ARGUMENT_SETTINGS, crawler.settings, kwargs)
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
        self._send(news_signals.feeds_listed, count=len(self.feed_list.sources),
                   urls=list(self.feed_list.urls))
        self.logger.info("starting %d extraction workers", self.extractor.workers)
        await self.extractor.warm_up()
        for problem in self.feed_list.problems:
            self.logger.warning("feed list: %s", problem)
        schedule = PollSchedule.of(self.crawler)
        frontier = Frontier(self.crawler, self.settings.getint("FRONTIER_BATCH"),
                            (lambda: len(schedule.in_flight)) if schedule is not None else None)
        prefetch = self.settings.getbool("ROBOTSTXT_PREFETCH")
        batches = self.due_batches(frontier.batch)
        while True:
            # less than a batch of sources outstanding (bounded memory); asked before the next
            # batch is looked up, which counts its sources as outstanding
            await frontier.room()
            if (batch := next(batches, None)) is None:
                break
            if prefetch and batch:  # the first batch's sites: the crawl starts there
                self._robots_prefetch = prefetch_robots(self.crawler, [s.url for s in batch])
                prefetch = False
            for source in batch:
                yield self.source_request(source.url, SourceContext.of(source))
        frontier.record_queued()

    def due_batches(self, size: int) -> Iterator[list[FeedSource]]:
        """The listed sources due now (all without a schedule), ``size`` listed sources looked
        at a time (0: all at once), sites interleaved (schedule/frontier.py)."""
        by_url = {source.url: source for source in self.feed_list.sources}
        urls = interleave_sites(list(by_url))
        schedule = PollSchedule.of(self.crawler)
        if schedule is None:
            size = size if size > 0 else max(1, len(urls))
            batches: Iterator[list[str]] = (urls[i:i + size] for i in range(0, len(urls), size))
        else:
            batches = schedule.due_batches(urls, size)
        for batch in batches:
            yield [by_url[url] for url in batch]

    def due_sources(self) -> list[FeedSource]:
        """The listed sources due now, as the state's schedule says (all without it)."""
        return [source for batch in self.due_batches(0) for source in batch]

    def due_requests(self) -> list[Request]:
        """Watch mode: requests for the sources due now. A source is polled again and again, so
        its request skips the dupefilter (its articles are still filtered)."""
        return [self.source_request(source.url, SourceContext.of(source)).replace(
                    dont_filter=True) for source in self.due_sources()]

    # sources: feeds, sitemaps, JSON Feeds, home pages

    def source_request(self, url: str, context: SourceContext, listed_by: str | None = None
                       ) -> Request:
        """A listed source, or one a document led to (``listed_by``: the address rule applies
        to it as to an article link)."""
        meta: dict[str, Any] = {keys.FEED_URL: url, keys.SOURCE: context.listed,
                                keys.FEED_CATEGORY: context.category,  # for WARC capture
                                keys.HANDLE_HTTPSTATUS_LIST: [304]}
        if listed_by is not None:
            meta[keys.LISTED_BY] = listed_by
        return Request(url, callback=self.parse_source, errback=self.source_error,
                       priority=SOURCE_PRIORITY, cb_kwargs={"context": context}, meta=meta)

    async def parse_source(self, response: Response, context: SourceContext
                           ) -> AsyncIterator[Request]:
        url = response.meta[keys.FEED_URL]
        if is_not_modified(response):
            self._send(news_signals.feed_not_modified, url=url, source=context.listed)
            return
        assert self.extractor is not None
        try:
            parsed = await self.extractor.read_source(response.body, response.url,
                                                      response_headers(response), self.limits,
                                                      self.rules)
        except ExtractionFailed as exc:
            self._failed(url, str(exc), context)
            return
        if parsed.kind is SourceKind.HTML_PAGE:
            for request in await self._follow_page(response, parsed, context):
                yield request
            return
        if not parsed.ok:
            self._failed(url, parsed.problem or "unusable", context)
            return
        for link, reason in parsed.skipped_links:
            self.logger.info("source %s: skipped entry link %r: %s", url, link, reason)
        not_requested: Counter[str] = Counter(dict(parsed.not_requested))
        children, skipped = children_to_follow(
            parsed.sitemaps, reached_through=(*context.indexes, url, response.url),
            depth=len(context.indexes), max_depth=self.settings.getint("SITEMAP_MAX_DEPTH"))
        not_requested.update(skipped)
        warning = parsed.warning
        if skipped[SITEMAP_LOOP]:
            warning = "; ".join(filter(None, (warning, "it lists itself or an index above it "
                                                       "(not followed)")))
        unwritten = [e for e in parsed.entries if not self._already_written(e, response.url)]
        if len(unwritten) < len(parsed.entries):
            self.crawler.stats.inc_value(keys.ARTICLES_SKIPPED_SEEN,
                                         len(parsed.entries) - len(unwritten))
        # new_entries, poll_hint and entry_gap feed the source's poll schedule
        self._send(news_signals.feed_fetched, url=url, entries=parsed.listed, warning=warning,
                   kind=parsed.kind, source=context.listed, new_entries=len(unwritten),
                   poll_hint=parsed.poll_hint, entry_gap=parsed.entry_gap)
        for child in children:
            yield self.source_request(child.url, context.below(response.url),
                                      listed_by=response.url)
        entries, over = newest(unwritten, self.settings.getint("MAX_PER_SOURCE"))
        not_requested[OVER_MAX_PER_SOURCE] += over
        for entry in entries:
            yield self.article_request(entry, response.url, context)
        counts = {reason: count for reason, count in not_requested.items() if count}
        if counts:
            self._send(news_signals.entries_not_requested, url=url, source=context.listed,
                       counts=counts)

    async def _follow_page(self, response: Response, parsed: ParsedSource,
                           context: SourceContext) -> list[Request]:
        """An HTML page in the feed list: the first feed it announces; for a site's home page
        that announces none, the (news) sitemaps its robots.txt names."""
        url = response.meta[keys.FEED_URL]
        if context.discovered_from is not None:
            self._failed(url, "an HTML page, not a feed", context)
            return []
        named_as = None  # a feed
        if parsed.feed_links:
            follow = parsed.feed_links[:1]
        elif not is_home_page_url(url):
            self._failed(url, "an HTML page, not a feed", context)
            return []
        else:
            found = await robots_sitemaps(self.crawler, response.url)
            if not found:
                reason = ("its robots.txt names no sitemap" if found is not None
                          else "its robots.txt was not read")
                self._failed(url, f"a home page that announces no feed, and {reason}", context)
                return []
            follow = preferred_sitemaps(found)[:self.settings.getint("SITEMAP_MAX_CHILDREN")]
            named_as = SourceKind.SITEMAP
        self._send(news_signals.feed_fetched, url=url, entries=0, warning=None,
                   kind=parsed.kind, source=context.listed)
        return [self.source_request(link, context.discovered_at(url, named_as),
                                    listed_by=response.url) for link in follow]

    def _already_written(self, entry: FeedEntry, source_url: str) -> bool:
        if self.crawl_state is None:
            return False
        return self.crawl_state.is_written(
            article_keys(canonical_url(entry.link), canonical_url(source_url), entry.entry_id))

    def source_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        context: SourceContext = request.cb_kwargs["context"]
        self._failed(request.meta[keys.FEED_URL], describe_failure(failure), context,
                     site=_skipped_site(failure))

    def _failed(self, url: str, reason: str, context: SourceContext,
                site: str | None = None) -> None:
        self._send(news_signals.feed_failed, url=url, reason=reason, source=context.listed,
                   kind=context.named_as, site=site)

    # articles

    def article_request(self, entry: FeedEntry, feed_url: str, context: SourceContext
                        ) -> Request:
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
            blocked=bool(failure.check(BlockedAddress)), site=_skipped_site(failure),
            feed_url=request.cb_kwargs["feed_url"], category=request.cb_kwargs["category"],
            fetched_at=now_iso())
        if article is not None:
            yield article

    # plumbing

    def _send(self, signal: object, **kwargs: Any) -> None:
        self.crawler.signals.send_catch_log(signal, spider=self, **kwargs)

    def _spider_opened(self, spider: scrapy.Spider) -> None:
        self.crawl_state = CrawlState.of(self.crawler)
        self.archive = WarcArchive.of(self.crawler)
        self.rules, self.limits = self._reading_rules(datetime.now(UTC))
        workers = self.settings.getint("EXTRACT_WORKERS") or default_workers()
        self.extractor = ExtractionPool(workers, self.settings.getfloat("EXTRACT_TIMEOUT"),
                                        self.settings.getfloat("FEED_PARSE_TIMEOUT"))
        self.pages = ArticlePages(self.extractor, self.settings, self._send)
        schedule = PollSchedule.of(self.crawler)
        if self.settings.getbool("WATCH") and schedule is not None:
            self._watch = WatchLoop(self.crawler, self.due_requests, schedule)

    def _reading_rules(self, now: datetime) -> tuple[Rules, ReadLimits]:
        """The filters and sitemap bounds of this run, resolved once as it starts."""
        settings = self.settings
        try:
            rules = Rules.resolve(
                now, since=settings.get("SINCE"), languages=settings.get("LANGUAGES"),
                sitemap_max_age=settings.getfloat("SITEMAP_MAX_AGE"),
                max_children=settings.getint("SITEMAP_MAX_CHILDREN"))
        except ValueError as exc:  # the crawl command checked them: only reached without it
            raise ConfigError(f"a filter setting {exc}") from None
        limits = ReadLimits(max_bytes=settings.getint("DOWNLOAD_MAXSIZE"),
                            warn_bytes=settings.getint("DOWNLOAD_WARNSIZE"),
                            max_urls=settings.getint("SITEMAP_MAX_URLS"))
        return rules, limits

    def _spider_closed(self, spider: scrapy.Spider, reason: str) -> None:
        if self.extractor is not None:
            self.extractor.close()


def _is_true(value: str | None) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")


def _skipped_site(failure: Failure) -> str | None:
    """The site whose skip refused the request (unreachable, robots.txt unavailable), if so."""
    return failure.value.site if isinstance(failure.value, SiteSkipped) else None
