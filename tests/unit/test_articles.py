"""How the feed entry and the extracted page complete each other."""

import pytest

from newscrawler.extraction.merge import build_article
from newscrawler.extraction.page import PageFields
from newscrawler.sources.parsed import FeedEntry

LONG_PAGE_TEXT = "\n\n".join(["The page has the whole story, paragraph after paragraph."] * 8)


def page(**fields):
    defaults = dict(text=LONG_PAGE_TEXT, title="Page title", authors=("Page Author",),
                    published="2025-01-01T10:00:00+00:00", language="en",
                    description="Page description", image="https://img.example/p.jpg",
                    tags=("page-tag",), canonical_url=None, site_name=None)
    defaults.update(fields)
    return PageFields(**defaults)


def entry(**fields):
    defaults = dict(link="https://www.example.co.uk/a?utm_source=rss", entry_id="guid-1",
                    title="Feed title", published="2025-01-01T09:00:00+00:00",
                    authors=("Feed Author",), summary="Feed summary.", content=None,
                    tags=("feed-tag",), image=None)
    defaults.update(fields)
    return FeedEntry(**defaults)


def build(entry_, page_):
    return build_article(entry_, page_, url="https://www.example.co.uk/a?utm_source=rss",
                         feed_url="https://www.example.co.uk/rss", fetched_at="t",
                         min_text_chars=200)


def test_page_text_with_feed_title_and_date():
    article = build(entry(), page())
    assert article.text == LONG_PAGE_TEXT and article.text_source == "page"
    assert article.title == "Feed title"
    assert article.published == "2025-01-01T09:00:00+00:00"
    assert article.authors == ["Page Author"]
    assert article.summary == "Feed summary."
    assert article.tags == ["feed-tag", "page-tag"]
    assert article.url == "https://www.example.co.uk/a"
    assert article.domain == "example.co.uk"


def test_page_fills_what_the_feed_lacks():
    article = build(entry(title=None, published=None, authors=(), summary=None), page())
    assert article.title == "Page title"
    assert article.published == "2025-01-01T10:00:00+00:00"
    assert article.summary == "Page description"


@pytest.mark.parametrize(
    ("page_", "entry_", "text", "source"),
    [
        # app shell / paywall: a few words on the page, full text in content:encoded
        (page(text="Subscribe to read."), entry(content=("Full body from the feed. " * 20).strip()),
         ("Full body from the feed. " * 20).strip(), "feed"),
        # no page at all (non-HTML or failed): the summary is better than nothing
        (None, entry(), "Feed summary.", "feed"),
        # the feed's body is much longer than what the page gave: a teaser page
        (page(text="x" * 300), entry(content="y" * 1000), "y" * 1000, "feed"),
        # a short page text but the feed has nothing longer: keep the page's
        (page(text="Short but real."), entry(summary="Tiny"), "Short but real.", "page"),
    ],
)
def test_falls_back_to_the_feed_when_the_page_has_no_usable_text(page_, entry_, text, source):
    article = build(entry_, page_)
    assert (article.text, article.text_source) == (text, source)


BODY_TEXT = "\n\n".join([
    "Storm hits the coast, leaving thousands of homes without power for a second night.",
    "Crews worked through the weekend to restore the lines, the utility said on Sunday.",
] * 3)


@pytest.mark.parametrize(("first", "feed_title", "page_title"), [
    # the page's <h1> at the top of the text, the feed's title with the site's name added
    ("Storm hits the coast", "Storm hits the coast - Example Times", "Other"),
    ("Storm hits the coast", "Example Times | Storm hits the coast", None),
    # only the page's title says it; quotes and case differ
    ("\u2018Never again\u2019: storm hits the coast", None, "'Never Again': Storm hits the coast"),
    ("Storm hits the coast", "Feed title", "Storm hits the coast"),
])
def test_a_first_paragraph_that_repeats_the_headline_is_not_body_text(first, feed_title,
                                                                      page_title):
    article = build(entry(title=feed_title), page(text=f"{first}\n\n{BODY_TEXT}",
                                                  title=page_title))
    assert article.text == BODY_TEXT and article.text_source == "page"


@pytest.mark.parametrize("text", [
    # a lede that starts with the headline's words is body text
    "Storm hits the coast, and thousands are without power.\n\n" + BODY_TEXT,
    # a text that is nothing but the headline keeps it (nothing else to keep)
    "Storm hits the coast",
    BODY_TEXT,
])
def test_text_that_only_resembles_the_headline_is_kept(text):
    article = build(entry(title="Storm hits the coast - Example Times", summary=None),
                    page(text=text, title="Storm hits the coast"))
    assert article.text == text


@pytest.mark.parametrize(("feed_title", "page_title", "title"), [
    # the feed repeats the page's <title>, site name and all: the page's headline is cleaner
    ("Storm hits the coast - Example Times", "Storm hits the coast", "Storm hits the coast"),
    ("Example Times | Storm hits the coast", "Storm hits the coast", "Storm hits the coast"),
    # otherwise the feed's title wins, as the publisher's own metadata
    ("Storm hits the coast", "Storm hits the coast - Example Times", "Storm hits the coast"),
    ("Storm batters the coast", "Storm hits the coast", "Storm batters the coast"),
    (None, "Storm hits the coast", "Storm hits the coast"),
])
def test_feed_title_with_the_site_name_added_gives_way_to_the_page_headline(feed_title,
                                                                           page_title, title):
    assert build(entry(title=feed_title), page(title=page_title)).title == title


def test_the_sources_declared_language_stands_in_when_the_page_tells_none():
    assert build(entry(language="de"), page(language=None)).language == "de"
    assert build(entry(language="de"), None).language == "de"
    # the text's identified language wins over a declaration
    assert build(entry(language="de"), page(language="en")).language == "en"


def test_the_publisher_is_the_news_sitemaps_else_the_pages_site_name():
    assert build(entry(publisher="The Herald"), page(site_name="Herald Online")
                 ).publisher == "The Herald"
    assert build(entry(), page(site_name="Herald Online")).publisher == "Herald Online"
    assert build(entry(), None).publisher is None


@pytest.mark.parametrize("flag", [True, False, None])
def test_the_pages_paywall_flag_reaches_the_article(flag):
    assert build(entry(), page(free_access=flag)).free_access is flag


def test_an_article_without_a_page_says_nothing_about_its_paywall():
    assert build(entry(), None).free_access is None
