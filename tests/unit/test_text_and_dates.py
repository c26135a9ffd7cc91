import random
import re
import time

import pytest

from newscrawler.utils.dates import to_utc_iso
from newscrawler.utils.text import html_to_text, is_normal_text, normalize_line, normalize_text


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("Tue, 10 Jun 2003 04:00:00 GMT", "2003-06-10T04:00:00+00:00"),
        ("Tue, 10 Jun 2003 04:00:00 +0200", "2003-06-10T02:00:00+00:00"),
        ("2024-05-01T10:00:00+02:00", "2024-05-01T08:00:00+00:00"),
        ("2024-05-01T10:00:00Z", "2024-05-01T10:00:00+00:00"),
        ("2024-05-01T10:00:00.123456", "2024-05-01T10:00:00+00:00"),
        ("2024-05-01", "2024-05-01T00:00:00+00:00"),
        (time.gmtime(86400), "1970-01-02T00:00:00+00:00"),
        ("not a date", None),
        ("", None),
        (None, None),
    ],
)
def test_dates_become_utc_iso_with_offset(value, iso):
    assert to_utc_iso(value) == iso


@pytest.mark.parametrize(
    ("fragment", "text"),
    [
        ("<p>Hello <b>world</b> &amp; more</p><p>Second<br>line</p>",
         "Hello world & more\n\nSecond\n\nline"),
        ("Plain &eacute;t&eacute; text", "Plain été text"),
        ("<div>a<script>var x = 1;</script>b</div>", "ab"),
        ("<ul><li>one</li><li>two</li></ul>tail", "one\n\ntwo\n\ntail"),
        ("", ""),
        (None, ""),
    ],
)
def test_feed_html_becomes_plain_paragraphs(fragment, text):
    assert html_to_text(fragment) == text


def test_normalize_text_keeps_paragraphs_and_words():
    raw = "  First   line\r\n\r\n\n\nSecond\u00a0para  \n Third "
    assert normalize_text(raw) == "First line\n\nSecond para\n\nThird"
    assert normalize_line(" a\n b\t c &amp; d ") == "a b c & d"


def _normalize_line_by_line(value: str) -> str:
    """normalize_text as it was written first: the specification its fast path must keep."""
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    lines = [re.sub(r"[^\S\n]+", " ", line).strip() for line in value.split("\n")]
    return "\n\n".join(line for line in lines if line)


def test_normalize_text_gives_what_line_by_line_normalizing_gives():
    # short random strings over every kind of whitespace reach every branch of the fast path
    rng = random.Random(15)
    alphabet = list("ab \n\r\t\u00a0\u2003\x0b\x0c\x1c\x85\u2028\u3000é")
    for _ in range(50_000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        assert normalize_text(value) == _normalize_line_by_line(value), repr(value)


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("One.\n\nTwo.", True),
        ("One line", True),
        ("One.\nTwo.", False),             # a single newline becomes a paragraph break
        ("One.\n\n\nTwo.", False),         # two blank lines become one
        ("One. \n\nTwo.", False),          # a line's trailing space
        ("One.\n\n Two.", False),          # a line's leading space
        ("two  spaces", False),
        ("a\u00a0no-break space", False),
        ("a\ttab", False),
        (" leading", False),
        ("trailing\n", False),
    ],
)
def test_is_normal_text_says_when_normalizing_changes_nothing(text, normal):
    assert is_normal_text(text) is normal
    assert (normalize_text(text) == text) is normal
