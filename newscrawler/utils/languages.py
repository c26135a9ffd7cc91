"""Language codes: the one way a declared language ("en-US", "de_DE", "iw") becomes ISO 639-1."""

from __future__ import annotations

import re

__all__ = ["iso639_1"]

_LANG_CODE = re.compile(r"^[a-z]{2}$")
# codes ISO 639-1 withdrew, still written by old templates and feeds
_LANG_ALIASES = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv"}


def iso639_1(value: object) -> str | None:
    """The ISO 639-1 code a language tag starts with (``"en-US"`` -> ``"en"``), or None."""
    if not value or not isinstance(value, str):
        return None
    primary = re.split(r"[-_,;\s]", value.strip().lower(), maxsplit=1)[0]
    primary = _LANG_ALIASES.get(primary, primary)
    return primary if _LANG_CODE.match(primary) else None
