"""What the simulated web's request log says about one crawl, and the lower bounds on its time.

All figures come from the SERVER's request log (``RequestRecord``: start, end, host, path,
status), in seconds of ``time.time()``. Per site (the simulated web's site = one loopback
address = one Scrapy slot):

* ``n``: requests the site must serve: every request that was not answered 429 (a 429-ed
  attempt is a wasted request, its retry counts once);
* ``latency``: mean response time of those requests (429s are answered at once and would drag
  the mean down).

Bounds (a crawl cannot finish sooner than any of them):

* politeness (the issue's): ``max over sites of (n - 1) * max(D, latency) + latency``; with one
  request at a time per site and starts at least D apart, the site's requests fill a chain
  (with P > 1 requests of a site at once: ``max((n - 1) * D + latency, n * latency / P)``);
* concurrency: ``sum(latency of every request) / CONCURRENT_REQUESTS`` -- the time the global
  cap needs to carry all the work (the politeness bound ignores this cap);
* chain: the makespan of the ideal schedule that respects only the dependencies and the per-site
  rules: robots.txt before anything else of the site, a feed before the articles it lists (also
  across sites: an aggregator on one site lists articles of another), at most
  ``CONCURRENT_REQUESTS_PER_DOMAIN`` requests of a site at once and starts ``D`` apart, each
  request taking its site's mean latency, no global cap. With one request per site at a time it
  is the politeness bound plus any wait a cross-site dependency forces; without a delay and
  with parallel sites it is robots -> feed -> article;
* physical: the largest of the three.
"""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simweb import NewsWeb

ROBOTS = "/robots.txt"


@dataclass
class Req:
    start: float
    end: float
    site: str
    path: str
    status: int
    retry: bool = False    # the same site and path was requested before
    kind: str = "article"  # robots | feed | article

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass
class SiteFacts:
    site: str
    requests: int
    rate_limited: int
    n: int                    # requests not answered 429
    latency: float            # mean response time of those
    min_gap: float | None     # smallest gap between two starts, 429s included
    first_start: float        # seconds since the crawl's first request
    last_end: float
    politeness_bound: float
    idle: float = 0.0         # time the site waited beyond the configured gap, see idle_time


@dataclass
class Analysis:
    t0: float
    wall: float
    requests: int
    rate_limited: int
    retried: int
    min_gap: float | None
    max_in_flight: int
    mean_in_flight: float
    politeness_bound: float
    politeness_site: str
    concurrency_bound: float
    chain_bound: float
    chain_site: str
    physical_bound: float
    binding: str
    critical_site: str        # the site whose last request ended last
    delay: float              # D
    gap: float                # the gap between starts the crawler keeps (D + margin)
    gaps_below_delay: int     # consecutive starts at one site less than D apart (D > 0)
    gaps_below_gap: int       # ... less than the crawler's own gap (D + margin) minus 5 ms
    sites: dict[str, SiteFacts] = field(default_factory=dict)

    def as_dict(self, *, sites: bool = False) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "sites"}
        for key, name in (("busiest_site", self.politeness_site),
                          ("critical_site_facts", self.critical_site)):
            if name in self.sites:
                out[key] = self.sites[name].__dict__
        if sites:
            out["sites"] = {name: facts.__dict__ for name, facts in self.sites.items()}
        return out


def to_reqs(records: Iterable[Any], feeds: Collection[tuple[str, str]] = ()) -> list[Req]:
    """Records (``RequestRecord`` or dicts) to ``Req``, sorted by start, retries marked.

    ``feeds``: the (site, path) of every feed; other paths but robots.txt are articles.
    """
    out: list[Req] = []
    for r in records:
        get = r.get if isinstance(r, Mapping) else lambda k, r=r: getattr(r, k)
        end = get("end")
        start = get("start")
        site = get("site") or get("host")
        path = get("path").split("?", 1)[0]
        out.append(Req(start, end if end is not None else start, site, path, get("status")))
    out.sort(key=lambda q: q.start)
    seen: set[tuple[str, str]] = set()
    for q in out:
        key = (q.site, q.path)
        q.retry = key in seen
        seen.add(key)
        if q.path == ROBOTS:
            q.kind = "robots"
        elif key in feeds:
            q.kind = "feed"
    return out


