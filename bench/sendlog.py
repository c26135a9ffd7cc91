"""Benchmark only: when did the crawl write each HTTP request to its connection?

The simulated web logs a request when its handler starts. With a hundred requests in flight
its event loop runs up to 0.12 s behind (measured), so a request logged late makes the gap
before the next one look shorter than the crawler made it. This Scrapy extension, which only
``python -m bench.run`` loads, records the other side: the moment the crawl's HTTP/1.1 client
writes the request. Twisted has no hook for that, hence the patch of
``HTTP11ClientProtocol.request`` (a benchmark may do what the product must not).

Enabled by ``BENCH_SEND_LOG=<path>``: one JSON line per request, ``{"t", "host", "path"}``.
"""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from typing import IO, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from newscrawler._compat import twisted_http_client_protocol

__all__ = ["SendLog", "sent_gaps"]


class SendLog:
    def __init__(self, path: str) -> None:
        self.out: IO[str] = Path(path).open("a", encoding="utf-8", buffering=1)  # noqa: SIM115
        protocol_class: Any = twisted_http_client_protocol()
        original = protocol_class.request
        out = self.out

        def request(protocol: Any, twisted_request: Any) -> Any:
            host = (twisted_request.headers.getRawHeaders(b"host") or [b""])[0].decode()
            out.write(json.dumps({"t": time.time(), "host": host.rsplit(":", 1)[0],
                                  "path": twisted_request.uri.decode()}) + "\n")
            return original(protocol, twisted_request)

        protocol_class.request = request

    @classmethod
    def from_crawler(cls, crawler: Any) -> SendLog:
        path = crawler.settings.get("BENCH_SEND_LOG")
        if not path:
            raise NotConfigured
        extension = cls(path)
        crawler.signals.connect(extension.close, signal=signals.engine_stopped)
        return extension

    def close(self) -> None:
        self.out.close()


def sent_gaps(path: Path) -> list[float]:
    """Gaps between consecutive requests written to one host, from a ``BENCH_SEND_LOG``."""
    by_host: dict[str, list[float]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                by_host.setdefault(record["host"], []).append(record["t"])
    gaps = []
    for times in by_host.values():
        times.sort()
        gaps += [b - a for a, b in itertools.pairwise(times)]
    return gaps
