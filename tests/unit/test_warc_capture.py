"""WARC capture: the middleware hands every fetch to the archive, the writer thread keeps it as
warcio records, files roll over and a file a killed run left open is finished."""

from __future__ import annotations

import asyncio
import fcntl
import gzip
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.settings import Settings
from warcio.archiveiterator import ArchiveIterator

import newscrawler.settings
from newscrawler import keys
from newscrawler.archive.extension import WarcArchive, warcinfo
from newscrawler.archive.middleware import WarcCaptureMiddleware
from newscrawler.archive.records import CrawlContext, Exchange, crawl_context
from newscrawler.archive.writer import RecordFailed, WarcFileWriter, repair_left_open
from newscrawler.safety.middleware import BlockedAddress

WARCIO = str(Path(sys.executable).parent / "warcio")
PAGE = b"<html><body><p>" + b"An article. " * 100 + b"</p></body></html>"


@pytest.fixture
def capture(make_crawler, tmp_path):
    """A crawler with WARC_OUTPUT, its archive open and its capture middleware; closing it
    (``close()``) writes everything out and returns the records as (offset, record, payload)."""
    crawler = make_crawler({"WARC_OUTPUT": str(tmp_path / "warcs")})
    archive = WarcArchive.of(crawler)
    assert archive is not None
    archive.spider_opened(crawler.spider)
    middleware = WarcCaptureMiddleware.from_crawler(crawler)

    def close() -> list[tuple[int, object, bytes]]:
        archive.spider_closed(crawler.spider, "finished")
        found = []
        for path in sorted((tmp_path / "warcs").glob("*.warc.gz")):
            with path.open("rb") as handle:
                iterator = ArchiveIterator(handle)
                for record in iterator:
                    payload = record.raw_stream.read()  # before the offset: that reads it all
                    found.append((iterator.get_record_offset(), record, payload))
        return found

    return crawler, archive, middleware, close


def fields(record: object, *names: str) -> tuple[str | None, ...]:
    return tuple(record.rec_headers.get_header(name) for name in names)  # type: ignore[attr-defined]


def test_a_response_is_kept_as_it_came_with_its_request(capture):
    _, archive, middleware, close = capture
    request = Request("http://example.com/feed.xml", headers={"User-Agent": "newscrawler/0.1"},
                      meta={keys.FEED_URL: "http://example.com/feed.xml",
                            keys.FEED_CATEGORY: "Tech"})
    body = gzip.compress(b"<rss><channel><item><link>/a</link></item></channel></rss>")
    response = Response(request.url, status=200, body=body, request=request,
                        ip_address="192.0.2.7", protocol="HTTP/1.1", headers={
                            "Content-Type": "application/rss+xml", "Content-Encoding": "gzip",
                            "Transfer-Encoding": "chunked"})
    assert middleware.process_response(request, response) is response
    location = asyncio.run(archive.location(request))
    info, (offset, stored, payload), (_, sent, _) = close()
    assert info[1].rec_type == "warcinfo"
    assert location is not None and location.offset == offset
    assert stored.rec_type == "response"
    assert fields(stored, "WARC-Target-URI", "WARC-IP-Address", "Newscrawler-Role",
                  "Newscrawler-Feed", "Newscrawler-Category") == (
        request.url, "192.0.2.7", "feed", request.url, "Tech")
    assert payload == body  # still gzip-encoded: the bytes the server sent
    assert stored.http_headers.get_header("Content-Encoding") == "gzip"
    assert stored.http_headers.get_header("Transfer-Encoding") is None  # Twisted de-chunked
    assert stored.http_headers.statusline == "200 OK"
    assert sent.rec_type == "request"
    assert fields(sent, "WARC-Concurrent-To") == fields(stored, "WARC-Record-ID")
    assert sent.http_headers.protocol == "GET"
    assert sent.http_headers.get_header("User-Agent") == "newscrawler/0.1"
    assert sent.http_headers.get_header("Host") == "example.com"


@pytest.mark.parametrize(("url", "meta", "context"), [
    ("http://a.example/robots.txt", {keys.DONT_OBEY_ROBOTSTXT: True}, CrawlContext("robots")),
    ("http://a.example/feed", {keys.FEED_URL: "http://a.example/feed"},
     CrawlContext("feed", feed="http://a.example/feed")),
    ("http://a.example/rss", {keys.FEED_URL: "http://a.example/feed",
                              keys.REDIRECT_URLS: ["http://a.example/feed"]},
     CrawlContext("feed", feed="http://a.example/feed", first_url="http://a.example/feed")),
    ("http://b.example/1", {keys.LISTED_BY: "http://a.example/feed"},
     CrawlContext("article", feed="http://a.example/feed")),
    ("http://b.example/2", {keys.LISTED_BY: "http://a.example/feed",
                            keys.REDIRECT_URLS: ["http://b.example/1", "http://b.example/x"]},
     CrawlContext("article", feed="http://a.example/feed", first_url="http://b.example/1")),
    ("http://b.example/robots.txt", {}, CrawlContext("page")),
])
def test_each_fetch_says_what_it_was_to_the_crawl(url, meta, context):
    assert crawl_context(url, meta) == context


