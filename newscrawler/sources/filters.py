"""The run's filters as the user writes them (``-a since=48h``, ``-s LANGUAGES=en,de``,
``-a domains=sites.txt``), parsed and checked once: a bad value raises ``ValueError`` with the
reason, which the crawl command turns into one ``error:`` line before the crawl starts. One
place for every spider: the feeds spider applies them to entries before requesting them, the
warc spider to stored records and the articles made of them (spiders/warc.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from newscrawler.utils.dates import parse_utc
from newscrawler.utils.languages import iso639_1
from newscrawler.utils.urls import site_key

__all__ = ["is_older_than", "parse_domains", "parse_languages", "parse_max_per_source",
           "parse_since", "site_wanted"]

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


def parse_domains(value: object) -> frozenset[str]:
    """The sites ``value`` names: a file with one domain a line (``#`` comments), domains
    separated by commas, or a list (a setting); each is taken as its registrable domain
    (``www.bbc.co.uk`` means ``bbc.co.uk``, as politeness counts sites). Empty: every site."""
    if value is None or isinstance(value, str):
        text = str(value or "").strip()
        path = Path(text) if text else None
        if path is not None and path.is_file():
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError) as exc:
                raise ValueError(f"cannot be read: {exc}") from None
            names = [line.split("#", 1)[0].strip() for line in lines]
            if not any(names):
                raise ValueError("is a file that names no domain")
        else:
            names = [name.strip() for name in text.split(",")]
    elif isinstance(value, Iterable):
        names = [str(name).strip() for name in value]
    else:
        raise ValueError("is not a list of domains (e.g. bbc.co.uk,dw.com)")
    names = [name for name in names if name]
    bad = [name for name in names if "/" in name or " " in name or "." not in name]
    if bad:
        raise ValueError(f"has {bad[0]!r}, which is not a domain; give a file with one domain "
                         "a line, or domains separated by commas (bbc.co.uk,dw.com)")
    return frozenset(site_key(name.lower().lstrip(".")) for name in names)


def site_wanted(url: str, domains: frozenset[str]) -> bool:
    """Whether ``url``'s site is one of ``domains`` (every site when there are none)."""
    return not domains or site_key(urlsplit(url).hostname or "") in domains


def is_older_than(published: str | None, since: datetime | None) -> bool:
    """Whether an article published then (ISO 8601) is older than ``since``. An undated one is
    not: a filter on age must not drop every page that states no date."""
    if since is None or not published:
        return False
    moment = parse_utc(published)
    return moment is not None and moment < since
