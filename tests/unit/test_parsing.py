"""parse_html: trafilatura's own parse of a page (its repairs, its parser settings), cheaper.
Whatever the page, the tree must be the one trafilatura's load_html builds."""

from __future__ import annotations

import random

import lxml.html
import pytest
from lxml import etree
from trafilatura.utils import load_html

from newscrawler.extraction.decoding import parse_html

ARTICLE = "<p>The council approved the tram line on Tuesday.</p>" * 100  # past 4,096 characters
BODY = f"<body><h1>Tram line</h1>{ARTICLE}</body>"


def _saying(word: str) -> str:
    """A page whose article says ``word`` where it said "Tuesday"."""
    return "<html><head></head>" + BODY.replace("Tuesday", word, 1) + "</html>"


def _same_tree_as_trafilatura(page: str) -> None:
    ours, theirs = parse_html(page), load_html(page)
    if theirs is None or not len(theirs):
        assert ours is None
        return
    assert ours is not None
    assert etree.tostring(ours) == etree.tostring(theirs)


@pytest.mark.parametrize("page", [
    f"<!DOCTYPE html>\n<html><head><title>T</title></head>{BODY}</html>",
    # the repairs: a DOCTYPE that libxml2 misreads, a self-closing <html/> near the top
    f'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "x.dtd"/>\n<html>{BODY}</html>',
    ('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
     '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
     f'<html xmlns="http://www.w3.org/1999/xhtml"><head><title>T</title></head>{BODY}</html>'),
    f'<!DOCTYPE html>\n<html lang="en"/>\n<head></head>{BODY}</html>',
    f"<! DOCTYPE html />\n<html>{BODY}</html>",
    f'<?xml version="1.0"?>\n<html/>\n<head></head>{BODY}</html>',
    f'<html lang="de"/>\n{BODY}</html>',
    f"<!DOCTYPE html>\n<html />\n{BODY}",
    # characters XML forbids, near the top, deep in the page, at its very end
    f"<html>\x01<head></head>{BODY}</html>",
    _saying("Tues\x0bday"),
    _saying("Tues\ufffeday"),
    f"<html><head></head>{BODY}</html>\x1f",
    f"<html><head></head>{BODY}</html>\uffff",
    # one long line (minified): the first line is the whole page
    f"<!DOCTYPE html><html><head></head>{BODY * 40}</html>",
    # a first line longer than the repairs' reach, then more lines
    f"<!DOCTYPE html><html><head></head>{BODY * 40}\n<p>after</p></html>",
    # a self-closing <html .../> on a line that runs past the first 4,096 characters
    "<!DOCTYPE html>\n<html lang='en' " + "x" * 5000 + "/>\n" + BODY + "</html>",
    # characters that are valid but look alike in UTF-8 (U+FFFD, U+FFF0)
    _saying("Tues\ufffd\ufff0day"),
    # not HTML, or hardly
    "just a sentence, no markup at all",
    "<p>a fragment</p>",
    "<html>",
])
def test_the_tree_is_trafilaturas(page):
    _same_tree_as_trafilatura(page)


def test_a_lone_surrogate_loses_nothing_after_it():
    # a str from a broken decode upstream: trafilatura's tree ends at the surrogate, ours keeps
    # the rest of the page (the surrogate's bytes read as replacement characters)
    tree = parse_html(_saying("Tues\ud800day"))
    assert tree is not None
    assert tree.text_content().count("The council approved") == 100
    assert "Tues\ufffd" in tree.text_content()


def test_the_tree_is_trafilaturas_on_random_pages():
    rng = random.Random(15)
    parts = ["<!DOCTYPE html>", "<!DOCTYPE html/>", "<html>", "<html/>", "<html lang='x'/>",
             "\n", "\r\n", "<p>", "</p>", "text", " ", "\x00", "\x08", "\x0c", "\ufffe",
             "\uffff", "\ufffd", "é", "<br/>", "<head>", "<body>", "x" * 3000]
    for _ in range(500):
        _same_tree_as_trafilatura("".join(rng.choice(parts) for _ in range(rng.randint(1, 30))))


def test_every_element_has_lxml_htmls_methods():
    tree = parse_html(f"<html><head></head><body><form><input name='q'></form>{ARTICLE}</body>"
                      "</html>")
    assert tree is not None
    assert all(isinstance(element, lxml.html.HtmlElement) for element in tree.iter("*"))
    assert "tram line" in tree.text_content()
