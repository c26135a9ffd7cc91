"""What a page's HTML states in standard places (JSON-LD, og:title, <title>, <html lang>),
read independently of ``newscrawler.extraction.page``: the reference our metadata is checked
against."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from newscrawler.utils.dates import to_utc_iso


def page_reference(html: bytes | str) -> dict[str, Any]:
    """Date, titles and declared language as the page's standard markup states them."""
    import lxml.html
    from w3lib.encoding import html_to_unicode

    ref: dict[str, Any] = {"date": None, "date_source": None, "og_title": None,
                           "title": None, "lang": None}
    if isinstance(html, bytes):
        html = html_to_unicode(None, html)[1]  # as Scrapy decodes a page without a charset header
    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, TypeError, lxml.etree.ParserError):
        return ref
    for source, value in _reference_dates(tree):
        iso = to_utc_iso(value)
        if iso and iso >= "1995":  # CMS placeholders like 0001-01-01 are no statement
            ref["date"], ref["date_source"] = value, source
            break
    og = tree.find(".//meta[@property='og:title']")
    if og is not None and (og.get("content") or "").strip():
        ref["og_title"] = og.get("content").strip()
    title = tree.find(".//title")
    if title is not None and (title.text_content() or "").strip():
        ref["title"] = title.text_content().strip()
    root = tree.getroottree().getroot()
    lang = (root.get("lang") or "").strip().lower()
    if lang:
        ref["lang"] = re.split(r"[-_]", lang)[0]
    return ref


def _reference_dates(tree: Any) -> Iterable[tuple[str, str]]:
    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(reversed(node))
            elif isinstance(node, dict):
                if isinstance(node.get("datePublished"), str):
                    yield "JSON-LD datePublished", node["datePublished"]
                stack.extend(v for v in node.values() if isinstance(v, (list, dict)))
    for meta in tree.iterfind(".//meta[@property='article:published_time']"):
        yield "article:published_time", meta.get("content") or ""
    for element in tree.iterfind(".//time[@datetime]"):
        yield "<time datetime>", element.get("datetime") or ""


def _norm_title(value: str | None) -> str:
    value = unicodedata.normalize("NFKC", value or "").casefold()
    value = value.translate(str.maketrans("\u2018\u2019\u201c\u201d\u2013\u2014", "''\"\"--"))
    return " ".join(re.sub(r"[^\w\s]", " ", value).split())


def title_agrees(ours: str | None, reference: str | None) -> bool:
    """Same title after normalisation; a <title> may add the site name around it."""
    a, b = _norm_title(ours), _norm_title(reference)
    if not a or not b:
        return False
    return a == b or (len(a) >= 10 and (b.startswith(a) or b.endswith(a)))
