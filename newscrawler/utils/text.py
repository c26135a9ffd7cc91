"""Plain-text helpers shared by feed parsing, extraction and the cleaning pipeline.

One definition of "clean text" for the whole project: paragraphs separated by one blank line,
runs of spaces inside a line collapsed, no HTML tags or entities left.
"""

from __future__ import annotations

import html
import re

import lxml.html
from lxml import etree

__all__ = ["html_to_text", "is_normal_text", "normalize_line", "normalize_text"]

_SPACES = re.compile(r"[^\S\n]+")          # whitespace except newlines
_OTHER_SPACE = re.compile(r"[^\S \n]")     # whitespace that is neither a space nor a newline
# soft hyphen, zero-width space, word joiner, BOM: invisible, yet "Helikopter\u00adlandeplatz"
# and "Helikopterlandeplatz" differ for every comparison, search and de-duplication downstream
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff"))
_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "pre", "table", "tr", "section", "article", "figure", "figcaption", "header", "footer",
}


def normalize_line(value: str | None) -> str:
    """One line of text: entities decoded, invisible characters (soft hyphens, zero-width
    spaces) removed, all whitespace (newlines too) collapsed to one space."""
    if not value:
        return ""
    return " ".join(html.unescape(value).translate(_INVISIBLE).split())


def normalize_text(value: str | None) -> str:
    """Multi-paragraph text: lines trimmed, spaces collapsed, paragraphs split by one blank line.

    A single newline inside a paragraph is kept as a paragraph break too: trafilatura emits one
    line per block element, and merging them would glue headings to the following sentence.
    """
    if not value:
        return ""
    if is_normal_text(value):
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    lines = [_SPACES.sub(" ", line).strip() for line in value.split("\n")]
    paragraphs = [line for line in lines if line]
    return "\n\n".join(paragraphs)


def is_normal_text(value: str) -> bool:
    """True when ``normalize_text`` would return ``value`` unchanged.

    Extraction already normalizes a page's text in the worker and the cleaning pipeline does it
    again in the crawl process (an item may come from anywhere): these substring searches run at
    C speed and cost a tenth of redoing it line by line.
    """
    return (
        value[0] not in " \n" and value[-1] not in " \n"
        and "  " not in value and " \n" not in value and "\n " not in value
        and "\n\n\n" not in value
        and value.count("\n") == 2 * value.count("\n\n")  # every break is one blank line
        and _OTHER_SPACE.search(value) is None
    )


def html_to_text(fragment: str | None) -> str:
    """Text of an HTML fragment (a feed summary or ``content:encoded``), block by block."""
    if not fragment:
        return ""
    if "<" not in fragment:
        return normalize_text(html.unescape(fragment))
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return normalize_text(html.unescape(fragment))
    etree.strip_elements(root, "script", "style", "noscript", with_tail=False)
    parts: list[str] = []
    _collect_text(root, parts)
    return normalize_text("".join(parts))


def _collect_text(node: etree._Element, parts: list[str]) -> None:
    is_block = isinstance(node.tag, str) and node.tag in _BLOCK_TAGS
    if is_block:
        parts.append("\n")
    if isinstance(node.tag, str) and node.text:
        parts.append(node.text)
    for child in node:
        _collect_text(child, parts)
        if child.tail:
            parts.append(child.tail)
    if is_block:
        parts.append("\n")
