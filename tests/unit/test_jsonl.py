"""The JSONL file itself: its path template, each article's line, and the repairs after a
killed run."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
from itemadapter import ItemAdapter

from newscrawler.items import Article
from newscrawler.output.jsonl import (
    json_line,
    last_whole_line,
    output_path,
    parse_period,
    period_start,
    repair_torn_tail,
)

STARTED = datetime(2024, 3, 9, 14, 5, 7, 123456, tzinfo=UTC)
LONG = b'{"text": "' + b"x" * 70_000 + b'"}'  # longer than one read of the backwards scan


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("out/%(name)s-%(time)s.jsonl", "out/feeds-2024-03-09T14-05-07.jsonl"),
        ("%(name)s/%(job)s.jsonl", "feeds/2024-03-09T14-05-07.jsonl"),
        ("%(host)s-%(pid)s.jsonl", f"{socket.gethostname()}-{os.getpid()}.jsonl"),
        ("articles.jsonl", "articles.jsonl"),
    ],
)
def test_output_path_expands_the_template(template, expected):
    # no colons in the time: the path must be valid on every file system
    assert output_path(template, "feeds", now=STARTED) == Path(expected)


def test_the_job_id_replaces_the_time_when_scrapyd_gives_one():
    assert output_path("%(job)s.jsonl", "feeds", now=STARTED, job="abc123") == Path(
        "abc123.jsonl")


@pytest.mark.parametrize(
    ("content", "kept", "torn"),
    [
        (b"", b"", None),
        (b'{"a": 1}\n', b'{"a": 1}\n', None),
        (b'{"a": 1}\n{"b": 2}\n', b'{"a": 1}\n{"b": 2}\n', None),
        (b'{"a": 1}\n{"b": ', b'{"a": 1}\n', b'{"b": '),
        (b'{"only": "torn', b"", b'{"only": "torn'),
        (b'{"a": 1}\n' + LONG, b'{"a": 1}\n', LONG),
        (LONG + b"\n" + b'{"b', LONG + b"\n", b'{"b'),
    ],
)
def test_a_torn_last_line_is_moved_aside_and_whole_lines_stay(tmp_path: Path, content, kept,
                                                              torn):
    path = tmp_path / "out.jsonl"
    path.write_bytes(content)
    moved = repair_torn_tail(path)
    assert path.read_bytes() == kept
    aside = tmp_path / "out.jsonl.torn"
    if torn is None:
        assert moved == 0
        assert not aside.exists()
    else:
        assert moved == len(torn)
        assert aside.read_bytes() == torn + b"\n"  # a line of its own in the .torn file


def test_torn_lines_of_several_kills_pile_up_in_one_torn_file(tmp_path: Path):
    path = tmp_path / "out.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b')
    repair_torn_tail(path)
    path.write_bytes(path.read_bytes() + b'{"c": 3}\n{"d')
    repair_torn_tail(path)
    assert (tmp_path / "out.jsonl.torn").read_bytes() == b'{"b\n{"d\n'
    assert path.read_bytes() == b'{"a": 1}\n{"c": 3}\n'


def test_a_missing_output_needs_no_repair(tmp_path: Path):
    assert repair_torn_tail(tmp_path / "none.jsonl") == 0
    assert last_whole_line(tmp_path / "none.jsonl") is None


@pytest.mark.parametrize(
    ("content", "last"),
    [
        (b"", None),
        (b'{"a": 1}\n', b'{"a": 1}'),
        (b'{"a": 1}\n{"b": 2}\n', b'{"b": 2}'),
        (b'{"a": 1}\n{"b": 2}\n{"c', b'{"b": 2}'),  # a torn tail is not a line
        (b'{"c', None),
        (b'{"a": 1}\n' + LONG + b"\n", LONG),
        (b'{"a": 1}\n\n', None),
    ],
)
def test_last_whole_line_is_the_last_line_with_its_newline(tmp_path: Path, content, last):
    path = tmp_path / "out.jsonl"
    path.write_bytes(content)
    assert last_whole_line(path) == last


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("", 0), ("0", 0), (None, 0), ("90s", 90), ("90", 90), ("30m", 1800), ("1h", 3600),
     ("1d", 86400), (" 2H ", 7200)],
)
def test_rotation_periods(value, seconds):
    assert parse_period(value) == seconds


@pytest.mark.parametrize("value", ["hourly", "1w", "-1h", "0.2s"])
def test_a_bad_rotation_period_is_refused(value):
    with pytest.raises(ValueError):
        parse_period(value)


@pytest.mark.parametrize(
    ("now", "period", "start"),
    [
        ("2026-12-06T10:37:12", 3600, "2026-12-06T10:00:00"),
        ("2026-12-06T10:37:12", 86400, "2026-12-06T00:00:00"),
        ("2026-12-06T10:37:12", 1800, "2026-12-06T10:30:00"),
        ("2026-12-06T10:00:00", 3600, "2026-12-06T10:00:00"),
    ],
)
def test_a_rolled_file_is_named_for_the_start_of_its_period(now, period, start):
    moment = datetime.fromisoformat(now).replace(tzinfo=UTC)
    assert period_start(moment, period) == datetime.fromisoformat(start).replace(tzinfo=UTC)


def _as_before(item) -> str:
    """The line the writer wrote before json_line: itemadapter's dict, json.dumps."""
    return json.dumps(ItemAdapter(item).asdict(), ensure_ascii=False)


@dataclasses.dataclass
class _Byline:
    name: str


FULL = Article(
    url="https://news.example/a?id=1", feed_url="https://news.example/rss", domain="example",
    title="Zürich: «Ölpreis» steigt \u2013 东京 \U0001f4f0", authors=["Ana Pérez", "李雷"],
    published="2026-12-01T08:00:00+00:00", language="de", summary='Quotes " and \\ back',
    text="Erster Absatz.\n\nZweiter\tmit\u2028Trenner und \x00\x1f Steuerzeichen.",
    tags=["Wirtschaft"], image=None, fetched_at="2026-12-01T08:05:00+00:00", entry_id=None,
    category="Welt", publisher=None, warc={"file": "a.warc.gz", "offset": 1234},
)


@pytest.mark.parametrize("item", [
    FULL,                                                   # unicode, escapes, nested dict
    Article(url="https://a.example/", feed_url=None, domain="a.example"),  # None, empty lists
    {"url": "https://a.example/", "title": "é", "warc": None},  # a dict item
    {"url": "https://a.example/", "by": _Byline("Zoë")},    # an item inside an item
], ids=["full article", "empty article", "dict item", "nested item"])
def test_an_items_line_is_the_json_the_writer_always_wrote(item):
    line = json_line(item)
    assert line == _as_before(item)
    assert "\n" not in line  # one line, whatever the text holds


def test_an_articles_line_reads_back_as_the_article_with_its_text_unescaped():
    line = json_line(FULL)
    assert json.loads(line) == dataclasses.asdict(FULL)
    assert "Zürich: «Ölpreis» steigt \u2013 东京 \U0001f4f0" in line  # UTF-8 as is, not \\u escapes
    assert list(json.loads(line)) == [field.name for field in dataclasses.fields(Article)]


def test_a_value_json_cannot_hold_is_refused_as_before():
    with pytest.raises(TypeError):
        json_line({"url": "https://a.example/", "seen": {1, 2}})
