"""The run summary, the progress line and one line per failure: what a person reads of a crawl.

Every figure is also a Scrapy stat under ``newscrawler/`` so Scrapyd, tests and scripts can read
them without parsing the log. Replaces Scrapy's once-a-minute LogStats line with a progress line
every ``PROGRESS_INTERVAL`` seconds, which names the site the crawl waits for when nothing is
in flight. A failed feed gets one WARNING line and a failed article one INFO line as they
happen, with the reason in words (``failures.py``); a skipped site gets one line from the
middleware that skips it, and its refused requests none (DEBUG), only a count in the summary.
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
from newscrawler.politeness.queue import PoliteSlotPriorityQueue, SiteWait
from newscrawler.politeness.slots import SLOT
from newscrawler.report.recent import RecentLines
from newscrawler.report.sites import SiteOutcomes
from newscrawler.report.sources import SourceBook
from newscrawler.sources.parsed import SourceKind

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

# the run summary's log channel, by its old name: scripts grep logs for it
logger = logging.getLogger("newscrawler.summary")
# Lists keep their newest lines only: a crawl in watch mode meets failures for days
MAX_ARTICLE_LINES = 50  # failed articles, and archive problems
MAX_FEED_LINES = 50     # failed feeds, and feed warnings
MAX_SOURCE_LINES = 50   # a line per source (its kind) for lists up to this long


class RunSummary:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.interval = crawler.settings.getfloat("PROGRESS_INTERVAL")
        self.feeds_total = 0
        self.sources = SourceBook()
        # document -> "<what it is> <url>: <reason>" (a skipped site's feeds: on its line)
        self.feeds_failed = RecentLines(MAX_FEED_LINES)
        self.feed_warnings = RecentLines(MAX_FEED_LINES)
        self.fallbacks: Counter[str] = Counter()
        self.articles_failed = RecentLines(MAX_ARTICLE_LINES)
        self.sites = SiteOutcomes()
        self.archive_problems = RecentLines(MAX_ARTICLE_LINES)
        self.watching = crawler.settings.getbool("WATCH")
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
        connect(self.entries_not_requested, signal=news_signals.entries_not_requested)
        connect(self.article_fallback, signal=news_signals.article_fallback)
        connect(self.article_failed, signal=news_signals.article_failed)
        connect(self.response_received, signal=signals.response_received)
        connect(self.sites.failed_to_connect, signal=news_signals.site_connection_failed)
        connect(self.sites.skip, signal=news_signals.site_skipped)
        connect(self.archive_problem, signal=news_signals.archive_problem)

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
            self.feed_failed(request.meta[keys.FEED_URL], reason,
                             source=request.meta.get(keys.SOURCE))
        else:
            self.article_failed(redirects[0], reason)

    def feeds_listed(self, count: int, urls: list[str] | None = None, **_: Any) -> None:
        self.feeds_total = count
        self.sources.expect(urls or [])
        self.stats.set_value(keys.FEEDS_TOTAL, count)

    def feed_fetched(self, url: str, entries: int, warning: str | None,
                     kind: SourceKind | None = None, source: str | None = None,
                     **_: Any) -> None:
        self.sources.fetched(source or url, kind, entries)
        self._polled(url, source, "ok")
        if warning:
            self.feed_warnings.add(url, f"{_noun(kind)} {url}: {warning}")

    def response_received(self, response: Response, request: Request, **_: Any) -> None:
        self.sites.answered(request.meta.get(SLOT, ""))

    def feed_failed(self, url: str, reason: str, source: str | None = None,
                    kind: SourceKind | None = None, site: str | None = None,
                    **_: Any) -> None:
        self.sources.failed(source or url)
        self._polled(url, source, "failed")
        line = f"{_noun(kind)} {url}: {reason}"
        if site is None:
            logger.warning("failed %s", line)
            self.feeds_failed.add(url, line)
        else:  # its site's one line said why, and counts it
            logger.debug("failed %s", line)
            self.sites.refusal(site, "feed")

    def feed_not_modified(self, url: str, source: str | None = None, **_: Any) -> None:
        self.sources.not_modified(source or url)
        self._polled(url, source, "not_modified")

    def _polled(self, url: str, source: str | None, outcome: str) -> None:
        """A listed source answered (not a document it led to): one poll of it."""
        if source is None or url == source:
            self.sources.polled(url)
            self.stats.inc_value(f"{keys.POLLS}/{outcome}")

    def entries_not_requested(self, counts: dict[str, int], **_: Any) -> None:
        for reason, count in counts.items():
            self.stats.inc_value(f"{keys.NOT_REQUESTED}/{reason}", count)

    def article_fallback(self, url: str, reason: str, site: str | None = None,
                         **_: Any) -> None:
        if site is None:
            self.fallbacks[_reason_kind(reason)] += 1
        else:
            self.sites.refusal(site, "article with the feed's text")

    def article_failed(self, url: str, reason: str, site: str | None = None,
                       **_: Any) -> None:
        self.stats.inc_value(keys.ARTICLES_FAILED)
        if site is None:
            logger.info("failed article %s: %s", url, reason)
            self.articles_failed.add(url, f"{url}: {reason}")
        else:
            logger.debug("failed article %s: %s", url, reason)
            self.sites.refusal(site, "article")

    def archive_problem(self, problem: str, **_: Any) -> None:
        logger.warning("WARC: %s", problem)
        self.archive_problems.add(problem, problem)

    # reporting

    def log_progress(self) -> None:
        engine = self.crawler.engine
        scheduler = engine.scheduler if engine else None
        queued = len(scheduler) if scheduler is not None else 0
        outcomes = self.sources.outcomes()
        done = sum(outcomes.values()) - outcomes["pending"]
        in_flight = len(engine.downloader.active) if engine else 0
        waiting = ""
        if queued and not in_flight:  # the crawl is idle: name the site it waits for
            waiting = waiting_phrase(_waiting_sites(scheduler))
        logger.info(
            "progress: feeds %d/%d done, %d articles written, %d requests queued, "
            "%d in flight%s",
            done, self.feeds_total, self.stats.get_value(keys.ARTICLES_WRITTEN, 0), queued,
            in_flight, f"; {waiting}" if waiting else "",
        )

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        elapsed = monotonic() - self.started
        self.stats.set_value(keys.ELAPSED_SECONDS, round(elapsed, 3))
        outcomes = self.sources.outcomes()
        for key, outcome in ((keys.FEEDS_OK, "ok"), (keys.FEEDS_FAILED, "failed"),
                             (keys.FEEDS_NOT_MODIFIED, "not modified")):
            self.stats.set_value(key, outcomes[outcome])
        for kind, count in self.sources.kinds().items():
            self.stats.set_value(f"{keys.SOURCE_KINDS}/{kind}", count)
        failure = self.run_failure()
        if failure:
            self.stats.set_value(keys.RUN_FAILED, failure)
        for line in self.summary_lines(reason, elapsed):
            logger.info(line)

    def run_failure(self) -> str | None:
        """Why the run as a whole failed (the crawl command then exits non-zero), or None."""
        # A resumed JOBDIR run may attempt no feed at all: that is not a failure.
        outcomes = self.sources.outcomes()
        if outcomes["failed"] and not outcomes["ok"] and not outcomes["not modified"]:
            return (self.sites.no_network()
                    or f"no feed could be fetched ({outcomes['failed']} failed)")
        # The WarcArchive extension (loaded before this one) has set its stats by now.
        if error := self.stats.get_value(keys.WARC_ERROR):
            return f"WARC capture failed: {error}"
        if self.archive_problems and not self.stats.get_value(keys.WARC_READ_RECORDS):
            return f"no WARC record could be read ({self.archive_problems.total} problems)"
        return None

    def summary_lines(self, reason: str, elapsed: float) -> list[str]:
        get = self.stats.get_value
        written = get(keys.ARTICLES_WRITTEN, 0)
        dropped = self._counts(keys.DROPPED)
        outcomes = self.sources.outcomes()
        lines = [f"run summary ({reason}):"]
        if self.feeds_total or any(outcomes.values()):  # not for CC-NEWS files: no feeds
            lines.append(
                f"  feeds: {outcomes['ok']} ok, {outcomes['failed']} failed, "
                f"{outcomes['not modified']} not modified, of {self.feeds_total} listed"
                + (" (each source once, by what it gave in this run)" if self.watching else ""))
        lines += self.poll_lines()
        lines += self._source_lines()
        lines += _recent("    failed ", self.feeds_failed, "failed feeds")
        lines += self.schedule_lines()
        lines += _recent("    warning for ", self.feed_warnings, "feed warnings")
        lines.append(
            f"  articles: {written} written ({get(f'{keys.ARTICLES_WRITTEN}/page', 0)} page text, "
            f"{get(f'{keys.ARTICLES_WRITTEN}/feed', 0)} feed fallback), "
            f"{get(keys.ARTICLES_FAILED, 0)} failed, dropped: "
            + (", ".join(f"{k} {v}" for k, v in sorted(dropped.items())) or "none")
        )
        lines += [f"    feed fallback ({why}): {n}" for why, n in self.fallbacks.most_common()]
        lines += _recent("    failed article ", self.articles_failed, "failed articles")
        lines += self._filter_lines()
        lines += self.sites.lines()
        lines.append(f"  already written (by an earlier run or poll), not requested again: "
                     f"{get(keys.ARTICLES_SKIPPED_SEEN, 0)} articles; "
                     f"feeds answering 304 Not Modified: {outcomes['not modified']}")
        if get(keys.TORN_LINES_REPAIRED):
            lines.append(f"  torn last lines left by a killed run, moved aside: "
                         f"{get(keys.TORN_LINES_REPAIRED)}")
        if get(keys.BLOCKED_ADDRESS):
            lines.append(f"  requests blocked by the address rule: {get(keys.BLOCKED_ADDRESS)}")
        lines += self.archive_lines()
        lines.append(f"  429 responses: {get(keys.RESPONSES_429, 0)}, "
                     f"retries: {get('retry/count', 0)}")
        lines.append(f"  elapsed: {elapsed:.1f} s")
        lines.append(f"  output: {get(keys.OUTPUT, '(none)')}")
        return lines

    def poll_lines(self) -> list[str]:
        """Watch mode: every poll of every source, beside the per-source counts above."""
        if not self.watching:
            return []
        polls = self._counts(keys.POLLS)
        return [f"  polls (every poll of every listed source): {sum(polls.values())}: "
                f"{polls.get('ok', 0)} ok, {polls.get('failed', 0)} failed, "
                f"{polls.get('not_modified', 0)} not modified"]

    def schedule_lines(self) -> list[str]:
        """Sources the schedule left for later (newscrawler/schedule/: not due yet), and when."""
        not_due = self.stats.get_value(keys.FEEDS_NOT_DUE)
        if not not_due:
            return []
        next_due = self.stats.get_value(keys.NEXT_DUE, "unknown")
        return [f"    not due yet: {not_due} (next due {next_due}; -a due=all polls all)"]

    def _source_lines(self) -> list[str]:
        """What the listed sources turned out to be: a line each, or counts for long lists."""
        kinds = self.sources.kinds()
        if not kinds:
            return []
        lines = ["  sources by kind: " + ", ".join(f"{kind} {count}"
                                                   for kind, count in kinds.most_common())]
        if len(self.sources.records) <= MAX_SOURCE_LINES:
            lines += [f"    {line}" for line in self.sources.lines()]
        return lines

    def _filter_lines(self) -> list[str]:
        """What the filters and sitemap bounds kept from being requested, or written."""
        not_requested = self._counts(keys.NOT_REQUESTED)
        languages = self._counts(keys.FILTERED_LANGUAGE)
        lines = []
        if not_requested:
            lines.append("  not requested: " + ", ".join(
                f"{why} {count}" for why, count in sorted(not_requested.items())))
        if languages:
            lines.append("  not written, in another language (LANGUAGES): " + ", ".join(
                f"{code} {count}" for code, count in sorted(languages.items())))
        return lines

    def _counts(self, prefix: str) -> dict[str, int]:
        return {key.removeprefix(f"{prefix}/"): value
                for key, value in self.stats.get_stats().items()
                if key.startswith(f"{prefix}/")}

    def archive_lines(self) -> list[str]:
        """What was kept in WARC files (capture) or read from them (the warc spider)."""
        get = self.stats.get_value
        lines = []
        if get(keys.WARC_FILES) is not None:
            lines.append(f"  WARC capture: {get(keys.WARC_RECORDS, 0)} records "
                         f"({get(keys.WARC_REVISITS, 0)} revisits) in "
                         f"{_count(get(keys.WARC_FILES), 'file')} in {get(keys.WARC_FOLDER)}")
        if get(keys.WARC_FILES_REPAIRED):
            lines.append(f"    files a killed run left open, finished: "
                         f"{get(keys.WARC_FILES_REPAIRED)} (torn last records moved to .torn: "
                         f"{get(keys.WARC_TORN_RECORDS, 0)})")
        if get(keys.WARC_ERROR):
            lines.append(f"    capture stopped: {get(keys.WARC_ERROR)}")
        if get(keys.WARC_RECORDS_FAILED):
            lines.append(f"    fetches left out (warcio refused them; the log says why): "
                         f"{get(keys.WARC_RECORDS_FAILED)}")
        if get(keys.WARC_READ_FILES) is not None or self.archive_problems:
            prefix = f"{keys.WARC_READ_SKIPPED}/"
            skipped = {key.removeprefix(prefix): value for key, value in
                       self.stats.get_stats().items() if key.startswith(prefix)}
            lines.append(f"  WARC read: {_count(get(keys.WARC_READ_FILES, 0), 'file')}, "
                         f"{get(keys.WARC_READ_RECORDS, 0)} records, "
                         f"{self.archive_problems.total} problems; responses not articles: "
                         + (", ".join(f"{k} {v}" for k, v in sorted(skipped.items()))
                            or "none"))
            if get(keys.WARC_READ_WITHOUT_FEED):
                lines.append(f"    articles whose feed is not in the files read: "
                             f"{get(keys.WARC_READ_WITHOUT_FEED)}")
            lines += _recent("    problem ", self.archive_problems, "problems")
        return lines


def _recent(prefix: str, recent: RecentLines, what: str) -> list[str]:
    """The kept lines, newest last, and how many older ones the log alone has."""
    lines = [prefix + line for line in recent.lines.values()]
    if recent.left_out:
        lines.append(f"    ... and {recent.left_out} earlier {what} (the log has a line for "
                     f"each)")
    return lines


def _noun(kind: SourceKind | None) -> str:
    """How a summary line names a document: "feed" unless it is known to be a sitemap."""
    return kind.value if kind is not None and kind.is_sitemap else "feed"


def waiting_phrase(waits: list[SiteWait]) -> str:
    """"waiting 58 s for reddit.com: 3 requests" for the first site to be ready ("" if none)."""
    if not waits:
        return ""
    first = waits[0]
    phrase = (f"waiting {max(round(first.seconds), 1)} s for {first.site}: {first.requests} "
              f"request{'' if first.requests == 1 else 's'}")
    if len(waits) > 1:
        phrase += f" (and {len(waits) - 1} more site{'' if len(waits) == 2 else 's'})"
    return phrase


def _waiting_sites(scheduler: Any) -> list[SiteWait]:
    # Scrapy's scheduler keeps its priority queues in mqs (memory) and dqs (JOBDIR); another
    # scheduler (the scale-out add-on's Redis frontier) has neither, and no waits to tell.
    waits: list[SiteWait] = []
    for queue in (getattr(scheduler, "mqs", None), getattr(scheduler, "dqs", None)):
        if isinstance(queue, PoliteSlotPriorityQueue):
            waits += queue.waiting_sites()
    return sorted(waits, key=lambda wait: wait.seconds)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _reason_kind(reason: str) -> str:
    """Group fallback reasons for the summary: 'page failed: HTTP 404' stays, URLs do not."""
    return reason.split(" (", 1)[0] if reason.startswith("not an HTML page") else reason
