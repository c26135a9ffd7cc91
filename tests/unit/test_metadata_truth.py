"""What counts as right when metadata is compared with a corpus' truth (bench.quality.truth),
and how a rule is chosen by cross-validation over publishers."""

from __future__ import annotations

import pytest

from bench.quality.truth import (
    cross_validate,
    metadata_rates,
    publisher_of,
    same_authors,
    same_instant,
    same_time,
    same_title,
    shares_an_author,
)


@pytest.mark.parametrize(("ours", "truth", "right"), [
    ("2024-11-22T06:57:50+00:00", "2024-11-22 06:57:50.233000+00:00", True),   # fractions
    ("2023-04-28T14:15:45+00:00", "2023-04-28 16:15:45.403000+02:00", True),   # zones
    ("2023-04-28T18:11:01+00:00", "2023-04-28 18:11:01+02:00", False),         # wrong zone
    ("2025-02-02T08:00:00+00:00", "2025-02-02 09:00:00", True),    # truth in local time
    ("2025-02-02T08:00:07+00:00", "2025-02-02 09:00:00", False),
    ("2024-10-23T00:00:00+00:00", "2024-10-23 15:48:15+00:00", True),   # we gave a bare day
    ("2024-10-24T00:00:00+00:00", "2024-10-23 15:48:15+00:00", False),
    ("2024-04-22T22:30:00+00:00", "2024-04-23 00:00:00", True),    # truth a bare local day
    ("2024-04-20T12:00:00+00:00", "2024-04-23 00:00:00", False),
    (None, "2024-04-23 00:00:00", False),
    ("not a date", "2024-04-23 00:00:00", False),
])
def test_a_date_is_right_at_the_same_instant_or_on_the_day_when_one_side_has_no_time(
        ours, truth, right):
    assert same_instant(ours, truth) is right


def test_choosing_date_rules_a_bare_day_is_not_the_time():
    assert same_time("2024-10-23T00:00:00+00:00", "2024-10-23 15:48:15+00:00") is False
    assert same_time("2024-10-23T00:00:00+00:00", "2024-10-23 00:00:00") is True


@pytest.mark.parametrize(("ours", "truth", "right"), [
    ("Trump plant Helikopterlandeplatz", "Trump plant Helikopter\u00adlandeplatz", True),
    ("Roky v důchodu", "Roky v\u00a0důchodu", True),
    ("Ein bisschen Fortschritt", "Ein bisschen Fortschritt\u200b", True),
    ("&quot;Nicht&quot; verlieren", '"Nicht" verlieren', True),
    ("Headline - Site", "Headline", False),
    ("headline", "Headline", False),
    (None, "Headline", False),
])
def test_a_title_is_right_when_equal_but_for_what_no_reader_sees(ours, truth, right):
    assert same_title(ours, truth) is right


@pytest.mark.parametrize(("ours", "truth", "same", "shared"), [
    (["Jane Doe", "dpa"], ["dpa", "Jane Doe"], True, True),
    (["viktor hedlund"], ["Viktor Hedlund"], True, True),
    (["Jane Doe"], ["Jane Doe", "John Smith"], False, True),
    (["Dpa De"], ["dpa"], False, False),
    ([], [], True, True),
    (None, ["dpa"], False, False),
])
def test_authors_are_right_as_a_set_and_partly_right_when_one_is_shared(ours, truth, same, shared):
    assert same_authors(ours, truth) is same
    assert shares_an_author(ours, truth) is shared


def test_rates_judge_the_fields_the_truth_gives_and_count_a_missing_item_as_wrong():
    truth = {"de/A_2024_01_01": {"title": "Eins", "language": "de"},
             "de/B_2024_01_01": {"title": "Zwei", "language": "de"}}
    items = {"de/A_2024_01_01": {"title": "Eins", "language": "de", "authors": ["X"],
                                 "free_access": False}}
    rates = metadata_rates(items, truth)
    assert rates["title"]["rate"] == 0.5
    assert rates["title"]["misses"] == [{"id": "de/B_2024_01_01", "ours": None, "truth": "Zwei"}]
    assert "rate" not in rates["authors"] and rates["authors"]["present"] == 0.5
    assert rates["free_access"] == {"true": 0, "false": 1, "null": 1}


def test_publishers_are_fundus_names_or_hosts():
    assert publisher_of("de/DieWelt_2024_08_27", "https://www.welt.de/x") == "de/DieWelt"
    assert publisher_of("0a1b2c", "https://www.example.com/x") == "example.com"


def test_cross_validation_scores_each_fold_with_the_rule_chosen_on_the_others():
    # publisher p0 prefers variant "b"; the rest prefer "a": a's held-out rate counts p0 wrong
    publishers = {f"page{i}": f"p{i}" for i in range(4)}
    hits = {"a": {"page0": False, "page1": True, "page2": True, "page3": True},
            "b": {"page0": True, "page1": False, "page2": False, "page3": False}}
    result = cross_validate(hits, publishers, folds=4)
    assert result["chosen_per_fold"] == ["a", "a", "a", "a"]
    assert result["held_out_rate"] == 0.75
    assert result["all_pages_by_variant"] == {"a": 0.75, "b": 0.25}