def test_a_response_the_address_rule_refuses_is_not_kept(capture):
    _, archive, middleware, close = capture
    request = Request("http://evil.example/a", meta={
        keys.LISTED_BY: "http://news.example/feed", keys.LISTED_BY_ADDRESS: "203.0.113.5"})
    response = HtmlResponse(request.url, body=b"secret", request=request,
                            ip_address="169.254.169.254")
    middleware.process_response(request, response)
    assert asyncio.run(archive.location(request)) is None
    assert [record.rec_type for _, record, _ in close()] == []  # not even a file


@pytest.mark.parametrize(("exception", "written"), [
    (IgnoreRequest("Forbidden by robots.txt"), b"fetch-error: forbidden by robots.txt\r\n"),
    (BlockedAddress("blocked: loopback address"),
     b"fetch-error: blocked: loopback address\r\nblocked: address rule\r\n"),
    (TimeoutError(), b"fetch-error: timed out\r\n"),
])
def test_a_fetch_without_response_is_kept_as_a_metadata_record(capture, exception, written):
    _, _, middleware, close = capture
    request = Request("http://b.example/1", meta={keys.LISTED_BY: "http://a.example/feed"})
    assert middleware.process_exception(request, exception) is None
    [_, (_, record, payload)] = close()
    assert record.rec_type == "metadata"
    assert fields(record, "WARC-Target-URI", "Newscrawler-Role") == (request.url, "article")
    assert payload == written


def test_a_failed_robots_txt_is_not_kept(capture):
    _, _, middleware, close = capture
    request = Request("http://b.example/robots.txt", meta={keys.DONT_OBEY_ROBOTSTXT: True})
    middleware.process_exception(request, TimeoutError())
    assert close() == []


def test_a_page_the_browser_rendered_is_a_resource_record_marked_as_such(capture):
    _, _, middleware, close = capture
    request = Request("http://b.example/app", meta={keys.LISTED_BY: "http://a.example/feed"})
    response = HtmlResponse(request.url, body=PAGE, request=request, flags=["playwright"],
                            headers={"Content-Type": "text/html; charset=utf-8"})
    middleware.process_response(request, response)
    [_, (_, record, payload), (_, sent, _)] = close()
    assert record.rec_type == "resource"
    assert fields(record, "Newscrawler-Rendered", "Content-Type") == (
        "browser", "text/html; charset=utf-8")
    assert payload == PAGE and sent.rec_type == "request"


def test_an_identical_payload_becomes_a_revisit_of_the_first(capture):
    _, archive, middleware, close = capture
    first, second = (Request(f"http://b.example/{n}", meta={keys.LISTED_BY: "http://a/f"})
                     for n in (1, 2))
    for request in (first, second):
        middleware.process_response(request, HtmlResponse(request.url, body=PAGE,
                                                          request=request))
    where = [asyncio.run(archive.location(r)) for r in (first, second)]
    records = close()
    revisit = next(record for _, record, _ in records if record.rec_type == "revisit")
    original = next(record for _, record, _ in records if record.rec_type == "response")
    assert where[0] == where[1]  # the second article points at the bytes of the first
    assert fields(revisit, "WARC-Refers-To-Target-URI", "WARC-Refers-To",
                  "WARC-Payload-Digest") == (first.url, *fields(original, "WARC-Record-ID",
                                                                "WARC-Payload-Digest"))


def test_capture_that_cannot_write_stops_with_its_reason_and_the_crawl_goes_on(capture,
                                                                               tmp_path):
    crawler, archive, middleware, close = capture
    (tmp_path / "warcs").rmdir()  # the folder vanished: the first file cannot be made
    request = Request("http://b.example/1")
    middleware.process_response(request, HtmlResponse(request.url, body=PAGE, request=request))
    assert asyncio.run(archive.location(request)) is None
    assert close() == []
    assert "No such file or directory" in crawler.stats.get_value(keys.WARC_ERROR)


def exchange(n: int) -> Exchange:
    return Exchange(url=f"http://b.example/{n}", method="GET", request_headers=(),
                    request_body=b"", status=200, protocol="HTTP/1.1",
                    response_headers=(("Content-Type", "text/html"),),
                    body=PAGE + str(n).encode(), ip=None, date="2026-01-02T03:04:05.000000Z",
                    context=CrawlContext("article"))


def test_files_roll_over_at_the_size_and_each_starts_with_warcinfo(tmp_path):
    writer = WarcFileWriter(tmp_path, "feeds", 1000, {"software": "test"})
    locations = [writer.write(exchange(n)) for n in range(6)]
    writer.close()
    files = sorted(tmp_path.glob("*.warc.gz"))
    assert len(files) == len(writer.files) >= 3
    assert {location.file for location in locations} == {str(f) for f in files}
    for path in files:
        with path.open("rb") as handle:
            types = [record.rec_type for record in ArchiveIterator(handle)]
        assert types[0] == "warcinfo" and types.count("warcinfo") == 1
    checked = subprocess.run([WARCIO, "check", *map(str, files)], capture_output=True)
    assert checked.returncode == 0


