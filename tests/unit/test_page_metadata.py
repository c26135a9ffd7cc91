"""The page's own statements about itself: JSON-LD read once, the paywall flag, authors and the
headline, on small pages written here."""

from __future__ import annotations

import json

import pytest

from newscrawler.extraction.access import accessible_for_free, free_access
from newscrawler.extraction.authors import page_authors, split_byline
from newscrawler.extraction.decoding import parse_html
from newscrawler.extraction.linked_data import linked_data
from newscrawler.extraction.metadata import stated_publication_date
from newscrawler.extraction.page import extract
from newscrawler.extraction.titles import TitleCandidates, choose_title
from newscrawler.utils.text import normalize_line

PARAGRAPH = ("The council approved the new tram line after a long debate about its cost, and "
             "construction is to begin next spring according to the transport authority. ")


def page(*, head: str = "", body: str = "", scripts: list[object] = ()) -> str:
    ld = "".join(f'<script type="application/ld+json">{s if isinstance(s, str) else json.dumps(s)}'
                 "</script>" for s in scripts)
    return (f"<html><head><title>T</title>{head}{ld}</head><body>{body}"
            f"<article><p>{PARAGRAPH * 3}</p></article></body></html>")


def tree_of(html: str):
    return parse_html(html)


# --- free_access ---------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    (True, True), (False, False), ("True", True), ("False", False), ("false", False),
    (" FALSE ", False), ("true", True), ("http://schema.org/False", False),
    ("https://schema.org/True", True), ("", None), (None, None), ({"x": 1}, None),
])
def test_a_stated_value_reads_as_a_flag(value, expected):
    assert accessible_for_free(value) is expected


@pytest.mark.parametrize(("html", "expected"), [
    (page(scripts=[{"@type": "NewsArticle", "isAccessibleForFree": False}]), False),
    (page(scripts=[{"@type": "NewsArticle", "isAccessibleForFree": "True"}]), True),
    (page(scripts=[{"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "name": "Site"},
        {"@type": "NewsArticle", "isAccessibleForFree": "False",
         "hasPart": {"@type": "WebPageElement", "isAccessibleForFree": "False",
                     "cssSelector": ".paywall"}}]}]), False),
    # only the paywalled part says it: the article is not free either
    (page(scripts=[{"@type": "NewsArticle", "hasPart": [
        {"@type": "WebPageElement", "isAccessibleForFree": False}]}]), False),
    (page(body='<div itemscope itemtype="https://schema.org/NewsArticle">'
               '<meta itemprop="isAccessibleForFree" content="false"></div>'), False),
    (page(body='<div itemscope><link itemprop="isAccessibleForFree" '
               'href="http://schema.org/True"></div>'), True),
    (page(scripts=[{"@type": "NewsArticle", "headline": "Nothing said"}]), None),
    (page(), None),
])
def test_free_access_is_what_the_page_states_and_null_when_it_says_nothing(html, expected):
    tree = tree_of(html)
    assert free_access(tree, linked_data(tree)) is expected


def test_free_access_reaches_the_extracted_fields():
    paywalled = page(scripts=[{"@type": "NewsArticle", "isAccessibleForFree": "False"}])
    assert extract(paywalled, "https://news.example.com/a").free_access is False
    assert extract(page(), "https://news.example.com/a").free_access is None


# --- JSON-LD, parsed once -------------------------------------------------------------------

def test_json_ld_objects_are_found_in_graphs_lists_and_sloppy_scripts():
    tree = tree_of(page(scripts=[
        "<!-- {\"@type\": \"WebSite\", \"name\": \"Wrapped in a comment\"} -->",
        "{\"@type\": \"NewsArticle\", \"headline\": \"A raw\nnewline\"};",
        "{not json at all",
        [{"@type": "Person", "name": "In a list"}],
    ]))
    names = [node.get("name") or node.get("headline") for node in linked_data(tree).objects]
    assert names == ["Wrapped in a comment", "A raw\nnewline", "In a list"]


