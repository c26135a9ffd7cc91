"""Feed lists written as OPML, what every feed reader exports: each ``<outline xmlUrl=...>`` is
a feed, filed under its nearest folder outline. The document may use any encoding its XML
declaration names; it is parsed without network access, DTD loading or entity expansion."""

from __future__ import annotations

import re

from lxml import etree

from newscrawler.sources.collector import Collector, SkipInput, checked_option
from newscrawler.sources.listtypes import FeedList, FeedListError

__all__ = ["parse_opml"]

_FEED_ROOTS = {"rss", "feed", "RDF"}
# "<!ENTITY" as it appears in UTF-8/ASCII-compatible and UTF-16 documents. Rarer encodings
# (UTF-32, EBCDIC) are still safe: entities are not resolved and libxml2 caps amplification.
_ENTITY_DECLARATION_MARKERS = tuple(
    "<!ENTITY".encode(encoding) for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)
_PARSER_POSITION = re.compile(r",? line \d+, column \d+$")


def parse_opml(data: bytes, origin: str) -> FeedList:
    """Parse an OPML document: every ``<outline xmlUrl=...>`` at any depth is a feed.

    A feed's category is the title (or text) of the nearest enclosing folder outline (one
    without xmlUrl). Entity declarations are refused outright and the parser never touches
    the network, loads DTDs or expands entities.
    """
    root = _parse_opml_root(data, origin)
    collector = Collector(origin, unit="outline")
    for outline in root.iter("outline", "{*}outline"):
        url = _attribute(outline, "xmlUrl")
        if url is None:
            continue
        where = f"{origin}:{outline.sourceline or '?'}: {_outline_label(outline)}"
        try:
            options = _outline_options(outline)
        except SkipInput as exc:
            collector.skip(where, str(exc))
            continue
        collector.add(
            url,
            where=where,
            line=outline.sourceline,
            category=_folder_name(outline),
            options=options,
        )
    return collector.finish(empty_reason="no <outline> in it has an xmlUrl attribute")


def _parse_opml_root(data: bytes, origin: str) -> etree._Element:
    if any(marker in data for marker in _ENTITY_DECLARATION_MARKERS):
        raise FeedListError(
            f"{origin} declares XML entities, which an OPML feed list never needs; "
            "refusing to parse it (possible entity-expansion attack)"
        )
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        message = _PARSER_POSITION.sub("", exc.msg or "syntax error")
        raise FeedListError(
            f"{origin} is not well-formed OPML: line {exc.lineno}: {message}"
        ) from None
    _require_opml_root(root, origin)
    return root


def _require_opml_root(root: etree._Element, origin: str) -> None:
    name = etree.QName(root).localname
    if name.lower() == "opml":
        return
    if name in _FEED_ROOTS:
        raise FeedListError(
            f"{origin} is a news feed (<{name}>), not a feed list: "
            "pass its URL instead, or list the URL in a text file"
        )
    raise FeedListError(f"{origin} is XML with root <{name}>, not an OPML feed list")


def _attribute(element: etree._Element, name: str) -> str | None:
    """An attribute by name, case-insensitively (some exporters write ``xmlurl``)."""
    value = element.get(name)
    if value is not None:
        return value
    wanted = name.lower()
    return next((v for k, v in element.attrib.items() if str(k).lower() == wanted), None)


def _outline_name(outline: etree._Element) -> str | None:
    for attribute in ("title", "text"):
        name = " ".join((_attribute(outline, attribute) or "").split())
        if name:
            return name
    return None


def _outline_label(outline: etree._Element) -> str:
    name = _outline_name(outline)
    return f"outline {name!r}" if name else "untitled outline"


def _folder_name(outline: etree._Element) -> str | None:
    for ancestor in outline.iterancestors("outline", "{*}outline"):
        if _attribute(ancestor, "xmlUrl") is None:
            name = _outline_name(ancestor)
            if name:
                return name
    return None


def _outline_options(outline: etree._Element) -> dict[str, str]:
    render = _attribute(outline, "render")
    if render is None:
        return {}
    return {"render": checked_option("render", render)}
