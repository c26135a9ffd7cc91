"""What every spider does with an article page, fetched or read from a WARC file: extract it in
the worker pool, merge it with its feed entry, and say what became of it.

The feeds spider and the warc spider share this, so that a re-extraction writes what the live
crawl wrote: same HTML test, same charset hint, same merge, same fallback to the feed's text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings

from newscrawler import signals as news_signals
from newscrawler.extraction.merge import build_article
from newscrawler.extraction.page import PageFields
from newscrawler.extraction.pool import ExtractionFailed, ExtractionPool
from newscrawler.items import Article
from newscrawler.sources.parsed import FeedEntry

__all__ = ["HTML_TYPES", "ArticlePages", "header_charset", "not_html", "now_iso",
           "response_headers"]

HTML_TYPES = (b"text/html", b"application/xhtml+xml")

Send = Callable[..., None]   # send(signal, **kwargs): the spider's signal sender


class ArticlePages:
    """Article pages in, articles (or the reason there is none) out."""

    def __init__(self, pool: ExtractionPool, settings: BaseSettings, send: Send) -> None:
        self.pool = pool
        self.min_text_chars = settings.getint("MIN_PAGE_TEXT_CHARS")
        self.send = send

    async def page(self, response: Response) -> tuple[PageFields | None, str | None]:
        """The page's fields, or None and why not (not HTML, extraction failed)."""
        if (problem := not_html(response)) is not None:
            return None, problem
        try:
            return await self.pool.extract(response.body, response.url,
                                           header_charset(response)), None
        except ExtractionFailed as exc:
            return None, str(exc)

    def article(self, entry: FeedEntry, page: PageFields | None, *, url: str,
                feed_url: str | None, category: str | None, fetched_at: str,
                warc: dict[str, Any] | None = None, source: str | None = None) -> Article:
        return build_article(entry, page, url=url, feed_url=feed_url, category=category,
                             fetched_at=fetched_at, min_text_chars=self.min_text_chars,
                             warc=warc, source=source)

    def outcome(self, article: Article, url: str, reason: str | None) -> Article | None:
        """``article``, reported as a fallback when its text is the feed's; None (reported as
        failed) when it has no text at all."""
        if not article.text:
            self.send(news_signals.article_failed, url=url,
                      reason=f"{reason or 'page gave no text'}, and the feed has none")
            return None
        if article.text_source == "feed":
            self.send(news_signals.article_fallback, url=url,
                      reason=reason or "page gave no usable text")
        return article

    def without_page(self, entry: FeedEntry, url: str, reason: str, *, blocked: bool,
                     feed_url: str | None, category: str | None, fetched_at: str,
                     site: str | None = None) -> Article | None:
        """The article when its page failed (no response, an HTTP error): the feed's text if
        it has some. A link the address rule blocked is hostile: nothing of its entry is
        written. ``site``: the skipped site that refused the request (the summary names it
        once), else None."""
        if (entry.content or entry.summary) and not blocked:
            self.send(news_signals.article_fallback, url=url, reason=f"page failed: {reason}",
                      site=site)
            return self.article(entry, None, url=url, feed_url=feed_url, category=category,
                                fetched_at=fetched_at)
        self.send(news_signals.article_failed, url=url, reason=reason, site=site)
        return None


def not_html(response: Response) -> str | None:
    """Why ``response`` is no HTML page, or None when it is one."""
    content_type = response.headers.get(b"Content-Type", b"").split(b";")[0].strip().lower()
    if not isinstance(response, TextResponse) or (
        content_type and content_type not in HTML_TYPES
    ):
        return f"not an HTML page ({content_type.decode('latin-1') or 'no type'})"
    return None


def now_iso() -> str:
    """A fetch time as articles give it: UTC, whole seconds, with its offset."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def response_headers(response: Response) -> dict[str, str]:
    """The first value of each header, names in lower case (what feedparser takes)."""
    return {
        key.decode("latin-1").lower(): values[0].decode("latin-1")
        for key, values in response.headers.items() if values
    }


def header_charset(response: Response) -> str | None:
    """The charset the HTTP header names, if any.

    The page goes to the worker as raw bytes (nothing to decode or re-encode in the reactor)
    with this hint, used there only for bytes that are not valid UTF-8 (see extraction/).
    """
    content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
    return content_type.partition("charset=")[2].split(";")[0].strip(" \"'") or None