def test_the_publication_date_is_the_articles_not_the_web_pages_nor_a_modification():
    tree = tree_of(page(scripts=[{"@graph": [
        {"@type": "WebPage", "datePublished": "2020-01-01T00:00:00Z"},
        {"@type": "NewsArticle", "datePublished": "2024-03-05T09:30:00+01:00",
         "dateModified": "2024-03-06T12:00:00+01:00"}]}]))
    assert stated_publication_date(tree, linked_data(tree)) == "2024-03-05T08:30:00+00:00"


# --- authors --------------------------------------------------------------------------------

@pytest.mark.parametrize(("byline", "names"), [
    ("Von Felix Schröder und Jörg Soldwisch, dpa", ["Felix Schröder", "Jörg Soldwisch", "dpa"]),
    ("By Jane Doe and John Smith", ["Jane Doe", "John Smith"]),
    ("Jane Doe & John Smith", ["Jane Doe", "John Smith"]),
    ("Trine Juncher Jørgensen og Tôrtia Reimer-Johansen",
     ["Trine Juncher Jørgensen", "Tôrtia Reimer-Johansen"]),
    ("Autor: Max Muster", ["Max Muster"]),
    ("Ana García y Luis Pérez", ["Ana García", "Luis Pérez"]),
    ("ORF.at", ["ORF.at"]),
    ("  Jane\u00a0Doe ", ["Jane Doe"]),
])
def test_a_byline_is_split_into_names(byline, names):
    assert split_byline(byline) == names


@pytest.mark.parametrize(("html", "trafilatura_author", "expected"), [
    # JSON-LD persons and organisations, as the page writes them (trafilatura would say "Dpa")
    (page(scripts=[{"@type": "NewsArticle", "author": [
        {"@type": "Person", "name": "Jane Doe"}, {"@type": "Organization", "name": "dpa"}]}]),
     "Jane Doe; Dpa", ("Jane Doe", "dpa")),
    (page(scripts=[{"@type": "NewsArticle", "author": "Von Jane Doe und John Smith"}]), None,
     ("Jane Doe", "John Smith")),
    (page(scripts=[{"@type": "NewsArticle", "author": {"@type": "Person",
                                                       "name": ["A One", "B Two"]}}]), None,
     ("A One", "B Two")),
    # a WebPage's author is not the article's when the article names one
    (page(scripts=[{"@graph": [{"@type": "WebPage", "author": "Web Team"},
                               {"@type": "NewsArticle", "author": "Jane Doe"}]}]), None,
     ("Jane Doe",)),
    # an author given by reference to a Person of the @graph (Yoast SEO's way)
    (page(scripts=[{"@graph": [
        {"@type": "Article", "author": {"@id": "https://b.example/#/person/1"}},
        {"@type": "Person", "@id": "https://b.example/#/person/1", "name": "admin"}]}]),
     "Admin", ("admin",)),
    # then <meta name=author>; an e-mail address is no name: trafilatura's byline then
    (page(head='<meta name="author" content="Jane Doe">'), "Someone Else", ("Jane Doe",)),
    (page(head='<meta name="author" content="j.doe@example.com">'), "Jane Doe", ("Jane Doe",)),
    (page(), None, ()),
])
def test_authors_come_from_json_ld_then_meta_then_the_byline(html, trafilatura_author, expected):
    tree = tree_of(html)
    assert page_authors(tree, linked_data(tree), trafilatura_author) == expected


def test_a_publication_name_is_dropped_only_beside_other_names():
    tree = tree_of(page(scripts=[{"@type": "NewsArticle", "author": "Nina Magoley, WDR"}]))
    assert page_authors(tree, linked_data(tree), None, drop_names=["WDR"]) == ("Nina Magoley",)
    alone = tree_of(page(scripts=[{"@type": "NewsArticle", "author": "WDR"}]))
    assert page_authors(alone, linked_data(alone), None, drop_names=["WDR"]) == ("WDR",)


# --- headline -------------------------------------------------------------------------------

