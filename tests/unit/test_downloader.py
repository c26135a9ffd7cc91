"""SendTimeDownloader: a site's delay counts from when its request is really sent."""

from __future__ import annotations

import asyncio
from time import monotonic

from scrapy import Request
from scrapy.core.downloader import Slot
from scrapy.http import Response

from newscrawler import keys
from newscrawler.politeness.downloader import SendTimeDownloader

MARGIN = 50.0  # far larger than the test's own run time: a stamp with it cannot be mistaken
# Scrapy's data: handler answers without a network; the site is the request's slot.
DATA_ONLY = {"POLITENESS_NEW_CONNECTION_MARGIN": MARGIN, "DOWNLOAD_HANDLERS": {
    "data": "scrapy.core.downloader.handlers.datauri.DataURIDownloadHandler"}}


def request(site: str) -> Request:
    return Request("data:text/plain,hello", meta={keys.DOWNLOAD_SLOT: site})


def send(downloader: SendTimeDownloader, slot: Slot, site: str) -> tuple[Response, float, float]:
    """Send a request of ``site`` through ``slot`` (``_download``: where Scrapy hands it to the
    download handler, the method overridden); the response and the clock around the send."""
    before = monotonic()
    response = asyncio.run(downloader._download(slot, request(site)))
    return response, before, monotonic()


def new_slot(lastseen: float = 0.0) -> Slot:
    slot = Slot(concurrency=1, delay=0, jitter=0)
    slot.lastseen = lastseen
    return slot


def test_the_delay_counts_from_the_send_not_from_when_scrapy_picked_the_request(make_crawler):
    downloader = SendTimeDownloader(make_crawler(DATA_ONLY))
    send(downloader, new_slot(), "a.example")
    # Scrapy stamped the slot when it took the request off the slot's queue, a while ago
    slot = new_slot(lastseen=monotonic() - 30)
    response, before, after = send(downloader, slot, "a.example")
    assert response.body == b"hello"
    assert before <= slot.lastseen <= after


def test_a_sites_first_request_counts_as_sent_one_margin_later(make_crawler):
    downloader = SendTimeDownloader(make_crawler(DATA_ONLY))
    slot = new_slot()
    _, before, after = send(downloader, slot, "a.example")
    # the connection is opened first (TCP, TLS): the request reaches the site later
    assert before + MARGIN <= slot.lastseen <= after + MARGIN


def test_only_the_first_request_of_each_site_gets_the_margin(make_crawler):
    downloader = SendTimeDownloader(make_crawler(DATA_ONLY))
    send(downloader, new_slot(), "a.example")
    again, other = new_slot(), new_slot()
    _, before, after = send(downloader, again, "a.example")
    assert before <= again.lastseen <= after
    _, before, after = send(downloader, other, "b.example")
    assert before + MARGIN <= other.lastseen <= after + MARGIN


def test_a_pause_already_on_the_slot_is_never_shortened(make_crawler):
    # a Retry-After pause moves lastseen into the future (SitePolitenessMiddleware._pause_slot)
    downloader = SendTimeDownloader(make_crawler(DATA_ONLY))
    paused_until = monotonic() + 10 * MARGIN
    slot = new_slot(lastseen=paused_until)
    send(downloader, slot, "a.example")
    assert slot.lastseen == paused_until


def test_the_project_installs_it_as_scrapys_downloader(make_crawler):
    crawler = make_crawler(DATA_ONLY, engine=True)
    assert isinstance(crawler.engine.downloader, SendTimeDownloader)
    assert crawler.engine.downloader.new_connection_margin == MARGIN