def listed_by(web: NewsWeb) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(site, article path) -> the (site, feed path) of every feed of ``web`` listing it."""
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for site, feed in web.feeds():
        for entry in feed.entries:
            target = web.entry_target(site, feed, entry)
            if target is not None:
                out.setdefault((target[0].name, target[1]), []).append((site.name, feed.path))
    return out


def politeness_bound(n: int, latency: float, delay: float, per_site: int = 1) -> float:
    """(n - 1) x max(D, latency) + latency: n requests, one at a time, starts D apart.

    With ``per_site`` > 1 requests of a site at once: max((n - 1) x D + latency,
    n x latency / per_site), which is the same formula for ``per_site`` = 1.
    """
    if n <= 0:
        return 0.0
    if per_site <= 1:
        return (n - 1) * max(delay, latency) + latency
    return max((n - 1) * delay + latency, n * latency / per_site)


def analyse(reqs: list[Req], *, delay: float, concurrency: int, per_site: int = 1,
            configured_gap: float | None = None,
            listed_by: Mapping[tuple[str, str], list[tuple[str, str]]] | None = None
            ) -> Analysis:
    """Facts and bounds of one crawl from its request log.

    ``delay``: the D of the bounds (the politeness requirement, DOWNLOAD_DELAY);
    ``configured_gap``: the gap the crawler itself keeps (D + POLITENESS_MARGIN), used to
    measure idle time; ``listed_by[(site, article path)]``: the (site, feed path) of every feed
    listing that article (for the chain bound; without it articles wait for any feed of their
    site).
    """
    if not reqs:
        raise ValueError("no requests in the log")
    t0 = min(q.start for q in reqs)
    t_end = max(q.end for q in reqs)
    by_site: dict[str, list[Req]] = defaultdict(list)
    for q in reqs:
        by_site[q.site].append(q)
    gap = delay if configured_gap is None else configured_gap

    sites: dict[str, SiteFacts] = {}
    for site, items in by_site.items():
        served = [q for q in items if q.status != 429]
        latency = statistics.fmean(q.duration for q in served) if served else 0.0
        starts = sorted(q.start for q in items)
        gaps = [b - a for a, b in itertools.pairwise(starts)]
        sites[site] = SiteFacts(
            site=site, requests=len(items), rate_limited=len(items) - len(served),
            n=len(served), latency=latency, min_gap=min(gaps) if gaps else None,
            first_start=starts[0] - t0, last_end=max(q.end for q in items) - t0,
            politeness_bound=politeness_bound(len(served), latency, delay, per_site),
            idle=idle_time(items, gap),
        )

    total_latency = sum(q.duration for q in reqs)
    wall = t_end - t0
    polite_site = max(sites.values(), key=lambda s: s.politeness_bound)
    chain_site, chain = chain_bound(reqs, sites, delay=delay, per_site=per_site,
                                    listed_by=listed_by)
    concurrency_bound = total_latency / max(1, concurrency)
    bounds = {"politeness": polite_site.politeness_bound, "concurrency": concurrency_bound,
              "chain": chain}
    binding = max(bounds, key=lambda k: bounds[k])
    gaps = [s.min_gap for s in sites.values() if s.min_gap is not None]
    return Analysis(
        t0=t0, wall=wall, requests=len(reqs),
        rate_limited=sum(s.rate_limited for s in sites.values()),
        retried=sum(q.retry for q in reqs), min_gap=min(gaps) if gaps else None,
        max_in_flight=max_in_flight(reqs),
        mean_in_flight=total_latency / wall if wall > 0 else 0.0,
        politeness_bound=polite_site.politeness_bound, politeness_site=polite_site.site,
        concurrency_bound=concurrency_bound, chain_bound=chain, chain_site=chain_site,
        physical_bound=bounds[binding], binding=binding,
        critical_site=max(sites.values(), key=lambda s: s.last_end).site, delay=delay, gap=gap,
        gaps_below_delay=_count_gaps(by_site, delay) if delay > 0 else 0,
        gaps_below_gap=_count_gaps(by_site, gap - 0.005) if gap > 0 else 0,
        sites=sites,
    )


def _count_gaps(by_site: Mapping[str, list[Req]], limit: float) -> int:
    count = 0
    for items in by_site.values():
        starts = sorted(q.start for q in items)
        count += sum(1 for a, b in itertools.pairwise(starts) if b - a < limit)
    return count


def idle_time(items: list[Req], gap: float) -> float:
    """Seconds a site waited beyond what the crawler's rules required between its requests.

    After a request that started at s and took d, the next may start at s + max(gap, d) (one at
    a time, starts ``gap`` apart); anything later is time the slot sat idle.
    """
    ordered = sorted(items, key=lambda q: q.start)
    idle = 0.0
    for a, b in itertools.pairwise(ordered):
        idle += max(0.0, b.start - (a.start + max(gap, a.duration)))
    return idle


def max_in_flight(reqs: list[Req]) -> int:
    events = sorted([(q.start, 1) for q in reqs] + [(q.end, -1) for q in reqs],
                    key=lambda e: (e[0], e[1]))
    best = now = 0
    for _, step in events:
        now += step
        best = max(best, now)
    return best


def chain_bound(reqs: list[Req], sites: Mapping[str, SiteFacts], *, delay: float,
                per_site: int,
                listed_by: Mapping[tuple[str, str], list[tuple[str, str]]] | None
                ) -> tuple[str, float]:
    """(site, makespan) of the longest ideal per-site schedule; see the module docstring."""
    needed: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    served: set[tuple[str, str]] = set()
    for q in reqs:
        if q.status == 429 or (q.site, q.path) in served:
            continue
        served.add((q.site, q.path))
        needed[q.site][q.kind].append(q.path)

    # Pass 1: robots.txt then the feeds, per site (feeds depend on nothing else).
    feed_end: dict[tuple[str, str], float] = {}
    schedules: dict[str, _SiteSchedule] = {}
    for site, kinds in needed.items():
        sched = _SiteSchedule(sites[site].latency, delay, per_site)
        robots_end = sched.run(0.0) if kinds.get("robots") else 0.0
        for path in kinds.get("feed", []):
            feed_end[(site, path)] = sched.run(robots_end)
        schedules[site] = sched
        sched.robots_end = robots_end

    # Pass 2: the articles, each released when the first feed listing it has arrived.
    for site, kinds in needed.items():
        sched = schedules[site]
        own_feeds = [end for (s, _), end in feed_end.items() if s == site]
        fallback = min(own_feeds, default=sched.robots_end)
        releases = []
        for path in kinds.get("article", []):
            listing = (listed_by or {}).get((site, path), [])
            ends = [feed_end[f] for f in listing if f in feed_end]
            releases.append(max(sched.robots_end, min(ends) if ends else fallback))
        for release in sorted(releases):
            sched.run(release)
    if not schedules:
        return "", 0.0
    site = max(schedules, key=lambda s: schedules[s].makespan)
    return site, schedules[site].makespan


class _SiteSchedule:
    """Greedy list schedule of one site: ``per_site`` requests at once, starts ``delay`` apart."""

    def __init__(self, latency: float, delay: float, per_site: int) -> None:
        self.latency = latency
        self.delay = delay
        self.free = [0.0] * max(1, per_site)  # when each of the site's connections is free
        self.last_start: float | None = None
        self.makespan = 0.0
        self.robots_end = 0.0

    def run(self, release: float) -> float:
        """Start one request as early as allowed; its end time."""
        index = min(range(len(self.free)), key=self.free.__getitem__)
        start = max(release, self.free[index])
        if self.last_start is not None:
            start = max(start, self.last_start + self.delay)
        end = start + self.latency
        self.free[index] = end
        self.last_start = start
        self.makespan = max(self.makespan, end)
        return end
