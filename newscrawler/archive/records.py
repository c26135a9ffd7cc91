"""The plain values that cross from the reactor into the WARC writer thread, and the
``Newscrawler-*`` fields by which a record says what it was to the crawl.

WARC 1.1 allows named fields beyond its own (section 5); these let re-extraction know, from
the files alone, which response was a feed, which article a feed listed (and in which category
of the feed list), and where a redirect chain started: what the live crawl kept in request meta.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from newscrawler import keys

__all__ = ["CATEGORY", "FEED", "FIRST_URL", "RENDERED", "ROLE", "CrawlContext", "Exchange",
           "FailedFetch", "Location", "crawl_context", "warc_date"]

Role = Literal["robots", "feed", "article", "page"]

ROLE = "Newscrawler-Role"            # robots | feed | article | page
FEED = "Newscrawler-Feed"            # a feed: its URL as listed; an article: the feed listing it
CATEGORY = "Newscrawler-Category"    # a feed's category (OPML folder) in the feed list
FIRST_URL = "Newscrawler-First-Url"  # the URL a redirect chain started from
RENDERED = "Newscrawler-Rendered"    # "browser": the page as the headless browser rendered it
FETCH_ERROR = "fetch-error"          # in a metadata record: why a fetch gave no response
BLOCKED = "blocked"                  # ... "address rule" when the address rule refused it


@dataclass(frozen=True, slots=True)
class Location:
    """Where a record starts: the file (as the writer named it or the user gave it) and the
    byte offset of its gzip member (or of the record, in an uncompressed file)."""

    file: str
    offset: int

    def as_field(self) -> dict[str, Any]:
        """The article's ``warc`` field."""
        return {"file": self.file, "offset": self.offset}

    def __str__(self) -> str:
        return f"{self.file}@{self.offset}"


@dataclass(frozen=True, slots=True)
class CrawlContext:
    """What a request was to the crawl, as its records' ``Newscrawler-*`` fields say."""

    role: Role
    feed: str | None = None
    category: str | None = None
    first_url: str | None = None

    def warc_fields(self) -> dict[str, str]:
        values = {ROLE: self.role, FEED: self.feed, CATEGORY: self.category,
                  FIRST_URL: self.first_url}
        return {name: value for name, value in values.items() if value}

    @classmethod
    def from_warc_fields(cls, get: Any) -> CrawlContext | None:
        """From a record's headers (``get(name)`` returns a field or None); None for a record
        another crawler wrote (CC-NEWS and the like)."""
        role = get(ROLE)
        if role not in ("robots", "feed", "article", "page"):
            return None
        return cls(role=role, feed=get(FEED), category=get(CATEGORY), first_url=get(FIRST_URL))


def crawl_context(url: str, meta: Mapping[str, Any]) -> CrawlContext:
    """What the request with this URL and meta is to the crawl."""
    redirects = meta.get(keys.REDIRECT_URLS) or ()
    first_url = redirects[0] if redirects else None
    if meta.get(keys.DONT_OBEY_ROBOTSTXT) and urlsplit(url).path == "/robots.txt":
        return CrawlContext("robots")
    if keys.FEED_URL in meta:
        return CrawlContext("feed", feed=meta[keys.FEED_URL],
                            category=meta.get(keys.FEED_CATEGORY), first_url=first_url)
    if keys.LISTED_BY in meta:
        return CrawlContext("article", feed=meta[keys.LISTED_BY], first_url=first_url)
    return CrawlContext("page", first_url=first_url)


def warc_date(when: datetime) -> str:
    """WARC 1.1's date: UTC, ISO 8601, microseconds."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Exchange:
    """A request and the response it got, as plain values (taken in the reactor thread; the
    writer thread turns them into records)."""

    url: str                       # the response's URL
    method: str
    request_headers: Headers
    request_body: bytes
    status: int
    protocol: str                  # "HTTP/1.1"
    response_headers: Headers
    body: bytes                    # as received (still Content-Encoded)
    ip: str | None
    date: str                      # WARC-Date
    context: CrawlContext
    rendered: bool = False         # the browser's rendering, not the server's bytes


@dataclass(frozen=True, slots=True)
class FailedFetch:
    """A request that got no response: kept as a ``metadata`` record so that re-extraction
    knows the page failed (and why), as the live crawl did."""

    url: str
    reason: str
    blocked: bool                  # refused by the address rule: nothing of it is written
    date: str
    context: CrawlContext
