"""The ``WarcArchive`` extension: WARC capture for the run, when ``WARC_OUTPUT`` names a folder.

It owns the writer thread and its queue, and tells the spider where a page's record went
(``location``). The capture middleware hands it every fetch; records are built, digested,
compressed and written in the thread, so the reactor only copies a response's headers.

A thread of its own rather than the reactor's thread pool: the records of one file must be
written in order by one writer, and the pool is shared with DNS lookups, which must not wait
behind a disk. The queue is bounded: when the disk is slower than the network, the reactor
waits rather than memory growing without end.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import re
import socket
import threading
import weakref
from concurrent.futures import Future
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings
from twisted.python.failure import Failure

import newscrawler
from newscrawler import keys
from newscrawler.archive.records import (
    Exchange,
    FailedFetch,
    Headers,
    Location,
    crawl_context,
    warc_date,
)
from newscrawler.archive.writer import RecordFailed, WarcFileWriter, repair_left_open
from newscrawler.report.failures import describe_failure
from newscrawler.safety.middleware import BlockedAddress

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

__all__ = ["WarcArchive"]

logger = logging.getLogger(__name__)

QUEUE_SIZE = 256          # fetches waiting for the writer thread before the reactor waits
_STOP = object()
_SECRET_SETTING = re.compile(r"PASSWORD|SECRET|TOKEN|CREDENTIAL|ACCESS_KEY|AUTH", re.I)
_URL_CREDENTIALS = re.compile(r"(//)[^/@\s]+@")


class WarcArchive:
    def __init__(self, crawler: Crawler) -> None:
        folder = crawler.settings.get("WARC_OUTPUT")
        if not folder:
            # no capture is the usual run: no message, so Scrapy logs no warning line for it
            raise NotConfigured
        self.crawler = crawler
        self.folder = Path(folder)
        self.max_bytes = crawler.settings.getint("WARC_MAX_BYTES")
        self.gzip_level = crawler.settings.getint("WARC_GZIP_LEVEL")
        self.writer: WarcFileWriter | None = None
        self.error: str | None = None       # set by the writer thread when writing failed
        self.repaired: list[Any] = []       # set by the writer thread: files a kill left open
        self.failed_records = 0             # ... and fetches it could not make into records
        self._queue: queue.Queue[Any] = queue.Queue(QUEUE_SIZE)
        self._thread: threading.Thread | None = None
        # The future of each request's record, until the request is gone: the spider asks for
        # its page's record with the request (redirects and retries are new requests).
        self._locations: weakref.WeakKeyDictionary[Request, Future[Location | None]] = (
            weakref.WeakKeyDictionary())
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcArchive:
        return cls(crawler)

    @classmethod
    def of(cls, crawler: Crawler) -> WarcArchive | None:
        """The run's archive, or None when WARC_OUTPUT is not set."""
        return crawler.get_extension(cls)

    # capture (reactor thread)

    def capture(self, request: Request, response: Response) -> None:
        """Keep ``response`` (as it came from the network) and ``request``."""
        exchange = Exchange(
            url=request.url, method=request.method,
            request_headers=_headers(request.headers), request_body=request.body,
            status=response.status, protocol=response.protocol or "HTTP/1.1",
            response_headers=_headers(response.headers), body=response.body,
            ip=str(response.ip_address) if response.ip_address else None,
            date=warc_date(datetime.now(UTC)), context=crawl_context(request.url, request.meta),
            # scrapy-playwright flags the responses it rendered with its own name
            rendered=keys.PLAYWRIGHT in response.flags,
        )
        self._locations[request] = self._submit(exchange)

    def capture_failure(self, request: Request, exception: BaseException) -> None:
        """Keep the fact that ``request`` got no response, and why."""
        context = crawl_context(request.url, request.meta)
        if context.role not in ("feed", "article"):
            return
        self._submit(FailedFetch(url=request.url, reason=describe_failure(Failure(exception)),
                                 blocked=isinstance(exception, BlockedAddress),
                                 date=warc_date(datetime.now(UTC)), context=context))

    def _submit(self, item: Exchange | FailedFetch) -> Future[Location | None]:
        future: Future[Location | None] = Future()
        if self.error is not None or self._thread is None:
            future.set_result(None)
        else:
            self._queue.put((item, future))
        return future

    async def location(self, request: Request) -> Location | None:
        """Where the response to ``request`` was written (None: not captured)."""
        future = self._locations.get(request)
        return None if future is None else await asyncio.wrap_future(future)

    # the writer thread

    def _run(self, writer: WarcFileWriter) -> None:
        try:
            self.repaired = repair_left_open(self.folder)
        except OSError as exc:
            logger.error("WARC capture: could not repair files left open in %s: %s",
                         self.folder, exc)
        for repaired in self.repaired:
            logger.warning("WARC capture: %s was left open by a killed run: finished it%s",
                           repaired.path, f", moved a torn last record ({repaired.torn_bytes} "
                           f"bytes) to {repaired.path}.torn" if repaired.torn_bytes else "")
        while (job := self._queue.get()) is not _STOP:
            item, future = job
            if self.error is None:
                try:
                    future.set_result(writer.write(item))
                    continue
                except RecordFailed as exc:
                    self.failed_records += 1
                    logger.error("WARC capture: left out the fetch of %s: %s", item.url, exc)
                except OSError as exc:
                    self.error = f"writing {self.folder} failed: {exc}"
                    logger.error("WARC capture stopped: %s", self.error)
            future.set_result(None)
        try:
            writer.close()
        except OSError as exc:
            self.error = self.error or f"closing the WARC file failed: {exc}"

    # lifetime

    def spider_opened(self, spider: Spider) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.writer = WarcFileWriter(self.folder, spider.name, self.max_bytes,
                                     warcinfo(self.crawler.settings, spider.name),
                                     gzip_level=self.gzip_level)
        self._thread = threading.Thread(target=self._run, args=(self.writer,),
                                        name="warc-writer", daemon=True)
        self._thread.start()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._thread is None or self.writer is None:
            return
        self._queue.put(_STOP)
        self._thread.join()
        stats = self.crawler.stats
        stats.set_value(keys.WARC_FILES, len(self.writer.files))
        stats.set_value(keys.WARC_RECORDS, self.writer.records)
        stats.set_value(keys.WARC_REVISITS, self.writer.revisits)
        stats.set_value(keys.WARC_FOLDER, str(self.folder))
        if self.repaired:
            stats.set_value(keys.WARC_TORN_RECORDS,
                            sum(1 for r in self.repaired if r.torn_bytes))
            stats.set_value(keys.WARC_FILES_REPAIRED, len(self.repaired))
        if self.error:
            stats.set_value(keys.WARC_ERROR, self.error)
        if self.failed_records:
            stats.set_value(keys.WARC_RECORDS_FAILED, self.failed_records)


