"""GC_YOUNG_THRESHOLD: the collector's young threshold while a crawl runs, Python's after."""

from __future__ import annotations

import gc

import pytest
from scrapy import signals

from newscrawler.collector import CollectorThreshold


@pytest.fixture
def python_thresholds():
    before = gc.get_threshold()
    yield before
    gc.set_threshold(*before)


def test_the_young_threshold_holds_while_the_engine_runs_and_is_restored_after(
        make_crawler, python_thresholds):
    crawler = make_crawler({"GC_YOUNG_THRESHOLD": 12_345})
    assert crawler.get_extension(CollectorThreshold) is not None
    assert gc.get_threshold() == python_thresholds  # built, not running: nothing changed
    crawler.signals.send_catch_log(signals.engine_started)
    assert gc.get_threshold() == (12_345, *python_thresholds[1:])
    crawler.signals.send_catch_log(signals.engine_stopped)
    assert gc.get_threshold() == python_thresholds


def test_zero_keeps_pythons_thresholds(make_crawler, python_thresholds):
    crawler = make_crawler({"GC_YOUNG_THRESHOLD": 0})
    assert crawler.get_extension(CollectorThreshold) is None
    crawler.signals.send_catch_log(signals.engine_started)
    assert gc.get_threshold() == python_thresholds
