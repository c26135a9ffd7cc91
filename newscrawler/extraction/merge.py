"""Feed entry + extracted page → one Article. The only place the two sources are weighed."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from newscrawler.extraction.page import PageFields
from newscrawler.extraction.titles import headline_keys, title_key
from newscrawler.items import Article, TextSource
from newscrawler.sources.parsed import FeedEntry
from newscrawler.utils.urls import canonical_url, site_key

__all__ = ["build_article", "choose_text", "without_headline"]


def build_article(
    entry: FeedEntry,
    page: PageFields | None,
    *,
    url: str,
    feed_url: str | None,
    fetched_at: str,
    category: str | None = None,
    min_text_chars: int = 200,
    warc: dict[str, Any] | None = None,
    source: str | None = None,
) -> Article:
    """Merge what the feed said with what the page gave (``page`` is None when unusable).

    The feed (or sitemap) is the publisher's own metadata, so its title and date win (a feed
    title that is the page's headline plus the site's name gives way to the headline); the page
    wins for the text (without a first paragraph that repeats the headline), authors, image and
    language, which feeds often leave out or truncate. The language the source declares stands
    in when the page tells none (no page, or too little text).
    """
    page_text = without_headline(page.text, entry.title, page.title) if page else None
    text, text_source = choose_text(page_text, entry, min_text_chars)
    article_url = canonical_url(url)
    return Article(
        url=article_url,
        feed_url=feed_url,
        domain=site_key(urlsplit(article_url).hostname or ""),
        title=_headline(entry.title, page.title if page else None),
        authors=list((page.authors if page and page.authors else ()) or entry.authors),
        published=entry.published or (page.published if page else None),
        language=(page.language if page else None) or entry.language,
        summary=entry.summary or (page.description if page else None),
        text=text,
        text_source=text_source,
        tags=list(dict.fromkeys([*entry.tags, *(page.tags if page else ())])),
        image=(page.image if page else None) or entry.image,
        fetched_at=fetched_at,
        entry_id=entry.entry_id,
        category=category,
        publisher=entry.publisher or (page.site_name if page else None),
        free_access=page.free_access if page else None,
        warc=warc,
        source=source,
    )


def choose_text(
    page_text: str | None, entry: FeedEntry, min_text_chars: int
) -> tuple[str | None, TextSource]:
    """The page's text when it is usable, else the feed's full content, else its summary.

    Page text shorter than ``min_text_chars`` is a teaser, a paywall notice or an app shell;
    a feed body more than twice as long as the page's text means the same.
    """
    feed_text = entry.content or entry.summary
    page_is_teaser = bool(entry.content) and len(entry.content or "") > 2 * len(page_text or "")
    if page_text and len(page_text) >= min_text_chars and not page_is_teaser:
        return page_text, "page"
    if feed_text and len(feed_text) > len(page_text or ""):
        return feed_text, "feed"
    return (page_text, "page") if page_text else (feed_text, "feed")


def _headline(feed_title: str | None, page_title: str | None) -> str | None:
    """The feed's title, unless it is the page's headline with the site's name added
    ("Headline - Site", as a feed that copies the page's <title> has it): then the page's."""
    if not (feed_title and page_title):
        return feed_title or page_title
    page_key = title_key(page_title, loose=True)
    if page_key != title_key(feed_title, loose=True) and page_key in headline_keys(feed_title):
        return page_title
    return feed_title or page_title


def without_headline(text: str | None, *titles: str | None) -> str | None:
    """``text`` without a first paragraph that only repeats the headline.

    The headline has its own field; an extractor that keeps the page's ``<h1>`` puts it at the
    top of the text as well. A first paragraph equal to one of ``titles`` (the feed's, the
    page's) -- ignoring case, quotes and punctuation, and the site's name a title may add
    ("Headline - Site", "Site | Headline") -- is dropped when other paragraphs remain.
    """
    if not text:
        return text
    first, _, rest = text.partition("\n\n")
    if not rest.strip() or len(first) > 300:
        return text
    key = title_key(first, loose=True)
    for title in titles:
        if key and title and key in headline_keys(title):
            return rest
    return text

