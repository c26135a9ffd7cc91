"""Sitemaps, sitemap indexes and Google News sitemaps, parsed from documents written here."""

from __future__ import annotations

import gzip

import pytest

from newscrawler.sources.parsed import SitemapLink, SourceKind
from newscrawler.sources.sitemap import parse_sitemap
from newscrawler.sources.source import ReadLimits, parse_source

NEWS = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url>
    <loc>https://herald.example/world/talks-1.html</loc>
    <lastmod>2026-11-30T09:00:00Z</lastmod>
    <news:news>
      <news:publication><news:name>The Herald</news:name><news:language>en-GB</news:language>
      </news:publication>
      <news:publication_date>2026-11-30T08:15:00+01:00</news:publication_date>
      <news:title><![CDATA[Companies A & B in merger talks]]></news:title>
      <news:keywords>business, merger,  business </news:keywords>
    </news:news>
    <image:image><image:loc>/img/talks.jpg</image:loc></image:image>
  </url>
  <url><loc>https://herald.example/world/plain-2.html</loc></url>
  <url><loc>javascript:alert(1)</loc></url>
</urlset>"""

PLAIN = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://ledger.example/a.html</loc><lastmod>2026-11-29</lastmod></url>
<url><loc>/relative.html</loc></url>
</urlset>"""

INDEX = b"""<?xml version="1.0"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://herald.example/news.xml.gz</loc><lastmod>2026-11-30T10:00:00Z</lastmod>
</sitemap>
<sitemap><loc>https://herald.example/2019-05.xml</loc><lastmod>2019-05-31</lastmod></sitemap>
<sitemap><loc>file:///etc/passwd</loc></sitemap>
</sitemapindex>"""


def test_news_sitemap_urls_carry_title_date_language_keywords_publisher_and_image():
    parsed = parse_sitemap(NEWS, "https://herald.example/news.xml")
    assert parsed.ok and parsed.kind is SourceKind.NEWS_SITEMAP
    first, second = parsed.entries
    assert first.link == "https://herald.example/world/talks-1.html"
    assert first.title == "Companies A & B in merger talks"
    assert first.published == "2026-11-30T07:15:00+00:00"
    assert first.updated == "2026-11-30T09:00:00+00:00"
    assert first.language == "en"
    assert first.tags == ("business", "merger")
    assert first.publisher == "The Herald"
    assert first.image == "https://herald.example/img/talks.jpg"
    # a <url> without news:news in a news sitemap: only its address
    assert second.title is None and second.published is None and second.updated is None
    assert parsed.listed == 3
    assert parsed.skipped_links == (("javascript:alert(1)", "not an http(s) link"),)


def test_plain_sitemap_gives_urls_with_their_lastmod_relative_ones_resolved():
    parsed = parse_sitemap(PLAIN, "https://ledger.example/sitemap.xml")
    assert parsed.kind is SourceKind.SITEMAP
    assert [(e.link, e.updated) for e in parsed.entries] == [
        ("https://ledger.example/a.html", "2026-11-29T00:00:00+00:00"),
        ("https://ledger.example/relative.html", None)]


def test_index_gives_its_child_sitemaps_with_their_lastmod():
    parsed = parse_sitemap(INDEX, "https://herald.example/sitemap_index.xml")
    assert parsed.kind is SourceKind.SITEMAP_INDEX and parsed.entries == ()
    assert parsed.sitemaps == (
        SitemapLink("https://herald.example/news.xml.gz", "2026-11-30T10:00:00+00:00"),
        SitemapLink("https://herald.example/2019-05.xml", "2019-05-31T00:00:00+00:00"))


def test_an_empty_news_sitemap_is_fine_nothing_was_published():
    parsed = parse_sitemap(b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>',
                           "https://a.example/news.xml")
    assert parsed.ok and parsed.entries == ()


def test_more_urls_than_the_protocol_allows_are_cut_with_a_warning():
    urls = "".join(f"<url><loc>https://a.example/{n}</loc></url>" for n in range(12))
    parsed = parse_sitemap(f"<urlset>{urls}</urlset>".encode(), "https://a.example/s.xml",
                           max_urls=10)
    assert len(parsed.entries) == 10 and parsed.entries[-1].link == "https://a.example/9"
    assert parsed.warning == ("lists more than 10 URLs (the protocol's limit): the first 10 "
                              "were read")


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"\x00\x01\x02 not xml at all", "not XML"),
        (b"<rss version='2.0'><channel/></rss>", "not a sitemap (its root is <rss>)"),
    ],
)
def test_what_is_not_a_sitemap_says_so(body, problem):
    parsed = parse_sitemap(body, "https://a.example/s.xml")
    assert not parsed.ok and parsed.problem == problem


def test_external_entities_are_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    body = (f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file://{secret}">]>'
            '<urlset><url><loc>https://a.example/&xxe;</loc></url></urlset>').encode()
    parsed = parse_sitemap(body, "https://a.example/s.xml")
    assert "TOP-SECRET" not in repr(parsed)


def test_a_gzipped_sitemap_is_read_like_a_plain_one():
    parsed = parse_source(gzip.compress(NEWS), "https://herald.example/news.xml.gz",
                          {"Content-Type": "application/x-gzip"})
    assert parsed.kind is SourceKind.NEWS_SITEMAP and len(parsed.entries) == 2


def test_a_gzip_bomb_is_stopped_at_the_size_cap():
    bomb = gzip.compress(b"<urlset>" + b" " * 5_000_000, compresslevel=9)
    parsed = parse_source(bomb, "https://a.example/s.xml.gz", limits=ReadLimits(max_bytes=10**6))
    assert parsed.problem == ("decompressed body larger than the size cap (DOWNLOAD_MAXSIZE): "
                              "a gzip bomb?")


def test_a_big_decompressed_sitemap_earns_a_warning():
    body = gzip.compress(PLAIN + b" " * 5000)
    parsed = parse_source(body, "https://ledger.example/s.xml.gz",
                          limits=ReadLimits(max_bytes=10**6, warn_bytes=1000))
    assert parsed.ok and "over DOWNLOAD_WARNSIZE (1,000)" in (parsed.warning or "")


def test_a_broken_gzip_file_says_so():
    parsed = parse_source(b"\x1f\x8b\x08\x00garbage", "https://a.example/s.xml.gz")
    assert parsed.problem == "a broken gzip file"
