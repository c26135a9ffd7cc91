"""JSON Feed 1.0 and 1.1, and telling every kind of source by what it serves."""

from __future__ import annotations

import json

import pytest

from newscrawler.sources.jsonfeed import parse_json_feed
from newscrawler.sources.parsed import SourceKind
from newscrawler.sources.source import document_format, parse_source

FEED_1_1 = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Courier",
    "language": "de-DE",
    "authors": [{"name": "Courier desk"}],
    "items": [
        {"id": "c-1", "url": "https://courier.example/a.html", "title": "Erste &amp; beste",
         "content_html": "<p>Eins.</p><p>Zwei.</p>", "summary": "Kurz",
         "date_published": "2026-11-30T10:00:00+01:00",
         "date_modified": "2026-11-30T11:00:00+01:00",
         "authors": [{"name": "Ada"}, {"name": "Ada"}, {"url": "https://x"}],
         "tags": ["Politik", " ", 3], "image": "/img/a.jpg", "language": "fr"},
        {"id": "https://courier.example/b.html", "content_text": "Line one\n\n\nLine two"},
        {"id": "42", "title": "No URL, no link"},
        {"url": "mailto:desk@courier.example"},
        "not an object",
    ],
}
FEED_1_0 = {"version": "https://jsonfeed.org/version/1", "title": "Old",
            "items": [{"id": "1", "url": "posts/1", "author": {"name": "Grace"}}]}


def test_json_feed_1_1_items_become_entries_like_rss_items():
    parsed = parse_json_feed(json.dumps(FEED_1_1).encode(), "https://courier.example/feed.json")
    assert parsed.ok and parsed.kind is SourceKind.JSON_FEED and parsed.title == "Courier"
    first, second = parsed.entries
    assert first.link == "https://courier.example/a.html" and first.entry_id == "c-1"
    assert first.title == "Erste & beste"
    assert first.content == "Eins.\n\nZwei." and first.summary == "Kurz"
    assert first.published == "2026-11-30T09:00:00+00:00"
    assert first.updated == "2026-11-30T10:00:00+00:00"
    assert first.authors == ("Ada",) and first.tags == ("Politik",)
    assert first.image == "https://courier.example/img/a.jpg"
    assert first.language == "fr"                     # the item's own, over the feed's
    # an http(s) id is the link; the feed's authors and language stand in
    assert second.link == "https://courier.example/b.html"
    assert second.content == "Line one\n\nLine two"
    assert second.authors == ("Courier desk",) and second.language == "de"
    assert parsed.listed == 5
    assert [reason for _, reason in parsed.skipped_links] == [
        "item has no url", "not an http(s) link", "item is not an object"]


def test_json_feed_1_0_has_a_single_author_and_relative_urls():
    entry = parse_json_feed(json.dumps(FEED_1_0).encode(), "https://old.example/feed.json"
                            ).entries[0]
    assert entry.link == "https://old.example/posts/1" and entry.authors == ("Grace",)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"{not json", "not JSON"),
        (b'{"version": "1", "items": []}', "JSON, but not a JSON Feed"),
        (b'["https://jsonfeed.org/version/1.1"]', "JSON, but not a JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": {}}',
         "JSON Feed without an items list"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": []}', "feed has no entries"),
        (b"\xff\xfe{", "not JSON"),
    ],
)
def test_unusable_json_feeds_get_a_reason(body, problem):
    parsed = parse_json_feed(body, "https://a.example/feed.json")
    assert not parsed.ok and parsed.problem.startswith(problem)


@pytest.mark.parametrize(
    ("head", "content_type", "found"),
    [
        (b'<?xml version="1.0"?>\n<!-- hi -->\n<rss version="2.0">', None, "feed"),
        (b'<feed xmlns="http://www.w3.org/2005/Atom">', "text/html", "feed"),
        (b'<rdf:RDF xmlns:rdf="x">', None, "feed"),
        (b'\xef\xbb\xbf<?xml version="1.0"?><urlset xmlns="x">', "text/xml", "sitemap"),
        (b'<?xml-stylesheet href="s.xsl"?><sitemapindex>', None, "sitemap"),
        (b'<!DOCTYPE rss [<!ENTITY a "b>c">]><rss>', None, "feed"),
        (b'  {"version": "https://jsonfeed.org/version/1.1"}', None, "json"),
        (b'["x"]', "application/feed+json", "json"),
        (b"<!DOCTYPE html><html lang=en>", None, "html"),
        (b"<html><head>", None, "html"),
        (b"<div>a fragment</div>", "text/html; charset=utf-8", "html"),
        (b"\x89PNG\r\n\x1a\n", "image/png", "unknown"),
        (b"<unknown-root/>", "application/xml", "unknown"),
    ],
)
def test_a_source_is_told_by_what_it_serves(head, content_type, found):
    assert document_format(head, content_type) == found


def test_an_html_page_gives_the_feeds_it_announces_json_feed_too():
    # not WordPress's REST API, which it announces as application/json on every page
    page = b"""<!DOCTYPE html><html><head>
      <link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/5">
      <link rel="alternate" type="application/feed+json" href="/feed.json">
      <link rel="alternate" type="application/rss+xml" href="/rss.xml"></head></html>"""
    parsed = parse_source(page, "https://a.example/")
    assert parsed.kind is SourceKind.HTML_PAGE
    assert parsed.feed_links == ("https://a.example/feed.json", "https://a.example/rss.xml")


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b'<rss version="2.0"><channel><item><link>https://a.example/1</link></item>'
         b"</channel></rss>", SourceKind.RSS),
        (b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="https://a.example/1"/>'
         b"</entry></feed>", SourceKind.ATOM),
        (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
         b'xmlns="http://purl.org/rss/1.0/"><item rdf:about="https://a.example/1">'
         b"<link>https://a.example/1</link></item></rdf:RDF>", SourceKind.RDF),
        (json.dumps(FEED_1_0).encode(), SourceKind.JSON_FEED),
        (b"<urlset><url><loc>https://a.example/1</loc></url></urlset>", SourceKind.SITEMAP),
    ],
)
def test_each_kind_of_source_is_named(body, kind):
    assert parse_source(body, "https://a.example/source").kind is kind


def test_a_feeds_declared_language_reaches_its_entries():
    body = (b'<rss version="2.0"><channel><language>de-AT</language><item>'
            b"<link>https://a.example/1</link></item></channel></rss>")
    assert parse_source(body, "https://a.example/rss").entries[0].language == "de"
