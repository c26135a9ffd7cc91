"""Who wrote the article: the page's own statement of its authors, split and cleaned.

Sources in order (chosen by cross-validation over publishers, ``python -m bench.quality.truth``):
the JSON-LD ``author`` of the Article-like object (Person or Organization, a list, ``name``),
then ``<meta name="author">``, then trafilatura's guess (bylines in the text). The names are
kept as the page writes them ("dpa", "ndr.de"): trafilatura title-cases and rewrites them
("Dpa", "Ndr De"). A byline holding several names is split ("Von X und Y, dpa").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from newscrawler.extraction.linked_data import LinkedData
from newscrawler.extraction.titles import title_key
from newscrawler.utils.text import normalize_line

__all__ = ["AUTHOR_SOURCES", "MAX_AUTHORS", "json_ld_authors", "page_authors", "split_byline"]

MAX_AUTHORS = 20
MAX_NAME_CHARS = 100          # longer "names" are sentences a template put in the field
AUTHOR_SOURCES = ("json_ld", "meta", "trafilatura")

# "By", "Von", "Por", "Par", "Av", "Af", "Door", "Autor:", "Text:" before a byline (not "de",
# "di": they start surnames too)
_PREFIX = re.compile(
    r"^(?:by|von|vom|por|par|av|af|door|autor(?:in)?|author|text|texte|texto|tekst)"
    r"\s*:?\s+", re.IGNORECASE)
# "and" in the languages of the corpus and its neighbours, between two names
_AND = r"and|und|og|och|et|en|y|ve|és|ja|и|та|a|e|i"
_SEPARATORS = re.compile(rf"\s*(?:[,;&]|\s(?:{_AND})\s)\s*", re.IGNORECASE)
_EMAIL_OR_URL = re.compile(r"@\S+\.\w|^https?://|^www\.", re.IGNORECASE)


def page_authors(
    tree: Any,
    linked: LinkedData,
    trafilatura_author: str | None,
    order: tuple[str, ...] = AUTHOR_SOURCES,
    *,
    drop_names: Iterable[str | None] = (),
) -> tuple[str, ...]:
    """The authors from the first source in ``order`` that names any.

    ``drop_names`` (the publication's own names, say) are left out when other names remain
    ("Nina Magoley, WDR" -> "Nina Magoley"). The crawler passes none: on the Fundus truth,
    which keeps a publication named beside a person about as often as it drops it, dropping
    it lost in 4 of 5 cross-validation folds (0.854 against 0.861 on all pages).
    """
    sources = {
        "json_ld": lambda: json_ld_authors(linked),
        "meta": lambda: _meta_authors(tree),
        "trafilatura": lambda: (trafilatura_author or "").split(";"),
    }
    for source in order:
        names = _clean_names(sources[source]())
        if names:
            return _without(names, drop_names)
    return ()


def json_ld_authors(linked: LinkedData) -> list[str]:
    """``author`` (else ``creator``) of the first Article-like object that has one."""
    for key in ("author", "creator"):
        for value in linked.values(key):
            names = list(_names(value, linked))
            if names:
                return names
    return []


def _names(value: Any, linked: LinkedData) -> Iterable[str]:
    value = linked.resolve(value)
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, list):
            yield from (n for n in name if isinstance(n, str))
        elif isinstance(name, str):
            yield name
        elif isinstance(value.get("givenName"), str):
            yield f"{value['givenName']} {value.get('familyName') or ''}"
    elif isinstance(value, list):
        for item in value:
            yield from _names(item, linked)


def _meta_authors(tree: Any) -> list[str]:
    return [element.get("content") for element in tree.iterfind(".//meta[@name='author']")
            if element.get("content")]


def split_byline(value: str) -> list[str]:
    """The names in one byline: "Von X und Y, dpa" -> ["X", "Y", "dpa"]."""
    line = normalize_line(value)
    line = _PREFIX.sub("", line)
    names = []
    for part in _SEPARATORS.split(line):
        part = _PREFIX.sub("", part.strip(" .:-\u2013\u2014"))
        if part:
            names.append(part)
    return names


def _clean_names(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    names = []
    for value in values:
        for name in split_byline(value):
            key = name.casefold()
            if (len(name) > MAX_NAME_CHARS or _EMAIL_OR_URL.search(name) or key in seen
                    or not any(ch.isalpha() for ch in name)):
                continue
            seen.add(key)
            names.append(name)
    return names[:MAX_AUTHORS]


def _without(names: list[str], drop_names: Iterable[str | None]) -> tuple[str, ...]:
    dropped = {title_key(name, loose=True) for name in drop_names if name}
    kept = [name for name in names if title_key(name, loose=True) not in dropped]
    return tuple(kept or names)
