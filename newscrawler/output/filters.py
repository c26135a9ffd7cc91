"""Which articles a run keeps: sites (``domains``), age (``since``) and languages.

Pure parsing and predicates, one place for every spider: a bad value is a ``ConfigError`` (one
``error:`` line, exit status 2). The warc spider takes them as ``-a domains= since= languages=``
and hands them to the ``FILTER_*`` settings, which ``FilterPipeline`` applies to every article;
the domain filter also tells the spider which records are worth extracting at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from newscrawler.errors import ConfigError
from newscrawler.utils.dates import to_utc_iso
from newscrawler.utils.urls import site_key

__all__ = ["ArticleFilter", "parse_domains", "parse_languages", "parse_since", "site_wanted"]

_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhdw])\s*$", re.I)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_LANGUAGE = re.compile(r"^[a-z]{2}$")


def parse_since(value: str, now: datetime | None = None) -> datetime:
    """``2026-12-01``, ``2026-12-01T06:00:00+01:00``, or an age: ``30m``, ``48h``, ``7d``,
    ``2w`` before ``now``. A date without a zone is UTC."""
    if match := _RELATIVE.match(value):
        amount, unit = float(match.group(1)), _UNITS[match.group(2).lower()]
        return (now or datetime.now(UTC)) - timedelta(**{unit: amount})
    iso = to_utc_iso(value.strip()) if value.strip()[:4].isdigit() else None
    if iso is None:
        raise ConfigError(f"since={value!r} is neither a date (2026-12-01) nor an age "
                          "(48h, 7d, 2w)")
    return datetime.fromisoformat(iso)


def parse_languages(value: str) -> frozenset[str]:
    """``en,de``: ISO 639-1 codes, as the ``language`` field gives them."""
    codes = [code.strip().lower() for code in value.split(",") if code.strip()]
    bad = [code for code in codes if not _LANGUAGE.match(code)]
    if bad or not codes:
        raise ConfigError(f"languages={value!r}: give ISO 639-1 codes separated by commas "
                          "(en,de)")
    return frozenset(codes)


def parse_domains(value: str) -> frozenset[str]:
    """A file with one domain a line (``#`` comments), or domains separated by commas; each is
    taken as its registrable domain (``www.bbc.co.uk`` means ``bbc.co.uk``, as politeness
    does)."""
    path = Path(value)
    if path.is_file():
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"domains={value!r}: cannot read it: {exc}") from None
        names = [line.split("#", 1)[0].strip() for line in lines]
    else:
        names = [name.strip() for name in value.split(",")]
    names = [name for name in names if name]
    bad = [name for name in names if "/" in name or " " in name or "." not in name]
    if bad or not names:
        raise ConfigError(f"domains={value!r}: give a file with one domain a line, or domains "
                          f"separated by commas (bbc.co.uk,nytimes.com); not {bad[:3] or value!r}")
    return frozenset(site_key(name.lower().lstrip(".")) for name in names)


def site_wanted(url: str, domains: frozenset[str] | None) -> bool:
    """Whether ``url``'s site is one of ``domains`` (every site when there are none)."""
    return not domains or site_key(urlsplit(url).hostname or "") in domains


@dataclass(frozen=True, slots=True)
class ArticleFilter:
    domains: frozenset[str] | None = None
    since: datetime | None = None
    languages: frozenset[str] | None = None

    def rejects(self, url: str, published: str | None, language: str | None) -> str | None:
        """Why an article is not kept, or None. An undated article is kept: a filter on age
        must not drop every page that states no date."""
        if not site_wanted(url, self.domains):
            return "not in domains"
        if self.since is not None and published and datetime.fromisoformat(published) < \
                self.since:
            return "older than since"
        if self.languages is not None and language not in self.languages:
            return f"language {language or 'unknown'}"
        return None
