"""PoliteSlotPriorityQueue: which site's request leaves the scheduler next, and which wait."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from time import monotonic
from typing import Any

import pytest
from scrapy import Request
from scrapy.core.downloader import Slot
from scrapy.exceptions import DownloadConnectionRefusedError
from scrapy.utils.misc import load_object

import newscrawler.settings
from newscrawler.politeness.breaker import SiteBreakerMiddleware
from newscrawler.politeness.queue import PoliteSlotPriorityQueue, SiteWait
from newscrawler.politeness.slots import SLOT, assign_site_slot
from newscrawler.spiders.feeds import ARTICLE_PRIORITY, SOURCE_PRIORITY

# Requests without robots.txt, unless a test is about it: the queue would fetch robots.txt
# first, through an engine that these tests never open.
NO_ROBOTS = {"ROBOTSTXT_OBEY": False}


def request(site: str, n: int = 0, priority: int = ARTICLE_PRIORITY) -> Request:
    return assign_site_slot(Request(f"http://{site}/{n}", priority=priority))


def site_of(request_: Request | None) -> str | None:
    return request_.meta[SLOT] if request_ is not None else None


def build(crawler, *requests: Request) -> PoliteSlotPriorityQueue:
    """The queue as Scrapy's scheduler builds it (memory queues, no JOBDIR), holding
    ``requests``. The crawler's engine is real and never opened: the queue reads its
    downloader's slots and active requests, which a test sets as a running crawl would."""
    mqclass = load_object(crawler.settings["SCHEDULER_MEMORY_QUEUE"])
    queue = PoliteSlotPriorityQueue.from_crawler(crawler, mqclass, "")
    for each in requests:
        queue.push(each)
    return queue


def in_loop(scenario: Callable[[], Awaitable[Any]]) -> Any:
    # The queue schedules its engine wake-up on the running asyncio loop.
    return asyncio.run(scenario())


def busy(crawler, site: str, delay: float, sent_ago: float) -> None:
    """``site``'s downloader slot, as left by a request sent ``sent_ago`` seconds ago."""
    slot = Slot(concurrency=1, delay=delay, jitter=0)
    slot.lastseen = monotonic() - sent_ago
    crawler.engine.downloader.slots[site] = slot


def test_the_site_with_the_longest_chain_goes_first(make_crawler):
    crawler = make_crawler(NO_ROBOTS, engine=True)
    queue = build(crawler, request("a.example"),
                  *(request("b.example", n) for n in range(3)),
                  *(request("c.example", n) for n in range(2)))
    assert site_of(queue.pop()) == "b.example"


def test_a_site_whose_feed_is_unread_goes_before_any_article(make_crawler):
    crawler = make_crawler(NO_ROBOTS, engine=True)
    queue = build(crawler, *(request("long.example", n) for n in range(5)),
                  request("fresh.example", priority=SOURCE_PRIORITY))
    assert site_of(queue.pop()) == "fresh.example"
    assert site_of(queue.pop()) == "long.example"


def test_every_request_is_handed_out_once(make_crawler):
    crawler = make_crawler(NO_ROBOTS, engine=True)
    pushed = [request(site, n) for site in ("a.example", "b.example") for n in range(3)]
    queue = build(crawler, *pushed)
    popped = [queue.pop() for _ in pushed]
    assert sorted(r.url for r in popped) == sorted(r.url for r in pushed)
    assert queue.pop() is None
    assert len(queue) == 0


def test_a_site_with_a_download_in_flight_gets_no_second_one(make_crawler):
    crawler = make_crawler(NO_ROBOTS, engine=True)
    crawler.engine.downloader.active.add(request("b.example", 99))  # being downloaded
    queue = build(crawler, *(request("b.example", n) for n in range(3)), request("a.example"))
    assert site_of(queue.pop()) == "a.example"  # though b.example's chain is longer
    assert queue.pop() is None
    assert len(queue) == 3


def test_a_site_allowed_two_at_a_time_gets_its_second(make_crawler):
    crawler = make_crawler({**NO_ROBOTS, "DOWNLOAD_SLOTS": {"b.example": {"concurrency": 2}}},
                           engine=True)
    crawler.engine.downloader.active.add(request("b.example", 99))
    queue = build(crawler, *(request("b.example", n) for n in range(3)))
    assert site_of(queue.pop()) == "b.example"
    crawler.engine.downloader.active.add(request("b.example", 98))
    assert queue.pop() is None