def test_a_fetch_warcio_refuses_is_left_out_and_the_file_stays_whole(tmp_path):
    writer = WarcFileWriter(tmp_path, "feeds", 10**9, {})
    writer.write(exchange(1))
    with pytest.raises(RecordFailed, match="UnicodeEncodeError"):
        writer.write(replace(exchange(2), url="http://b.example/caf\xe9"))  # not %-encoded
    writer.write(exchange(3))
    writer.close()
    with open(writer.files[0], "rb") as handle:
        urls = [record.rec_headers.get_header("WARC-Target-URI")
                for record in ArchiveIterator(handle) if record.rec_type == "response"]
    assert urls == ["http://b.example/1", "http://b.example/3"]
    assert subprocess.run([WARCIO, "check", writer.files[0]], capture_output=True).returncode == 0


def test_the_writer_thread_outlives_a_fetch_it_cannot_write(capture):
    crawler, archive, middleware, close = capture
    bad = Request("http://b.example/1", method="G\xc9T")  # a request line warcio cannot encode
    middleware.process_response(bad, HtmlResponse(bad.url, body=PAGE, request=bad))
    good = Request("http://b.example/2")
    middleware.process_response(good, HtmlResponse(good.url, body=PAGE, request=good))
    assert asyncio.run(archive.location(bad)) is None
    assert asyncio.run(archive.location(good)) is not None
    records = close()
    assert [r.rec_type for _, r, _ in records] == ["warcinfo", "response", "request"]
    assert crawler.stats.get_value(keys.WARC_RECORDS_FAILED) == 1


def test_a_file_a_killed_run_left_open_is_finished_and_its_torn_record_moved_aside(tmp_path):
    writer = WarcFileWriter(tmp_path, "feeds", 10**9, {})
    for n in range(3):
        writer.write(exchange(n))
    name = writer.files[0]
    whole = Path(name + ".open").read_bytes()   # as a kill -9 leaves it: still open, no rename
    torn = gzip.compress(b"WARC/1.1\r\n" + os.urandom(3000))[:700]
    Path(name + ".open").write_bytes(whole + torn)
    writer._raw.close()  # type: ignore[union-attr]  # the killed process's lock goes with it
    [repaired] = repair_left_open(tmp_path)
    assert (repaired.path, repaired.torn_bytes) == (name, len(torn))
    assert Path(name).read_bytes() == whole and not Path(name + ".open").exists()
    assert Path(name + ".torn").read_bytes() == torn


def test_a_file_another_crawl_is_writing_is_left_alone(tmp_path):
    writer = WarcFileWriter(tmp_path, "feeds", 10**9, {})
    writer.write(exchange(1))
    assert repair_left_open(tmp_path) == []  # its lock is held
    writer.close()
    assert repair_left_open(tmp_path) == []
    assert [p.name for p in tmp_path.iterdir()] == [Path(writer.files[0]).name]


def test_a_file_with_no_whole_record_is_removed(tmp_path):
    left = tmp_path / "feeds-1-00000-host-1.warc.gz.open"
    left.write_bytes(gzip.compress(b"WARC/1.1\r\nWARC-Type: warcinfo\r\n" + os.urandom(900))[:300])
    [repaired] = repair_left_open(tmp_path)
    assert repaired.torn_bytes == 300
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feeds-1-00000-host-1.warc.gz.torn"]


def test_warcinfo_names_the_crawler_and_its_settings_without_secrets():
    # plain settings, no crawler: a REDIS_URL would make the add-on connect
    settings = Settings()
    settings.setmodule(newscrawler.settings, priority="project")
    settings.setdict({"REDIS_URL": "redis://:hunter2@redis.internal:6379/0",
                      "AWS_SECRET_ACCESS_KEY": "abc", "DOWNLOAD_DELAY": 5}, priority="cmdline")
    info = warcinfo(settings, "feeds")
    assert info["software"].startswith("newscrawler/0.1.0 (Scrapy/")
    assert info["isPartOf"] == "feeds" and info["robots"] == "obey"
    settings = json.loads(info["newscrawler-settings"])
    assert settings["DOWNLOAD_DELAY"] == 5
    assert settings["REDIS_URL"] == "redis://***@redis.internal:6379/0"
    assert "AWS_SECRET_ACCESS_KEY" not in settings
    assert "hunter2" not in json.dumps(info)


def test_without_warc_output_nothing_is_captured(make_crawler):
    crawler = make_crawler(engine=True)
    assert WarcArchive.of(crawler) is None
    names = [type(mw).__name__ for mw in crawler.engine.downloader.middleware.middlewares]
    assert "WarcCaptureMiddleware" not in names


def test_lock_is_the_kind_a_second_open_file_sees(tmp_path):
    # repair_left_open relies on flock conflicting between two open files of one process
    path = tmp_path / "x"
    path.write_bytes(b"")
    with path.open("rb") as first, path.open("rb") as second:
        fcntl.flock(first.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(BlockingIOError):
            fcntl.flock(second.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
