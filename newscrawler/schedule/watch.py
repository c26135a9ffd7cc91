"""Watch mode (``-a watch=1``): the crawl stays open and polls each source when it comes due.

Scrapy's own way to keep a spider open: a ``spider_idle`` handler that schedules what is due and
raises ``DontCloseSpider``. Idle comes only when every request is done; a source that comes due
while articles are still being fetched is polled by a timer set for the next due time (Scrapy's
``call_later``), not by a sleeping loop. SIGTERM and Ctrl-C go through Scrapy's graceful
shutdown; what a stop or a kill leaves unsaved is polled again after a restart (state/store.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.asyncio import CallLaterResult, call_later

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

    from newscrawler.schedule.extension import PollSchedule

__all__ = ["WatchLoop"]

logger = logging.getLogger(__name__)
TIMER_SLACK = 0.5  # seconds after the due time: the source is surely due when the timer fires


class WatchLoop:
    def __init__(self, crawler: Crawler, due_requests: Callable[[], list[Request]],
                 schedule: PollSchedule) -> None:
        self.crawler = crawler
        self.due_requests = due_requests
        self.schedule = schedule
        self.timer: CallLaterResult | None = None
        self.armed_for: float | None = None
        self.closed = False
        # connected after PollSchedule's own idle handler (extensions are built before the
        # spider opens): what the last round learnt is saved before the next round starts
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def spider_idle(self, spider: Spider) -> None:
        self.poll()
        raise DontCloseSpider

    def poll(self) -> None:
        """Hand the due sources to the engine, then wait for the next one."""
        self.timer = None
        engine = self.crawler.engine
        if self.closed or engine is None or not engine.running:
            return
        requests = self.due_requests()
        for request in requests:
            engine.crawl(request)
        next_due = self.schedule.next_due()
        if requests:
            logger.info("watch: polling %d due sources; next due %s", len(requests),
                        _iso(next_due))
        self.arm(next_due)

    def arm(self, next_due: float | None) -> None:
        if next_due is None or (self.timer is not None and self.armed_for == next_due):
            return
        if self.timer is not None:
            self.timer.cancel()
        delay = max(0.0, next_due - self.schedule.clock()) + TIMER_SLACK
        self.timer, self.armed_for = call_later(delay, self.poll), next_due

    def spider_closed(self, spider: Spider, reason: str, **_: Any) -> None:
        self.closed = True
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


def _iso(moment: float | None) -> str:
    if moment is None:
        return "never"
    return datetime.fromtimestamp(moment, UTC).replace(microsecond=0).isoformat()
