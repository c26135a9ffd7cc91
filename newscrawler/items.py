"""The one item the crawler writes. Its JSON form is described in ``article.schema.json``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

TextSource = Literal["page", "feed"]


@dataclass(slots=True)
class Article:
    """A news article: the page's full text completed with what its feed entry said.

    A dataclass is an itemadapter item, so Scrapy's pipelines and feed exports take it as is.
    """

    url: str                          # canonical URL, tracking parameters removed
    feed_url: str | None              # the feed that listed the article (None: read from a
                                      # WARC file without feeds, such as CC-NEWS)
    domain: str                       # registrable domain of ``url`` (``bbc.co.uk``), or its IP
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None      # ISO 8601 with UTC offset, or None when unknown
    language: str | None = None       # ISO 639-1 code, from the text where it can be told
    summary: str | None = None        # plain text: the feed's summary, else the page's description
    text: str | None = None           # plain text, paragraphs separated by one blank line
    text_source: TextSource = "page"  # "feed" when the page gave no usable text
    tags: list[str] = field(default_factory=list)
    image: str | None = None
    fetched_at: str | None = None     # when the article page was fetched (UTC ISO 8601)
    entry_id: str | None = None       # the feed entry's id/guid, used to recognise it later
    category: str | None = None       # the feed list's category for the feed (OPML folder)
    publisher: str | None = None      # news sitemap's <news:name>, else the page's site name
    free_access: bool | None = None   # schema.org isAccessibleForFree; None: the page says nothing
    warc: dict[str, Any] | None = None  # {"file", "offset"}: the WARC record of the page
    source: str | None = None         # the WARC file of an article that no feed listed
