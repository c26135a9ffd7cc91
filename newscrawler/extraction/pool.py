"""Extraction off the reactor thread: trafilatura and source parsing run in worker processes.

trafilatura is CPU-bound (tens of ms a page), and so are feedparser (7 ms for a 5-entry feed,
over 100 ms for a big one) and the sitemap parser (1.4 to 2 s for 50,000 URLs). Run in a
callback they block every download while they work and leave the other cores idle, so the
spider awaits this pool instead. pebble's pool kills and replaces a worker whose task overruns
its timeout, which concurrent.futures cannot do: one pathological page costs ``timeout``
seconds, never a stalled crawl.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessPool

from newscrawler.extraction.page import PageFields, extract
from newscrawler.sources.parsed import ParsedSource
from newscrawler.sources.selection import Rules
from newscrawler.sources.source import ReadLimits, read_source

__all__ = ["ExtractionFailed", "ExtractionPool", "ExtractionTimeout", "default_workers"]


def _lower_priority() -> None:
    """Workers yield the CPU to the reactor: extraction is batch work, but a reactor that
    waits for a core sends requests late, and late sends shrink the gaps a site sees."""
    os.nice(WORKER_NICENESS)


WORKER_NICENESS = 10
T = TypeVar("T")


def _warm_up() -> None:
    """Load what the first real page and source would otherwise load while the crawl waits."""
    extract(b"<html><body><p>warm</p></body></html>", "http://warm-up.invalid/")
    read_source(b"<rss version='2.0'><channel><item><link>/a</link></item></channel></rss>",
                "http://warm-up.invalid/")
    read_source(b"<urlset><url><loc>/a</loc></url></urlset>", "http://warm-up.invalid/")


class ExtractionFailed(Exception):
    """A page or source could not be processed in a worker: the reason is the message."""


class ExtractionTimeout(ExtractionFailed):
    """Extraction of one page took longer than the configured limit."""


def default_workers() -> int:
    """One worker per core the process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class ExtractionPool:
    def __init__(self, workers: int, timeout: float, feed_timeout: float) -> None:
        self.workers = workers
        self.timeout = timeout
        self.feed_timeout = feed_timeout
        # "spawn": forking a process that runs a reactor and threads is unsafe.
        self._pool = ProcessPool(
            max_workers=workers, context=multiprocessing.get_context("spawn"),
            initializer=_lower_priority,
        )

    async def warm_up(self) -> None:
        """Start the workers and wait until each has loaded trafilatura (~1-2 s).

        Spawning processes and importing in them loads the machine; requests sent meanwhile
        leave the reactor late, which would shrink the gap the site sees to the next one.
        """
        futures = [self._pool.schedule(_warm_up) for _ in range(self.workers)]
        await asyncio.wait([asyncio.wrap_future(f) for f in futures], timeout=60)

    async def extract(self, html: str | bytes, url: str, encoding: str | None = None
                      ) -> PageFields:
        return await self._run(extract, (html, url), {"encoding": encoding}, self.timeout,
                               "extraction", "the extraction worker")

    async def read_source(self, body: bytes, url: str, headers: dict[str, str],
                          limits: ReadLimits, rules: Rules) -> ParsedSource:
        """A feed, sitemap, JSON Feed or HTML page parsed, and what of it to request."""
        return await self._run(read_source, (body, url, headers, limits, rules), {},
                               self.feed_timeout, "parsing the source",
                               "the source parsing worker")

    async def _run(self, function: Callable[..., T], args: tuple[Any, ...],
                   kwargs: dict[str, Any], timeout: float, work: str, worker: str) -> T:
        future = self._pool.schedule(function, args=args, kwargs=kwargs, timeout=timeout)
        try:
            return await asyncio.wrap_future(future)
        except TimeoutError as exc:
            raise ExtractionTimeout(f"{work} took over {timeout:g} s") from exc
        except ProcessExpired as exc:  # killed from outside (OOM killer): pebble replaces it
            raise ExtractionFailed(f"{worker} died ({exc})") from exc

    def close(self) -> None:
        self._pool.stop()
        self._pool.join(timeout=10)
