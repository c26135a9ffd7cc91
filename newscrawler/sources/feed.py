"""RSS, Atom and RDF documents in, typed entries out: feedparser behind one pure function.

feedparser always gets the body as ``io.BytesIO``: given a ``str`` it treats a value that looks
like a path or URL as something to open, so a hostile feed body could make it read local files.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

import feedparser

from newscrawler.schedule.hints import entry_gap, feed_poll_hint
from newscrawler.sources.parsed import FeedEntry, ParsedSource, SourceKind
from newscrawler.utils.dates import to_utc_iso
from newscrawler.utils.languages import iso639_1
from newscrawler.utils.text import html_to_text, normalize_line
from newscrawler.utils.urls import is_fetchable_url

__all__ = ["parse_feed"]


def parse_feed(body: bytes, url: str, headers: Mapping[str, str] | None = None) -> ParsedSource:
    """Parse an RSS 0.9x/1.0/2.0, Atom or RDF document fetched from ``url``.

    ``headers`` (lower-case names) give feedparser the HTTP charset; ``url`` is the base for
    relative links when the document has no ``xml:base``. The feed's ``<language>`` becomes
    each entry's declared language.
    """
    response_headers = {k.lower(): v for k, v in (headers or {}).items()}
    response_headers["content-location"] = url
    if not body.strip():
        return ParsedSource(SourceKind.UNKNOWN, problem="empty response body")
    parsed = feedparser.parse(io.BytesIO(body), response_headers=response_headers)
    bozo = _bozo_reason(parsed)
    kind = _kind(parsed.get("version") or "")
    if not parsed.entries:
        if not parsed.get("version"):
            return ParsedSource(kind, problem=f"not a feed ({bozo or 'unknown format'})")
        problem = f"malformed feed with no entries ({bozo})" if bozo else "feed has no entries"
        return ParsedSource(kind, title=_feed_title(parsed), problem=problem)
    language = iso639_1(parsed.feed.get("language"))
    entries: list[FeedEntry] = []
    skipped: list[tuple[str, str]] = []
    for raw in parsed.entries:
        link = _entry_link(raw, url)
        if link is None:
            skipped.append(("", "entry has no link"))
            continue
        if not is_fetchable_url(link):
            skipped.append((link[:200], "not an http(s) link"))
            continue
        entries.append(_entry(raw, link, language))
    return ParsedSource(
        kind,
        title=_feed_title(parsed),
        entries=tuple(entries),
        listed=len(parsed.entries),
        warning=f"malformed feed, entries recovered ({bozo})" if bozo else None,
        skipped_links=tuple(skipped),
        poll_hint=feed_poll_hint(parsed.feed),
        entry_gap=entry_gap(entry.published for entry in entries),
    )


def _kind(version: str) -> SourceKind:
    """feedparser's version string: rss090/rss10 are RDF, rss091u..rss20 RSS, atom* Atom."""
    if version.startswith("atom"):
        return SourceKind.ATOM
    if version in ("rss090", "rss10"):
        return SourceKind.RDF
    return SourceKind.RSS if version.startswith("rss") else SourceKind.UNKNOWN


def _bozo_reason(parsed: Any) -> str | None:
    if not parsed.get("bozo"):
        return None
    exc = parsed.get("bozo_exception")
    # feedparser recovering from a charset mismatch or a missing Content-Type is routine.
    if isinstance(exc, feedparser.CharacterEncodingOverride | feedparser.NonXMLContentType):
        return None
    return normalize_line(str(exc))[:200] or type(exc).__name__


def _feed_title(parsed: Any) -> str | None:
    return normalize_line(parsed.feed.get("title")) or None


def _entry_link(raw: Any, feed_url: str) -> str | None:
    link = raw.get("link")
    if not link:
        for candidate in raw.get("links", []):
            if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                link = candidate["href"]
                break
    if not link:
        guid = raw.get("id", "")
        if raw.get("guidislink") or guid.startswith(("http://", "https://")):
            link = guid
    if not link:
        return None
    return urljoin(feed_url, link.strip())


def _entry(raw: Any, link: str, language: str | None) -> FeedEntry:
    return FeedEntry(
        link=link,
        entry_id=normalize_line(raw.get("id")) or None,
        title=normalize_line(html_to_text(raw.get("title"))) or None,
        published=to_utc_iso(raw.get("published_parsed") or raw.get("updated_parsed")),
        authors=_authors(raw),
        summary=html_to_text(raw.get("summary")) or None,
        content=_content(raw),
        tags=tuple(dict.fromkeys(
            normalize_line(t.get("term") or t.get("label")) for t in raw.get("tags", [])
            if normalize_line(t.get("term") or t.get("label"))
        )),
        image=_image(raw),
        language=language,
    )


def _authors(raw: Any) -> tuple[str, ...]:
    names = [normalize_line(a.get("name")) for a in raw.get("authors", []) if isinstance(a, dict)]
    if not any(names) and raw.get("author"):
        names = [normalize_line(raw["author"])]
    return tuple(dict.fromkeys(n for n in names if n))


def _content(raw: Any) -> str | None:
    """The longest full-content block (content:encoded, Atom content), as plain text."""
    texts = [html_to_text(c.get("value")) for c in raw.get("content", [])]
    texts = [t for t in texts if t]
    return max(texts, key=len) if texts else None


def _image(raw: Any) -> str | None:
    for key in ("media_content", "media_thumbnail"):
        for media in raw.get(key, []) or []:
            url = media.get("url")
            if url and is_fetchable_url(url) and media.get("medium", "image") == "image":
                return url
    for enclosure in raw.get("enclosures", []) or []:
        if str(enclosure.get("type", "")).startswith("image/") and enclosure.get("href"):
            return enclosure["href"]
    return None
