"""Feed entry + extracted page → one Article. The only place the two sources are weighed."""

from __future__ import annotations

from urllib.parse import urlsplit

from newscrawler.extraction import PageFields
from newscrawler.feeds import FeedEntry
from newscrawler.items import Article, TextSource
from newscrawler.urls import canonical_url, site_key

__all__ = ["build_article", "choose_text"]


def build_article(
    entry: FeedEntry,
    page: PageFields | None,
    *,
    url: str,
    feed_url: str,
    fetched_at: str,
    category: str | None = None,
    min_text_chars: int = 200,
) -> Article:
    """Merge what the feed said with what the page gave (``page`` is None when unusable).

    The feed is the publisher's own metadata, so its title and date win; the page wins for
    the text, authors, image and language, which feeds often leave out or truncate.
    """
    text, source = choose_text(page.text if page else None, entry, min_text_chars)
    article_url = canonical_url(url)
    return Article(
        url=article_url,
        feed_url=feed_url,
        domain=site_key(urlsplit(article_url).hostname or ""),
        title=entry.title or (page.title if page else None),
        authors=list((page.authors if page and page.authors else ()) or entry.authors),
        published=entry.published or (page.published if page else None),
        language=page.language if page else None,
        summary=entry.summary or (page.description if page else None),
        text=text,
        text_source=source,
        tags=list(dict.fromkeys([*entry.tags, *(page.tags if page else ())])),
        image=(page.image if page else None) or entry.image,
        fetched_at=fetched_at,
        entry_id=entry.entry_id,
        category=category,
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
