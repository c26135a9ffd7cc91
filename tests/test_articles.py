"""How the feed entry and the extracted page complete each other."""

import pytest

from newscrawler.articles import build_article
from newscrawler.extraction import PageFields
from newscrawler.feeds import FeedEntry

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
