"""Is the article free to read? What the page states with schema.org ``isAccessibleForFree``.

Publishers mark paywalled articles this way for search engines (Google's "paywalled content"
markup), in JSON-LD or in microdata. The answer follows Fundus' ``free_access``: the first
value found (JSON-LD, breadth-first), false when it is false or "false" in any case, true
otherwise -- except that a page that states nothing gives None here, not true: "not said" and
"free" are different answers to a user filtering on the flag.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from newscrawler.extraction.linked_data import LinkedData

__all__ = ["accessible_for_free", "free_access"]

_FALSE = frozenset({"false", "no", "0"})
# compiled XPath, not iterfind: ElementPath builds a Python proxy of every element it walks
# (0.3 ms a page), XPath only of the matches
_MICRODATA = etree.XPath("//*[@itemprop='isAccessibleForFree']")


def free_access(tree: Any, linked: LinkedData) -> bool | None:
    """True, False, or None when the page says nothing (JSON-LD first, then microdata)."""
    for value in linked.values("isAccessibleForFree", articles_first=False):
        answer = accessible_for_free(value)
        if answer is not None:
            return answer
    for element in _MICRODATA(tree):
        value = element.get("content") or element.get("href") or element.get("value")
        if value is None:
            value = element.text_content()
        answer = accessible_for_free(value)
        if answer is not None:
            return answer
    return None


def accessible_for_free(value: object) -> bool | None:
    """One stated value as a flag: a bool as is; "False", "false", "no", "0" or a schema.org
    URL ending in False are false; any other non-empty text is true; nothing is None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    if not isinstance(value, str) or not value.strip():
        return None
    word = value.strip().rstrip("/").rsplit("/", 1)[-1].casefold()
    return word not in _FALSE
