"""A fetched source in, what it lists out, whatever it turns out to be: the worker pool's one
entry point for sources.

A feed-list line is told by what it serves, not by its URL: RSS/Atom/RDF, JSON Feed, a sitemap
or sitemap index (plain or gzipped), or an HTML page (whose announced feeds are returned).
"""

from __future__ import annotations

import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from scrapy.utils.gz import gunzip

from newscrawler._compat import DecompressionMaxSizeExceeded
from newscrawler.sources.discovery import discover_feed_links, looks_like_html
from newscrawler.sources.feed import parse_feed
from newscrawler.sources.jsonfeed import parse_json_feed
from newscrawler.sources.parsed import ParsedSource, SourceKind
from newscrawler.sources.selection import Rules, select
from newscrawler.sources.sitemap import MAX_SITEMAP_URLS, parse_sitemap

__all__ = ["ReadLimits", "document_format", "parse_source", "read_source"]

Format = Literal["feed", "json", "sitemap", "html", "unknown"]

GZIP_MAGIC = b"\x1f\x8b\x08"
_NOT_A_FEED = "not a feed"
_HEAD_BYTES = 8192
# the first element's name, after the XML declaration, comments, processing instructions and
# a doctype (with an internal subset: the entity-bomb's)
_ROOT = re.compile(
    rb"(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)*<(?:[A-Za-z_][\w.-]*:)?"
    rb"([A-Za-z_][\w.-]*)", re.DOTALL | re.IGNORECASE)
_FORMAT_OF_ROOT: Mapping[bytes, Format] = {
    b"urlset": "sitemap", b"sitemapindex": "sitemap", b"html": "html",
    b"rss": "feed", b"rdf": "feed", b"feed": "feed", b"channel": "feed",
}


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """How much of a source is read: bytes after decompression (0: no limit; the crawl passes
    DOWNLOAD_MAXSIZE), the size that earns a warning, and URLs per sitemap."""

    max_bytes: int = 0
    warn_bytes: int = 0
    max_urls: int = MAX_SITEMAP_URLS


NO_LIMITS = ReadLimits()
NO_RULES = Rules()


def read_source(body: bytes, url: str, headers: Mapping[str, str] | None = None,
                limits: ReadLimits = NO_LIMITS, rules: Rules = NO_RULES) -> ParsedSource:
    """:func:`parse_source`, then what of it is to be requested (see ``selection.select``)."""
    return select(parse_source(body, url, headers, limits), rules)


def parse_source(body: bytes, url: str, headers: Mapping[str, str] | None = None,
                 limits: ReadLimits = NO_LIMITS) -> ParsedSource:
    """Parse the document fetched from ``url``; ``headers`` have lower-case names."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    if not body.strip():
        return ParsedSource(SourceKind.UNKNOWN, problem="empty response body")
    warning = None
    if body.startswith(GZIP_MAGIC):
        # A .xml.gz file (no Content-Encoding: Scrapy's compression middleware left it alone),
        # decompressed as Scrapy's SitemapSpider does, with the same size cap.
        size = len(body)
        try:
            body = gunzip(body, max_size=limits.max_bytes)
        except DecompressionMaxSizeExceeded:
            return ParsedSource(SourceKind.UNKNOWN, problem=(
                "decompressed body larger than the size cap (DOWNLOAD_MAXSIZE): a gzip bomb?"))
        except (OSError, EOFError, struct.error):
            return ParsedSource(SourceKind.UNKNOWN, problem="a broken gzip file")
        if size < limits.warn_bytes <= len(body):
            warning = (f"decompressed to {len(body):,} bytes, over DOWNLOAD_WARNSIZE "
                       f"({limits.warn_bytes:,})")
        headers.pop("content-type", None)  # it described the gzip file
    parsed = _parse(body, url, headers, limits)
    if warning:
        parsed = replace(parsed, warning="; ".join(filter(None, (parsed.warning, warning))))
    return parsed


def _parse(body: bytes, url: str, headers: dict[str, str], limits: ReadLimits
           ) -> ParsedSource:
    kind = document_format(body, headers.get("content-type"))
    if kind == "sitemap":
        return parse_sitemap(body, url, limits.max_urls)
    if kind == "json":
        return parse_json_feed(body, url)
    if kind == "html":
        return ParsedSource(SourceKind.HTML_PAGE, feed_links=tuple(discover_feed_links(body, url)))
    parsed = parse_feed(body, url, headers)
    if kind == "unknown" and parsed.problem and parsed.problem.startswith(_NOT_A_FEED):
        # feedparser could not tell it either: say what else it was tried as
        return replace(parsed, problem=parsed.problem.replace(
            _NOT_A_FEED, "not a feed or sitemap", 1))
    return parsed


def document_format(body: bytes, content_type: str | None = None) -> Format:
    """What a (decompressed) body is, from its first bytes; the content type only breaks ties.

    "unknown" goes to feedparser, which recovers feeds too broken to name their root.
    """
    head = body[:_HEAD_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n")
    media_type = (content_type or "").split(";")[0].strip().lower()
    if head.startswith(b"{") or (head.startswith(b"[") and "json" in media_type):
        return "json"
    match = _ROOT.match(head)
    if match:
        found = _FORMAT_OF_ROOT.get(match.group(1).lower())
        if found:
            return found
    if looks_like_html(head) or media_type in ("text/html", "application/xhtml+xml"):
        return "html"
    return "unknown"
