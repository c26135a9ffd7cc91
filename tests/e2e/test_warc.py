"""WARC capture and re-extraction: a crawl keeps what it fetched, `scrapy crawl warc` reads it
back without the network, and another crawler's archive (CC-NEWS) is a source of articles."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from aiohttp import web
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from bench.scoring import mean_scores, score
from newscrawler.archive.reader import Problem, WarcReader
from simweb import demo_web, memory_web, serve
from tests.support import count_lines, run_crawl, start_crawl

SCHEMA = json.loads((Path(__file__).parents[2] / "article.schema.json").read_text())
WARCIO = str(Path(sys.executable).parent / "warcio")


def warc_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.warc.gz"))


def records(path: Path) -> list:
    """Every record of ``path`` through warcio's own iterator (a second, independent reader),
    with its offset and payload read."""
    found = []
    with path.open("rb") as handle:
        iterator = ArchiveIterator(handle)
        for record in iterator:
            payload = record.content_stream().read()
            found.append((iterator.get_record_offset(), record, payload))
    return found


@pytest.fixture(scope="module")
def captured(tmp_path_factory):
    """The demo web crawled with WARC_OUTPUT (alpha listed by its home page), then re-extracted
    with `scrapy crawl warc` while the server still runs, counting what it is asked."""
    workdir = tmp_path_factory.mktemp("capture")
    with serve(demo_web()) as running:
        alpha_feed = running.url("alpha", "/feeds/news.xml")
        listed = [running.url("alpha", "/") if url == alpha_feed else url
                  for url in running.feed_urls()]
        (workdir / "feeds.txt").write_text("\n".join(listed) + "\n", encoding="utf-8")
        live = run_crawl(workdir, "-a", "feeds=feeds.txt",
                         settings={"WARC_OUTPUT": "warcs", "CONCURRENT_REQUESTS": "3"})
        running.wait_idle()
        served_before = len(running.log.records())
        replayed = run_crawl(workdir, "-a", "warc=warcs", spider="warc",
                             output="replayed.jsonl")
        running.wait_idle()
        served_after = len(running.log.records())
        yield running, live, replayed, workdir, served_after - served_before


def test_re_extraction_writes_what_the_live_crawl_wrote(captured):
    _, live, replayed, _, _ = captured
    assert live.returncode == 0, live.log[-3000:]
    assert replayed.returncode == 0, replayed.log[-3000:]
    assert len(live.items) == 14 and set(replayed.by_url) == set(live.by_url)
    assert len(replayed.items) == len(replayed.by_url)
    for url, article in live.by_url.items():
        again = replayed.by_url[url]
        jsonschema.validate(again, SCHEMA)
        assert {k: v for k, v in again.items() if k != "fetched_at"} == \
               {k: v for k, v in article.items() if k != "fetched_at"}, url


def test_re_extraction_sends_no_request(captured):
    *_, served_during_replay = captured
    assert served_during_replay == 0


def test_the_summary_of_the_re_extraction_tells_the_same_story(captured):
    _, live, replayed, _, _ = captured
    for line in ("feeds: 4 ok, 0 failed, 0 not modified, of 4 listed",
                 "articles: 14 written (13 page text, 1 feed fallback), 1 failed",
                 "/private/embargoed-report.html: forbidden by robots.txt"):
        assert line in live.summary() and line in replayed.summary()
    assert "WARC capture: " in live.summary()
    assert "WARC read: 1 file, " in replayed.summary()


def test_warcios_checker_accepts_the_files(captured):
    *_, workdir, _ = captured
    files = warc_files(workdir / "warcs")
    assert files and not list((workdir / "warcs").glob("*.open"))
    checked = subprocess.run([WARCIO, "check", "-v", *map(str, files)], capture_output=True,
                             text=True)
    assert checked.returncode == 0, checked.stdout[-2000:]
    assert "digest pass" in checked.stdout and "fail" not in checked.stdout


def test_each_article_names_the_record_of_its_page(captured):
    _, live, _, workdir, _ = captured
    for article in live.items:
        path = workdir / article["warc"]["file"]
        with path.open("rb") as handle:
            handle.seek(article["warc"]["offset"])
            record = next(iter(ArchiveIterator(handle)))
            assert record.rec_type == "response"
            assert record.rec_headers.get_header("WARC-Target-URI") == article["url"]
            assert b"<html" in record.content_stream().read().lower()


def test_every_fetch_is_kept_with_what_it_was_to_the_crawl(captured):
    running, _, _, workdir, _ = captured
    [path] = warc_files(workdir / "warcs")
    found = records(path)
    info = found[0][1]
    assert info.rec_type == "warcinfo" and info.rec_headers.get_header("WARC-Filename") == \
        path.name
    fields = dict(line.split(": ", 1) for line in found[0][2].decode().splitlines())
    assert fields["software"].startswith("newscrawler/0.1.0 (Scrapy/2.19")
    assert json.loads(fields["newscrawler-settings"])["WARC_OUTPUT"] == "warcs"

    roles: dict[str, set[str]] = {}
    responses, requests = {}, []
    for _, record, _ in found[1:]:
        get = record.rec_headers.get_header
        assert get("WARC-Date") and get("WARC-Record-ID")
        if record.rec_type in ("response", "revisit"):
            responses[get("WARC-Record-ID")] = record
            assert get("WARC-Payload-Digest").startswith("sha1:")
            assert get("WARC-IP-Address").startswith("127.0.0.")
            roles.setdefault(get("Newscrawler-Role"), set()).add(get("WARC-Target-URI"))
        elif record.rec_type == "request":
            requests.append(record)
    # every request record points at its response
    assert {r.rec_headers.get_header("WARC-Concurrent-To") for r in requests} == set(responses)
    assert len(roles["robots"]) == 5
    assert running.url("alpha", "/") in roles["feed"]  # the home page the feed was found on
    assert len(roles["article"]) == 14
    [failed] = [(record, payload) for _, record, payload in found
                if record.rec_type == "metadata"]
    assert failed[0].rec_headers.get_header("WARC-Target-URI").endswith(
        "/private/embargoed-report.html")
    assert failed[1] == b"fetch-error: forbidden by robots.txt\r\n"


# --- CC-NEWS: another crawler's archive, every HTML page an article --------------------------

def cc_news_file(captured_folder: Path, target: Path) -> tuple[set[str], dict[str, bytes]]:
    """A CC-NEWS-shaped file (WARC/1.0, request + response records, no feeds, no
    Newscrawler-* fields) holding the pages the live crawl fetched, plus what CC-NEWS also
    holds: a redirect, a 404 page, an image, a PDF, a page fetched twice, a metadata record.
    Returns the URLs of the HTML 200 pages and every page's HTML."""
    pages: dict[str, bytes] = {}
    for path in warc_files(captured_folder):
        for _, record, payload in records(path):
            get = record.rec_headers.get_header
            if record.rec_type == "response" and get("Newscrawler-Role") == "article":
                pages[get("WARC-Target-URI")] = payload
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True, warc_version="1.0")
    writer.write_record(writer.create_warcinfo_record(target.name, {
        "software": "StormCrawler 1.18 https://stormcrawler.net/",
        "format": "WARC File Format 1.0"}))

    def fetch(url: str, status: str, content_type: str, body: bytes,
              extra: list[tuple[str, str]] = ()) -> None:
        http = StatusAndHeaders(status, [("Content-Type", content_type), *extra],
                                protocol="HTTP/1.1")
        response = writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                             length=len(body), http_headers=http)
        request = writer.create_warc_record(url, "request", http_headers=StatusAndHeaders(
            f"GET /{url.split('/', 3)[-1]} HTTP/1.1", [("User-Agent", "CCBot/2.0")],
            is_http_request=True))
        writer.write_request_response_pair(request, response)

    html_urls = set()
    first = next(iter(pages))
    for n, (url, body) in enumerate(pages.items()):
        if n % 3 == 0:  # stored as the server sent it
            fetch(url, "200 OK", "text/html; charset=utf-8", gzip.compress(body),
                  [("Content-Encoding", "gzip")])
        else:
            fetch(url, "200 OK", "text/html; charset=utf-8", body)
        html_urls.add(url)
    fetch(first, "200 OK", "text/html; charset=utf-8", pages[first])  # fetched twice
    base = first.rsplit("/", 1)[0]
    fetch(f"{base}/old-url.html", "301 Moved Permanently", "text/html",
          b"<html>moved</html>", [("Location", first)])
    fetch(f"{base}/gone.html", "404 Not Found", "text/html",
          b"<html><body><p>" + b"Not found. " * 40 + b"</p></body></html>")
    fetch(f"{base}/photo.jpg", "200 OK", "image/jpeg", b"\xff\xd8\xff\xe0" + bytes(500))
    fetch(f"{base}/report.pdf", "200 OK", "application/pdf", b"%PDF-1.4\n%%EOF\n")
    writer.write_record(writer.create_warc_record(
        first, "metadata", payload=io.BytesIO(b"fetchTimeMs: 312\r\n"), length=18,
        warc_content_type="application/warc-fields"))
    target.write_bytes(buffer.getvalue())
    return html_urls, pages