def test_a_site_whose_delay_runs_is_held_back_until_it_is_over(make_crawler):
    crawler = make_crawler(NO_ROBOTS, engine=True)
    busy(crawler, "slow.example", delay=60, sent_ago=1)
    queue = build(crawler, *(request("slow.example", n) for n in range(3)),
                  request("other.example"))

    async def scenario() -> list[str | None]:
        handed = [site_of(queue.pop()), site_of(queue.pop())]
        queue.clock = lambda: monotonic() + 60  # a minute later: its delay is over
        return [*handed, site_of(queue.pop())]

    assert in_loop(scenario) == ["other.example", None, "slow.example"]


@pytest.mark.parametrize(("lead", "handed_out"), [(1.0, True), (0.0, False)])
def test_a_site_ready_within_the_lead_is_handed_out_already(make_crawler, lead, handed_out):
    crawler = make_crawler({**NO_ROBOTS, "SCHEDULER_READY_LEAD": lead}, engine=True)
    busy(crawler, "soon.example", delay=20, sent_ago=19.5)  # ready in half a second
    queue = build(crawler, request("soon.example"))

    async def scenario() -> Request | None:
        return queue.pop()

    assert (in_loop(scenario) is not None) is handed_out


def robots_fetched(crawler) -> int:
    return crawler.stats.get_value("robotstxt/request_count", 0)


async def settle(crawler, count: int) -> None:
    """Let the robots.txt tasks the queue started run (they fail at once: no spider is open,
    so the host counts as unreachable; which requests leave the queue is what is tested)."""
    for _ in range(100):
        if robots_fetched(crawler) >= count:
            return
        await asyncio.sleep(0)
    raise AssertionError(f"{count} robots.txt downloads expected, {robots_fetched(crawler)} seen")


# AddressSafetyMiddleware would check each host's address first, through the reactor's
# resolver, which these tests do not start; the robots.txt order is what is tested here.
ROBOTS_ONLY = {"ROBOTSTXT_OBEY": True, "DOWNLOADER_MIDDLEWARES": {
    **newscrawler.settings.DOWNLOADER_MIDDLEWARES,
    "newscrawler.safety.middleware.AddressSafetyMiddleware": None}}


def test_a_sites_robots_txt_is_fetched_before_its_first_request(make_crawler):
    crawler = make_crawler(ROBOTS_ONLY, engine=True)
    queue = build(crawler, request("a.example", 1), request("a.example", 2))

    async def scenario() -> list[str | None]:
        first = site_of(queue.pop())  # robots.txt started, the request stays queued
        await settle(crawler, 1)
        return [first, site_of(queue.pop()), site_of(queue.pop())]

    assert in_loop(scenario) == [None, "a.example", "a.example"]
    assert robots_fetched(crawler) == 1  # once per host


@pytest.mark.parametrize(("concurrency", "started"), [(1, 1), (10, 2)])
def test_robots_txt_downloads_take_places_of_concurrent_requests(make_crawler, concurrency,
                                                                 started):
    crawler = make_crawler({**ROBOTS_ONLY, "CONCURRENT_REQUESTS": concurrency}, engine=True)
    queue = build(crawler, request("a.example"), request("b.example"))

    async def scenario() -> int:
        assert queue.pop() is None
        await settle(crawler, started)
        for _ in range(20):  # a download started beside them would have ended by now
            await asyncio.sleep(0)
        return robots_fetched(crawler)

    assert in_loop(scenario) == started


def test_with_one_place_the_sites_take_turns_robots_txt_then_request(make_crawler):
    crawler = make_crawler({**ROBOTS_ONLY, "CONCURRENT_REQUESTS": 1}, engine=True)
    queue = build(crawler, request("a.example"), request("b.example"))

    async def scenario() -> list[str | None]:
        handed = [site_of(queue.pop())]
        await settle(crawler, 1)
        handed += [site_of(queue.pop()), site_of(queue.pop())]
        await settle(crawler, 2)
        return [*handed, site_of(queue.pop())]

    assert in_loop(scenario) == [None, "a.example", None, "b.example"]


def open_breaker(crawler, site: str) -> None:
    breaker = crawler.get_downloader_middleware(SiteBreakerMiddleware)
    for _ in range(crawler.settings.getint("SITE_FAILURE_LIMIT")):
        breaker.process_exception(request(site), DownloadConnectionRefusedError("refused"))


def test_a_site_left_alone_by_its_breaker_is_handed_out_though_its_delay_runs(make_crawler):
    # its requests are refused before they reach the slot: holding them would only wait
    crawler = make_crawler(NO_ROBOTS, engine=True)
    busy(crawler, "dead.example", delay=60, sent_ago=1)
    busy(crawler, "slow.example", delay=60, sent_ago=1)
    queue = build(crawler, *(request("dead.example", n) for n in range(3)),
                  request("slow.example"))
    open_breaker(crawler, "dead.example")

    async def scenario() -> list[str | None]:
        return [site_of(queue.pop()) for _ in range(4)]

    assert in_loop(scenario) == ["dead.example"] * 3 + [None]


