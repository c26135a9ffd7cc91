"""How titles are compared: one key function and the separators a site adds its name with."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["TITLE_SEPARATORS", "title_key"]

# "Headline | Site", "Site - Headline", ...
TITLE_SEPARATORS = (" | ", " - ", " \u2013 ", " \u2014 ", " :: ", " \u00bb ", " \u00b7 ")
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
