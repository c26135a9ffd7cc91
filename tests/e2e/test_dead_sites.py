"""Dead sites cost a few requests, not minutes: the circuit breaker, robots.txt by RFC 9309, and
a log a person can read. Asserted from the server's request log, the summary and the stats."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from simweb.scenarios import ROBOTS_FAULT_SITES
from tests.dead_sites_scenario import UNRESOLVABLE_FEED, UNRESOLVABLE_PAGE_HOST

REPO = Path(__file__).resolve().parents[2]
FAILURE_LIMIT = 3  # SITE_FAILURE_LIMIT's default
RETRIES = 3        # RETRY_TIMES


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, dict]:
    """Both crawls of tests/dead_sites_scenario.py, in a network namespace with only loopback:
    a name under .invalid is looked up there (its resolver is 127.0.0.1, where nothing
    listens), so no DNS query can leave the machine."""
    assert shutil.which("unshare") and shutil.which("ip"), "needs util-linux and iproute2"
    workdir = tmp_path_factory.mktemp("dead")
    resolv = workdir / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
    script = (f"ip link set lo up && mount --bind {resolv} /etc/resolv.conf && "
              f"exec {sys.executable} -m tests.dead_sites_scenario {workdir}")
    completed = subprocess.run(["unshare", "--net", "--mount", "sh", "-c", script], cwd=REPO,
                               capture_output=True, text=True, timeout=400, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return {name: json.loads((workdir / f"{name}.json").read_text())
            for name in ("mixed", "only_dead")}


def requests_to(run: dict, site: str) -> list[dict]:
    address = run["addresses"][site]
    return [r for r in run["requests"] if r["host"] == address]


def stat(run: dict, name: str) -> int:
    found = re.search(rf"'{re.escape(name)}': (\d+)", run["log"])
    return int(found.group(1)) if found else 0


def items_of(run: dict, site: str) -> dict[str, dict]:
    address = run["addresses"][site]
    return {item["url"]: item for item in run["items"]
            if urlsplit(item["url"]).hostname == address}


def test_every_article_of_the_healthy_sites_is_written_from_its_page(runs):
    run = runs["mixed"]
    assert run["returncode"] == 0, run["log"][-3000:]
    pages = {item["url"] for item in run["items"] if item["text_source"] == "page"}
    flaky = run["addresses"]["flaky"]
    healthy = {url for url in run["expected"] if urlsplit(url).hostname != flaky}
    assert healthy <= pages
    assert len(run["items"]) == len({item["url"] for item in run["items"]})


@pytest.mark.parametrize("run_name", ["mixed", "only_dead"])
def test_a_site_that_hangs_gets_no_more_than_the_failure_limit_of_requests(runs, run_name):
    sent = requests_to(runs[run_name], "hanging")
    assert 0 < len(sent) <= FAILURE_LIMIT + 1
    assert {r["path"] for r in sent} == {"/robots.txt"}  # its feed and articles: never


@pytest.mark.parametrize("run_name", ["mixed", "only_dead"])
def test_a_site_that_refuses_connections_is_tried_no_more_than_the_failure_limit(runs,
                                                                                run_name):
    # nothing listens there, so no server logs it: Scrapy's count of refused connections
    run = runs[run_name]
    refused = stat(run, "downloader/exception_type_count/"
                        "scrapy.exceptions.DownloadConnectionRefusedError")
    assert 0 < refused <= FAILURE_LIMIT + 1
    assert "site unreachable: connection refused, 3 failures in a row" in run["summary"]


def test_a_site_that_dies_costs_few_requests_its_queue_falls_back_and_it_is_tried_again(runs):
    run = runs["mixed"]
    during_outage = [r for r in requests_to(run, "flaky") if r["status"] == 0]
    assert 0 < len(during_outage) <= FAILURE_LIMIT + 1
    articles = items_of(run, "flaky")
    assert len(articles) == 8  # every article: from its page or from the feed's text
    fallbacks = [item for item in articles.values() if item["text_source"] == "feed"]
    assert fallbacks and all(item["text"].startswith("Summary of ") for item in fallbacks)
    late = [item for item in articles.values()
            if item["feed_url"] == f"http://{run['addresses']['late']}:{run['port']}/rss.xml"]
    assert [item["text_source"] for item in late] == ["page", "page"]  # it came back
    assert re.search(rf"{re.escape(run['addresses']['flaky'])}: site unreachable: connection "
                     r"reset by the server, 3 failures in a row \(\d+ articles, \d+ written "
                     r"with the feed's text\); it answered again later", run["summary"])


def test_the_progress_line_names_the_site_the_crawl_waits_for(runs):
    # "late" waits its delay between robots.txt and feed; the other sites are done by then
    run = runs["mixed"]
    late = re.escape(run["addresses"]["late"])
    assert re.search(rf"0 in flight; waiting \d+ s for {late}: 1 request\n", run["log"])


def test_articles_of_a_dead_site_get_the_feeds_text_and_the_site_is_named_once(runs):
    run = runs["mixed"]
    for dead in ("refusing", "hanging"):
        written = items_of(run, dead)
        assert [item["text"] for item in written.values()] == [f"What {dead} wrote."]
        address = run["addresses"][dead]
        named = [line for line in run["summary"].splitlines() if f"{address}:" in line
                 or f"{address}/" in line]
        assert len(named) == 1 and "site unreachable" in named[0]


def test_a_host_name_that_does_not_resolve_is_not_retried_and_is_named_once(runs):
    run = runs["mixed"]
    assert stat(run, "retry/reason_count/scrapy.exceptions.CannotResolveHostError") == 0
    host = urlsplit(UNRESOLVABLE_FEED).hostname
    assert (f"{host}: robots.txt unavailable (DNS lookup failed): site skipped (1 feed)"
            in run["summary"])
    assert (f"{UNRESOLVABLE_PAGE_HOST}: robots.txt unavailable (DNS lookup failed): site "
            f"skipped (1 article, 1 written with the feed's text)") in run["summary"]
    page = f"http://{UNRESOLVABLE_PAGE_HOST}/story.html"
    assert {item["url"]: item["text_source"] for item in run["items"]}[page] == "feed"


def test_nothing_is_fetched_from_a_site_whose_robots_txt_answers_5xx(runs):
    run = runs["mixed"]
    sent = requests_to(run, "robots503")
    assert [r["path"] for r in sent] == ["/robots.txt"] * (RETRIES + 1)
    assert not items_of(run, "robots503")
    address = run["addresses"]["robots503"]
    assert re.search(rf"{re.escape(address)}:\d+: robots.txt unavailable \(503\): site skipped "
                     r"\(1 feed\)", run["summary"])


@pytest.mark.parametrize(("site", "robots_requests", "private_fetched"), [
    ("robots404", 1, True),           # 4xx: no rules, the whole site is crawled
    ("robots500then200", 2, False),   # retried, then its rules are obeyed
    ("robotsredirect", 6, False),     # five redirects followed, then its rules
    ("robots600k", 1, False),         # 600 KiB: its rules are at the top
])
def test_robots_txt_answers_mean_what_rfc_9309_says(runs, site, robots_requests,
                                                    private_fetched):
    assert site in ROBOTS_FAULT_SITES
    run = runs["mixed"]
    paths = [r["path"] for r in requests_to(run, site)]
    assert sum(p.startswith("/robots.txt") for p in paths) == robots_requests
    assert ("/private/members-only.html" in paths) is private_fetched
    written = items_of(run, site)
    assert len(written) == (3 if private_fetched else 2)
    assert all(item["text_source"] == "page" for item in written.values())


def test_a_run_whose_every_site_is_dead_fails_with_one_line(runs):
    run = runs["only_dead"]
    assert run["returncode"] == 1
    last = run["log"].strip().splitlines()[-1]
    assert last.startswith("error: no site could be reached (")
    assert last.endswith("): is the network up?")
    for reason in ("connection refused for 1", "timed out (DOWNLOAD_TIMEOUT) for 1",
                   "DNS lookup failed for 1"):
        assert reason in last


@pytest.mark.parametrize("run_name", ["mixed", "only_dead"])
def test_network_failures_leave_no_traceback_in_the_log(runs, run_name):
    log = runs[run_name]["log"]
    assert "Traceback" not in log
    assert not re.search(r"\] ERROR: ", log)