@pytest.mark.parametrize(("candidates", "site", "expected"), [
    (TitleCandidates(og="Headline", json_ld="Topic: Headline", h1="Topic: Headline"), None,
     "Headline"),
    (TitleCandidates(json_ld="Topic: Headline", h1="Topic: Headline"), None, "Topic: Headline"),
    # the site's decoration goes where another source has the bare headline, in any language
    (TitleCandidates(og="Akkutechnik: Hat X gebaut? - Golem.de",
                     h1="Akkutechnik: Hat X gebaut?"), None, "Akkutechnik: Hat X gebaut?"),
    (TitleCandidates(og="Ikhansela lisola uthishanhloko - Ilanga News",
                     h1="Ikhansela lisola uthishanhloko"), None, "Ikhansela lisola uthishanhloko"),
    (TitleCandidates(og="Roky v důchodu tráví Češi po doktorech - Seznam Zprávy"),
     "Seznam Zprávy", "Roky v důchodu tráví Češi po doktorech"),
    (TitleCandidates(trafilatura="Only <title>"), None, "Only <title>"),
    (TitleCandidates(), None, None),
])
def test_the_headline_is_og_title_then_json_ld_then_h1_without_decoration(
        candidates, site, expected):
    assert choose_title(candidates, site) == expected


def test_extract_gives_the_headline_from_the_page_in_other_languages_too():
    html = page(head='<meta property="og:title" content="«Nordmann» dømt til livstid | DB">'
                     '<meta property="og:site_name" content="Dagbladet">',
                body="<h1>&laquo;Nordmann&raquo; dømt til livstid</h1>")
    assert extract(html, "https://www.dagbladet.no/a").title == "«Nordmann» dømt til livstid"


def test_invisible_characters_do_not_reach_a_line():
    assert normalize_line("Helikopter\u00adlandeplatz\u200b") == "Helikopterlandeplatz"


def test_without_trafilaturas_metadata_pass_every_field_is_still_read():
    from newscrawler.extraction.metadata import read_metadata

    html = page(head='<meta property="og:title" content="Tram line approved - City News">'
                     '<meta property="og:site_name" content="City News">'
                     '<meta name="description" content="The council said yes.">'
                     '<meta property="og:image" content="/img/tram.jpg">'
                     '<meta property="article:tag" content="transport">',
                body="<h1>Tram line approved</h1>",
                scripts=[{"@type": "NewsArticle", "datePublished": "2024-03-05T09:30:00Z",
                          "author": {"@type": "Person", "name": "Jane Doe"},
                          "isAccessibleForFree": "False"}])
    tree = tree_of(html)
    linked = linked_data(tree)
    found = read_metadata(tree, linked, "https://city.example/a",
                          og_title="Tram line approved - City News",
                          stated_date=stated_publication_date(tree, linked))
    assert found.title == "Tram line approved"
    assert found.authors == ("Jane Doe",)
    assert found.published == "2024-03-05T09:30:00+00:00"
    assert (found.site_name, found.description) == ("City News", "The council said yes.")
    assert found.image == "https://city.example/img/tram.jpg"
    assert "transport" in found.tags
    assert found.free_access is False


# --- categories and tags: trafilatura's link searches, only where the page has such links ----

@pytest.mark.parametrize(("head", "body", "expected"), [
    # links to tag and category pages in the containers trafilatura searches
    ("", '<div class="tags"><a href="/tag/trams/">Trams</a><a href="/tags/city/">City</a></div>',
     ("Trams", "City")),
    ("", '<div class="entry-meta"><a href="/category/local/">Local</a></div>', ("Local",)),
    # the same words linked elsewhere: no tag page, no tag
    ("", '<div class="tags"><a href="/topics/trams/">Trams</a></div>', ()),
    ("", '<div class="tags"><a href="/Tag/trams/">Trams</a></div>', ()),  # its match is exact
    # no category link: the section the page declares, as trafilatura's fallback reads it
    ('<meta property="article:section" content="Local news">', "", ("Local news",)),
    ('<meta name="dc.subject" content="Transport">', '<a href="/tag/x/">x</a>', ("Transport",)),
    ("", "", ()),
])
def test_categories_and_tags_come_from_links_to_their_pages(head, body, expected):
    from newscrawler.extraction.metadata import read_metadata

    tree = tree_of(page(head=head, body=body))
    found = read_metadata(tree, linked_data(tree), "https://city.example/a", og_title=None,
                          stated_date=None)
    assert found.tags == expected
