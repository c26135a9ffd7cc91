"""RecentLines: the newest lines of a kind, and a count of the others (report/recent.py)."""

from __future__ import annotations

import pytest

from newscrawler.report.recent import RecentLines


@pytest.mark.parametrize(
    ("added", "kept", "left_out"),
    [
        ([], [], 0),
        (["a", "b"], ["a", "b"], 0),
        (["a", "b", "c", "d"], ["c", "d"], 2),          # the newest two
        (["a", "b", "a"], ["b", "a"], 0),              # seen again: newest, counted once
        (["a", "b", "c", "a"], ["c", "a"], 2),         # let go, then back: counted again
    ],
)
def test_the_newest_lines_are_kept_and_the_rest_counted(added, kept, left_out):
    recent = RecentLines(limit=2)
    for key in added:
        recent.add(key, f"line {key}")
    assert list(recent.lines.values()) == [f"line {key}" for key in kept]
    assert recent.left_out == left_out
