"""What a page states about itself beyond its text: language, canonical URL, publication date,
headline, site names, tags. Read from the parsed tree (its JSON-LD parsed once, see
``linked_data.py``), or cleaned from what trafilatura found. Authors: ``authors.py``; the
paywall flag: ``access.py``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

from newscrawler.extraction import access
from newscrawler.extraction.authors import page_authors
from newscrawler.extraction.linked_data import LinkedData
from newscrawler.extraction.titles import (
    TitleCandidates,
    choose_title,
    first_h1,
)
from newscrawler.utils.dates import to_utc_iso
from newscrawler.utils.languages import iso639_1
from newscrawler.utils.text import normalize_line

__all__ = [
    "MIN_LANGID_CHARS",
    "PageMetadata",
    "absolute_http_url",
    "canonical_url",
    "declared_language",
    "htmldate_params",
    "language",
    "meta_content",
    "read_metadata",
    "stated_publication_date",
    "tags",
    "title_candidates",
]

MIN_LANGID_CHARS = 200       # below this much text the declared language is used
# the identifier reads at most this much: its cost is linear (1.45 ms a page at 5 000, 0.25 at
# 500), and 300, 500, 1 000 and 2 000 gave the same language as 5 000 on all 265 corpus pages
LANGID_MAX_CHARS = 500
MAX_TAGS = 30
LANGID_MIN_CONFIDENCE = 0.5  # normalised probability under which a detection is not trusted

# Publication dates stated by the publisher, with time and zone. Checked before htmldate's
# heuristics (URL, header, text patterns), which mostly give a bare day. Never a modification
# date (dateModified, article:modified_time, og:updated_time).
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
# microdata, by one compiled XPath: ElementPath (iterfind) builds a Python proxy of every element
# it walks, XPath only of the matches
_DATE_ELEMENTS = etree.XPath(
    "//*[@itemprop='datePublished'][@datetime or @content] | //time[@pubdate][@datetime]")
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


def _detect_language(text: str, max_chars: int) -> tuple[str | None, float]:
    label, probability = _language_identifier().classify(text[:max_chars])
    label = _LANGID_TO_639_1.get(label, label)
    return (label if _LANG_CODE.match(label) else None), probability


def language(text: str | None, declared: str | None,
             max_chars: int = LANGID_MAX_CHARS) -> str | None:
    """The text's language when there is enough text to tell; else what the page declares.

    Declarations are often wrong (templates say lang="en" over any language), so a confident
    detection from at least :data:`MIN_LANGID_CHARS` characters wins over them.
    """
    if text and len(text) >= MIN_LANGID_CHARS:
        detected, probability = _detect_language(text, max_chars)
        if detected and probability >= LANGID_MIN_CONFIDENCE:
            return detected
        return declared or detected
    if declared or not text:
        return declared
    # little text and nothing declared: only a near-certain detection beats no answer
    detected, probability = _detect_language(text, max_chars)
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


def stated_publication_date(tree: Any, linked: LinkedData) -> str | None:
    """The publisher's own publication time (JSON-LD, meta, microdata) in UTC, if plausible."""
    for candidate in _date_candidates(tree, linked):
        iso = to_utc_iso(candidate)
        if iso and _plausible(iso):
            return iso
    return None


def _date_candidates(tree: Any, linked: LinkedData) -> Any:
    yield from (value for value in linked.values("datePublished")
                if isinstance(value, str))
    for xpath in _DATE_META:
        for element in tree.iterfind(xpath):
            yield element.get("content")
    for element in _DATE_ELEMENTS(tree):
        yield element.get("datetime") or element.get("content")


def _plausible(iso: str) -> bool:
    moment = datetime.fromisoformat(iso)
    return _EARLIEST <= moment <= datetime.now(UTC) + timedelta(days=2)


def meta_content(tree: Any, xpath: str) -> str | None:
    element = tree.find(xpath)
    return (normalize_line(element.get("content")) or None) if element is not None else None


def title_candidates(tree: Any, linked: LinkedData, trafilatura_title: str | None,
                     og_title: str | None) -> TitleCandidates:
    """The headlines the page states: JSON-LD, <h1>, og:title, and trafilatura's title."""
    headlines = (normalize_line(node.get("headline")) if isinstance(node.get("headline"), str)
                 else "" for node in linked.articles())
    return TitleCandidates(
        json_ld=next((headline for headline in headlines if headline), None),
        h1=normalize_line(first_h1(tree)) or None,
        og=normalize_line(og_title) or None,
        trafilatura=normalize_line(trafilatura_title) or None,
    )


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


@dataclass(frozen=True, slots=True)
class PageMetadata:
    title: str | None
    authors: tuple[str, ...]
    published: str | None      # ISO 8601 in UTC with its offset
    description: str | None
    image: str | None          # absolute http(s) URL
    tags: tuple[str, ...]
    site_name: str | None
    free_access: bool | None


