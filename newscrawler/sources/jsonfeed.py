"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1) in, typed entries out.

The same entries as an RSS feed: ``url`` (else an http(s) ``id``) is the link, ``content_html``
or ``content_text`` the feed's text, ``authors`` (1.1) or ``author`` (1.0) the authors. URLs may
be relative to the feed's own.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin

from newscrawler.sources.parsed import FeedEntry, ParsedSource, SourceKind
from newscrawler.utils.dates import to_utc_iso
from newscrawler.utils.languages import iso639_1
from newscrawler.utils.text import html_to_text, normalize_line, normalize_text
from newscrawler.utils.urls import is_fetchable_url

__all__ = ["JSON_FEED_VERSION_PREFIX", "parse_json_feed"]

JSON_FEED_VERSION_PREFIX = "https://jsonfeed.org/version/1"  # 1 and 1.1; http:// too


def parse_json_feed(body: bytes, url: str) -> ParsedSource:
    kind = SourceKind.JSON_FEED
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        return ParsedSource(SourceKind.UNKNOWN, problem=f"not JSON ({str(exc)[:120]})")
    if not isinstance(document, dict) or not _is_json_feed(document.get("version")):
        return ParsedSource(SourceKind.UNKNOWN,
                            problem="JSON, but not a JSON Feed (no jsonfeed.org version)")
    title = normalize_line(_text(document.get("title"))) or None
    items = document.get("items")
    if not isinstance(items, list):
        return ParsedSource(kind, title=title, problem="JSON Feed without an items list")
    if not items:
        return ParsedSource(kind, title=title, problem="feed has no entries")
    feed_authors = _authors(document)
    language = iso639_1(document.get("language"))
    entries: list[FeedEntry] = []
    skipped: list[tuple[str, str]] = []
    for item in items:
        if not isinstance(item, dict):
            skipped.append(("", "item is not an object"))
            continue
        link = _link(item, url)
        if link is None:
            skipped.append(("", "item has no url"))
        elif not is_fetchable_url(link):
            skipped.append((link[:200], "not an http(s) link"))
        else:
            entries.append(_entry(item, link, url, feed_authors, language))
    return ParsedSource(kind, title=title, entries=tuple(entries), listed=len(items),
                        skipped_links=tuple(skipped))


def _is_json_feed(version: object) -> bool:
    return isinstance(version, str) and version.replace("http://", "https://", 1).startswith(
        JSON_FEED_VERSION_PREFIX)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _link(item: dict[str, Any], feed_url: str) -> str | None:
    """``url``, relative to the feed's; else an ``id`` that is an absolute http(s) URL."""
    url = (_text(item.get("url")) or "").strip()
    if url:
        return urljoin(feed_url, url)
    item_id = (_text(item.get("id")) or "").strip()
    return item_id if is_fetchable_url(item_id) else None


def _entry(item: dict[str, Any], link: str, feed_url: str, feed_authors: tuple[str, ...],
           language: str | None) -> FeedEntry:
    content = (html_to_text(_text(item.get("content_html")))
               or normalize_text(_text(item.get("content_text"))))
    item_id = item.get("id")
    image = _text(item.get("image")) or _text(item.get("banner_image"))
    image = urljoin(feed_url, image) if image else None
    return FeedEntry(
        link=link,
        entry_id=normalize_line(str(item_id)) or None if item_id is not None else None,
        title=normalize_line(html_to_text(_text(item.get("title")))) or None,
        published=to_utc_iso(_text(item.get("date_published"))),
        authors=_authors(item) or feed_authors,
        summary=html_to_text(_text(item.get("summary"))) or None,
        content=content or None,
        tags=tuple(dict.fromkeys(normalize_line(t) for t in item.get("tags") or ()
                                 if isinstance(t, str) and normalize_line(t))),
        image=image if image and is_fetchable_url(image) else None,
        updated=to_utc_iso(_text(item.get("date_modified"))),
        language=iso639_1(item.get("language")) or language,
    )


def _authors(holder: dict[str, Any]) -> tuple[str, ...]:
    """1.1's ``authors`` list, else 1.0's single ``author``: each an object with a name."""
    people = holder.get("authors")
    if not isinstance(people, list):
        people = [holder.get("author")]
    names = (normalize_line(_text(p.get("name"))) for p in people if isinstance(p, dict))
    return tuple(dict.fromkeys(n for n in names if n))
