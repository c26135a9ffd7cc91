"""The simulated web's other ways in, over real loopback HTTP: sitemaps, indexes, news
sitemaps, JSON Feed, robots.txt Sitemap lines, and the broken sitemaps."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from simweb import RunningWeb, bad_sitemaps_web, serve, sources_web
from simweb.sourcewebs import HUGE_URLS
from tests.e2e.test_simweb import get

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9",
      "news": "http://www.google.com/schemas/sitemap-news/0.9"}


@pytest.fixture(scope="module")
def sources() -> Iterator[RunningWeb]:
    with serve(sources_web()) as running:
        yield running


def test_robots_txt_names_the_sites_sitemaps_and_the_home_page_no_feed(sources):
    status, _, body = get(sources.url("herald", "/robots.txt"))
    assert status == 200
    assert body.decode().splitlines() == [
        "User-agent: *", "Disallow: /private/",
        f"Sitemap: {sources.url('herald', '/sitemap.xml')}",
        f"Sitemap: {sources.url('herald', '/news/sitemap_index.xml')}"]
    status, _, body = get(sources.url("herald", "/"))
    assert status == 200 and b'rel="alternate"' not in body


def test_an_index_lists_its_children_with_lastmod_and_a_gzipped_news_child(sources):
    _, _, body = get(sources.url("herald", "/news/sitemap_index.xml"))
    locs = etree.fromstring(body).xpath("//s:sitemap/s:loc/text()", namespaces=NS)
    assert sources.url("herald", "/news/sitemap_index.xml") in locs  # it lists itself
    status, headers, body = get(sources.url("herald", "/news/sitemap-today.xml.gz"))
    assert status == 200 and headers["Content-Type"] == "application/x-gzip"
    assert "Content-Encoding" not in headers
    root = etree.fromstring(gzip.decompress(body))
    titles = root.xpath("//news:news/news:title/text()", namespaces=NS)
    recent = datetime.now(UTC) - timedelta(days=2)
    assert set(titles) == {p.title for p in sources.web.site("herald").pages.values()
                           if datetime.fromisoformat(p.published) > recent}
    assert root.xpath("//news:publication/news:name/text()", namespaces=NS)[0] == "The Herald"


def test_sitemaps_answer_conditional_requests_as_feeds_do(sources):
    url = sources.url("ledger", "/sitemap.xml")
    _, headers, _ = get(url)
    assert get(url, {"If-None-Match": headers["ETag"]})[0] == 304
    assert get(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304


def test_the_json_feed_is_version_1_1_with_its_items(sources):
    status, headers, body = get(sources.url("courier", "/feed.json"))
    assert status == 200 and headers["Content-Type"].startswith("application/feed+json")
    document = json.loads(body)
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert len(document["items"]) == 3
    assert all("content_html" in item or "content_text" in item for item in document["items"])


def test_the_broken_sitemaps_are_served_as_promised():
    with serve(bad_sitemaps_web()) as running:
        _, _, body = get(running.url("broken", "/huge.xml"))
        assert body.count(b"<url>") == HUGE_URLS
        status, headers, body = get(running.url("broken", "/bomb.xml.gz"))
        assert status == 200 and len(body) < 2 * 1024 * 1024
        assert "Content-Encoding" not in headers and body[:2] == b"\x1f\x8b"
        assert not get(running.url("broken", "/not-xml.xml"))[2].startswith(b"<")
        assert get(running.url("broken", "/missing-child.xml"))[0] == 404
