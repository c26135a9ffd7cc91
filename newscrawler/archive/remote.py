"""A WARC file at an http(s):// (or s3://) URL, fetched through Scrapy into a temporary file.

Through Scrapy's downloader, so the size caps, the address rule, the site's politeness delay,
retries and the user agent apply as to every other request. In ranges of at most
``DOWNLOAD_MAXSIZE`` bytes (``Range`` requests): a CC-NEWS file is about 1 GB, and Scrapy
keeps a response's body in memory. A server that ignores ``Range`` sends the whole file in
one response, which must then fit under ``DOWNLOAD_MAXSIZE``.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, BinaryIO

from scrapy import Request
from twisted.python.failure import Failure

from newscrawler.report.failures import describe_failure

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["RemoteFetchFailed", "fetch_into"]

MAX_RANGE = 16 * 1024 * 1024   # bytes per request, at most (and at most DOWNLOAD_MAXSIZE)
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")


class RemoteFetchFailed(Exception):
    """The file could not be fetched: the message says why."""


async def fetch_into(crawler: Crawler, url: str, target: BinaryIO) -> int:
    """Fetch ``url`` into ``target``, range after range; the bytes fetched."""
    assert crawler.engine is not None
    size = min(MAX_RANGE, crawler.settings.getint("DOWNLOAD_MAXSIZE") or MAX_RANGE)
    start = 0
    while True:
        request = Request(url, headers={"Range": f"bytes={start}-{start + size - 1}"},
                          dont_filter=True)
        try:
            response = await crawler.engine.download_async(request)
        except Exception as exc:  # what a download raises: reported as the crawl reports it
            raise RemoteFetchFailed(describe_failure(Failure(exc))) from exc
        if response.status == 416:   # the range starts at the end: a file of a whole ranges
            return start
        if response.status not in (200, 206):
            raise RemoteFetchFailed(f"HTTP {response.status}")
        await asyncio.to_thread(target.write, response.body)
        start += len(response.body)
        total = _total_size(response.headers.get(b"Content-Range", b"").decode("latin-1"))
        if response.status == 200 or not response.body or (total is not None and start >= total):
            return start


def _total_size(content_range: str) -> int | None:
    match = _CONTENT_RANGE.search(content_range)
    return int(match.group(3)) if match and match.group(3) != "*" else None
