import time

import pytest

from newscrawler.utils.dates import to_utc_iso
from newscrawler.utils.text import html_to_text, normalize_line, normalize_text


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
