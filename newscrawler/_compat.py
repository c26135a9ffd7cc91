"""Every private name of Scrapy, scrapy-playwright and Twisted that newscrawler relies on.

Whoever upgrades one of them reads this list first: ``tests/unit/test_compat.py`` checks that
each name still exists in the installed versions and fails with the name of what moved. Code
elsewhere reaches these names only through this module (methods that a subclass overrides are
listed in :data:`OVERRIDDEN`: Python offers no other way to override them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.pqueues import _path_safe
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from twisted.web import _newclient

if TYPE_CHECKING:
    from scrapy.core.engine import ExecutionEngine

__all__ = [
    "OVERRIDDEN",
    "PRIVATE_NAMES",
    "DecompressionMaxSizeExceeded",
    "ResponseFailed",
    "ResponseNeverReceived",
    "engine_in_progress",
    "engine_is_open",
    "path_safe",
    "robots_parsers",
    "twisted_http_client_protocol",
    "wake_engine",
]

# Twisted's HTTP/1.1 client errors: Scrapy raises them for a connection that broke before or
# during a response, and exports no public name for them.
ResponseFailed = _newclient.ResponseFailed
ResponseNeverReceived = _newclient.ResponseNeverReceived

# What Scrapy's gunzip raises when the decompressed size passes its max_size (a gzip bomb).
DecompressionMaxSizeExceeded = _DecompressionMaxSizeExceeded


def twisted_http_client_protocol() -> type:
    """The class whose ``request`` method writes a request to the socket (the bench's send log)."""
    return _newclient.HTTP11ClientProtocol


def path_safe(text: str) -> str:
    """The directory name Scrapy's priority queues give a downloader slot under ``JOBDIR``."""
    return _path_safe(text)


def robots_parsers(middleware: Any) -> dict[str, Any]:
    """RobotsTxtMiddleware's parsers by host (a Deferred while one is fetched, None when the
    fetch failed): our subclasses replace the method that fills it (``robot_parser``)."""
    parsers: dict[str, Any] = middleware._parsers
    return parsers


# The engine's per-spider slot (``engine._slot``) has no public API for what is used here: the
# requests in progress, whether it is closing, and the call that makes the engine ask the
# scheduler again. (Its scheduler is public: ``engine.scheduler``.)

def _engine_slot(engine: ExecutionEngine | None) -> Any:
    return getattr(engine, "_slot", None) if engine is not None else None


def engine_is_open(engine: ExecutionEngine | None) -> bool:
    """The engine has a spider open and is not closing it."""
    slot = _engine_slot(engine)
    return slot is not None and slot.closing is None


def engine_in_progress(engine: ExecutionEngine | None) -> set[Any] | None:
    """The requests the engine has taken and not finished with (None: no spider open)."""
    slot = _engine_slot(engine)
    return getattr(slot, "inprogress", None)


def wake_engine(engine: ExecutionEngine | None) -> None:
    """Make the engine ask the scheduler for requests now, not at its next 5 s heartbeat."""
    slot = _engine_slot(engine)
    if slot is not None and slot.closing is None:
        slot.nextcall.schedule()


# Private methods that newscrawler's subclasses override or call, by class path: (class, method).
OVERRIDDEN: tuple[tuple[str, str], ...] = (
    # politeness/downloader.py: the one place Scrapy passes through at send time
    ("scrapy.core.downloader.Downloader", "_download"),
    # politeness/robots.py: RFC 9309's rules for what a robots.txt answer means
    ("scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware", "_parse_robots"),
    ("scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware", "_robots_error"),
    # rendering/handler.py: Playwright's driver started on first use, not with the engine
    ("scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler", "_maybe_launch_in_thread"),
    ("scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler", "_download_request"),
    ("scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler", "_launch"),
    # sources/sitemap.py: the news and image blocks of a <url>, read before Scrapy clears them
    ("scrapy.utils.sitemap.Sitemap", "_process_sitemap_element"),
)

# Every private name used through this module, by module path: (module or class, attribute).
PRIVATE_NAMES: tuple[tuple[str, str], ...] = (
    ("scrapy.pqueues", "_path_safe"),
    ("scrapy.utils._compression", "_DecompressionMaxSizeExceeded"),
    ("scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware", "_parsers"),
    ("scrapy.core.engine.ExecutionEngine", "_slot"),
    ("scrapy.core.engine._Slot", "nextcall"),
    ("scrapy.core.engine._Slot", "inprogress"),
    ("scrapy.core.engine._Slot", "closing"),
    ("twisted.web._newclient", "ResponseFailed"),
    ("twisted.web._newclient", "ResponseNeverReceived"),
    ("twisted.web._newclient", "HTTP11ClientProtocol"),
)
