"""Real Scrapy crawlers on the project's settings, every file they write kept in ``tmp_path``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy import Spider
from scrapy.core.engine import ExecutionEngine
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

import newscrawler.settings
from newscrawler.state.extension import CrawlState

# get_crawler picks the reactor settings that work in this process (the unit tests install no
# reactor); the project's would ask for the asyncio reactor.
PROJECT_SETTINGS: dict[str, Any] = {
    name: value for name, value in vars(newscrawler.settings).items()
    if name.isupper() and name != "TWISTED_REACTOR"
}
# Unit tests send nothing over the network: no http(s) handler (the project's browser handler
# would want the asyncio reactor; Scrapy's own, an event loop as soon as the engine is built).
PROJECT_SETTINGS["DOWNLOAD_HANDLERS"] = {
    **newscrawler.settings.DOWNLOAD_HANDLERS, "http": None, "https": None}


class UnitSpider(Spider):
    name = "unit"


MakeCrawler = Callable[..., Crawler]


@pytest.fixture
def make_crawler(tmp_path: Path) -> Iterator[MakeCrawler]:
    """``make(settings, engine=False)``: a crawler with its spider (and a real engine if asked),
    as ``Crawler.crawl`` has them before the engine opens. Two crawlers made in one test share
    ``STATE_DIR`` and the output folder: they are two runs."""
    made: list[Crawler] = []
    engines: list[ExecutionEngine] = []

    def make(settings: dict[str, Any] | None = None, *, engine: bool = False) -> Crawler:
        crawler = get_crawler(UnitSpider, {
            **PROJECT_SETTINGS,
            "STATE_DIR": str(tmp_path / "state"),
            "JSONL_OUTPUT": str(tmp_path / "output" / "%(name)s-%(time)s.jsonl"),
            "PROGRESS_INTERVAL": 0,
            **(settings or {}),
        })
        crawler.spider = UnitSpider.from_crawler(crawler)
        if engine:
            # Built, not opened: the downloader, its middlewares and the item pipelines exist;
            # no spider is open in it, so nothing is scheduled or sent.
            crawler.engine = ExecutionEngine(crawler, lambda _spider: None)
            engines.append(crawler.engine)
        made.append(crawler)
        return crawler

    yield make
    for built in engines:
        built.downloader.close()
    for crawler in made:
        state = CrawlState.of(crawler)
        if state is not None:
            state.store.close()

