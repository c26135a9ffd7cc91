"""Extraction off the reactor thread: trafilatura runs in worker processes.

trafilatura is CPU-bound (tens of ms a page). Run in a callback it blocks every download while
it works and leaves the other cores idle, so the spider awaits this pool instead. pebble's pool
kills and replaces a worker whose task overruns its timeout, which concurrent.futures cannot
do: one pathological page costs ``timeout`` seconds, never a stalled crawl.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os

from pebble import ProcessPool

from newscrawler.extraction import PageFields, extract

__all__ = ["ExtractionPool", "ExtractionTimeout", "default_workers"]


def _lower_priority() -> None:
    """Workers yield the CPU to the reactor: extraction is batch work, but a reactor that
    waits for a core sends requests late, and late sends shrink the gaps a site sees."""
    os.nice(WORKER_NICENESS)


WORKER_NICENESS = 10


class ExtractionTimeout(Exception):
    """Extraction of one page took longer than the configured limit."""


def default_workers() -> int:
    """One worker per core the process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class ExtractionPool:
    def __init__(self, workers: int, timeout: float) -> None:
        self.workers = workers
        self.timeout = timeout
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
        page = b"<html><body><p>warm</p></body></html>"
        futures = [self._pool.schedule(extract, args=(page, "http://warm-up.invalid/"))
                   for _ in range(self.workers)]
        await asyncio.wait([asyncio.wrap_future(f) for f in futures], timeout=60)

    async def extract(self, html: str | bytes, url: str, encoding: str | None = None
                      ) -> PageFields:
        future = self._pool.schedule(extract, args=(html, url), kwargs={"encoding": encoding},
                                     timeout=self.timeout)
        try:
            return await asyncio.wrap_future(future)
        except TimeoutError as exc:
            raise ExtractionTimeout(f"extraction took over {self.timeout:g} s") from exc

    def close(self) -> None:
        self._pool.stop()
        self._pool.join(timeout=10)
