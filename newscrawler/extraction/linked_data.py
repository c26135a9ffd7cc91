"""A page's JSON-LD, parsed once: every object of every ``<script type="application/ld+json">``.

Dates, authors, headline, ``isAccessibleForFree`` and the stated ``articleBody`` (the text
rule's evidence) are all read from it: ``extract()`` parses a page's scripts once and passes the
:class:`LinkedData` to every lookup. The objects are kept in breadth-first order (a script's
top object, then its ``@graph`` members and nested objects), the order in which Fundus searches
them, so "the first value of a key" means the same here as there.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from newscrawler.extraction.decoding import JSON_LD

__all__ = ["MAX_OBJECTS", "LinkedData", "is_article_type", "linked_data"]

MAX_OBJECTS = 2_000   # objects read per page (the corpus maximum is ~300): bounds hostile input
_ARTICLE_TYPES = re.compile(r"article|posting|report", re.IGNORECASE)
# what CMSs wrap their JSON in: HTML comments, CDATA sections, a trailing semicolon
_WRAPPING = re.compile(r"^\s*(?:<!--|<!\[CDATA\[)|(?:-->|\]\]>|;)\s*$")


@dataclass(frozen=True, slots=True)
class LinkedData:
    objects: tuple[dict[str, Any], ...]   # breadth-first, scripts in document order

    def resolve(self, node: Any) -> Any:
        """``node``, or the object it points to: {"@id": "...#author"} is a reference to
        another object of the page's @graph (as Yoast SEO, on millions of WordPress sites,
        writes an article's author and publisher)."""
        if isinstance(node, dict) and "@id" in node and len(node) <= 2 and "name" not in node:
            target = node["@id"]
            if isinstance(target, str):
                for other in self.objects:
                    if other is not node and other.get("@id") == target and len(other) > 1:
                        return other
        return node

    def articles(self) -> list[dict[str, Any]]:
        """The Article-like objects (NewsArticle, BlogPosting, ReportageNewsArticle...)."""
        return [node for node in self.objects if is_article_type(node)]

    def values(self, key: str, *, articles_first: bool = True) -> Iterator[Any]:
        """Every value of ``key``: those of Article-like objects first (a page's WebPage or
        Organization object may state other dates and names), then the others."""
        nodes = self.objects
        if articles_first:
            articles = self.articles()
            nodes = (*articles, *(node for node in self.objects if not is_article_type(node)))
        for node in nodes:
            if key in node:
                yield node[key]


def is_article_type(node: dict[str, Any]) -> bool:
    kind = node.get("@type")
    kind = " ".join(k for k in kind if isinstance(k, str)) if isinstance(kind, list) else kind
    return isinstance(kind, str) and bool(_ARTICLE_TYPES.search(kind))


def linked_data(tree: Any) -> LinkedData:
    """The JSON-LD of ``tree``, parsed on every call: parse once per page and pass it on."""
    return LinkedData(tuple(_objects(tree)))


def _objects(tree: Any) -> Iterator[dict[str, Any]]:
    count = 0
    for script in tree.iterfind(f".//script[@type='{JSON_LD}']"):
        data = _parse(script.text or "")
        queue: deque[Any] = deque([data])
        while queue and count < MAX_OBJECTS:
            node = queue.popleft()
            if isinstance(node, list):
                queue.extend(node)
            elif isinstance(node, dict):
                count += 1
                yield node
                queue.extend(v for v in node.values() if isinstance(v, (list, dict)))


def _parse(text: str) -> Any:
    text = _WRAPPING.sub("", text.strip()).strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        # one lenient retry: raw newlines and tabs inside strings are the usual CMS fault
        try:
            return json.loads(text, strict=False)
        except (ValueError, RecursionError):
            return None
