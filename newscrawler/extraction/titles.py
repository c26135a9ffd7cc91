"""Headlines: how titles are compared (one key function, the separators a site adds its name
with) and which of the page's titles is the headline."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

__all__ = ["TITLE_SEPARATORS", "TITLE_SOURCES", "TitleCandidates", "choose_title",
           "first_h1", "headline_keys", "title_key"]

# "Headline | Site", "Site - Headline", ...
TITLE_SEPARATORS = (" | ", " - ", " \u2013 ", " \u2014 ", " :: ", " \u00bb ", " \u00b7 ")
# Where the headline is read first, chosen by cross-validation over publishers (``python -m
# bench.quality.truth``: og:title first in every fold, 0.875 held out on Fundus against 0.833
# for JSON-LD first and 0.722 for <h1> first). og:title is the headline the publisher writes
# for sharing, usually without the kicker ("Topic: Headline") that <h1> and JSON-LD add;
# trafilatura's (<title>, JSON-LD name...) comes last, as it carries the site's name most often.
TITLE_SOURCES = ("og", "json_ld", "h1", "trafilatura")
MIN_H1_CHARS = 3
_QUOTES = str.maketrans("\u2018\u2019\u201c\u201d", "''\"\"")
_NOT_WORD = re.compile(r"[^\w\s]")


def title_key(value: str, *, loose: bool = False) -> str:
    """``value`` for comparison: casefolded, typographic quotes made plain, spaces collapsed.

    ``loose`` also ignores punctuation and compatibility forms (NFKC), for text that may
    repeat a headline in its own typography (a first paragraph, another source's title);
    the strict key keeps punctuation, so "Headline!" and "Headline" differ.
    """
    if loose:
        value = unicodedata.normalize("NFKC", value)
    value = value.translate(_QUOTES).casefold()
    if loose:
        value = _NOT_WORD.sub(" ", value)
    return " ".join(value.split())


def headline_keys(title: str) -> set[str]:
    """Loose keys of ``title`` and of each side of a separator in it ("Headline - Site")."""
    keys = {title_key(title, loose=True)}
    for separator in TITLE_SEPARATORS:
        for head, _, tail in (title.rpartition(separator), title.partition(separator)):
            if head and tail:
                keys.update((title_key(head, loose=True), title_key(tail, loose=True)))
    return keys


@dataclass(frozen=True, slots=True)
class TitleCandidates:
    """The titles a page states, each already one clean line (or None)."""

    json_ld: str | None = None       # headline of the Article-like JSON-LD object
    h1: str | None = None            # the first <h1> inside <article>, else on the page
    og: str | None = None            # og:title
    trafilatura: str | None = None   # trafilatura's title (<title>, JSON-LD name, ...)

    def values(self, order: tuple[str, ...] = TITLE_SOURCES) -> list[str]:
        return [value for source in order if (value := getattr(self, source))]


def choose_title(candidates: TitleCandidates, site_name: str | None = None,
                 order: tuple[str, ...] = TITLE_SOURCES) -> str | None:
    """The headline: the first candidate in ``order``, without the site's decoration.

    A candidate that another one repeats with an addition after a separator ("Headline -
    Golem.de", "Headline | Sport") gives way to the shorter one; a title that ends or starts
    with the site's name loses it.
    """
    values = candidates.values(order)
    if not values:
        return None
    title = values[0]
    key = title_key(title, loose=True)
    parts = headline_keys(title)
    for other in values[1:]:
        other_key = title_key(other, loose=True)
        if other_key and other_key != key and other_key in parts:
            return other
    return _without_site_name(title, site_name)


def _without_site_name(title: str, site_name: str | None) -> str:
    if not site_name:
        return title
    site = title_key(site_name, loose=True)
    for separator in TITLE_SEPARATORS:
        head, _, tail = title.rpartition(separator)
        if head and title_key(tail, loose=True) == site:
            return head.strip()
        head, _, tail = title.partition(separator)
        if tail and title_key(head, loose=True) == site:
            return tail.strip()
    return title


def first_h1(tree: Any) -> str | None:
    """Text of the first non-empty <h1> inside <article>, else of the page's first."""
    for path in (".//article//h1", ".//h1"):
        for element in tree.iterfind(path):
            text = " ".join(element.text_content().split())
            if len(text) >= MIN_H1_CHARS:
                return text
    return None
