"""Sitemaps, sitemap indexes (sitemaps.org) and Google News sitemaps in, typed entries out.

Built on Scrapy's own parser, ``scrapy.utils.sitemap.Sitemap``: lxml's iterparse without entity
resolution (no external entities, no billion laughs), without lxml's ``huge_tree`` (a depth or
text node beyond libxml2's limits stops the parse), reading one ``<url>`` at a time and
clearing it. Scrapy's parser keeps only the text of each child of ``<url>``; the subclass below
also reads the ``<news:news>`` and ``<image:image>`` blocks before Scrapy clears them.

Bounded by the protocol: at most ``max_urls`` (50,000) ``<url>`` or ``<sitemap>`` elements are
read; the body's size is bounded before it gets here (``DOWNLOAD_MAXSIZE``, also after gunzip).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from lxml import etree
from scrapy.utils.sitemap import Sitemap

from newscrawler.sources.parsed import FeedEntry, ParsedSource, SitemapLink, SourceKind
from newscrawler.utils.dates import to_utc_iso
from newscrawler.utils.languages import iso639_1
from newscrawler.utils.text import normalize_line
from newscrawler.utils.urls import is_fetchable_url

__all__ = ["MAX_SITEMAP_URLS", "parse_sitemap"]

MAX_SITEMAP_URLS = 50_000  # sitemaps.org: "no more than 50,000 URLs" per file
_NEWS = "newscrawler:news"   # keys of our fields in Scrapy's record dict: none of its own
_IMAGE = "newscrawler:image"


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _child_text(element: Any, name: str) -> str | None:
    for child in element:
        if _local(child.tag) == name:
            return normalize_line(child.text) or None
    return None


def _child(element: Any, name: str) -> Any:
    return next((child for child in element if _local(child.tag) == name), None)


class _NewsSitemap(Sitemap):
    """Scrapy's parser, plus the Google News and image fields of each ``<url>``.

    Matched by local name: publishers write the news namespace with several version numbers.
    """

    __slots__ = ()

    def _process_sitemap_element(self, elem: Any) -> dict[str, Any] | None:
        news = _child(elem, "news")
        image = _child(elem, "image")
        extra: dict[str, Any] = {}
        if news is not None:
            publication = _child(news, "publication")
            extra[_NEWS] = {
                "title": _child_text(news, "title"),
                "date": _child_text(news, "publication_date"),
                "keywords": _child_text(news, "keywords"),
                "name": _child_text(publication, "name") if publication is not None else None,
                "language": (_child_text(publication, "language")
                             if publication is not None else None),
            }
        if image is not None:
            extra[_IMAGE] = _child_text(image, "loc")
        record = super()._process_sitemap_element(elem)  # clears the element
        if record is not None:
            record.update(extra)
        return record


def parse_sitemap(body: bytes, url: str, max_urls: int = MAX_SITEMAP_URLS) -> ParsedSource:
    """A ``<urlset>`` (its article URLs) or a ``<sitemapindex>`` (its child sitemaps).

    ``body`` is already decompressed. A sitemap that lists no URL is not a problem: a news
    sitemap is empty when nothing was published in its two days.
    """
    try:
        document = _NewsSitemap(body)
    except (etree.XMLSyntaxError, StopIteration):
        return ParsedSource(SourceKind.UNKNOWN, problem="not XML")
    if document.type not in ("urlset", "sitemapindex"):
        return ParsedSource(SourceKind.UNKNOWN,
                            problem=f"not a sitemap (its root is <{document.type}>)")
    is_index = document.type == "sitemapindex"
    entries: list[FeedEntry] = []
    children: list[SitemapLink] = []
    skipped: list[tuple[str, str]] = []
    read, warning, is_news = 0, None, False
    try:
        for record in document:
            if read >= max_urls:
                warning = (f"lists more than {max_urls:,} URLs (the protocol's limit): "
                           f"the first {max_urls:,} were read")
                break
            read += 1
            link = urljoin(url, record.get("loc", ""))
            if not is_fetchable_url(link):
                skipped.append((link[:200], "not an http(s) link"))
            elif is_index:
                children.append(SitemapLink(link, to_utc_iso(record.get("lastmod"))))
            else:
                is_news = is_news or _NEWS in record
                entries.append(_entry(record, link))
    except etree.XMLSyntaxError as exc:
        warning = f"malformed sitemap, {read:,} URLs read ({normalize_line(str(exc))[:160]})"
    kind = (SourceKind.SITEMAP_INDEX if is_index
            else SourceKind.NEWS_SITEMAP if is_news else SourceKind.SITEMAP)
    return ParsedSource(kind, entries=tuple(entries), sitemaps=tuple(children), listed=read,
                        warning=warning, skipped_links=tuple(skipped))


def _entry(record: dict[str, Any], link: str) -> FeedEntry:
    news = record.get(_NEWS) or {}
    keywords = (news.get("keywords") or "").split(",")
    return FeedEntry(
        link=link,
        title=news.get("title"),
        published=to_utc_iso(news.get("date")),
        tags=tuple(dict.fromkeys(k.strip() for k in keywords if k.strip())),
        image=_absolute(record.get(_IMAGE), link),
        updated=to_utc_iso(record.get("lastmod")),
        language=iso639_1(news.get("language")),
        publisher=news.get("name"),
    )


def _absolute(image: str | None, base: str) -> str | None:
    if not image:
        return None
    absolute = urljoin(base, image)
    return absolute if is_fetchable_url(absolute) else None
