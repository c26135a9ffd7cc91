"""Run it every hour: the second run over the same web costs almost nothing."""

from __future__ import annotations

import sqlite3

from simweb import Entry, demo_web, serve
from tests.support import run_crawl


def article_requests(records, running):
    return [r for r in records if running.page_for_url(f"http://{r.host}:{running.port}{r.path}")]


def test_second_run_requests_no_article_already_written_and_gets_304s(tmp_path):
    web = demo_web()
    with serve(web) as running:
        running.write_feed_list(tmp_path / "feeds.txt")
        first = run_crawl(tmp_path, "-a", "feeds=feeds.txt", output="first.jsonl")
        running.wait_idle()
        first_records = running.log.records()
        running.log.clear()

        # due=all: every feed is polled again at once, though none is due yet
        second = run_crawl(tmp_path, "-a", "feeds=feeds.txt", "-a", "due=all",
                           output="second.jsonl")
        running.wait_idle()
        second_records = running.log.records()

    assert first.returncode == 0 and second.returncode == 0, second.log[-2000:]
    assert len(first.items) >= len(running.expected_urls())
    feed_paths = {path for _name, path in web.feed_paths()}
    feed_hits = [r for r in second_records if r.path in feed_paths]
    assert feed_hits and all(r.status == 304 for r in feed_hits), feed_hits
    assert article_requests(second_records, running) == []
    assert second.items == []
    assert f"feeds answering 304 Not Modified: {len(feed_paths)}" in second.summary()
    print(f"requests: first run {len(first_records)}, second run {len(second_records)}")


def test_new_entry_is_the_only_article_fetched_next_time(tmp_path):
    web = demo_web()
    with serve(web) as running:
        running.write_feed_list(tmp_path / "feeds.txt")
        assert run_crawl(tmp_path, "-a", "feeds=feeds.txt", output="one.jsonl").returncode == 0
        beta = web.site("beta")
        fresh = next(iter(beta.pages.values()))
        new_path = "/breaking/new-story.html"
        web.add_entry("beta", "/atom.xml", Entry("beta", new_path),
                      page=type(fresh)(**{**fresh.__dict__, "path": new_path}))
        running.touch(web.site("beta").feeds["/atom.xml"])
        running.wait_idle()
        running.log.clear()
        second = run_crawl(tmp_path, "-a", "feeds=feeds.txt", "-a", "due=all",
                           output="two.jsonl")
        running.wait_idle()
        pages = article_requests(running.log.records(), running)
    assert [r.path for r in pages] == [new_path]
    assert [item["url"] for item in second.items] == [running.url("beta", new_path)]
    assert ("already written (by an earlier run or poll), not requested again: 4 articles"
            in second.summary())


def test_recrawl_ignores_the_state(tmp_path):
    with serve(demo_web()) as running:
        running.write_feed_list(tmp_path / "feeds.txt")
        first = run_crawl(tmp_path, "-a", "feeds=feeds.txt", output="one.jsonl")
        again = run_crawl(tmp_path, "-a", "feeds=feeds.txt", "-a", "recrawl=1",
                          output="two.jsonl")
    assert {i["url"] for i in again.items} == {i["url"] for i in first.items}


def test_state_is_an_inspectable_sqlite_file(tmp_path):
    with serve(demo_web()) as running:
        running.write_feed_list(tmp_path / "feeds.txt")
        result = run_crawl(tmp_path, "-a", "feeds=feeds.txt", settings={"STATE_DIR": "st"})
    db = sqlite3.connect(tmp_path / "st" / "state.sqlite3")
    urls = {key[4:] for (key,) in db.execute("SELECT key FROM written WHERE key LIKE 'url:%'")}
    assert urls == {item["url"] for item in result.items}
    assert db.execute("SELECT count(*) FROM feeds WHERE etag IS NOT NULL").fetchone()[0] == 4


def test_unusable_state_dir_is_one_line_and_non_zero(tmp_path):
    (tmp_path / "blocker").write_text("a file, not a directory")
    result = run_crawl(tmp_path, "-a", "feeds=http://127.0.0.2:9/x.xml",
                       settings={"STATE_DIR": "blocker/state"}, timeout=60)
    assert result.returncode == 2
    assert [line for line in result.log.splitlines() if line.startswith("error:")] == [
        line for line in result.log.splitlines() if line.startswith("error: cannot use STATE_DIR")
    ] != []
