"""The item pipelines: clean, validate, de-duplicate, and write the JSONL output."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

import pytest
from scrapy.exceptions import DropItem, NotConfigured

from newscrawler import keys
from newscrawler.items import Article
from newscrawler.output.pipelines import (
    CleanPipeline,
    DedupePipeline,
    JsonLinesWriter,
    LanguageFilterPipeline,
    ValidatePipeline,
)
from newscrawler.state.extension import CrawlState
from newscrawler.state.sqlite import SQLiteState
from newscrawler.state.store import article_keys

FEED = "https://example.com/feed.xml"


def article(url: str = "https://example.com/a", **fields: Any) -> Article:
    values: dict[str, Any] = {"feed_url": FEED, "domain": "example.com", "title": "A title",
                              "text": "Some text.", "entry_id": None}
    return Article(url=url, **{**values, **fields})


# --- clean ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("field", "raw", "clean"),
    [
        ("url", "https://Example.com/a?utm_source=rss&id=3#top", "https://example.com/a?id=3"),
        ("feed_url", "https://Example.com/feed?utm_medium=rss", "https://example.com/feed"),
        ("title", "  Breaking &amp; news\n today ", "Breaking & news today"),
        ("title", "   ", None),
        ("language", " en ", "en"),
        ("image", "", None),
        ("category", None, None),
        ("summary", "<p>One</p><p>Two &amp; <b>three</b></p>", "One\n\nTwo & three"),
        ("summary", "<p> </p>", None),
        ("text", " a   b \r\n\r\n\r\n c ", "a b\n\nc"),
        ("text", "\n\n", None),
        ("published", "Mon, 01 Jan 2024 10:00:00 +0200", "2024-01-01T08:00:00+00:00"),
        ("published", "2024-01-01", "2024-01-01T00:00:00+00:00"),
        ("published", "last Tuesday", None),
        ("authors", [" Ann ", "Ann", "", "Bob", "ann"], ["Ann", "Bob", "ann"]),
        ("tags", ["x", " x ", "&amp;y"], ["x", "&y"]),
        ("tags", [], []),
    ],
)
def test_clean_pipeline_normalises_each_field(field, raw, clean):
    item = CleanPipeline().process_item(replace(article(), **{field: raw}))
    assert getattr(item, field) == clean


# --- validate ------------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["url", "title", "text"])
@pytest.mark.parametrize("missing", [None, ""])
def test_an_article_without_url_title_or_text_is_dropped_and_counted(make_crawler, field,
                                                                     missing):
    crawler = make_crawler()
    validate = ValidatePipeline.from_crawler(crawler)
    with pytest.raises(DropItem, match=f"no {field}"):
        validate.process_item(replace(article(), **{field: missing}))
    assert crawler.stats.get_value(f"{keys.DROPPED}/no {field}") == 1


def test_a_whole_article_passes_validation_unchanged(make_crawler):
    crawler = make_crawler()
    item = article(summary=None, published=None, authors=[])
    assert ValidatePipeline.from_crawler(crawler).process_item(item) == article(
        summary=None, published=None, authors=[])
    assert not any(key.startswith(keys.DROPPED) for key in crawler.stats.get_stats())


# --- filter by language -------------------------------------------------------------------

def test_articles_in_other_languages_are_not_written_and_counted_by_language(make_crawler):
    crawler = make_crawler({"LANGUAGES": "en,de"})
    languages = LanguageFilterPipeline.from_crawler(crawler)
    for code in ("en", "de", None):  # an article whose language is unknown is kept
        assert languages.process_item(article(language=code)).language == code
    for code in ("fr", "fr", "es"):
        with pytest.raises(DropItem, match=f"language {code}"):
            languages.process_item(article(language=code))
    assert crawler.stats.get_value(f"{keys.FILTERED_LANGUAGE}/fr") == 2
    assert crawler.stats.get_value(f"{keys.FILTERED_LANGUAGE}/es") == 1


def test_without_languages_the_filter_is_off(make_crawler):
    with pytest.raises(NotConfigured):
        LanguageFilterPipeline.from_crawler(make_crawler())


# --- de-duplicate --------------------------------------------------------------------------

def test_a_second_article_with_the_same_url_is_dropped_and_counted(make_crawler):
    crawler = make_crawler()
    dedupe = DedupePipeline.from_crawler(crawler)
    dedupe.process_item(article("https://example.com/a", feed_url=FEED))
    dedupe.process_item(article("https://example.com/b"))
    for other_feed in ("https://example.org/rss", "https://example.net/atom"):
        with pytest.raises(DropItem, match=re.escape("duplicate: https://example.com/a")):
            dedupe.process_item(article("https://example.com/a", feed_url=other_feed))
    assert crawler.stats.get_value(f"{keys.DROPPED}/duplicate") == 2


# --- write ---------------------------------------------------------------------------------

class FlushWatchingStore(SQLiteState):
    """The SQLite store, noting what the output file held (as another reader sees it) each
    time an article is recorded: the order the crash rule depends on is not visible otherwise."""

    output: ClassVar[Path | None] = None
    seen_when_recorded: ClassVar[list[str]] = []

    def mark_written(self, keys_: list[str]) -> None:
        if FlushWatchingStore.output is not None:
            FlushWatchingStore.seen_when_recorded.append(FlushWatchingStore.output.read_text())
        super().mark_written(keys_)


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def open_writer(crawler) -> JsonLinesWriter:
    writer = JsonLinesWriter.from_crawler(crawler)
    writer.open_spider()
    return writer


def test_each_line_is_flushed_before_its_article_is_recorded(make_crawler):
    crawler = make_crawler({"STATE_STORE": f"{__name__}.FlushWatchingStore"})
    writer = open_writer(crawler)
    FlushWatchingStore.output, FlushWatchingStore.seen_when_recorded = writer.path, []
    try:
        writer.process_item(article("https://example.com/a"))
        writer.process_item(article("https://example.com/b"))
    finally:
        FlushWatchingStore.output = None
    first, second = FlushWatchingStore.seen_when_recorded
    assert '"https://example.com/a"' in first
    assert '"https://example.com/b"' in second
    writer.close_spider()


def test_written_articles_are_json_lines_in_utf8_and_recorded(make_crawler):
    crawler = make_crawler()
    writer = open_writer(crawler)
    writer.process_item(article("https://example.com/a", title="Zürich € news", entry_id="42"))
    writer.process_item(article("https://example.com/b", text_source="feed"))
    writer.close_spider()

    assert "Zürich € news" in writer.path.read_text(encoding="utf-8")  # not \u escapes
    assert [item["url"] for item in lines(writer.path)] == ["https://example.com/a",
                                                            "https://example.com/b"]
    assert lines(writer.path)[0]["entry_id"] == "42"
    state = CrawlState.of(crawler)
    assert state.store.is_written(article_keys("https://example.com/moved", FEED, "42"))
    assert state.store.is_written(article_keys("https://example.com/b"))
    assert crawler.stats.get_value(keys.ARTICLES_WRITTEN) == 2
    assert crawler.stats.get_value(f"{keys.ARTICLES_WRITTEN}/page") == 1
    assert crawler.stats.get_value(f"{keys.ARTICLES_WRITTEN}/feed") == 1
    assert crawler.stats.get_value(keys.OUTPUT) == str(writer.path)


def test_the_output_path_takes_the_spider_name_and_the_scrapyd_job(make_crawler, tmp_path):
    crawler = make_crawler({"JSONL_OUTPUT": str(tmp_path / "out" / "%(name)s" / "%(job)s.jsonl")})
    crawler.spider._job = "job-7"  # what Scrapyd passes as the spider's _job argument
    writer = open_writer(crawler)
    writer.close_spider()
    assert writer.path == tmp_path / "out" / "unit" / "job-7.jsonl"
    assert writer.path.is_file()


def test_a_fixed_output_file_is_appended_to_run_after_run(make_crawler, tmp_path):
    settings = {"JSONL_OUTPUT": str(tmp_path / "articles.jsonl")}
    for url in ("https://example.com/a", "https://example.com/b"):
        writer = open_writer(make_crawler(settings))
        writer.process_item(article(url))
        writer.close_spider()
    assert [item["url"] for item in lines(tmp_path / "articles.jsonl")] == [
        "https://example.com/a", "https://example.com/b"]


def test_a_torn_line_left_by_a_killed_run_is_moved_aside(make_crawler, tmp_path):
    earlier = tmp_path / "output" / "unit-2024-01-01T00-00-00.jsonl"
    earlier.parent.mkdir()
    whole = json.dumps({"url": "https://example.com/a", "feed_url": FEED, "entry_id": "1"})
    earlier.write_text(whole + "\n" + '{"url": "https://example.com/b", "ti')

    crawler = make_crawler()
    open_writer(crawler).close_spider()

    assert earlier.read_text() == whole + "\n"
    assert (tmp_path / "output" / (earlier.name + ".torn")).read_text() == (
        '{"url": "https://example.com/b", "ti\n')
    assert crawler.stats.get_value(keys.TORN_LINES_REPAIRED) == 1


def test_the_last_line_of_a_killed_run_counts_as_recorded(make_crawler, tmp_path):
    # killed after the line was flushed and before the article was recorded
    earlier = tmp_path / "output" / "unit-2024-01-01T00-00-00.jsonl"
    earlier.parent.mkdir()
    earlier.write_text("\n".join(json.dumps({"url": url, "feed_url": FEED, "entry_id": entry})
                                 for url, entry in [("https://example.com/a", "1"),
                                                    ("https://example.com/b", "2")]) + "\n")

    state = CrawlState.of(make_crawler())
    open_writer(state.crawler).close_spider()

    assert state.store.is_written(article_keys("https://example.com/b", FEED, "2"))
    assert state.crawler.stats.get_value(keys.TORN_LINES_REPAIRED) is None


def test_an_output_of_another_spider_is_left_alone(make_crawler, tmp_path):
    other = tmp_path / "output" / "other-2024-01-01T00-00-00.jsonl"
    other.parent.mkdir()
    other.write_text('{"url": "https://example.com/a"}\n{"url": "https://exa')
    open_writer(make_crawler()).close_spider()
    assert other.read_text().endswith('"https://exa')
    assert not other.with_name(other.name + ".torn").exists()
