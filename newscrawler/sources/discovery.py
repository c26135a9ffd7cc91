"""A site's home page in, its feeds out: the feed links a page announces, telling an HTML page
from a feed document, and which of a site's robots.txt sitemaps to read when the page
announces no feed."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from newscrawler.utils.urls import is_fetchable_url

__all__ = ["discover_feed_links", "is_home_page_url", "looks_like_html", "preferred_sitemaps"]

# Not plain application/json: WordPress announces its REST API that way on every page.
FEED_LINK_TYPES = frozenset({
    "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
    "text/xml", "application/feed+xml", "application/feed+json",
})


def looks_like_html(body: bytes) -> bool:
    head = body[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head


def discover_feed_links(body: bytes, url: str) -> list[str]:
    """Feed URLs a home page announces through ``<link rel="alternate" type="...rss+xml">``."""
    try:
        root = lxml.html.fromstring(body)
    except (etree.ParserError, ValueError):
        return []
    found: list[str] = []
    for link in root.iterfind(".//link[@href]"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in FEED_LINK_TYPES:
            href = urljoin(url, link.get("href", "").strip())
            if is_fetchable_url(href) and href not in found:
                found.append(href)
    return found


def is_home_page_url(url: str) -> bool:
    """A site's front page (``https://example.com/``): the page whose site's robots.txt
    sitemaps stand in for a feed. A deeper HTML page in a feed list is a broken feed URL."""
    return urlsplit(url).path in ("", "/")


def preferred_sitemaps(urls: list[str]) -> list[str]:
    """The sitemaps of a robots.txt worth reading for news: the news sitemaps if it names any
    (a site's full sitemap lists every page it ever had), else all of them, in its order."""
    unique = list(dict.fromkeys(u for u in urls if is_fetchable_url(u)))
    news = [u for u in unique if "news" in urlsplit(u).path.lower()]
    return news or unique
