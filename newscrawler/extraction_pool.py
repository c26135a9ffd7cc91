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
        self.timeout = timeout
        # "spawn": forking a process that runs a reactor and threads is unsafe.
        self._pool = ProcessPool(
            max_workers=workers, context=multiprocessing.get_context("spawn")
        )

    def warm_up(self, workers: int) -> None:
        """Start the workers (each imports trafilatura, ~1 s) while the feeds download."""
        for _ in range(workers):
            self._pool.schedule(extract, args=(b"<html><body><p>warm</p></body></html>",
                                               "http://warm-up.invalid/"))

    async def extract(self, html: str | bytes, url: str) -> PageFields:
        future = self._pool.schedule(extract, args=(html, url), timeout=self.timeout)
        try:
            return await asyncio.wrap_future(future)
        except TimeoutError as exc:
            raise ExtractionTimeout(f"extraction took over {self.timeout:g} s") from exc

    def close(self) -> None:
        self._pool.stop()
        self._pool.join(timeout=10)
