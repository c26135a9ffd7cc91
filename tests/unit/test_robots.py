"""robots.txt by RFC 9309: what each answer means for the site, and how much of it is read."""

from __future__ import annotations

import pytest
from scrapy import Request, signals
from scrapy.exceptions import StopDownload
from scrapy.robotstxt import ProtegoRobotParser
from twisted.python.failure import Failure

from newscrawler import keys
from newscrawler.politeness.robots import (
    ROBOTS_MAX_BYTES,
    Rfc9309RobotsTxtMiddleware,
    robots_body,
    robots_verdict,
)

RULES = b"User-agent: *\nDisallow: /private/\n"
ERROR_PAGE = b"<html><body><h1>503 Service Unavailable</h1></body></html>"


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (200, "rules"), (203, "rules"),
        (301, "allow all"),  # a redirect still unanswered after the hops allowed
        (400, "allow all"), (401, "allow all"), (403, "allow all"), (404, "allow all"),
        (410, "allow all"),
        (429, "disallow all"),  # come back later: not "crawl freely"
        (500, "disallow all"), (503, "disallow all"), (504, "disallow all"),
    ],
)
def test_each_status_means_what_rfc_9309_says(status, verdict):
    assert robots_verdict(status) == verdict


def allowed(body: bytes, path: str) -> bool:
    return ProtegoRobotParser(body, None).allowed(f"https://news.example{path}", "newscrawler")


@pytest.mark.parametrize(
    ("status", "body", "path", "may_fetch"),
    [
        (200, RULES, "/private/x", False),
        (200, RULES, "/news/x", True),
        # an error page is no rules: 4xx crawls everything, 5xx nothing at all
        (404, ERROR_PAGE, "/news/x", True),
        (404, RULES, "/private/x", True),
        (503, ERROR_PAGE, "/news/x", False),
        (503, RULES, "/news/x", False),
    ],
)
def test_the_rules_parsed_for_an_answer(status, body, path, may_fetch):
    assert allowed(robots_body(status, body), path) is may_fetch


def test_a_robots_txt_is_read_up_to_500_kib():
    padding = b"# padding\n" * (ROBOTS_MAX_BYTES // 10)
    body = RULES + padding + b"User-agent: *\nDisallow: /beyond/\n"
    parsed = robots_body(200, body)
    assert len(parsed) == ROBOTS_MAX_BYTES
    assert not allowed(parsed, "/private/x")
    assert allowed(parsed, "/beyond/x")  # past 500 KiB: not read


def stops(crawler, request: Request, chunk: bytes) -> bool:
    """Whether a handler of bytes_received stops the download (Scrapy's check for it)."""
    results = crawler.signals.send_catch_log(signals.bytes_received, data=chunk,
                                             request=request, spider=crawler.spider)
    return any(isinstance(result, Failure) and result.check(StopDownload)
               for _, result in results)


def test_a_robots_txt_download_stops_at_500_kib_and_other_downloads_do_not(make_crawler):
    crawler = make_crawler()
    middleware = Rfc9309RobotsTxtMiddleware(crawler)
    robots = Request("https://news.example/robots.txt", meta={keys.ROBOTS_TXT: True})
    page = Request("https://news.example/big-page.html")
    chunk = b"x" * (64 * 1024)
    chunks_in_cap = -(-ROBOTS_MAX_BYTES // len(chunk))  # the chunk that reaches 500 KiB: 8th
    seen = [stops(crawler, robots, chunk) for _ in range(chunks_in_cap)]
    assert seen == [False] * (chunks_in_cap - 1) + [True]
    assert not any(stops(crawler, page, chunk) for _ in range(20))
    del middleware  # alive until here: Scrapy holds signal handlers by weak reference