def read_metadata(tree: Any, linked: LinkedData, url: str, *, og_title: str | None,
                  stated_date: str | None, extensive_date_search: bool = True) -> PageMetadata:
    """Every metadata field of the page, our own lookups first (``linked``: its JSON-LD).

    trafilatura's text pass runs with ``with_metadata=False`` (20-27 % cheaper a call), so
    only the parts of trafilatura's metadata whose answer is still unknown run here: its
    reading of <meta> tags (0.4 ms), its title and byline searches only when the page states
    no title or author, htmldate only when no date is stated, its category and tag link
    searches only when the page declares none.
    """
    metas = _meta_tags(tree)  # trafilatura's Document of what <meta> tags say
    site_name = _site_name(tree, linked, metas.sitename, url)
    candidates = title_candidates(tree, linked, None, og_title)
    if not candidates.values():
        from trafilatura.metadata import extract_title

        candidates = title_candidates(tree, linked, extract_title(tree), og_title)
    # trafilatura's reading of <meta> tags (article:author, itemprop=author...) first, its
    # byline search only when that says nothing
    names = page_authors(tree, linked, metas.author)
    if not names:
        from trafilatura.metadata import extract_author

        names = page_authors(tree, linked, extract_author(tree))
    published = stated_date or to_utc_iso(_htmldate(tree, url, extensive_date_search))
    return PageMetadata(
        title=choose_title(candidates, site_name),
        authors=names,
        published=published,
        description=normalize_line(metas.description) or _first_text(linked, "description"),
        image=absolute_http_url(url, metas.image or _ld_image(linked)),
        tags=tags(_categories_and_tags(tree, linked, metas)),
        site_name=site_name,
        free_access=access.free_access(tree, linked),
    )


def htmldate_params(extensive: bool = True) -> dict[str, Any]:
    """What htmldate is asked: the publication date (not the last modification), with time."""
    return {
        "original_date": True,
        "extensive_search": extensive,
        "outputformat": "%Y-%m-%dT%H:%M:%S%z",  # keeps time and zone where the page has them
        "max_date": (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d"),
    }


def _meta_tags(tree: Any) -> Any:
    """trafilatura's reading of <meta> tags (og:, twitter:, description, keywords...)."""
    from trafilatura.metadata import examine_meta

    return examine_meta(tree)


def _htmldate(tree: Any, url: str, extensive: bool) -> str | None:
    from htmldate import find_date

    return find_date(tree, url=url or None, **htmldate_params(extensive))


def _publisher_name(linked: Any) -> str | None:
    for publisher in linked.values("publisher"):
        for node in publisher if isinstance(publisher, list) else [publisher]:
            node = linked.resolve(node)
            name = node.get("name") if isinstance(node, dict) else None
            if isinstance(name, str) and normalize_line(name):
                return normalize_line(name)
    return None


def _site_name(tree: Any, linked: Any, meta_site: str | None, url: str) -> str | None:
    """og:site_name as the page writes it ("Seznam Zprávy", where trafilatura's answer is
    "Seznam_Zpravy" from JSON-LD), else the JSON-LD publisher, else trafilatura's or another
    <meta> (a Twitter handle without its "@", never a URL), else the host name."""
    stated = meta_content(tree, ".//meta[@property='og:site_name'][@content]")
    other = normalize_line(meta_site).lstrip("@")
    if other.startswith(("http://", "https://")):
        other = ""
    host = (urlsplit(url).hostname or "").removeprefix("www.") if url else ""
    return stated or _publisher_name(linked) or other or host or None


def _first_text(linked: Any, key: str) -> str | None:
    return next((normalize_line(v) for v in linked.values(key)
                 if isinstance(v, str) and normalize_line(v)), None)


def _ld_image(linked: Any) -> str | None:
    for value in linked.values("image"):
        for node in value if isinstance(value, list) else [value]:
            url = node.get("url") if isinstance(node, dict) else node
            if isinstance(url, str) and url.strip():
                return url
    return None


# Whether a page links to a category or a tag page at all. trafilatura's link searches
# (extract_catstags) keep only links whose href matches "/categor(y|ies|s)?/" or
# "/tag(y|ies|s)?/", found by a dozen XPaths with regular expressions over every div's class
# (1.2-1.9 ms a page); one regex-free test of the hrefs first says when they can find nothing.
_LINKS_TO_CATEGORIES = etree.XPath("boolean(//a[contains(@href, '/categor')])")
_LINKS_TO_TAGS = etree.XPath("boolean(//a[contains(@href, '/tag')])")
# extract_catstags' own fallback for categories when no link is found
_SECTION_META = etree.XPath(
    './/head//meta[@property="article:section" or contains(@name, "subject")]/@content')


def _categories_and_tags(tree: Any, linked: Any, metas: Any) -> list[str]:
    """trafilatura's categories (JSON-LD articleSection, else links to /category/ pages, else
    article:section) and tags (<meta> keywords and article:tag, else links to /tag/ pages);
    its link searches only on pages with such links (same answers, see _LINKS_TO_TAGS)."""
    from trafilatura.metadata import extract_catstags
    from trafilatura.utils import line_processing

    categories = [v for v in linked.values("articleSection") if isinstance(v, str)]
    if not categories and _LINKS_TO_CATEGORIES(tree):
        categories = extract_catstags("category", tree)
    elif not categories:
        sections = (line_processing(str(value)) for value in _SECTION_META(tree) if value)
        categories = [section for section in dict.fromkeys(sections) if section]
    link_tags = extract_catstags("tag", tree) if not metas.tags and _LINKS_TO_TAGS(tree) else []
    return [*categories, *(metas.tags or link_tags)]