@pytest.fixture(scope="module")
def cc_news(captured):
    running, live, _, workdir, _ = captured
    path = workdir / "CC-NEWS-20261206000000-00001.warc.gz"
    html_urls, _ = cc_news_file(workdir / "warcs", path)
    result = run_crawl(workdir, "-a", f"warc={path.name}", spider="warc",
                       output="cc-news.jsonl")
    return running, live, result, html_urls, path


def test_every_html_page_of_a_cc_news_file_becomes_one_article(cc_news):
    _, live, result, html_urls, path = cc_news
    assert result.returncode == 0, result.log[-3000:]
    # the script app's empty shell has no text, and no feed to fall back on here
    [shell] = [url for url, article in live.by_url.items() if article["text_source"] == "feed"]
    assert set(result.by_url) == html_urls - {shell}
    assert len(result.items) == len(html_urls) - 1  # the page fetched twice is written once
    assert f"failed article {shell}: page gave no text, and the feed has none" in \
        result.summary()
    assert "feeds:" not in result.summary()  # no feed in a CC-NEWS file: no line about them
    for article in result.items:
        jsonschema.validate(article, SCHEMA)
        assert article["feed_url"] is None and article["source"] == path.name
        assert article["warc"]["file"] == path.name
    assert "WARC read: 1 file, " in result.summary()
    for skipped in ("HTTP 301 1", "HTTP 404 1", "not HTML 2"):
        assert skipped in result.summary()
    assert "dropped: duplicate 1" in result.summary()


