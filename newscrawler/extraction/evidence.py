"""What a page's own markup says its article body is, and which candidate text agrees with it.

Where trafilatura's precision mode and its balanced mode return different texts, neither
threshold nor corpus decides here: the page does. A publisher that states the article's text in
schema.org markup (JSON-LD ``articleBody``, microdata ``itemprop="articleBody"``) has said what
the article is; the candidate whose tokens agree better with that statement is kept. Pure
functions on a parsed lxml tree and strings; see ``docs/extraction.md`` for the measurements.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from lxml import etree

from newscrawler.extraction.linked_data import LinkedData

__all__ = [
    "BODY_SOURCES",
    "agrees_better",
    "declared_article_body",
    "misses_declared_text",
    "missing_share",
    "token_agreement",
    "visible_text_length",
]

# Where a page may state its article body, in the order they are asked.
BODY_SOURCES = ("json-ld", "microdata")
_HIDDEN_TAGS = frozenset({"script", "style", "noscript", "template"})
# elements whose itemprop mentions articleBody (compiled: one pass in C, the cheapest form
# measured); itemprop is a list of names, so the token itself is checked after
_ARTICLE_BODY_ITEMPROP = etree.XPath("//*[@itemprop][contains(@itemprop, 'articleBody')]")
# the body's text nodes a reader could see (one compiled XPath: the strings are made in C)
_VISIBLE_TEXT_NODES = etree.XPath(
    "//body//text()[not(parent::script or parent::style or parent::noscript or parent::template)]")


def visible_text_length(tree: Any) -> int:
    """How much text the page shows: the characters of the body's text nodes outside
    script/style, each stripped. The length rule's measure of the page: about a third of the
    cost of trafilatura's ``html2txt`` (which copies and cleans the tree), and the same
    decision on all but 2 of the 66 corpus pages where the rule asks (docs/extraction.md)."""
    return sum(len(node.strip()) for node in _VISIBLE_TEXT_NODES(tree))


def declared_article_body(tree: Any, linked: LinkedData, sources: tuple[str, ...] = BODY_SOURCES,
                          min_chars: int = 1) -> str | None:
    """The article text the page states in schema.org markup, or None.

    ``sources`` in order: "json-ld" (the longest ``articleBody`` string of the page's JSON-LD
    objects ``linked``, the page's one parse of them; HTML in it reduced to its text) and
    "microdata" (the text of the longest ``itemprop="articleBody"`` element). A statement
    shorter than ``min_chars`` (a teaser behind a paywall, a placeholder) is no statement of
    the article.
    """
    for source in sources:
        finder = _FINDERS.get(source)
        if finder is None:
            raise ValueError(f"unknown article body source: {source!r}")
        body = " ".join((finder(tree, linked) or "").split())
        if len(body) >= min_chars:
            return body
    return None


def token_agreement(candidate: str | None, declared: str) -> float:
    """Token F1 of ``candidate`` against ``declared`` (whitespace tokens, multiset overlap)."""
    ours, theirs = Counter((candidate or "").split()), Counter(declared.split())
    overlap = sum((ours & theirs).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(ours.values()), overlap / sum(theirs.values())
    return 2 * precision * recall / (precision + recall)


def missing_share(text: str | None, declared: str) -> float:
    """The share of the declared body's words (multiset) that ``text`` lacks."""
    theirs = Counter(declared.split())
    missing = theirs - Counter((text or "").split())
    return sum(missing.values()) / max(sum(theirs.values()), 1)


def misses_declared_text(text: str | None, declared: str, tolerance: float = 0.0) -> bool:
    """Whether ``text`` lacks more than ``tolerance`` of the declared body's words: only then
    could another candidate agree better by having MORE of the article, so only then is a
    second extraction pass worth its cost. (Some words are always missing: a credit or a
    caption in the statement that the page does not show, punctuation glued otherwise.)"""
    return missing_share(text, declared) > tolerance


def agrees_better(candidate: str | None, incumbent: str | None, declared: str) -> bool:
    """Whether ``candidate`` agrees with the declared body strictly better than ``incumbent``
    (a tie keeps the incumbent)."""
    return token_agreement(candidate, declared) > token_agreement(incumbent, declared)


def _json_ld_body(tree: Any, linked: LinkedData) -> str | None:
    bodies = [_markup_text(body) for body in linked.values("articleBody", articles_first=False)
              if isinstance(body, str) and body.strip()]
    return max(bodies, key=len, default=None)


def _markup_text(body: str) -> str:
    """Some publishers put HTML into articleBody: its text, not its tags, is the statement."""
    if "<" not in body:
        return body
    import lxml.html

    try:
        return lxml.html.fromstring(f"<div>{body}</div>").text_content()
    except (ValueError, lxml.etree.ParserError):
        return body


def _microdata_body(tree: Any, linked: LinkedData) -> str | None:
    texts = [_visible_text(element) for element in _ARTICLE_BODY_ITEMPROP(tree)
             if "articleBody" in element.get("itemprop", "").split()]
    return max(texts, key=len, default=None)


def _visible_text(element: Any) -> str:
    parts = []
    for node in element.iter():
        if isinstance(node.tag, str) and node.tag not in _HIDDEN_TAGS and node.text:
            parts.append(node.text)
        if node is not element and node.tail:
            parts.append(node.tail)
    return " ".join(parts)


_FINDERS = {"json-ld": _json_ld_body, "microdata": _microdata_body}
