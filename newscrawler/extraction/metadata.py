"""What a page states about itself beyond its text: language, canonical URL, publication date,
title, authors, tags. Read from the parsed tree, or cleaned from what trafilatura found."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from newscrawler.extraction.decoding import JSON_LD
from newscrawler.extraction.titles import TITLE_SEPARATORS, title_key
from newscrawler.utils.dates import to_utc_iso
from newscrawler.utils.languages import iso639_1
from newscrawler.utils.text import normalize_line

__all__ = [
    "MIN_LANGID_CHARS",
    "absolute_http_url",
    "canonical_url",
    "clean_title",
    "declared_language",
    "language",
    "meta_content",
    "split_authors",
    "stated_publication_date",
    "tags",
]

MIN_LANGID_CHARS = 200       # below this much text the declared language is used
LANGID_MAX_CHARS = 5_000     # the identifier reads at most this much (its cost is linear)
MAX_TAGS = 30
LANGID_MIN_CONFIDENCE = 0.5  # normalised probability under which a detection is not trusted

# Publication dates stated by the publisher, with time and zone. Checked before htmldate's
# heuristics (URL, header, text patterns), which mostly give a bare day.
_ARTICLE_TYPES = re.compile(r"article|posting|report|newsarticle", re.IGNORECASE)
_DATE_META = (
    ".//meta[@property='article:published_time'][@content]",
    ".//meta[@property='og:article:published_time'][@content]",
    ".//meta[@itemprop='datePublished'][@content]",
    ".//meta[@name='article:published_time'][@content]",
    ".//meta[@name='parsely-pub-date'][@content]",
    ".//meta[@name='sailthru.date'][@content]",
    ".//meta[@name='dc.date.issued'][@content]",
    ".//meta[@name='DC.date.issued'][@content]",
)
_DATE_ELEMENTS = (
    ".//time[@itemprop='datePublished'][@datetime]",
    ".//*[@itemprop='datePublished'][@datetime]",
    ".//*[@itemprop='datePublished'][@content]",
    ".//time[@pubdate][@datetime]",
)
_EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)   # "0001-01-01T00:00:00Z" is a CMS placeholder
_LANG_CODE = re.compile(r"^[a-z]{2}$")
# py3langid labels that are not ISO 639-1 codes but have a macro-language code.
_LANGID_TO_639_1 = {
    "arz": "ar", "ary": "ar", "uzs": "uz", "wuu": "zh", "yue": "zh", "kik": "ki", "gug": "gn",
    "sdh": "ku",
}


def declared_language(tree: Any) -> str | None:
    candidates = [tree.get("lang"), tree.get("{http://www.w3.org/XML/1998/namespace}lang")]
    for xpath in (
        ".//meta[@http-equiv='content-language'][@content]",
        ".//meta[@http-equiv='Content-Language'][@content]",
        ".//meta[@name='language'][@content]",
        ".//meta[@property='og:locale'][@content]",
    ):
        element = tree.find(xpath)
        if element is not None:
            candidates.append(element.get("content"))
    for value in candidates:
        code = iso639_1(value)
        if code:
            return code
    return None


@cache
def _language_identifier() -> Any:
    """py3langid's model, loaded once per process (about a second) and only when needed."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _detect_language(text: str) -> tuple[str | None, float]:
    label, probability = _language_identifier().classify(text[:LANGID_MAX_CHARS])
    label = _LANGID_TO_639_1.get(label, label)
    return (label if _LANG_CODE.match(label) else None), probability


def language(text: str | None, declared: str | None) -> str | None:
    """The text's language when there is enough text to tell; else what the page declares.

    Declarations are often wrong (templates say lang="en" over any language), so a confident
    detection from at least :data:`MIN_LANGID_CHARS` characters wins over them.
    """
    if text and len(text) >= MIN_LANGID_CHARS:
        detected, probability = _detect_language(text)
        if detected and probability >= LANGID_MIN_CONFIDENCE:
            return detected
        return declared or detected
    if declared or not text:
        return declared
    # little text and nothing declared: only a near-certain detection beats no answer
    detected, probability = _detect_language(text)
    return detected if detected and probability >= 0.9 else None


