"""Which articles a run keeps (output/filters.py and FilterPipeline): sites, age, languages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from scrapy.exceptions import DropItem

from newscrawler import keys
from newscrawler.errors import ConfigError
from newscrawler.items import Article
from newscrawler.output.filters import (
    ArticleFilter,
    parse_domains,
    parse_languages,
    parse_since,
    site_wanted,
)
from newscrawler.output.pipelines import FilterPipeline

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("value", "since"), [
    ("2026-12-01", datetime(2026, 12, 1, tzinfo=UTC)),
    ("2026-12-01T06:00:00+01:00", datetime(2026, 12, 1, 5, tzinfo=UTC)),
    ("2026-12-01 06:00", datetime(2026, 12, 1, 6, tzinfo=UTC)),
    ("48h", datetime(2026, 12, 4, 12, tzinfo=UTC)),
    ("30m", datetime(2026, 12, 6, 11, 30, tzinfo=UTC)),
    (" 7d ", datetime(2026, 11, 29, 12, tzinfo=UTC)),
    ("2W", datetime(2026, 11, 22, 12, tzinfo=UTC)),
    ("1.5d", datetime(2026, 12, 5, 0, tzinfo=UTC)),
])
def test_since_is_a_date_or_an_age(value, since):
    assert parse_since(value, NOW) == since


@pytest.mark.parametrize("value", ["yesterday", "48", "h48", "", "2026-13-45", "-2d"])
def test_since_that_is_no_date_is_refused(value):
    with pytest.raises(ConfigError, match=r"is neither a date \(2026-12-01\) nor an age"):
        parse_since(value, NOW)


@pytest.mark.parametrize(("value", "languages"), [
    ("en", {"en"}), ("en,de", {"en", "de"}), (" EN , de ,", {"en", "de"})])
def test_languages_are_iso_639_1_codes(value, languages):
    assert parse_languages(value) == languages


@pytest.mark.parametrize("value", ["english", "en,deu", ",", "e1"])
def test_languages_that_are_no_codes_are_refused(value):
    with pytest.raises(ConfigError, match="give ISO 639-1 codes"):
        parse_languages(value)


def test_domains_are_registrable_domains_from_a_list_or_a_file(tmp_path):
    assert parse_domains("www.bbc.co.uk, NYTimes.com") == {"bbc.co.uk", "nytimes.com"}
    listed = tmp_path / "domains.txt"
    listed.write_text("# news\nwww.dw.com\n\nfeeds.bbci.co.uk  # the BBC's feeds\n")
    assert parse_domains(str(listed)) == {"dw.com", "bbci.co.uk"}


@pytest.mark.parametrize("value", ["", " , ", "https://bbc.co.uk/news", "localhost"])
def test_domains_that_are_no_domains_are_refused(value):
    with pytest.raises(ConfigError, match="give a file with one domain a line"):
        parse_domains(value)


@pytest.mark.parametrize(("url", "wanted"), [
    ("https://www.bbc.co.uk/news/1", True), ("https://feeds.bbc.co.uk/x", True),
    ("https://bbc.com/news/1", False), ("https://www.nytimes.com/a", False)])
def test_a_site_is_wanted_by_its_registrable_domain(url, wanted):
    assert site_wanted(url, frozenset({"bbc.co.uk"})) is wanted
    assert site_wanted(url, None)


FILTER = ArticleFilter(domains=frozenset({"bbc.co.uk"}), since=datetime(2026, 12, 1, tzinfo=UTC),
                       languages=frozenset({"en", "de"}))


@pytest.mark.parametrize(("url", "published", "language", "reason"), [
    ("https://www.bbc.co.uk/1", "2026-12-02T00:00:00+00:00", "en", None),
    ("https://www.bbc.co.uk/1", "2026-12-01T00:00:00+00:00", "de", None),
    ("https://www.bbc.co.uk/1", None, "en", None),   # undated: kept
    ("https://www.bbc.co.uk/1", "2026-11-30T23:59:59+00:00", "en", "older than since"),
    ("https://www.bbc.co.uk/1", "2026-12-02T00:00:00+00:00", "fr", "language fr"),
    ("https://www.bbc.co.uk/1", "2026-12-02T00:00:00+00:00", None, "language unknown"),
    ("https://www.dw.com/1", "2026-12-02T00:00:00+00:00", "en", "not in domains"),
])
def test_an_article_is_kept_or_says_why_not(url, published, language, reason):
    assert FILTER.rejects(url, published, language) == reason
    assert ArticleFilter().rejects(url, published, language) is None


def test_the_filter_pipeline_drops_and_counts_by_reason(make_crawler):
    crawler = make_crawler({"FILTER_SINCE": "2026-12-01", "FILTER_LANGUAGES": "en"})
    pipeline = FilterPipeline.from_crawler(crawler)
    kept = Article(url="https://a.example/1", feed_url=None, domain="a.example",
                   published="2026-12-02T00:00:00+00:00", language="en")
    assert pipeline.process_item(kept) is kept
    for published, language in (("2026-11-02T00:00:00+00:00", "en"),
                                ("2026-12-03T00:00:00+00:00", "de")):
        with pytest.raises(DropItem):
            pipeline.process_item(Article(url="https://a.example/2", feed_url=None,
                                          domain="a.example", published=published,
                                          language=language))
    assert crawler.stats.get_value(f"{keys.DROPPED}/older than since") == 1
    assert crawler.stats.get_value(f"{keys.DROPPED}/language de") == 1


def test_without_filter_settings_every_article_passes(make_crawler):
    pipeline = FilterPipeline.from_crawler(make_crawler())
    item = Article(url="https://a.example/1", feed_url=None, domain="a.example")
    assert pipeline.process_item(item) is item
