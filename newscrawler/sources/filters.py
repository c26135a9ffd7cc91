"""The run's filters as the user writes them (``-a since=48h``, ``-s LANGUAGES=en,de``), parsed
and checked once: a bad value raises ``ValueError`` with the reason, which the crawl command
turns into one ``error:`` line before the crawl starts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from newscrawler.utils.dates import parse_utc
from newscrawler.utils.languages import iso639_1

__all__ = ["parse_languages", "parse_max_per_source", "parse_since"]

_TWO_LETTERS = re.compile(r"^[A-Za-z]{2}$")
_AGE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_EXAMPLES = "a date (2026-12-01, 2026-12-01T06:00:00+01:00) or an age (90m, 48h, 2d, 1w)"


def parse_since(value: object, now: datetime) -> datetime | None:
    """The moment before which entries are not requested, or None (no filter).

    A date without a time is midnight UTC; a date-time without a zone is UTC; an age counts
    back from ``now`` (the run's start).
    """
    text = str(value).strip() if value is not None else ""
    if not text:
        return None
    age = _AGE.match(text)
    if age:
        seconds = float(age.group(1)) * _UNIT_SECONDS[age.group(2).lower()]
        if seconds <= 0:
            raise ValueError("must be a positive age")
        return now - timedelta(seconds=seconds)
    if not re.match(r"^\d{4}-\d{2}-\d{2}", text):  # parse_utc also reads RFC 822: not asked
        raise ValueError(f"is not {_EXAMPLES}")
    moment = parse_utc(text)
    if moment is None:
        raise ValueError(f"is not {_EXAMPLES}")
    if moment > now:
        raise ValueError("lies in the future")
    return moment


def parse_languages(value: object) -> frozenset[str]:
    """ISO 639-1 codes from ``"en,de"`` or a list (a setting); empty: every language."""
    items: Iterable[object]
    if value is None:
        items = ()
    elif isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, Iterable):
        items = value
    else:
        raise ValueError("is not a list of language codes (e.g. en,de)")
    codes: set[str] = set()
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        code = iso639_1(text) if _TWO_LETTERS.match(text) else None
        if code is None:
            raise ValueError(f"has {text!r}, which is not an ISO 639-1 code (two letters, "
                             "e.g. en,de)")
        codes.add(code)
    return frozenset(codes)


def parse_max_per_source(value: object) -> int:
    """At most this many articles per feed or sitemap and run; 0 (or empty): no limit."""
    text = str(value).strip() if value is not None else ""
    if not text:
        return 0
    try:
        number = int(text)
    except ValueError:
        raise ValueError("is not a whole number") from None
    if number < 0:
        raise ValueError("must be 0 (no limit) or more")
    return number