def test_cc_news_pages_are_extracted_as_well_as_the_live_crawl_extracted_them(cc_news):
    running, live, result, _, _ = cc_news
    live_scores, cc_scores = [], []
    for url, article in result.by_url.items():
        page = running.page_for_url(url)[1]
        if live.by_url[url]["text_source"] != "page":
            continue  # the live crawl used the feed's text: no page text to compare with
        assert article["text_source"] == "page"
        assert article["title"] == page.title and article["language"] == page.lang
        live_scores.append(score(live.by_url[url]["text"], page.text))
        cc_scores.append(score(article["text"], page.text))
    assert len(cc_scores) == 13
    assert round(mean_scores(cc_scores).f1, 3) == round(mean_scores(live_scores).f1, 3)


def test_filters_keep_the_articles_asked_for(cc_news):
    running, _, everything, _, path = cc_news
    workdir = path.parent
    beta = running.url("beta", "/")
    beta_site = beta.split("//")[1].split(":")[0]
    dates = sorted(a["published"] for a in everything.items if a["published"])
    since = dates[len(dates) // 2]
    result = run_crawl(workdir, "-a", f"warc={path.name}", "-a", f"since={since}",
                       "-a", "languages=en", spider="warc", output="filtered.jsonl")
    assert result.returncode == 0, result.log[-3000:]
    assert result.items and all(a["published"] is None or a["published"] >= since
                                for a in result.items)
    expected = {a["url"] for a in everything.items
                if (a["published"] is None or a["published"] >= since) and a["language"] == "en"}
    assert set(result.by_url) == expected
    assert "older than since" in result.summary()
    one_site = run_crawl(workdir, "-a", f"warc={path.name}", "-a", f"domains={beta_site}",
                         spider="warc", output="one-site.jsonl")
    assert set(one_site.by_url) == {a["url"] for a in everything.items
                                    if a["domain"] == beta_site}


# --- bad archives, bad arguments --------------------------------------------------------------

def test_a_damaged_file_costs_its_damaged_records_only(captured, tmp_path):
    _, live, _, workdir, _ = captured
    [path] = warc_files(workdir / "warcs")
    cut = sorted(a["warc"]["offset"] for a in live.items)[7]
    (tmp_path / "cut.warc.gz").write_bytes(path.read_bytes()[: cut + 100])
    (tmp_path / "junk.warc.gz").write_bytes(b"<html>not an archive</html>")
    result = run_crawl(tmp_path, "-a", "warc=cut.warc.gz,junk.warc.gz", spider="warc")
    assert result.returncode == 0, result.log[-3000:]
    assert {a["url"] for a in result.items} == {a["url"] for a in live.items
                                                if a["warc"]["offset"] < cut}
    summary = result.summary()
    assert "WARC read: 2 files, " in summary and " 2 problems" in summary
    assert f"problem cut.warc.gz@{cut}: the file ends inside this record (truncated)" in summary
    assert "problem junk.warc.gz@0: neither gzip-compressed (as its name says) nor a WARC file" \
        in summary


def test_a_run_that_can_read_no_record_exits_1(tmp_path):
    (tmp_path / "junk.warc").write_bytes(b"GIF89a not a warc")
    result = run_crawl(tmp_path, "-a", "warc=junk.warc", spider="warc")
    assert result.returncode == 1
    assert "error: no WARC record could be read (1 problems)" in result.log


@pytest.mark.parametrize(("arguments", "message"), [
    ((), "error: give the WARC files to read: -a warc=PATH[,PATH...]"),
    (("-a", "warc=missing.warc.gz"), "error: warc='missing.warc.gz': no such file or folder"),
    (("-a", "warc=*.warc.gz"), "error: warc='*.warc.gz': no file matches"),
    (("-a", "warc=s3://commoncrawl/crawl-data/CC-NEWS/x.warc.gz"),
     "error: warc='s3://commoncrawl/crawl-data/CC-NEWS/x.warc.gz': s3:// is off"),
    (("-a", "warc=ftp://example.org/x.warc.gz"), "only files, http(s):// and s3:// URLs"),
    (("-a", "warc=.", "-a", "since=last week"), "error: since='last week' is not a date"),
    (("-a", "warc=.", "-a", "languages=english"),
     "error: languages='english' has 'english', which is not an ISO 639-1 code"),
])
def test_a_bad_argument_is_one_error_line_and_exit_status_2(tmp_path, arguments, message):
    (tmp_path / "a.warc").write_bytes(b"WARC/1.1\r\n")
    result = run_crawl(tmp_path, *arguments, spider="warc", timeout=60)
    assert result.returncode == 2
    assert message in result.log
    assert "Traceback" not in result.log


# --- a WARC file at a URL -----------------------------------------------------------------

@contextlib.contextmanager
def file_server(folder: Path) -> Iterator[tuple[str, list[str | None]]]:
    """``folder``'s files over HTTP on loopback (aiohttp: Range requests work); yields the base
    URL and the path and Range header of every request."""
    ranges: list[str | None] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        ranges.append(f"{request.path} {request.headers.get('Range')}")
        path = folder / request.match_info["name"]
        return web.FileResponse(path) if path.is_file() else web.Response(status=404)

    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_get("/{name}", handler)
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}", ranges
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.run_until_complete(runner.cleanup())
        loop.close()


