"""The download handler for http and https when scrapy-playwright is installed.

scrapy-playwright's handler only drives the browser for requests whose meta says
``playwright: True`` (see ``rendering/routing.py``); every other request (feeds, robots.txt,
ordinary articles) goes on to Scrapy's own HTTP/1.1 handler. scrapy-playwright is optional
(``pip install newscrawler[js]``): without it ``settings.py`` installs no handler, and pages to
render are fetched without a browser.
"""

from __future__ import annotations

import asyncio
import importlib.util
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response

if importlib.util.find_spec("scrapy_playwright") is not None:
    from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

    class BrowserDownloadHandler(ScrapyPlaywrightDownloadHandler):
        """scrapy-playwright's handler, with Playwright's driver started on first use.

        The stock handler (0.0.48) starts the driver, a node process of about 120 MB, when the
        engine starts, in every crawl and once per scheme; Chromium itself it already launches
        lazily, on the first page. Here the driver waits for the first browser request too, so
        a crawl without pages to render starts neither (tests/e2e/test_rendering.py checks the
        process tree). This overrides private methods of scrapy-playwright (``_compat.OVERRIDDEN``):
        pin its version.
        """

        _driver_lock: asyncio.Lock | None = None
        _driver_started = False

        async def _maybe_launch_in_thread(self) -> None:  # engine_started: nothing to start
            return None

        async def _download_request(self, request: Request, spider: Any = None) -> Response:
            if not self._driver_started:
                if self._driver_lock is None:
                    self._driver_lock = asyncio.Lock()
                async with self._driver_lock:
                    if not self._driver_started:
                        await self._launch()
                        self._driver_started = True
            return await super()._download_request(request, spider)
