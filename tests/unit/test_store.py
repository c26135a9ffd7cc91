"""The state store: what one run remembers for the next (state/store.py, state/sqlite.py)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from scrapy import signals
from scrapy.settings import Settings

from newscrawler import keys
from newscrawler.errors import ConfigError
from newscrawler.state.extension import CrawlState
from newscrawler.state.sqlite import SQLiteState
from newscrawler.state.store import FeedValidators, article_keys, open_store

FEED = "https://example.com/feed.xml"
OTHER_FEED = "https://example.org/rss"


@pytest.mark.parametrize(
    ("url", "feed_url", "entry_id", "expected"),
    [
        ("https://example.com/a", None, None, ["url:https://example.com/a"]),
        ("https://example.com/a", FEED, "42",
         ["url:https://example.com/a", f"id:{FEED} 42"]),
        # an entry id means nothing without its feed: "1" is item one of any feed
        ("https://example.com/a", None, "1", ["url:https://example.com/a"]),
        ("https://example.com/a", FEED, None, ["url:https://example.com/a"]),
        ("https://example.com/a", FEED, "", ["url:https://example.com/a"]),
    ],
)
def test_article_keys_are_its_url_and_its_entry_id_within_its_feed(
        url, feed_url, entry_id, expected):
    assert article_keys(url, feed_url, entry_id) == expected


def test_an_article_written_in_one_run_is_known_to_the_next(tmp_path: Path):
    first = SQLiteState(tmp_path)
    first.mark_written(article_keys("https://example.com/a", FEED, "42"))
    first.close()

    second = SQLiteState(tmp_path)
    # found again by its URL alone, or by its entry id under a new URL (the site moved it)
    assert second.is_written(article_keys("https://example.com/a"))
    assert second.is_written(article_keys("https://example.com/moved", FEED, "42"))
    assert not second.is_written(article_keys("https://example.com/b", FEED, "43"))
    second.close()


def test_the_same_entry_id_in_another_feed_is_another_article(tmp_path: Path):
    store = SQLiteState(tmp_path)
    store.mark_written(article_keys("https://example.com/1", FEED, "1"))
    assert not store.is_written(article_keys("https://example.org/1", OTHER_FEED, "1"))
    store.close()


def test_marking_an_article_twice_is_harmless(tmp_path: Path):
    store = SQLiteState(tmp_path)
    keys = article_keys("https://example.com/a", FEED, "42")
    store.mark_written(keys)
    store.mark_written(keys)  # a resumed run writes the last article again
    assert store.is_written(keys)
    store.close()


def test_validators_are_stored_only_when_committed(tmp_path: Path):
    killed = SQLiteState(tmp_path)
    killed.remember_validators(FEED, FeedValidators(etag='"v1"'))
    killed.close()  # the run died before it finished: no commit

    finished = SQLiteState(tmp_path)
    assert finished.validators(FEED) == FeedValidators()
    finished.remember_validators(FEED, FeedValidators('"v2"', "Mon, 01 Jan 2024 00:00:00 GMT"))
    finished.remember_validators(OTHER_FEED, FeedValidators(etag='"o"'))
    assert finished.commit_validators() == 2
    assert finished.commit_validators() == 0  # nothing new since
    finished.close()

    later = SQLiteState(tmp_path)
    assert later.validators(FEED) == FeedValidators('"v2"', "Mon, 01 Jan 2024 00:00:00 GMT")
    assert later.validators(OTHER_FEED) == FeedValidators(etag='"o"')
    later.close()


def test_a_newer_validator_replaces_the_stored_one(tmp_path: Path):
    store = SQLiteState(tmp_path)
    store.remember_validators(FEED, FeedValidators(etag='"v1"', last_modified="yesterday"))
    store.commit_validators()
    store.remember_validators(FEED, FeedValidators(etag='"v2"'))
    store.commit_validators()
    assert store.validators(FEED) == FeedValidators(etag='"v2"')
    store.close()


@pytest.mark.parametrize(
    ("validators", "present"),
    [
        (FeedValidators(), False),
        (FeedValidators(etag='"x"'), True),
        (FeedValidators(last_modified="Mon, 01 Jan 2024 00:00:00 GMT"), True),
        (FeedValidators(etag="", last_modified=""), False),
    ],
)
def test_feed_validators_are_true_only_when_there_is_one(validators, present):
    assert bool(validators) is present


def test_open_store_opens_the_sqlite_file_in_state_dir(tmp_path: Path):
    settings = Settings({"STATE_STORE": "newscrawler.state.sqlite.SQLiteState",
                         "STATE_DIR": str(tmp_path / "nested" / "state")})
    store = open_store(settings)
    store.mark_written(["url:https://example.com/a"])
    store.close()
    assert (tmp_path / "nested" / "state" / "state.sqlite3").is_file()


class ListStore(SQLiteState):
    """A backend of the user's own: ``open_store`` knows none by name."""

    opened: list[Path] = []

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        ListStore.opened.append(directory)