def test_a_warc_file_at_a_url_is_fetched_through_scrapy_in_ranges(cc_news):
    _, _, from_file, _, path = cc_news
    with file_server(path.parent) as (base, ranges):
        url = f"{base}/{path.name}"
        result = run_crawl(path.parent, "-a", f"warc={url}", spider="warc",
                           output="remote.jsonl", settings={
                               "DOWNLOAD_MAXSIZE": "20000", "DOWNLOAD_DELAY": "0"})
    assert result.returncode == 0, result.log[-3000:]
    size = path.stat().st_size
    assert ranges == ["/robots.txt None"] + [f"/{path.name} bytes={start}-{start + 19999}"
                                             for start in range(0, size, 20000)]
    assert set(result.by_url) == set(from_file.by_url)
    assert {a["source"] for a in result.items} == {url}
    assert {a["text"] for a in result.items} == {a["text"] for a in from_file.items}


# --- kill -9 while capturing ----------------------------------------------------------------

def test_kill_9_leaves_every_finished_record_readable_and_the_next_run_repairs(tmp_path):
    settings = {"WARC_OUTPUT": "warcs", "DOWNLOAD_DELAY": "0.1", "CONCURRENT_REQUESTS": "8"}
    output = "output/%(name)s-%(time)s.jsonl"
    with serve(memory_web(articles=60, sites=4, per_feed=15, latency=(0.02, 0.06))) as running:
        running.write_feed_list(tmp_path / "feeds.txt")
        process = start_crawl(tmp_path, "-a", "feeds=feeds.txt", settings=settings,
                              output=output)
        deadline = time.monotonic() + 60
        while count_lines(sorted((tmp_path / "output").glob("*.jsonl"))) < 15:
            assert time.monotonic() < deadline, "the crawl wrote nothing"
            time.sleep(0.02)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        [left_open] = sorted((tmp_path / "warcs").glob("*.warc.gz.open"))
        # every record finished before the kill reads back; at most the last one is torn
        reader = WarcReader(32 * 1024 * 1024)
        with left_open.open("rb") as handle:
            found = list(reader.read(str(left_open), handle))
        problems = [item for item in found if isinstance(item, Problem)]
        assert len(problems) <= 1 and all("truncated" in p.reason for p in problems)
        assert problems == [] or problems[0].location.offset > found[-2].location.offset
        # a kill in the middle of a record, for certain: half of one more gzip member
        member = gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n" + bytes(5000))
        with left_open.open("ab") as handle:
            handle.write(member[: len(member) // 2])
        final = run_crawl(tmp_path, "-a", "feeds=feeds.txt", settings=settings, output=output)
        expected = running.expected_urls()
    assert final.returncode == 0, final.log[-3000:]
    assert "files a killed run left open, finished: 1 (torn last records moved to .torn: 1)" \
        in final.summary()
    finished = Path(str(left_open).removesuffix(".open"))
    assert finished.is_file() and not left_open.exists()
    assert Path(f"{finished}.torn").read_bytes() == member[: len(member) // 2]
    files = warc_files(tmp_path / "warcs")
    checked = subprocess.run([WARCIO, "check", *map(str, files)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout[-2000:]
    # the articles of both runs point at records that are there, under the names they give
    written = [json.loads(line) for path in (tmp_path / "output").glob("*.jsonl")
               for line in path.read_text(encoding="utf-8").splitlines()]
    assert {a["url"] for a in written} == expected
    for article in written:
        with (tmp_path / article["warc"]["file"]).open("rb") as handle:
            handle.seek(article["warc"]["offset"])
            record = next(iter(ArchiveIterator(handle)))
            assert record.rec_headers.get_header("WARC-Target-URI") == article["url"]
    replayed = run_crawl(tmp_path, "-a", "warc=warcs", spider="warc", output="replayed.jsonl")
    assert set(replayed.by_url) == expected
