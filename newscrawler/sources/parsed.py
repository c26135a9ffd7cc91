"""What every source document becomes: one kind of entry, whatever listed it.

An RSS item, an Atom entry, a JSON Feed item and a sitemap ``<url>`` all become a
:class:`FeedEntry`, so the article request, the merge with the page and de-duplication are one
path. Plain values only: entries ride in request ``cb_kwargs`` (JOBDIR and the Redis frontier
pickle them) and come back from the worker pool.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["FeedEntry", "ParsedSource", "SitemapLink", "SourceKind"]


class SourceKind(StrEnum):
    """What a fetched source turned out to be; the value is how the run summary names it."""

    RSS = "RSS feed"
    ATOM = "Atom feed"
    RDF = "RDF feed"
    JSON_FEED = "JSON Feed"
    NEWS_SITEMAP = "news sitemap"
    SITEMAP = "sitemap"
    SITEMAP_INDEX = "sitemap index"
    HTML_PAGE = "HTML page"
    UNKNOWN = "unknown document"

    @property
    def is_sitemap(self) -> bool:
        return self in (SourceKind.NEWS_SITEMAP, SourceKind.SITEMAP, SourceKind.SITEMAP_INDEX)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """What a source says about one article."""

    link: str
    entry_id: str | None = None
    title: str | None = None
    published: str | None = None      # ISO 8601 in UTC (utils.dates.to_utc_iso)
    authors: tuple[str, ...] = ()
    summary: str | None = None        # plain text
    content: str | None = None        # plain text of content:encoded / Atom content
    tags: tuple[str, ...] = ()
    image: str | None = None
    updated: str | None = None        # a sitemap's <lastmod>, JSON Feed's date_modified
    language: str | None = None       # ISO 639-1, as the source declares it
    publisher: str | None = None      # news sitemap: <news:publication><news:name>


@dataclass(frozen=True, slots=True)
class SitemapLink:
    """A child sitemap listed by a sitemap index, with its own ``<lastmod>`` (ISO UTC)."""

    url: str
    lastmod: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedSource:
    """One fetched source document, parsed; ``problem`` says why it is unusable."""

    kind: SourceKind
    title: str | None = None
    entries: tuple[FeedEntry, ...] = ()
    sitemaps: tuple[SitemapLink, ...] = ()     # a sitemap index's children
    feed_links: tuple[str, ...] = ()           # feeds an HTML page announces
    listed: int = 0                            # entries or child sitemaps the document lists
    problem: str | None = None
    warning: str | None = None                 # recovered from, e.g. malformed XML
    skipped_links: tuple[tuple[str, str], ...] = field(default=())   # (link, reason)
    # (reason, count): what the source listed that is not to be requested
    not_requested: tuple[tuple[str, int], ...] = field(default=())
    poll_hint: float | None = None  # seconds it asks between polls (<ttl>, sy:updatePeriod)
    entry_gap: float | None = None  # seconds: median time between its entries' dates

    @property
    def ok(self) -> bool:
        return self.problem is None
