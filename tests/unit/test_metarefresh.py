"""Meta refresh: followed as Scrapy follows it, without decoding the pages that hold none."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from newscrawler.fetching.metarefresh import HeadMetaRefreshMiddleware, may_declare_refresh

REFRESH = b'<meta http-equiv="refresh" content="0; url=/moved">'
PADDING = b"<p>" + b"x" * 20_000 + b"</p>"


@pytest.mark.parametrize(("body", "may"), [
    (b"<html><head>" + REFRESH + b"</head><body>text</body></html>", True),
    (b"<HTML><HEAD><META HTTP-EQUIV=REFRESH CONTENT='5'></HEAD></HTML>", True),
    (b"<html><head><title>refreshments</title></head></html>", True),  # Scrapy decides
    (b"<html><head><title>News</title></head><body>" + PADDING + b"</body></html>", False),
    (b"<html><body>" + PADDING + REFRESH + b"</body></html>", False),  # past what Scrapy reads
    ('<meta http-equiv="refresh" content="0; url=/b">'.encode("utf-16"), True),  # not ASCII-like
    (b"", False),
])
def test_only_a_page_that_surely_holds_no_refresh_is_ruled_out(body, may):
    assert may_declare_refresh(body) is may


@pytest.fixture
def middleware(make_crawler) -> HeadMetaRefreshMiddleware:
    crawler = make_crawler()
    return HeadMetaRefreshMiddleware.from_crawler(crawler)


class _WatchedPage(HtmlResponse):
    """A real HtmlResponse that counts how often its body is decoded."""

    decoded = 0

    @property
    def text(self) -> str:
        self.decoded += 1
        return super().text


def _page(body: bytes, url: str = "https://news.example/a") -> tuple[Request, _WatchedPage]:
    request = Request(url)
    return request, _WatchedPage(url, body=body, headers={"Content-Type": "text/html"},
                                 request=request)


def test_a_page_with_a_meta_refresh_is_redirected_as_scrapy_does(middleware):
    request, response = _page(b"<html><head>" + REFRESH + b"</head></html>")
    redirected = middleware.process_response(request, response)
    assert isinstance(redirected, Request)
    assert redirected.url == "https://news.example/moved"


def test_a_page_without_one_is_passed_on_undecoded(middleware):
    request, response = _page(b"<html><head><title>News</title></head>" + PADDING + b"</html>")
    assert middleware.process_response(request, response) is response
    assert response.decoded == 0  # Scrapy's own would have decoded the whole page


def test_it_takes_the_place_of_scrapys_meta_refresh_middleware(make_crawler):
    crawler = make_crawler()
    names = crawler.settings.getwithbase("DOWNLOADER_MIDDLEWARES")
    assert names["scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware"] is None
    assert names["newscrawler.fetching.metarefresh.HeadMetaRefreshMiddleware"] == 580
