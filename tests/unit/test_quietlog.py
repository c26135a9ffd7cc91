import logging

import pytest
from scrapy.http import HtmlResponse, Request

from newscrawler.report.quietlog import QuietLogFormatter, logs_debug


@pytest.mark.parametrize(
    ("level", "debug"),
    [("DEBUG", True), ("debug", True), (logging.DEBUG, True), ("INFO", False),
     (logging.WARNING, False), ("ERROR", False)],
)
def test_logs_debug_reads_log_level_as_logging_does(level, debug):
    assert logs_debug(level) is debug


@pytest.mark.parametrize(("log_level", "logged"), [("INFO", False), ("DEBUG", True)])
def test_crawled_and_scraped_lines_exist_only_when_debug_is_logged(make_crawler, log_level,
                                                                   logged):
    crawler = make_crawler({"LOG_LEVEL": log_level})
    formatter = crawler.logformatter
    assert isinstance(formatter, QuietLogFormatter)
    request = Request("https://news.example/a")
    response = HtmlResponse(request.url, body=b"<html></html>", request=request)
    crawled = formatter.crawled(request, response, crawler.spider)
    scraped = formatter.scraped({"url": request.url}, response, crawler.spider)
    assert (crawled is not None, scraped is not None) == (logged, logged)
    if logged:
        assert crawled["level"] == scraped["level"] == logging.DEBUG
        assert "Crawled (200)" in crawled["msg"] % crawled["args"]


def test_warnings_and_errors_are_formatted_as_scrapy_formats_them(make_crawler):
    crawler = make_crawler({"LOG_LEVEL": "INFO"})
    request = Request("https://news.example/a")
    response = HtmlResponse(request.url, body=b"", request=request)
    dropped = crawler.logformatter.dropped({"url": request.url}, Exception("no title"),
                                           response, crawler.spider)
    assert dropped is not None and "no title" in dropped["msg"] % dropped["args"]
