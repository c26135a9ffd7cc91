"""The filters every spider shares (sources/filters.py): the syntax of since and languages the
warc spider's arguments were written with, the sites of ``domains``, and age as the warc
spider applies it to articles."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newscrawler.sources.filters import (
    is_older_than,
    parse_domains,
    parse_languages,
    parse_since,
    site_wanted,
)

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


@pytest.mark.parametrize("value", ["yesterday", "48", "h48", "2026-13-45", "-2d", "last week"])
def test_since_that_is_no_date_is_refused(value):
    with pytest.raises(ValueError, match="is not a date"):
        parse_since(value, NOW)


@pytest.mark.parametrize(("value", "languages"), [
    ("en", {"en"}), ("en,de", {"en", "de"}), (" EN , de ,", {"en", "de"})])
def test_languages_are_iso_639_1_codes(value, languages):
    assert parse_languages(value) == languages


@pytest.mark.parametrize("value", ["english", "en,deu", "e1"])
def test_languages_that_are_no_codes_are_refused(value):
    with pytest.raises(ValueError, match="not an ISO 639-1 code"):
        parse_languages(value)


def test_domains_are_registrable_domains_from_a_list_or_a_file(tmp_path):
    assert parse_domains("www.bbc.co.uk, NYTimes.com") == {"bbc.co.uk", "nytimes.com"}
    assert parse_domains(["www.dw.com"]) == {"dw.com"}   # a list setting
    listed = tmp_path / "domains.txt"
    listed.write_text("# news\nwww.dw.com\n\nfeeds.bbci.co.uk  # the BBC's feeds\n")
    assert parse_domains(str(listed)) == {"dw.com", "bbci.co.uk"}
    assert parse_domains("") == frozenset()   # no filter


@pytest.mark.parametrize("value", ["https://bbc.co.uk/news", "localhost", "bbc.co.uk,a b.com"])
def test_domains_that_are_no_domains_are_refused(value):
    with pytest.raises(ValueError, match="which is not a domain"):
        parse_domains(value)


def test_a_domains_file_that_names_none_is_refused(tmp_path):
    listed = tmp_path / "domains.txt"
    listed.write_text("# nothing yet\n")
    with pytest.raises(ValueError, match="names no domain"):
        parse_domains(str(listed))


@pytest.mark.parametrize(("url", "wanted"), [
    ("https://www.bbc.co.uk/news/1", True), ("https://feeds.bbc.co.uk/x", True),
    ("https://bbc.com/news/1", False), ("https://www.nytimes.com/a", False)])
def test_a_site_is_wanted_by_its_registrable_domain(url, wanted):
    assert site_wanted(url, frozenset({"bbc.co.uk"})) is wanted
    assert site_wanted(url, frozenset())


SINCE = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.mark.parametrize(("published", "older"), [
    ("2026-12-02T00:00:00+00:00", False),
    ("2026-12-01T00:00:00+00:00", False),
    ("2026-12-01T00:30:00+01:00", True),
    ("2026-11-30T23:59:59+00:00", True),
    (None, False),   # undated: kept
])
def test_an_article_is_older_than_since_by_its_date(published, older):
    assert is_older_than(published, SINCE) is older
    assert not is_older_than(published, None)
