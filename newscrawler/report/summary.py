"""The run summary and the progress line: what a person reads at the end of a crawl.

Every figure is also a Scrapy stat under ``newscrawler/`` so Scrapyd, tests and scripts can read
them without parsing the log. Replaces Scrapy's once-a-minute LogStats line with a progress line
every ``PROGRESS_INTERVAL`` seconds.
"""

from __future__ import annotations

import logging
from collections import Counter
from time import monotonic
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.utils.asyncio import create_looping_call

from newscrawler import keys
from newscrawler import signals as news_signals

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

# the run summary's log channel, by its old name: scripts grep logs for it
logger = logging.getLogger("newscrawler.summary")
MAX_ARTICLE_LINES = 50  # every failed feed is listed; failed articles up to this many


class RunSummary:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.interval = crawler.settings.getfloat("PROGRESS_INTERVAL")
        self.feeds_total = 0
        self.feeds_ok: list[str] = []
        self.feeds_failed: dict[str, str] = {}
        self.feeds_not_modified: list[str] = []
        self.feed_warnings: dict[str, str] = {}
        self.fallbacks: Counter[str] = Counter()
        self.articles_failed: dict[str, str] = {}
        self.started = monotonic()
        self._loop: Any = None
        connect = crawler.signals.connect
        connect(self.spider_opened, signal=signals.spider_opened)
        connect(self.spider_closed, signal=signals.spider_closed)
        connect(self.request_dropped, signal=signals.request_dropped)
        connect(self.feeds_listed, signal=news_signals.feeds_listed)
        connect(self.feed_fetched, signal=news_signals.feed_fetched)
        connect(self.feed_failed, signal=news_signals.feed_failed)
        connect(self.feed_not_modified, signal=news_signals.feed_not_modified)
        connect(self.article_fallback, signal=news_signals.article_fallback)
        connect(self.article_failed, signal=news_signals.article_failed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunSummary:
        return cls(crawler)

    # signal handlers

    def spider_opened(self, spider: Spider) -> None:
        self.started = monotonic()
        if self.interval > 0:
            self._loop = create_looping_call(self.log_progress)
            self._loop.start(self.interval, now=False)

    def request_dropped(self, request: Any, **_: Any) -> None:
        """The dupefilter drops a redirect back to a URL already requested: a redirect loop.

        Without this, such a feed or article would vanish from the summary without a word.
        """
        redirects = request.meta.get(keys.REDIRECT_URLS)
        if not redirects:
            return  # a plain duplicate (an article in two feeds, a resumed JOBDIR run)
        reason = f"redirect loop ({len(redirects)} redirects, back to {request.url})"
        if keys.FEED_URL in request.meta:
            self.feed_failed(request.meta[keys.FEED_URL], reason)
        else:
            self.article_failed(redirects[0], reason)

    def feeds_listed(self, count: int, **_: Any) -> None:
        self.feeds_total = count
        self.stats.set_value(keys.FEEDS_TOTAL, count)

    def feed_fetched(self, url: str, entries: int, warning: str | None, **_: Any) -> None:
        self.feeds_ok.append(url)
        self.stats.inc_value(keys.FEEDS_OK)
        if warning:
            self.feed_warnings[url] = warning

    def feed_failed(self, url: str, reason: str, **_: Any) -> None:
        self.feeds_failed[url] = reason
        self.stats.inc_value(keys.FEEDS_FAILED)

    def feed_not_modified(self, url: str, **_: Any) -> None:
        self.feeds_not_modified.append(url)
        self.stats.inc_value(keys.FEEDS_NOT_MODIFIED)

    def article_fallback(self, url: str, reason: str, **_: Any) -> None:
        self.fallbacks[_reason_kind(reason)] += 1

    def article_failed(self, url: str, reason: str, **_: Any) -> None:
        logger.debug("failed article %s: %s", url, reason)
        self.articles_failed[url] = reason
        self.stats.inc_value(keys.ARTICLES_FAILED)

    # reporting

    def log_progress(self) -> None:
        engine = self.crawler.engine
        scheduler = engine.scheduler if engine else None
        queued = len(scheduler) if scheduler is not None else 0
        done = len(self.feeds_ok) + len(self.feeds_failed) + len(self.feeds_not_modified)
        logger.info(
            "progress: feeds %d/%d done, %d articles written, %d requests queued, %d in flight",
            done, self.feeds_total, self.stats.get_value(keys.ARTICLES_WRITTEN, 0), queued,
            len(engine.downloader.active) if engine else 0,
        )

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        elapsed = monotonic() - self.started
        self.stats.set_value(keys.ELAPSED_SECONDS, round(elapsed, 3))
        failure = self.run_failure()
        if failure:
            self.stats.set_value(keys.RUN_FAILED, failure)
        for line in self.summary_lines(reason, elapsed):
            logger.info(line)

    def run_failure(self) -> str | None:
        """Why the run as a whole failed (the crawl command then exits non-zero), or None."""
        # A resumed JOBDIR run may attempt no feed at all: that is not a failure.
        if self.feeds_failed and not self.feeds_ok and not self.feeds_not_modified:
            return f"no feed could be fetched ({len(self.feeds_failed)} failed)"
        return None

    def summary_lines(self, reason: str, elapsed: float) -> list[str]:
        get = self.stats.get_value
        written = get(keys.ARTICLES_WRITTEN, 0)
        dropped = {
            key.rsplit("/", 1)[1]: value
            for key, value in self.stats.get_stats().items()
            if key.startswith(f"{keys.DROPPED}/")
        }
        lines = [
            f"run summary ({reason}):",
            f"  feeds: {len(self.feeds_ok)} ok, {len(self.feeds_failed)} failed, "
            f"{len(self.feeds_not_modified)} not modified, of {self.feeds_total} listed",
        ]
        lines += [f"    failed feed {url}: {why}" for url, why in self.feeds_failed.items()]
        lines += self.schedule_lines()
        lines += [f"    warning for feed {url}: {why}" for url, why in self.feed_warnings.items()]
        lines.append(
            f"  articles: {written} written ({get(f'{keys.ARTICLES_WRITTEN}/page', 0)} page text, "
            f"{get(f'{keys.ARTICLES_WRITTEN}/feed', 0)} feed fallback), "
            f"{len(self.articles_failed)} failed, dropped: "
            + (", ".join(f"{k} {v}" for k, v in sorted(dropped.items())) or "none")
        )
        lines += [f"    feed fallback ({why}): {n}" for why, n in self.fallbacks.most_common()]
        failed_articles = list(self.articles_failed.items())
        lines += [f"    failed article {url}: {why}"
                  for url, why in failed_articles[:MAX_ARTICLE_LINES]]
        if len(failed_articles) > MAX_ARTICLE_LINES:
            lines.append(f"    ... and {len(failed_articles) - MAX_ARTICLE_LINES} more "
                         f"failed articles (DEBUG log has each one)")
        lines.append(f"  already written by earlier runs, not requested again: "
                     f"{get(keys.ARTICLES_SKIPPED_SEEN, 0)} articles; "
                     f"feeds answering 304 Not Modified: {len(self.feeds_not_modified)}")
        if get(keys.TORN_LINES_REPAIRED):
            lines.append(f"  torn last lines left by a killed run, moved aside: "
                         f"{get(keys.TORN_LINES_REPAIRED)}")
        if get(keys.BLOCKED_ADDRESS):
            lines.append(f"  requests blocked by the address rule: {get(keys.BLOCKED_ADDRESS)}")
        lines.append(f"  429 responses: {get(keys.RESPONSES_429, 0)}, "
                     f"retries: {get('retry/count', 0)}")
        lines.append(f"  elapsed: {elapsed:.1f} s")
        lines.append(f"  output: {get(keys.OUTPUT, '(none)')}")
        return lines

    def schedule_lines(self) -> list[str]:
        """Sources the schedule left for later (newscrawler/schedule/: not due yet), and when."""
        not_due = self.stats.get_value(keys.FEEDS_NOT_DUE)
        if not not_due:
            return []
        next_due = self.stats.get_value(keys.NEXT_DUE, "unknown")
        return [f"    not due yet: {not_due} (next due {next_due}; -a due=all polls all)"]


def _reason_kind(reason: str) -> str:
    """Group fallback reasons for the summary: 'page failed: HTTP 404' stays, URLs do not."""
    return reason.split(" (", 1)[0] if reason.startswith("not an HTML page") else reason
