"""Feed parsing on documents written here: formats, encodings, links, failures."""

import asyncio

import pytest
from scrapy.robotstxt import ProtegoRobotParser, PythonRobotParser

from newscrawler.politeness.robots import robots_sitemaps, sitemap_lines
from newscrawler.sources.discovery import discover_feed_links, is_home_page_url, preferred_sitemaps
from newscrawler.sources.feed import parse_feed

RSS2 = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Alpha News</title><link>https://alpha.example/</link>
<item><title>First &amp; foremost</title><link>https://alpha.example/news/1.html?utm_source=rss</link>
<guid isPermaLink="false">alpha-1</guid><pubDate>Tue, 10 Jun 2025 04:00:00 +0200</pubDate>
<dc:creator>Ada Lovelace</dc:creator><category>Science</category>
<description>&lt;p&gt;Short &lt;b&gt;summary&lt;/b&gt;&lt;/p&gt;</description>
<content:encoded><![CDATA[<p>Para one.</p><p>Para two.</p>]]></content:encoded></item>
<item><title>Relative</title><link>/news/2.html</link></item>
<item><title>Script</title><link>javascript:alert(1)</link></item>
<item><title>Local file</title><link>file:///etc/passwd</link></item>
<item><title>No link</title></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://beta.example/blog/">
<title>Beta</title><id>urn:beta</id><updated>2025-01-01T00:00:00Z</updated>
<entry><title>Atom entry</title><id>urn:beta:1</id><link rel="alternate" href="posts/one.html"/>
<updated>2025-01-02T03:04:05-05:00</updated><author><name>Grace Hopper</name></author>
<summary type="html">&lt;p&gt;An atom summary&lt;/p&gt;</summary></entry>
</feed>"""

RDF = b"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://gamma.example/"><title>Gamma</title>
<link>https://gamma.example/</link></channel>
<item rdf:about="https://gamma.example/a.html"><title>RDF item</title><link>https://gamma.example/a.html</link>
<dc:date>2025-03-04T05:06:07+01:00</dc:date></item>
</rdf:RDF>"""

LATIN1 = ('<?xml version="1.0" encoding="ISO-8859-1"?>'
          '<rss version="0.91"><channel><title>Café</title>'
          '<item><title>Über Straße</title><link>https://delta.example/x</link></item>'
          '</channel></rss>').encode("latin-1")

MALFORMED_WITH_ENTRIES = RSS2.replace(b"</channel></rss>", b"<item><title>broken & </channel>")


def test_rss2_entries_carry_metadata_and_plain_text():
    feed = parse_feed(RSS2, "https://alpha.example/rss.xml")
    assert feed.ok and feed.title == "Alpha News"
    first = feed.entries[0]
    assert first.title == "First & foremost"
    assert first.link == "https://alpha.example/news/1.html?utm_source=rss"
    assert first.entry_id == "alpha-1"
    assert first.published == "2025-06-10T02:00:00+00:00"
    assert first.authors == ("Ada Lovelace",)
    assert first.tags == ("Science",)
    assert first.summary == "Short summary"
    assert first.content == "Para one.\n\nPara two."


def test_relative_links_resolve_and_unfetchable_links_are_skipped_with_a_reason():
    feed = parse_feed(RSS2, "https://alpha.example/rss.xml")
    assert [e.link for e in feed.entries] == [
        "https://alpha.example/news/1.html?utm_source=rss", "https://alpha.example/news/2.html"]
    reasons = dict(feed.skipped_links)
    assert reasons["javascript:alert(1)"] == "not an http(s) link"
    # feedparser itself rewrites file:/// to file://; either way it is never requested
    assert [r for link, r in reasons.items() if link.startswith("file:")] == ["not an http(s) link"]
    assert reasons[""] == "entry has no link"


def test_atom_xml_base_and_timezones():
    entry = parse_feed(ATOM, "https://beta.example/feed.atom").entries[0]
    assert entry.link == "https://beta.example/blog/posts/one.html"
    assert entry.published == "2025-01-02T08:04:05+00:00"
    assert entry.authors == ("Grace Hopper",)
    assert entry.summary == "An atom summary"


def test_rdf_and_declared_latin1():
    assert parse_feed(RDF, "https://gamma.example/rss").entries[0].published == \
        "2025-03-04T04:06:07+00:00"
    latin = parse_feed(LATIN1, "https://delta.example/rss")
    assert latin.title == "Café" and latin.entries[0].title == "Über Straße"


