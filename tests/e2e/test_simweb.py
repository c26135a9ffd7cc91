"""The simulated news web, exercised over real loopback HTTP (no mocks)."""

from __future__ import annotations

import gzip
import html
import http.client
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest

from simweb import (
    FAULT_KINDS,
    Entry,
    Feed,
    NewsWeb,
    Page,
    RunningWeb,
    Site,
    broad_web,
    corpus_web,
    demo_web,
    fault_spec,
    fault_web,
    make_article,
    memory_web,
    seed_web,
    serve,
    serve_in_process,
)
from simweb.model import loopback_address

Response = tuple[int, Message, bytes]
BASE = datetime(2025, 3, 1, 12, tzinfo=UTC)


def get(url: str, headers: dict[str, str] | None = None, timeout: float = 10.0,
        method: str = "GET") -> Response:
    """A plain request: no redirects followed, no decompression, nothing cached."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, target, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


def parse(body: bytes, headers: Message | None = None) -> feedparser.FeedParserDict:
    response_headers = {"content-type": headers["Content-Type"]} if headers else None
    return feedparser.parse(io.BytesIO(body), response_headers=response_headers)


@pytest.fixture(scope="module")
def demo() -> Iterator[RunningWeb]:
    with serve(demo_web()) as running:
        yield running


@pytest.fixture(scope="module")
def faults() -> Iterator[RunningWeb]:
    with serve(fault_web()) as running:
        yield running


# -- scenarios as data ---------------------------------------------------------------------


def test_generated_text_is_deterministic_and_news_sized() -> None:
    for index in range(30):
        page = make_article("alpha", index, seed=1, base=BASE)
        assert page == make_article("alpha", index, seed=1, base=BASE)
        assert 3 <= len(page.paragraphs) <= 8
        # ~150-400 words; the last sentence of a paragraph may overshoot a little.
        assert 150 <= sum(len(p.split()) for p in page.paragraphs) <= 460
        assert page.title and page.author and page.published
        published = datetime.fromisoformat(page.published)
        assert published.utcoffset() is not None and published < BASE
    assert make_article("alpha", 0, seed=1, base=BASE) != make_article("alpha", 0, seed=2,
                                                                        base=BASE)


def test_scenario_shapes() -> None:
    demo = demo_web()
    assert len(demo.sites) == 5
    assert sum(len(s.pages) for s in demo.sites) == 15
    assert {f.format for _, f in demo.feeds()} == {"rss", "atom", "rdf"}
    keys = demo.article_keys()
    assert len(keys) == 14
    assert not any(path.startswith("/private/") for _, path in keys)
    js_pages = [p for _, p in demo.articles() if p.render == "js"]
    assert len(js_pages) == 1

    seed = seed_web()
    assert len(seed.sites) == 8
    assert len(seed.feed_paths()) == 26
    assert len(seed.articles()) == 36
    assert [s.rate_limit_gap for s in seed.sites].count(2.0) == 1

    broad = broad_web(sites=30, articles_per_site=3)
    assert len(broad.sites) == 30 and len(broad.feed_paths()) == 30
    assert len(broad.articles()) == 90
    assert len({s.address for s in broad.sites}) == 30


def test_addresses_skip_network_and_broadcast_octets() -> None:
    assert loopback_address(2) == "127.0.0.2"
    assert loopback_address(254) == "127.0.0.254"
    assert loopback_address(255) == "127.0.1.1"
    web = broad_web(sites=300, articles_per_site=1)
    last_octets = {int(s.address.rsplit(".", 1)[1]) for s in web.sites if s.address}
    assert 0 not in last_octets and 255 not in last_octets


def test_fault_web_covers_every_fault_and_knows_the_expected_set() -> None:
    web = fault_web()
    used = {f.fault for _, f in web.feeds()} | {p.fault for s in web.sites
                                                 for p in s.pages.values()}
    assert set(FAULT_KINDS) <= used
    keys = web.article_keys()
    # Pages behind recoverable faults count; the rest do not.
    for site in web.sites:
        for page in site.pages.values():
            if page.fault:
                assert ((site.name, page.path) in keys) == fault_spec(page.fault).page_ok
    assert ("hostile", "/news/relative.html") in keys
    assert ("hostile", "/news/missing.html") not in keys
    orphans = {path for name, path in keys if name == "orphans"}
    recoverable = [f for _, f in web.feeds() if f.fault and fault_spec(f.fault).feed_ok]
    assert orphans == {e.path for f in recoverable for e in f.entries}
    with pytest.raises(ValueError):
        fault_spec("no-such-fault")
    assert fault_spec("status:418").feed_ok is False


# -- feeds and pages over HTTP ---------------------------------------------------------------


def test_every_site_has_its_own_address_on_one_port(demo: RunningWeb) -> None:
    hosts = {urlsplit(u).hostname for u in demo.feed_urls()}
    ports = {urlsplit(u).port for u in demo.feed_urls()}
    assert len(hosts) == 4 and ports == {demo.port}
    assert all(h is not None and h.startswith("127.") for h in hosts)


def test_feeds_parse_in_all_formats_and_every_entry_is_served(demo: RunningWeb) -> None:
    versions = set()
    for url in demo.feed_urls():
        status, headers, body = get(url)
        assert status == 200
        assert headers["ETag"] and headers["Last-Modified"]
        parsed = parse(body, headers)
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert parsed.entries
        versions.add(parsed.version)
        for entry in parsed.entries:
            assert entry.title
            status, headers, _ = get(entry.link)
            assert status == 200, entry.link
            assert headers["Content-Type"].startswith("text/html")
            assert demo.page_for_url(entry.link) is not None
    assert versions == {"rss20", "atom10", "rss10"}


def test_feed_carries_content_summary_dates_and_utm_link(demo: RunningWeb) -> None:
    _, headers, body = get(demo.url("delta", "/aggregator.xml"))
    parsed = parse(body, headers)
    links = [e.link for e in parsed.entries]
    assert any(link.endswith("?utm_source=rss&utm_medium=feed") for link in links)
    assert {urlsplit(link).hostname for link in links} == {
        demo.address("delta"), demo.address("alpha"), demo.address("epsilon")}
    with_content = [e for e in parsed.entries if "content" in e]
    assert len(with_content) == 1
    found = demo.page_for_url(with_content[0].link)
    assert found is not None and found[1].render == "js"
    for paragraph in found[1].paragraphs:
        assert html.escape(paragraph, quote=False) in with_content[0].content[0].value
    assert all(e.get("published_parsed") for e in parsed.entries)

    _, headers, body = get(demo.url("beta", "/atom.xml"))
    summaries = [e.summary for e in parse(body, headers).entries if e.get("summary")]
    assert "<p>Short &amp; <b>sweet</b></p>" in summaries


def test_page_html_contains_its_paragraphs_and_metadata(demo: RunningWeb) -> None:
    site, page = next((s, p) for s, p in demo.web.articles() if p.render == "static")
    status, headers, body = get(demo.url(site.name, page.path))
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    text = body.decode("utf-8")
    for paragraph in page.paragraphs:
        assert f"<p>{html.escape(paragraph, quote=False)}</p>" in text
    assert f'<html lang="{page.lang}">' in text
    assert 'property="og:title"' in text and 'property="og:image"' in text
    assert f'content="{page.published}"' in text and f'datetime="{page.published}"' in text
    ld = text.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    data = json.loads(ld)
    assert data["@type"] == "NewsArticle" and data["headline"] == page.title
    assert data["datePublished"] == page.published and data["author"]["name"] == page.author
    # Boilerplate an extractor has to remove.
    assert 'class="comments"' in text and 'class="sidebar"' in text and "<nav" in text


def test_js_page_is_an_empty_shell_without_javascript(demo: RunningWeb) -> None:
    site, page = next((s, p) for s, p in demo.web.articles() if p.render == "js")
    _, _, body = get(demo.url(site.name, page.path))
    text = body.decode("utf-8")
    assert '<div id="root"></div>' in text and "<script>" in text
    for paragraph in page.paragraphs:
        assert paragraph not in text
        assert html.escape(paragraph, quote=False) not in text
        assert paragraph[:30] not in text


def test_robots_homepage_and_404(demo: RunningWeb) -> None:
    status, _, body = get(demo.url("gamma", "/robots.txt"))
    assert status == 200 and b"Disallow: /private/" in body
    assert get(demo.url("beta", "/robots.txt"))[0] == 404
    status, _, body = get(demo.url("alpha", "/"))
    assert status == 200
    assert b'rel="alternate" type="application/rss+xml"' in body
    assert demo.url("alpha", "/feeds/news.xml").encode() in body
    assert get(demo.url("beta", "/"))[0] == 404
    assert get(demo.url("alpha", "/no/such/page.html"))[0] == 404
    assert get(demo.url("alpha", "/feeds/news.xml"), method="HEAD")[0] == 200


def test_conditional_requests_and_feed_changes() -> None:
    web = demo_web()
    with serve(web) as running:
        url = running.url("alpha", "/feeds/news.xml")
        _, headers, body = get(url)
        etag, modified = headers["ETag"], headers["Last-Modified"]
        status, headers304, body304 = get(url, {"If-None-Match": etag})
        assert status == 304 and body304 == b"" and headers304["ETag"] == etag
        assert get(url, {"If-None-Match": f'W/{etag}, "other"'})[0] == 304
        assert get(url, {"If-None-Match": '"stale"'})[0] == 200
        assert get(url, {"If-Modified-Since": modified})[0] == 304
        assert get(url, {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200

        alpha = web.site("alpha")
        page = make_article("alpha", 99, seed=7, base=BASE)
        web.add_entry("alpha", "/feeds/news.xml", Entry("alpha", page.path), page=page)
        status, headers, body = get(url, {"If-None-Match": etag, "If-Modified-Since": modified})
        assert status == 200 and headers["ETag"] != etag
        assert len(parse(body).entries) == 5
        assert get(url, {"If-Modified-Since": modified})[0] == 200

        feed = alpha.feeds["/feeds/news.xml"]
        new_etag = headers["ETag"]
        feed.entries.pop()
        running.touch(feed)
        status, headers, body = get(url, {"If-None-Match": new_etag})
        assert status == 200 and headers["ETag"] != new_etag
        assert len(parse(body).entries) == 4

        assert running.wait_idle()
        records = running.log.records()
        assert [r.status for r in records].count(304) == 3
        assert any(r.if_none_match == etag for r in records)
        assert any(r.if_modified_since == modified for r in records)


def _small_web(**site_options: object) -> NewsWeb:
    site = Site("solo", **site_options)  # type: ignore[arg-type]
    page = make_article("solo", 0, seed=0, base=BASE)
    site.pages = {page.path: page}
    site.feeds = {"/feed.xml": Feed("/feed.xml", "rss", [Entry("solo", page.path)])}
    return NewsWeb([site])


def test_rate_limit_answers_429_then_200_after_waiting() -> None:
    web = _small_web(rate_limit_gap=0.4, retry_after="1")
    with serve(web) as running:
        url = running.url("solo", "/feed.xml")
        assert get(url)[0] == 200
        status, headers, _ = get(url)
        assert status == 429 and headers["Retry-After"] == "1"
        time.sleep(0.5)
        assert get(url)[0] == 200
        assert running.wait_idle()
        statuses = [r.status for r in running.log.records()]
        assert statuses == [200, 429, 200]


def test_latency_is_applied() -> None:
    web = _small_web(feed_latency=(0.3, 0.35), page_latency=(0.2, 0.2))
    page_path = next(iter(web.sites[0].pages))
    with serve(web) as running:
        start = time.monotonic()
        get(running.url("solo", "/feed.xml"))
        assert time.monotonic() - start >= 0.3
        start = time.monotonic()
        get(running.url("solo", page_path))
        assert time.monotonic() - start >= 0.2
        assert running.wait_idle()
        record = running.log.records()[0]
        assert record.end is not None and record.end - record.start >= 0.3


def test_request_log_gaps_and_in_flight() -> None:
    web = _small_web(page_latency=(0.5, 0.5))
    page_path = next(iter(web.sites[0].pages))
    with serve(web) as running:
        feed_url = running.url("solo", "/feed.xml")
        for _ in range(3):
            get(feed_url, {"User-Agent": "simweb-test/1.0"})
            time.sleep(0.15)
        assert running.wait_idle()
        log = running.log
        address = running.address("solo")
        assert log.min_gap_by_host()[address] >= 0.15
        assert log.max_in_flight() == 1
        assert all(r.user_agent == "simweb-test/1.0" for r in log.records())

        log.clear()
        threads = [threading.Thread(target=get, args=(running.url("solo", page_path),))
                   for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert running.wait_idle()
        records = log.records()
        assert len(records) == 8 and all(r.status == 200 for r in records)
        assert log.max_in_flight() == 8
        assert all(r.end is not None and r.end >= r.start for r in records)
        assert log.for_host(address) == records and log.for_host("127.9.9.9") == []
        assert log.min_gap_by_host(paths=["/feed.xml"]) == {}
        assert address in log.min_gap_by_host(paths=lambda p: p.endswith(".html"))


def test_log_dump_and_feed_lists(demo: RunningWeb, tmp_path: Path) -> None:
    get(demo.feed_urls()[0])
    dumped = demo.log.dump_jsonl(tmp_path / "log.jsonl")
    rows = [json.loads(line) for line in dumped.read_text().splitlines()]
    assert rows and {"start", "end", "host", "path", "method", "status", "user_agent",
                     "if_none_match", "if_modified_since", "in_flight"} <= rows[0].keys()

    text = demo.write_feed_list(tmp_path / "feeds.txt")
    assert text.read_text().split() == demo.feed_urls()
    opml = demo.write_feed_list(tmp_path / "feeds.opml", opml=True).read_text()
    import xml.etree.ElementTree as ET
    body = ET.fromstring(opml).find("body")
    assert body is not None
    folders = body.findall("outline")
    assert [f.get("title") for f in folders] == ["alpha", "beta", "gamma", "delta"]
    urls = [o.get("xmlUrl") for f in folders for o in f.findall("outline")]
    assert urls == demo.feed_urls()


# -- faults ----------------------------------------------------------------------------------


def _feed_url(running: RunningWeb, kind: str) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in kind)
    return running.url("feedfaults", f"/feeds/{slug}.xml")


def _page_url(running: RunningWeb, kind: str) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in kind)
    return running.url("pagefaults", f"/faults/{slug}.html")


def test_malformed_feeds(faults: RunningWeb) -> None:
    _, headers, body = get(_feed_url(faults, "malformed-with-entries"))
    parsed = parse(body, headers)
    assert parsed.bozo and len(parsed.entries) == 2
    assert all(faults.page_for_url(e.link) for e in parsed.entries)
    for kind in ("malformed-no-entries", "entity-bomb", "html-not-feed"):
        _, headers, body = get(_feed_url(faults, kind))
        parsed = parse(body, headers)
        assert parsed.bozo and not parsed.entries, kind
    status, _, body = get(_feed_url(faults, "empty"))
    assert status == 200 and body == b""


def test_charset_faults_still_yield_entries(faults: RunningWeb) -> None:
    _, headers, body = get(_feed_url(faults, "wrong-charset"))
    assert headers["Content-Type"].endswith("charset=utf-8")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert len(parse(body, headers).entries) == 2
    for kind in ("no-charset", "no-charset-nodecl"):
        _, headers, body = get(_feed_url(faults, kind))
        assert "charset" not in headers["Content-Type"]
        assert (b'encoding="iso-8859-1"' in body) == (kind == "no-charset")
        parsed = parse(body, headers)
        assert len(parsed.entries) == 2
        assert parsed.entries[0].title.startswith("Über")
    _, headers, body = get(_page_url(faults, "wrong-charset"))
    assert b"\xfc" in body and b'<meta charset="utf-8">' in body


def test_status_redirect_and_content_type_faults(faults: RunningWeb) -> None:
    for code in (404, 410, 500, 503):
        assert get(_feed_url(faults, f"status:{code}"))[0] == code
        assert get(_page_url(faults, f"status:{code}"))[0] == code
    url = _page_url(faults, "redirect-loop")
    status, headers, _ = get(url)
    assert status == 302 and headers["Location"] == urlsplit(url).path + "?hop=1"
    status, headers, _ = get(url + "?hop=1")
    assert status == 302 and headers["Location"] == urlsplit(url).path
    status, headers, body = get(_page_url(faults, "pdf"))
    assert headers["Content-Type"] == "application/pdf" and body.startswith(b"%PDF-")
    status, headers, body = get(_page_url(faults, "binary"))
    assert headers["Content-Type"] == "application/octet-stream" and len(body) > 1000


def test_gzip_bomb_is_small_on_the_wire(faults: RunningWeb) -> None:
    status, headers, body = get(_page_url(faults, "gzip-bomb"))
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert 900_000 < len(body) < 1_300_000
    assert int(headers["Content-Length"]) == len(body)
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    head = inflater.decompress(body[:100_000], 50_000_000)
    assert len(head) > 10_000_000 and head.count(0) == len(head)
    # The gzip trailer declares the inflated size (mod 2**32: 1 GiB fits).
    assert int.from_bytes(body[-4:], "little") == 1024 ** 3


def test_reset_and_hang_fail_on_the_client(faults: RunningWeb) -> None:
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        get(_feed_url(faults, "reset"))
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        get(_page_url(faults, "reset"))
    start = time.monotonic()
    with pytest.raises((TimeoutError, socket.timeout)):
        get(_feed_url(faults, "hang"), timeout=0.5)
    assert time.monotonic() - start >= 0.5
    # The server notices the client's timeout when the socket closes.
    assert faults.wait_idle()
    hung = [r for r in faults.log.records() if r.path.endswith("/hang.xml")]
    assert hung[-1].status == 0 and hung[-1].end is not None
    resets = [r for r in faults.log.records() if "reset" in r.path]
    assert resets and all(r.status == 0 for r in resets)


def test_oversize_and_slow_drip_stream(faults: RunningWeb) -> None:
    parts = urlsplit(_page_url(faults, "oversize"))
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    conn.request("GET", parts.path)
    resp = conn.getresponse()
    assert resp.status == 200 and int(resp.headers["Content-Length"]) == 64 * 1024 * 1024
    assert len(resp.read(1_000_000)) == 1_000_000
    conn.close()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    conn.request("GET", urlsplit(_page_url(faults, "oversize-chunked")).path)
    resp = conn.getresponse()
    assert resp.headers["Content-Length"] is None
    assert resp.headers["Transfer-Encoding"] == "chunked"
    conn.close()
    with pytest.raises((TimeoutError, socket.timeout)):
        # The socket timeout is per read; a byte arrives only every second.
        get(_page_url(faults, "slow-drip"), timeout=0.5)


def test_hostile_links_are_served_as_written(faults: RunningWeb) -> None:
    _, headers, body = get(faults.url("hostile", "/feeds/hostile.xml"))
    assert b"javascript:alert(1)" in body and b"s3://bucket/key" in body
    parsed = parse(body, headers)
    links = [e.get("link", "") for e in parsed.entries]
    assert len(links) == 10
    relative = faults.url("hostile", "/news/relative.html")
    assert b"../news/relative.html" in body
    assert get(relative)[0] == 200


# -- other scenarios -------------------------------------------------------------------------


def test_memory_web_generates_pages_lazily() -> None:
    web = memory_web(articles=600, sites=2, per_feed=250)
    assert len(web.feed_paths()) == 4
    assert len(web.article_keys()) == 600
    with serve(web) as running:
        _, headers, body = get(running.feed_urls()[1])
        parsed = parse(body, headers)
        assert len(parsed.entries) == 50
        status, _, page_body = get(parsed.entries[0].link)
        found = running.page_for_url(parsed.entries[0].link)
        assert status == 200 and found is not None
        assert html.escape(found[1].paragraphs[0], quote=False).encode() in page_body
        assert get(running.url("mem00", "/news/not-a-page-1.html"))[0] == 404


def test_corpus_web_serves_real_bytes(tmp_path: Path) -> None:
    (tmp_path / "html").mkdir()
    truth = {}
    for i in range(3):
        cid = f"{i:02d}cafe"
        raw = (f"<html><head><meta charset='iso-8859-1'><title>Story {i} &amp; more</title>"
               f"</head><body><p>Caf\xe9 {i}</p></body></html>").encode("latin-1")
        (tmp_path / "html" / f"{cid}.html.gz").write_bytes(gzip.compress(raw))
        truth[cid] = {"articleBody": f"Café {i}\n\nSecond paragraph.", "url": "http://x/"}
    (tmp_path / "ground-truth.json").write_text(json.dumps(truth))
    web = corpus_web(tmp_path, sites=2, pages=5)
    assert len(web.sites) == 2 and len(web.articles()) == 5
    with serve(web) as running:
        for site, page in web.articles():
            status, headers, body = get(running.url(site.name, page.path))
            assert status == 200 and headers["Content-Type"] == "text/html"
            assert page.html == body and page.corpus_id is not None
            assert page.paragraphs[1] == "Second paragraph."
            assert page.title.startswith("Story ") and "&" in page.title
        _, headers, body = get(running.feed_urls()[0])
        assert len(parse(body, headers).entries) == 3


def test_broad_web_serves_many_sites_concurrently() -> None:
    web = broad_web(sites=40, articles_per_site=2, latency=(0.2, 0.3))
    with serve(web) as running:
        urls = running.feed_urls()
        results: list[int] = []
        threads = [threading.Thread(target=lambda u=u: results.append(get(u)[0])) for u in urls]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [200] * 40
        assert running.log.max_in_flight() > 1
        assert len({r.host for r in running.log.records()}) == 40


def test_js_and_static_page_objects() -> None:
    page = Page("/x.html", title="T", paragraphs=["a", "b"])
    assert page.text == "a\n\nb" and page.render == "static"


# -- command line ----------------------------------------------------------------------------


def test_cli_rejects_bad_arguments() -> None:
    result = subprocess.run([sys.executable, "-m", "simweb", "serve",
                             "--scenario", "nope"], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1 and "nope" in result.stderr


def test_cli_serves_until_sigterm_and_writes_the_log(tmp_path: Path) -> None:
    feeds, log = tmp_path / "feeds.txt", tmp_path / "log.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "simweb", "serve", "--scenario", "demo",
         "--feeds-out", str(feeds), "--log", str(log)],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        port_line = proc.stdout.readline()
        feeds_line = proc.stdout.readline()
        assert port_line.startswith("port: ") and feeds_line.strip() == f"feeds: {feeds}"
        urls = feeds.read_text().split()
        assert len(urls) == 4 and all(f":{port_line.split()[1]}/" in u for u in urls)
        assert get(urls[0])[0] == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert proc.returncode == 0
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(rows) == 1 and rows[0]["status"] == 200


def test_web_served_by_a_child_process_answers_and_hands_over_its_log() -> None:
    web = demo_web()
    with serve_in_process(web) as running:
        assert running.pid != os.getpid()
        feed = running.feed_urls()[0]
        status, _, body = get(feed)
        assert status == 200 and feedparser.parse(io.BytesIO(body)).entries
        assert running.wait_idle(5)
        assert [(r.path, r.status) for r in running.log.records()] == [
            (urlsplit(feed).path, 200)]
    with pytest.raises(OSError):  # the child has stopped serving
        get(feed, timeout=2)
