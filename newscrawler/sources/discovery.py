"""A site's home page in, its feeds out: the feed links a page announces, and telling an HTML
page from a feed document."""

from __future__ import annotations

from urllib.parse import urljoin

import lxml.html
from lxml import etree

from newscrawler.utils.urls import is_fetchable_url

__all__ = ["discover_feed_links", "looks_like_html"]

FEED_LINK_TYPES = frozenset({
    "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
    "text/xml", "application/feed+xml",
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