def _headers(headers: Any) -> Headers:
    """Scrapy's headers as (name, value) text pairs, one pair per value, in their order."""
    return tuple((name.decode("latin-1"), value.decode("latin-1"))
                 for name, values in headers.items() for value in values)


def warcinfo(settings: BaseSettings, spider_name: str) -> dict[str, str]:
    """The ``warcinfo`` fields: the crawler, its version, and the settings of this run."""
    chosen = {}
    for name in sorted(settings.attributes):
        if settings.getpriority(name) < SETTINGS_PRIORITIES["project"]:
            continue  # Scrapy's defaults: implied by its version
        if _SECRET_SETTING.search(name):
            continue
        value = settings[name]
        chosen[name] = value.copy_to_dict() if isinstance(value, BaseSettings) else value
    settings_json = _URL_CREDENTIALS.sub(r"\1***@", json.dumps(chosen, default=str))
    return {
        "software": f"newscrawler/{newscrawler.__version__} (Scrapy/{scrapy.__version__}; "
                    f"warcio/{version('warcio')})",
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
                      "warc-format/warc-1.1/",
        "hostname": socket.gethostname(),
        "isPartOf": spider_name,
        "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        "http-header-user-agent": str(settings.get("USER_AGENT")),
        "newscrawler-settings": settings_json,
    }
