"""Downloader middleware: every response, as it came from the network, to the WARC archive.

At priority 800 its ``process_response`` runs before Scrapy's redirect (600), decompression
(590) and retry (550) middlewares see the response (``process_response`` runs from the highest
priority to the lowest): a redirect, a 429 later retried and a gzip-encoded body are kept as
they arrived. Its ``process_request`` would run after the header middlewares (user agent,
cookies, Accept-Encoding) below 800, so the request record holds the headers really sent. A
response the address rule refuses is not kept: what the rule keeps out of the output must not
land in the archive either. A fetch that fails without a response (robots.txt, timeout, DNS)
is kept as a ``metadata`` record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured

from newscrawler.archive.extension import WarcArchive
from newscrawler.safety.middleware import is_refused_peer

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

__all__ = ["WarcCaptureMiddleware"]


class WarcCaptureMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        archive = WarcArchive.of(crawler)
        if archive is None:
            # no capture is the usual run: no message, so Scrapy logs no warning line for it
            raise NotConfigured
        self.archive = archive
        self.allow_private = crawler.settings.getbool("ALLOW_PRIVATE_ADDRESSES")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if not is_refused_peer(request, response, self.allow_private):
            self.archive.capture(request, response)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self.archive.capture_failure(request, exception)