def test_a_host_whose_robots_txt_is_unavailable_is_handed_out_though_its_delay_runs(
        make_crawler):
    crawler = make_crawler(ROBOTS_ONLY, engine=True)
    queue = build(crawler, *(request("a.example", n) for n in range(3)))

    async def scenario() -> list[str | None]:
        assert queue.pop() is None  # its robots.txt first: it fails (no spider is open)
        await settle(crawler, 1)
        busy(crawler, "a.example", delay=60, sent_ago=1)
        return [site_of(queue.pop()) for _ in range(3)]

    assert in_loop(scenario) == ["a.example"] * 3


def test_the_sites_the_crawl_waits_for_are_listed_soonest_first(make_crawler):
    crawler = make_crawler(NO_ROBOTS, engine=True)
    busy(crawler, "reddit.com", delay=60, sent_ago=2)
    busy(crawler, "slow.example", delay=10, sent_ago=5)
    busy(crawler, "dead.example", delay=60, sent_ago=1)
    queue = build(crawler, *(request("reddit.com", n) for n in range(3)),
                  request("slow.example"), request("ready.example"),
                  request("dead.example"))
    open_breaker(crawler, "dead.example")
    waits = queue.waiting_sites()
    assert [(w.site, w.requests) for w in waits] == [("slow.example", 1), ("reddit.com", 3)]
    assert [round(w.seconds) for w in waits] == [5, 58]
    assert all(isinstance(w, SiteWait) for w in waits)


# The heap of ready sites (pop costs O(log sites)) keeps the rule a scan over every site had.

@pytest.mark.parametrize(
    ("chains", "order"),
    [
        ({"a": 1, "b": 3, "c": 2}, ["b", "b", "c", "a", "b", "c"]),  # ties: the site key
        ({"a": 2, "b": 2}, ["a", "b", "a", "b"]),
        ({"x": 1}, ["x"]),
    ],
)
def test_with_every_site_ready_the_longest_chain_goes_each_time(make_crawler, chains, order):
    crawler = make_crawler(NO_ROBOTS, engine=True)
    queue = build(crawler, *(request(f"{site}.example", n)
                             for site, length in chains.items() for n in range(length)))
    handed = [site_of(queue.pop()) for _ in order]
    assert handed == [f"{site}.example" for site in order]
    assert queue.pop() is None and len(queue) == 0


def test_a_site_whose_chain_grows_while_it_waits_goes_before_a_shorter_one(make_crawler):
    crawler = make_crawler(NO_ROBOTS, engine=True)
    queue = build(crawler, request("a.example", 0), request("a.example", 1),
                  request("b.example", 0))
    assert site_of(queue.pop()) == "a.example"  # a: 1 left, b: 1
    for n in range(1, 4):
        queue.push(request("b.example", n))  # b: 4 now
    assert site_of(queue.pop()) == "b.example"
    assert len(queue) == 4


def test_many_sites_are_served_in_the_order_a_full_scan_chooses(make_crawler):
    """A reference: every pop, the ready site with the smallest (priority, -queued, key)."""
    crawler = make_crawler(NO_ROBOTS, engine=True)
    chains = {f"s{i:03d}.example": 1 + (i * 7) % 5 for i in range(120)}
    feeds = {site for i, site in enumerate(chains) if i % 9 == 0}
    requests = [request(site, n, SOURCE_PRIORITY if site in feeds and n == 0
                        else ARTICLE_PRIORITY)
                for site, length in chains.items() for n in range(length)]
    queue = build(crawler, *requests)
    left = {site: sorted((-r.priority, r.url) for r in requests if site_of(r) == site)
            for site in chains}
    while left:
        expected = min(left, key=lambda site: (left[site][0][0], -len(left[site]), site))
        assert site_of(queue.pop()) == expected
        left[expected].pop(0)
        if not left[expected]:
            del left[expected]
    assert queue.pop() is None


def test_a_queue_a_jobdir_brought_back_hands_out_what_it_held(make_crawler, tmp_path):
    crawler = make_crawler(NO_ROBOTS, engine=True)
    disk = load_object(crawler.settings["SCHEDULER_DISK_QUEUE"])
    first = PoliteSlotPriorityQueue.from_crawler(crawler, disk, str(tmp_path / "q"))
    for site in ("a.example", "b.example"):
        for n in range(2):
            first.push(request(site, n))
    kept = first.close()
    again = PoliteSlotPriorityQueue.from_crawler(crawler, disk, str(tmp_path / "q"), kept)
    assert len(again) == 4
    assert sorted(site_of(again.pop()) for _ in range(4)) == ["a.example"] * 2 + ["b.example"] * 2
    assert again.pop() is None
