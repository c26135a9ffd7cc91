import pytest

from newscrawler.utils.urls import canonical_url, is_fetchable_url, site_key


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://Example.com/a/b?utm_source=rss&id=3&utm_medium=feed#frag",
         "https://example.com/a/b?id=3"),
        ("http://www.bbc.co.uk/news/x?at_medium=RSS&at_campaign=KARANGA",
         "http://www.bbc.co.uk/news/x"),
        ("https://www.reddit.com/r/x/comments/1/?fbclid=abc", "https://www.reddit.com/r/x/comments/1/"),
        ("http://127.0.0.2:8080/news/a.html?b=2&a=1", "http://127.0.0.2:8080/news/a.html?a=1&b=2"),
        ("HTTP://EXAMPLE.com:80/x", "http://example.com/x"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/story#comments", "https://example.com/story"),
    ],
)
def test_canonical_url_drops_tracking_and_noise_but_keeps_identity(url, canonical):
    assert canonical_url(url) == canonical


@pytest.mark.parametrize(
    ("url", "fetchable"),
    [
        ("https://example.com/a", True),
        ("http://127.0.0.2:8080/", True),
        ("file:///etc/passwd", False),
        ("ftp://example.com/x", False),
        ("s3://bucket/key", False),
        ("data:text/html,<p>x</p>", False),
        ("javascript:alert(1)", False),
        ("mailto:news@example.com", False),
        ("/relative/path", False),
        ("http://", False),
        ("http://[::1", False),
    ],
)
def test_only_absolute_http_urls_are_fetchable(url, fetchable):
    assert is_fetchable_url(url) is fetchable


@pytest.mark.parametrize(
    ("host", "site"),
    [
        ("www.bbc.co.uk", "bbc.co.uk"),
        ("feeds.bbci.co.uk", "bbci.co.uk"),
        ("old.reddit.com", "reddit.com"),
        ("www.reddit.com", "reddit.com"),
        ("rss.nytimes.com", "nytimes.com"),
        ("someone.github.io", "someone.github.io"),
        ("127.0.0.2", "127.0.0.2"),
        ("::1", "::1"),
        ("localhost", "localhost"),
        ("WWW.Example.COM.", "example.com"),
    ],
)
def test_politeness_unit_is_the_registrable_domain(host, site):
    assert site_key(host) == site
