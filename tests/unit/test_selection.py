"""The filters: parsing what the user wrote, and which entries of a source are requested."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newscrawler.sources.filters import parse_languages, parse_max_per_source, parse_since
from newscrawler.sources.parsed import FeedEntry, ParsedSource, SitemapLink, SourceKind
from newscrawler.sources.selection import (
    BELOW_MAX_DEPTH,
    OLDER_THAN_SINCE,
    OUTSIDE_WINDOW,
    OVER_MAX_CHILDREN,
    SITEMAP_LOOP,
    SITEMAP_OUTSIDE_WINDOW,
    UNDATED_IN_SITEMAP,
    Rules,
    children_to_follow,
    declared_language_reason,
    newest,
    newest_first,
    select,
    why_not_requested,
)

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def hours_ago(hours: float) -> str:
    return (NOW - timedelta(hours=hours)).isoformat()


@pytest.mark.parametrize(
    ("value", "moment"),
    [
        ("48h", NOW - timedelta(hours=48)),
        ("2d", NOW - timedelta(days=2)),
        ("90m", NOW - timedelta(minutes=90)),
        ("1w", NOW - timedelta(weeks=1)),
        ("1.5H", NOW - timedelta(hours=1.5)),
        ("2026-12-01", datetime(2026, 12, 1, tzinfo=UTC)),
        ("2026-12-01T06:00:00+01:00", datetime(2026, 12, 1, 5, tzinfo=UTC)),
        ("2026-12-01T06:00Z", datetime(2026, 12, 1, 6, tzinfo=UTC)),
        ("", None),
        (None, None),
    ],
)
def test_since_is_a_date_or_an_age_back_from_the_runs_start(value, moment):
    assert parse_since(value, NOW) == moment


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("yesterday", "is not a date"),
        ("48", "is not a date"),
        ("-2d", "is not a date"),
        ("0h", "must be a positive age"),
        ("2026-13-01", "is not a date"),
        ("Tue, 01 Dec 2026 00:00:00 GMT", "is not a date"),
        ("2027-01-01", "lies in the future"),
    ],
)
def test_a_bad_since_says_what_is_expected(value, problem):
    with pytest.raises(ValueError, match=problem):
        parse_since(value, NOW)


@pytest.mark.parametrize(
    ("value", "codes"),
    [
        ("en,de", {"en", "de"}),
        (" EN , de ,", {"en", "de"}),
        (["fr"], {"fr"}),
        ("iw", {"he"}),
        ("", set()),
        ([], set()),
        (None, set()),
    ],
)
def test_languages_are_iso_639_1_codes(value, codes):
    assert parse_languages(value) == codes


@pytest.mark.parametrize("value", ["english", "en-US", "e", "en,xx1", 5])
def test_a_bad_language_is_refused(value):
    with pytest.raises(ValueError):
        parse_languages(value)


@pytest.mark.parametrize(("value", "number"), [("20", 20), ("0", 0), ("", 0), (None, 0), (3, 3)])
def test_max_per_source_is_a_count_zero_for_no_limit(value, number):
    assert parse_max_per_source(value) == number


@pytest.mark.parametrize("value", ["-1", "ten", "2.5"])
def test_a_bad_max_per_source_is_refused(value):
    with pytest.raises(ValueError):
        parse_max_per_source(value)


RULES = Rules.resolve(NOW, since="24h", languages="en,de", sitemap_max_age=48 * 3600)


@pytest.mark.parametrize(
    ("entry", "in_sitemap", "reason"),
    [
        (FeedEntry("https://a/1", published=hours_ago(1)), False, None),
        (FeedEntry("https://a/1", published=hours_ago(30)), False, OLDER_THAN_SINCE),
        (FeedEntry("https://a/1"), False, None),                      # undated feed entry: kept
        (FeedEntry("https://a/1", published=hours_ago(1), language="fr"), False,
         declared_language_reason("fr")),
        (FeedEntry("https://a/1", published=hours_ago(1), language="de"), False, None),
        (FeedEntry("https://a/1", updated=hours_ago(30)), True, OLDER_THAN_SINCE),
        (FeedEntry("https://a/1"), True, UNDATED_IN_SITEMAP),
        # the publication date wins over <lastmod>, which only stands in for it
        (FeedEntry("https://a/1", published=hours_ago(2), updated=hours_ago(300)), True, None),
        (FeedEntry("https://a/1", published=hours_ago(300), updated=hours_ago(2)), True,
         OLDER_THAN_SINCE),
    ],
)
def test_why_an_entry_is_not_requested(entry, in_sitemap, reason):
    assert why_not_requested(entry, RULES, in_sitemap=in_sitemap) == reason


def test_the_sitemap_window_holds_when_since_reaches_further_back():
    rules = Rules.resolve(NOW, since="30d", sitemap_max_age=48 * 3600)
    old = FeedEntry("https://a/1", updated=hours_ago(72))
    assert why_not_requested(old, rules, in_sitemap=True) == OUTSIDE_WINDOW
    assert why_not_requested(old, rules, in_sitemap=False) is None


def test_select_keeps_what_is_wanted_and_counts_the_rest():
    parsed = ParsedSource(SourceKind.NEWS_SITEMAP, entries=(
        FeedEntry("https://a/new", published=hours_ago(1), language="en"),
        FeedEntry("https://a/old", published=hours_ago(100)),
        FeedEntry("https://a/fr", published=hours_ago(1), language="fr"),
        FeedEntry("https://a/undated"),
    ), listed=4)
    chosen = select(parsed, RULES)
    assert [e.link for e in chosen.entries] == ["https://a/new"]
    assert dict(chosen.not_requested) == {OLDER_THAN_SINCE: 1, "declared language fr": 1,
                                          UNDATED_IN_SITEMAP: 1}
    assert chosen.listed == 4


def test_child_sitemaps_outside_the_window_are_not_fetched_and_the_newest_go_first():
    parsed = ParsedSource(SourceKind.SITEMAP_INDEX, sitemaps=(
        SitemapLink("https://a/2019.xml", "2019-05-31T00:00:00+00:00"),
        SitemapLink("https://a/undated.xml"),
        SitemapLink("https://a/today.xml", hours_ago(1)),
        SitemapLink("https://a/yesterday.xml", hours_ago(20)),
        SitemapLink("https://a/today.xml", hours_ago(1)),
    ))
    chosen = select(parsed, Rules.resolve(NOW, sitemap_max_age=48 * 3600, max_children=2))
    assert [c.url for c in chosen.sitemaps] == ["https://a/today.xml", "https://a/yesterday.xml"]
    assert dict(chosen.not_requested) == {SITEMAP_OUTSIDE_WINDOW: 1, OVER_MAX_CHILDREN: 1}


def test_newest_first_compares_dates_and_puts_undated_last():
    entries = [FeedEntry("https://a/undated"), FeedEntry("https://a/old", published=hours_ago(9)),
               FeedEntry("https://a/new", published="2026-12-03T12:30:00+02:00"),  # 10:30 UTC
               FeedEntry("https://a/lastmod", updated=hours_ago(0.5))]
    assert [e.link for e in newest_first(entries)] == [
        "https://a/lastmod", "https://a/new", "https://a/old", "https://a/undated"]


INDEX = "https://a/index.xml"
CHILDREN = (SitemapLink("https://a/index.xml"), SitemapLink("https://A/top.xml#x"),
            SitemapLink("https://a/news.xml"))


@pytest.mark.parametrize(
    ("depth", "followed", "skipped"),
    [
        (0, ["https://a/news.xml"], {SITEMAP_LOOP: 2}),   # itself, and the index above it
        (1, ["https://a/news.xml"], {SITEMAP_LOOP: 2}),
        (2, [], {BELOW_MAX_DEPTH: 3}),
    ],
)
def test_an_index_is_followed_to_its_children_but_never_back_up_nor_too_deep(depth, followed,
                                                                             skipped):
    children, counts = children_to_follow(CHILDREN, reached_through=["https://a/top.xml", INDEX],
                                          depth=depth, max_depth=2)
    assert [c.url for c in children] == followed
    assert counts == skipped


@pytest.mark.parametrize(("limit", "kept", "over"), [(0, 3, 0), (5, 3, 0), (2, 2, 1)])
def test_newest_keeps_at_most_limit_entries_the_newest(limit, kept, over):
    entries = [FeedEntry("https://a/old", published=hours_ago(9)),
               FeedEntry("https://a/new", published=hours_ago(1)),
               FeedEntry("https://a/mid", published=hours_ago(5))]
    chosen, left_out = newest(entries, limit)
    assert (len(chosen), left_out) == (kept, over)
    if limit == 2:
        assert [e.link for e in chosen] == ["https://a/new", "https://a/mid"]
