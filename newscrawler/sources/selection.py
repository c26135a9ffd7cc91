"""Which of a source's entries and child sitemaps are worth a request: pure rules.

Decided before any request, from what the source itself says (dates, declared language), so a
filtered article costs nothing. Every entry not requested is counted under a reason, which the
run summary prints. :func:`select` runs in the worker that parses the source; what needs the
crawl's knowledge (the indexes a sitemap was reached through, the articles written by earlier
runs before ``MAX_PER_SOURCE`` counts) is applied by the spider with :func:`children_to_follow`
and :func:`newest`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from newscrawler.sources.filters import parse_languages, parse_since
from newscrawler.sources.parsed import FeedEntry, ParsedSource, SitemapLink
from newscrawler.utils.dates import parse_utc
from newscrawler.utils.urls import canonical_url

__all__ = [
    "BELOW_MAX_DEPTH",
    "OLDER_THAN_SINCE",
    "OUTSIDE_WINDOW",
    "OVER_MAX_CHILDREN",
    "OVER_MAX_PER_SOURCE",
    "SITEMAP_LOOP",
    "SITEMAP_OUTSIDE_WINDOW",
    "UNDATED_IN_SITEMAP",
    "Rules",
    "children_to_follow",
    "declared_language_reason",
    "entry_date",
    "newest",
    "newest_first",
    "select",
    "why_not_requested",
]

OLDER_THAN_SINCE = "older than since"
OUTSIDE_WINDOW = "outside the sitemap window"
UNDATED_IN_SITEMAP = "undated sitemap URL"
SITEMAP_OUTSIDE_WINDOW = "child sitemap outside the window"
OVER_MAX_CHILDREN = "child sitemap over SITEMAP_MAX_CHILDREN"
OVER_MAX_PER_SOURCE = "over max_per_source"
BELOW_MAX_DEPTH = "child sitemap below SITEMAP_MAX_DEPTH"
SITEMAP_LOOP = "child sitemap that is an index above it"
_DECLARED_LANGUAGE = "declared language "


def declared_language_reason(language: str) -> str:
    return f"{_DECLARED_LANGUAGE}{language}"


@dataclass(frozen=True, slots=True)
class Rules:
    """The run's filters, resolved to absolute times when the run starts. Picklable: they go
    to the worker that parses the source."""

    since: datetime | None = None               # entries published before are not requested
    sitemap_not_before: datetime | None = None  # now - SITEMAP_MAX_AGE
    languages: frozenset[str] = frozenset()     # ISO 639-1; empty: every language
    max_children: int = 0                       # child sitemaps per index; 0: no limit

    @classmethod
    def resolve(cls, now: datetime, *, since: object = None, languages: object = None,
                sitemap_max_age: float = 0, max_children: int = 0) -> Rules:
        """The rules of a run starting ``now``, from its settings (ValueError: a bad value)."""
        return cls(
            since=parse_since(since, now),
            sitemap_not_before=now - timedelta(seconds=sitemap_max_age)
            if sitemap_max_age > 0 else None,
            languages=parse_languages(languages),
            max_children=max_children,
        )


def entry_date(entry: FeedEntry) -> datetime | None:
    """When an entry was published; a sitemap URL without a publication date has its
    ``<lastmod>``."""
    return parse_utc(entry.published or entry.updated)


def why_not_requested(entry: FeedEntry, rules: Rules, *, in_sitemap: bool) -> str | None:
    """The reason not to request ``entry``, or None to request it.

    A sitemap lists a site's pages, old ones too (a million, for some): only URLs dated inside
    the window are taken. A feed lists its latest entries: an undated one is kept.
    """
    when = entry_date(entry)
    if rules.since is not None and when is not None and when < rules.since:
        return OLDER_THAN_SINCE
    if in_sitemap:
        if when is None:
            return UNDATED_IN_SITEMAP
        if rules.sitemap_not_before is not None and when < rules.sitemap_not_before:
            return OUTSIDE_WINDOW
    if rules.languages and entry.language and entry.language not in rules.languages:
        return declared_language_reason(entry.language)
    return None


def select(parsed: ParsedSource, rules: Rules) -> ParsedSource:
    """``parsed`` with only the entries and child sitemaps to request, the rest counted."""
    skipped: Counter[str] = Counter(dict(parsed.not_requested))
    kept: list[FeedEntry] = []
    for entry in parsed.entries:
        reason = why_not_requested(entry, rules, in_sitemap=parsed.kind.is_sitemap)
        if reason is None:
            kept.append(entry)
        else:
            skipped[reason] += 1
    children = _children_to_fetch(parsed.sitemaps, rules, skipped)
    return replace(parsed, entries=tuple(kept), sitemaps=children,
                   not_requested=tuple(sorted(skipped.items())))


def _children_to_fetch(children: Iterable[SitemapLink], rules: Rules, skipped: Counter[str]
                       ) -> tuple[SitemapLink, ...]:
    """Children whose own ``<lastmod>`` says they changed inside the window (or that say
    nothing), newest first, at most ``max_children``: an old child holds old URLs only."""
    recent: list[SitemapLink] = []
    cutoffs = [c for c in (rules.since, rules.sitemap_not_before) if c is not None]
    for child in dict.fromkeys(children):  # an index may list a child twice
        changed = parse_utc(child.lastmod)
        if changed is not None and cutoffs and changed < max(cutoffs):
            skipped[SITEMAP_OUTSIDE_WINDOW] += 1
        else:
            recent.append(child)
    recent.sort(key=lambda child: child.lastmod or "", reverse=True)
    if rules.max_children and len(recent) > rules.max_children:
        skipped[OVER_MAX_CHILDREN] += len(recent) - rules.max_children
        recent = recent[:rules.max_children]
    return tuple(recent)


def newest_first(entries: Sequence[FeedEntry]) -> list[FeedEntry]:
    """Entries by date, newest first; undated ones last, in the source's order.

    Dates are compared as datetimes: a source's dates are normalised to UTC, but only a
    datetime comparison is right whatever wrote them.
    """
    dated = [(entry_date(e), n, e) for n, e in enumerate(entries)]
    dated.sort(key=lambda t: (t[0] is None, -(t[0].timestamp() if t[0] else 0), t[1]))
    return [entry for _, _, entry in dated]


def children_to_follow(children: Sequence[SitemapLink], *, reached_through: Iterable[str],
                       depth: int, max_depth: int) -> tuple[list[SitemapLink], Counter[str]]:
    """The children of an index reached through ``depth`` indexes (``reached_through``, the
    index itself included) to request, and the others counted: none below ``max_depth``,
    never an index already on the way (an index that lists itself would loop)."""
    skipped: Counter[str] = Counter()
    if children and depth >= max_depth:
        skipped[BELOW_MAX_DEPTH] = len(children)
        return [], skipped
    above = {canonical_url(url) for url in reached_through}
    follow = [child for child in children if canonical_url(child.url) not in above]
    if len(follow) < len(children):
        skipped[SITEMAP_LOOP] = len(children) - len(follow)
    return follow, skipped


def newest(entries: Sequence[FeedEntry], limit: int) -> tuple[list[FeedEntry], int]:
    """At most ``limit`` entries (0: all), the newest; and how many were left out."""
    if not limit or len(entries) <= limit:
        return list(entries), 0
    return newest_first(entries)[:limit], len(entries) - limit