def canonical_url(tree: Any, url: str) -> str | None:
    base = url
    base_element = tree.find(".//base[@href]")
    if base_element is not None:
        base = absolute_http_url(url, base_element.get("href")) or url
    for link in tree.iterfind(".//link[@rel][@href]"):
        if "canonical" in link.get("rel", "").lower().split():
            found = absolute_http_url(base, link.get("href"))
            if found:
                return found
    for meta in tree.iterfind(".//meta[@property='og:url'][@content]"):
        found = absolute_http_url(base, meta.get("content"))
        if found:
            return found
    return None


def absolute_http_url(base: str, value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        absolute = urljoin(base or "", value)
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return absolute


def stated_publication_date(tree: Any) -> str | None:
    """The publisher's own publication time (JSON-LD, meta, microdata) in UTC, if plausible."""
    for candidate in _date_candidates(tree):
        iso = to_utc_iso(candidate)
        if iso and _plausible(iso):
            return iso
    return None


def _date_candidates(tree: Any) -> Any:
    yield from _json_ld_dates(tree)
    for xpath in _DATE_META:
        for element in tree.iterfind(xpath):
            yield element.get("content")
    for xpath in _DATE_ELEMENTS:
        for element in tree.iterfind(xpath):
            yield element.get("datetime") or element.get("content")


def _json_ld_dates(tree: Any) -> list[str]:
    """datePublished of the JSON-LD objects, Article-like ones first."""
    article_dates: list[str] = []
    other_dates: list[str] = []
    for script in tree.iterfind(f".//script[@type='{JSON_LD}']"):
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):
            continue
        stack, seen = [data], 0
        while stack and seen < 500:
            seen += 1
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(reversed(node))
            elif isinstance(node, dict):
                value = node.get("datePublished")
                if isinstance(value, str):
                    kind = node.get("@type")
                    kind = " ".join(kind) if isinstance(kind, list) else str(kind or "")
                    (article_dates if _ARTICLE_TYPES.search(kind) else other_dates).append(value)
                stack.extend(v for v in node.values() if isinstance(v, (list, dict)))
    return article_dates + other_dates


def _plausible(iso: str) -> bool:
    moment = datetime.fromisoformat(iso)
    return _EARLIEST <= moment <= datetime.now(UTC) + timedelta(days=2)


def meta_content(tree: Any, xpath: str) -> str | None:
    element = tree.find(xpath)
    return (normalize_line(element.get("content")) or None) if element is not None else None


def clean_title(title: str, og_title: str | None, site_name: str | None) -> str | None:
    """The headline without the site's decoration ("Headline | Site", "Site: Headline").

    trafilatura may take the title from ``<title>`` or a JSON-LD ``name`` that adds the site's
    name; when og:title is that same headline without the addition, og:title is used.
    """
    if og_title and title and len(og_title) >= 10:
        key, og_key = title_key(title), title_key(og_title)
        if key != og_key and (key.startswith(og_key) or key.endswith(og_key)):
            return og_title
    if title and site_name:
        site = title_key(site_name)
        for separator in TITLE_SEPARATORS:
            head, _, tail = title.rpartition(separator)
            if head and title_key(tail) == site:
                return head.strip()
            head, _, tail = title.partition(separator)
            if tail and title_key(head) == site:
                return tail.strip()
    return title or og_title


def split_authors(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return _unique(value.split(";"))


def tags(values: list[str]) -> tuple[str, ...]:
    """Categories and tags; a keyword LIST in one value ("EA,Microsoft,Sony") is split, but a
    single comma is part of a name ("Trump, Donald J")."""
    split: list[str] = []
    for value in values:
        if isinstance(value, str) and value.count(",") >= 2:
            split.extend(value.split(","))
        else:
            split.append(value)
    return tuple(tag for tag in _unique(split) if len(tag) <= 100)[:MAX_TAGS]


def _unique(values: Any) -> tuple[str, ...]:
    """Cleaned values without empties and without case-insensitive duplicates, in order."""
    seen: set[str] = set()
    result = []
    for value in values:
        cleaned = normalize_line(value) if isinstance(value, str) else ""
        key = cleaned.casefold()
        if cleaned and key not in seen:
            seen.add(key)
            result.append(cleaned)
    return tuple(result)