def test_charset_from_http_header_wins_when_the_document_declares_none():
    body = LATIN1.replace(b' encoding="ISO-8859-1"', b"")
    feed = parse_feed(body, "https://delta.example/rss",
                      {"Content-Type": "application/rss+xml; charset=iso-8859-1"})
    assert feed.entries[0].title == "Über Straße"


def test_malformed_feed_keeps_recovered_entries_and_says_so():
    feed = parse_feed(MALFORMED_WITH_ENTRIES, "https://alpha.example/rss.xml")
    assert feed.ok and len(feed.entries) >= 2
    assert feed.warning and feed.warning.startswith("malformed feed, entries recovered")


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"", "empty response body"),
        (b"   \n", "empty response body"),
        (b"<!DOCTYPE html><html><body><p>Welcome</p></body></html>", "not a feed"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>',
         "feed has no entries"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</ti',
         "malformed feed with no entries"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not a feed"),
    ],
)
def test_unusable_feeds_get_a_reason(body, problem):
    feed = parse_feed(body, "https://alpha.example/rss.xml")
    assert not feed.ok and feed.problem.startswith(problem)


def test_a_body_that_looks_like_a_path_is_never_opened(tmp_path):
    secret = tmp_path / "secret.xml"
    secret.write_bytes(RSS2)
    feed = parse_feed(str(secret).encode(), "https://alpha.example/rss.xml")
    assert not feed.ok and feed.entries == ()


def test_home_page_announces_its_feeds():
    html = b"""<html><head>
      <link rel="alternate" type="application/rss+xml" href="/rss.xml">
      <link rel="alternate" type="application/atom+xml" href="https://cdn.example/atom">
      <link rel="alternate" hreflang="de" href="/de/">
      <link rel="stylesheet" href="/s.css"></head><body></body></html>"""
    assert discover_feed_links(html, "https://alpha.example/") == [
        "https://alpha.example/rss.xml", "https://cdn.example/atom"]


def test_external_entities_are_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    body = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>'
            '<rss version="2.0"><channel><title>t</title><item><title>&xxe;</title>'
            '<link>https://a.example/1</link><description>&xxe;</description></item>'
            '</channel></rss>').encode()
    feed = parse_feed(body, "https://a.example/rss")
    assert "TOP-SECRET" not in repr(feed)


@pytest.mark.parametrize(
    ("url", "home"),
    [("https://a.example/", True), ("https://a.example", True), ("https://a.example/?x=1", True),
     ("https://a.example/news/", False), ("https://a.example/feed.xml", False)],
)
def test_only_a_sites_front_page_falls_back_to_robots_txt_sitemaps(url, home):
    assert is_home_page_url(url) is home


@pytest.mark.parametrize(
    ("listed", "chosen"),
    [
        (["https://a.example/sitemap.xml", "https://a.example/news/sitemap_index.xml",
          "https://a.example/sitemap-news.xml.gz"],
         ["https://a.example/news/sitemap_index.xml", "https://a.example/sitemap-news.xml.gz"]),
        (["https://a.example/sitemap.xml", "https://a.example/sitemap.xml", "ftp://a.example/s"],
         ["https://a.example/sitemap.xml"]),
        (["https://news.example/sitemap.xml"], ["https://news.example/sitemap.xml"]),
        ([], []),
    ],
)
def test_robots_txt_news_sitemaps_are_preferred(listed, chosen):
    assert preferred_sitemaps(listed) == chosen


@pytest.mark.parametrize("parser", [ProtegoRobotParser, PythonRobotParser])
def test_sitemap_lines_are_read_from_scrapys_robots_parsers(parser):
    robots = b"User-agent: *\nDisallow: /private/\nSitemap: https://a.example/s.xml\n" \
             b"sitemap: /news.xml\n"
    assert sitemap_lines(parser(robots, None)) == ["https://a.example/s.xml", "/news.xml"]


def test_without_robots_txt_obeyed_no_sitemap_is_read_from_it(make_crawler):
    crawler = make_crawler({"ROBOTSTXT_OBEY": False}, engine=True)
    assert asyncio.run(robots_sitemaps(crawler, "https://a.example/")) is None