def test_open_store_opens_whatever_class_state_store_names(tmp_path: Path):
    settings = Settings({"STATE_STORE": f"{__name__}.ListStore", "STATE_DIR": str(tmp_path)})
    store = open_store(settings)
    assert isinstance(store, ListStore)
    assert ListStore.opened[-1] == tmp_path
    store.close()


@pytest.mark.parametrize(
    "path",
    ["nosuchmodule.Store", "newscrawler.state.sqlite.NoSuchStore", "SQLiteState", ""],
)
def test_a_state_store_that_names_no_class_is_a_one_line_config_error(tmp_path: Path, path):
    settings = Settings({"STATE_STORE": path, "STATE_DIR": str(tmp_path)})
    with pytest.raises(ConfigError) as raised:
        open_store(settings)
    message = str(raised.value)
    assert message.startswith(f"setting STATE_STORE={path!r} names no class")
    assert "\n" not in message


def test_a_state_dir_that_cannot_be_used_is_a_config_error(tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(ConfigError, match=re.escape(f"cannot use STATE_DIR {blocker}")):
        SQLiteState(blocker)


DAY = 86400.0


def age(store: SQLiteState, key: str, days: float) -> None:
    """As if ``key`` had been written ``days`` ago."""
    store.db.execute("UPDATE written SET written_at = written_at - ? WHERE key = ?",
                     (days * DAY, key))


def test_articles_older_than_the_retention_are_forgotten_in_bounded_batches(tmp_path: Path):
    store = SQLiteState(tmp_path)
    old = [f"url:https://example.com/old/{n}" for n in range(5)]
    recent = ["url:https://example.com/recent"]
    store.mark_written(old + recent)
    for key in old:
        age(store, key, 100)
    age(store, recent[0], 80)
    assert store.prune_written(time.time() - 90 * DAY, batch=2) == 5  # 2 + 2 + 1
    assert not store.is_written(old[:1]) and not store.is_written(old[4:])
    assert store.is_written(recent)
    assert store.prune_written(time.time() - 90 * DAY, batch=2) == 0
    plan = store.db.execute("EXPLAIN QUERY PLAN SELECT rowid FROM written WHERE written_at < 1")
    assert "written_at" in " ".join(str(row) for row in plan)  # a range of the index, no scan
    store.close()


@pytest.mark.parametrize(("days", "kept"), [(90, True), (30, False), (0, True)])
def test_a_crawl_forgets_what_is_older_than_state_retention_days_as_it_starts(
        make_crawler, days, kept):
    crawler = make_crawler({"STATE_RETENTION_DAYS": days})
    state = CrawlState.of(crawler)
    assert state is not None
    key = ["url:https://example.com/a"]
    state.store.mark_written(key)
    age(state.store, key[0], 60)  # type: ignore[arg-type]
    crawler.signals.send_catch_log(signals.spider_opened, spider=crawler.spider)
    assert state.store.is_written(key) is kept
    assert crawler.stats.get_value(keys.ARTICLES_FORGOTTEN) == (None if kept else 1)
