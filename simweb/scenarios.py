"""Ready-made simulated webs for the demo, the tests and the benchmarks.

Every builder is deterministic for a given seed, except that publication dates are relative to
`base` (default: now, floored to the hour) so that crawlers filtering old news keep them.
"""

from __future__ import annotations

import dataclasses
import gzip
import html
import json
import math
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from simweb.faults import FAULT_KINDS, fault_spec
from simweb.model import Entry, Feed, Latency, NewsWeb, Outage, Page, Site
from simweb.pagegen import LazyPages, article_stub, make_article
from simweb.textgen import default_base_time

FORMATS: tuple[Literal["rss", "atom", "rdf"], ...] = ("rss", "atom", "rdf")
FEED_FILE = {"rss": "rss.xml", "atom": "atom.xml", "rdf": "index.rdf"}
SITE_NAMES = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota",
              "kappa", "lambda", "mu")
ALLOW_ALL = "User-agent: *\nAllow: /\n"

UTM = "utm_source=rss&utm_medium=feed"
SUMMARY_HTML = "<p>Short &amp; <b>sweet</b></p>"


class _Builder:
    """Adds generated articles to sites, numbering them per site."""

    def __init__(self, seed: int, base: datetime | None) -> None:
        self.seed = seed
        self.base = base or default_base_time()
        self.counts: dict[str, int] = {}

    def article(self, site: Site, *, accents: bool = False, **changes: object) -> Page:
        index = self.counts.get(site.name, 0)
        self.counts[site.name] = index + 1
        page = make_article(site.name, index, seed=self.seed, base=self.base, lang=site.lang,
                            accents=accents)
        if changes:
            page = dataclasses.replace(page, **changes)  # type: ignore[arg-type]
        assert isinstance(site.pages, dict)
        site.pages[page.path] = page
        return page


def _entry(site: Site, page: Page, **kw: object) -> Entry:
    return Entry(site=site.name, path=page.path, **kw)  # type: ignore[arg-type]


def demo_web(seed: int = 0, *, base: datetime | None = None) -> NewsWeb:
    """5 sites, 4 feeds (RSS, Atom, RDF), 15 pages of which 14 must be written.

    Covers: one article in two feeds (once with utm parameters), an aggregator linking to two
    other sites, a JS-only page whose feed entry carries content:encoded, a robots.txt
    disallowing /private/ with an entry pointing there, a homepage advertising a feed.
    """
    b = _Builder(seed, base)
    lat: Latency = (0.05, 0.2)
    alpha, beta, gamma, delta, epsilon = (
        Site(name, feed_latency=lat, page_latency=lat) for name in SITE_NAMES[:5]
    )
    alpha.homepage = True
    alpha.robots = ALLOW_ALL
    gamma.robots = "User-agent: *\nDisallow: /private/\n"

    a = [b.article(alpha) for _ in range(4)]
    alpha.feeds["/feeds/news.xml"] = Feed("/feeds/news.xml", "rss", [_entry(alpha, p) for p in a],
                                          title="Alpha News: latest")

    bp = [b.article(beta) for _ in range(4)]
    shifted = (datetime.fromisoformat(bp[2].published or "") + timedelta(hours=2)).isoformat()
    beta.feeds["/atom.xml"] = Feed("/atom.xml", "atom", [
        _entry(beta, bp[0]),
        _entry(beta, bp[1], summary=SUMMARY_HTML),
        # The feed's date differs from the page's: the page is the better source.
        _entry(beta, bp[2], published=shifted),
        _entry(beta, bp[3], guid=f"beta-{bp[3].path}"),
    ], title="Beta Daily")

    g = [b.article(gamma) for _ in range(3)]
    private = b.article(gamma, path="/private/embargoed-report.html")
    gamma.feeds["/index.rdf"] = Feed("/index.rdf", "rdf",
                                     [_entry(gamma, p) for p in [*g, private]],
                                     title="Gamma Gazette")

    d0 = b.article(delta)
    e_js = b.article(epsilon, render="js")
    e_static = b.article(epsilon)
    delta.feeds["/aggregator.xml"] = Feed("/aggregator.xml", "rss", [
        _entry(delta, d0),
        _entry(alpha, a[1], query=UTM),
        _entry(epsilon, e_js, include_content=True),
        _entry(epsilon, e_static, summary="A plain summary."),
    ], title="Delta Aggregator")
    return NewsWeb([alpha, beta, gamma, delta, epsilon], seed=seed)


def seed_web(seed: int = 0, *, base: datetime | None = None) -> NewsWeb:
    """8 sites, 26 feeds, 36 articles; slow (feeds 0.5-0.8 s, pages 0.8-1.1 s).

    "delta" answers 429 (Retry-After: 2) to any request less than 2 s after its previous one.
    Some articles are in two feeds of their site, an aggregator on "alpha" links to three other
    sites, and "beta" has a top-stories feed repeating articles.
    """
    b = _Builder(seed, base)
    sites = [Site(name, feed_latency=(0.5, 0.8), page_latency=(0.8, 1.1))
             for name in SITE_NAMES[:8]]
    sites[3].rate_limit_gap = 2.0
    sites[3].retry_after = "2"
    for i, site in enumerate(sites):
        if i % 2 == 0:
            site.robots = ALLOW_ALL
        pages = [b.article(site) for _ in range(4 if i < 4 else 5)]
        feeds = [Feed(f"/feeds/{section}.xml", FORMATS[(i + j) % 3], [],
                      title=f"{site.name.capitalize()} {section}")
                 for j, section in enumerate(("news", "business", "culture"))]
        for k, page in enumerate(pages):
            feeds[k % 3].entries.append(_entry(site, page))
            if k % 2 == 0:
                feeds[(k + 1) % 3].entries.append(_entry(site, page))
        site.feeds = {f.path: f for f in feeds}

    def first(site: Site) -> Page:
        return next(iter(site.pages.values()))

    alpha, beta = sites[0], sites[1]
    alpha.feeds["/feeds/aggregator.xml"] = Feed("/feeds/aggregator.xml", "rss", [
        _entry(sites[2], first(sites[2])),
        _entry(sites[5], first(sites[5]), query=UTM),
        _entry(sites[6], first(sites[6])),
    ], title="Alpha aggregator")
    top = list(beta.pages.values())[:2]
    beta.feeds["/feeds/top.xml"] = Feed("/feeds/top.xml", "atom", [
        *(_entry(beta, p) for p in top),
        _entry(sites[3], first(sites[3])),
    ], title="Beta top stories")
    return NewsWeb(sites, seed=seed)


def broad_web(sites: int = 200, articles_per_site: int = 5, latency: Latency = (0.3, 1.5),
              seed: int = 0, *, base: datetime | None = None) -> NewsWeb:
    """Many small sites with one feed each: a politeness and concurrency workload."""
    b = _Builder(seed, base)
    out = []
    for i in range(sites):
        site = Site(f"site{i:03d}", feed_latency=latency, page_latency=latency)
        pages = [b.article(site) for _ in range(articles_per_site)]
        fmt = FORMATS[i % 3]
        path = "/" + FEED_FILE[fmt]
        site.feeds[path] = Feed(path, fmt, [_entry(site, p) for p in pages],
                                title=f"Site {i:03d}")
        out.append(site)
    return NewsWeb(out, seed=seed)


_TITLE_RE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _corpus_title(raw: bytes, fallback: str) -> str:
    match = _TITLE_RE.search(raw[:200_000])
    if not match:
        return fallback
    title = html.unescape(match.group(1).decode("utf-8", "replace"))
    return " ".join(title.split())[:200] or fallback


def corpus_web(folder: str | Path, sites: int = 20, pages: int | None = None, seed: int = 0,
               *, latency: Latency = (0.0, 0.0)) -> NewsWeb:
    """Real article pages (html/<id>.html.gz + ground-truth.json) spread over `sites` sites.

    Pages are served byte for byte as text/html without a charset; `Page.paragraphs` is the
    ground-truth articleBody split on blank lines and `Page.corpus_id` the id. With more
    `pages` than files, files repeat under distinct paths.
    """
    folder = Path(folder)
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    files = {p.name.removesuffix(".html.gz"): p for p in (folder / "html").glob("*.html.gz")}
    ids = sorted(i for i in files if i in truth)
    if not ids:
        raise ValueError(f"no pages with ground truth in {folder}")
    count = len(ids) if pages is None else pages
    site_count = max(1, min(sites, count))
    out = [Site(f"corpus{i:02d}", feed_latency=latency, page_latency=latency)
           for i in range(site_count)]
    raw_cache: dict[str, bytes] = {}
    for n in range(count):
        cid = ids[n % len(ids)]
        if cid not in raw_cache:
            raw_cache[cid] = gzip.decompress(files[cid].read_bytes())
        raw = raw_cache[cid]
        lap = n // len(ids)
        path = f"/story/{cid[:16]}{f'-{lap}' if lap else ''}.html"
        body = truth[cid].get("articleBody") or ""
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
        site = out[n % site_count]
        page = Page(path=path, title=_corpus_title(raw, cid), paragraphs=paragraphs, html=raw,
                    content_type="text/html", corpus_id=cid)
        assert isinstance(site.pages, dict)
        site.pages[path] = page
    for site in out:
        site.feeds["/rss.xml"] = Feed("/rss.xml", "rss",
                                      [Entry(site.name, p) for p in site.pages],
                                      title=f"{site.name} corpus")
    return NewsWeb(out, seed=seed)


def memory_web(articles: int = 20000, sites: int = 20, seed: int = 0, *,
               per_feed: int = 250, latency: Latency = (0.0, 0.0),
               base: datetime | None = None) -> NewsWeb:
    """Many articles whose pages are generated on request and never kept by the server.

    Feed entries carry their title and date so that listing them does not generate pages.
    """
    base = base or default_base_time()
    out = []
    for i in range(sites):
        name = f"mem{i:02d}"
        count = articles // sites + (1 if i < articles % sites else 0)
        site = Site(name, pages=LazyPages(name, count, seed=seed, base=base),
                    feed_latency=latency, page_latency=latency)
        for j in range(math.ceil(count / per_feed)):
            fmt = FORMATS[(i + j) % 3]
            entries = []
            for index in range(j * per_feed, min(count, (j + 1) * per_feed)):
                path, title, published = article_stub(name, index, seed=seed, base=base)
                entries.append(Entry(name, path, title=title, published=published))
            feed_path = f"/feeds/{j}.xml"
            site.feeds[feed_path] = Feed(feed_path, fmt, entries, title=f"{name} part {j}")
        out.append(site)
    return NewsWeb(out, seed=seed)


HOSTILE_LINKS = (
    "javascript:alert(1)",
    "mailto:x@y",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    "ftp://127.0.0.1/pub/story.html",
    "s3://bucket/key",
)


def _slug(kind: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", kind.lower())


def fault_web(seed: int = 0, *, kinds: tuple[str, ...] = FAULT_KINDS,
              base: datetime | None = None) -> NewsWeb:
    """Healthy sites plus a feed and/or a page for every fault kind, and hostile entry links.

    - "alpha" (RSS), "beta" (Atom), "gamma" (RDF): healthy feeds of healthy pages.
    - "feedfaults": one RSS feed per feed fault (/feeds/<kind>.xml), each listing two pages
      on "orphans" that no other feed lists; they count only if the fault is recoverable.
    - "pagefaults": a healthy feed (/feed.xml) listing one page per page fault.
    - "hostile": /feeds/hostile.xml with non-http links, a duplicated link, a link to a
      missing page and a relative link ("../news/relative.html") to a healthy page.
    All pages use some non-ASCII (Latin-1) text so the charset faults have something to garble.
    `web.articles()` lists exactly the pages a robust crawler writes.
    """
    b = _Builder(seed, base)
    alpha, beta, gamma = (Site(n) for n in SITE_NAMES[:3])
    alpha.robots = ALLOW_ALL
    for site, fmt in ((alpha, "rss"), (beta, "atom"), (gamma, "rdf")):
        pages = [b.article(site, accents=True) for _ in range(3)]
        path = "/" + FEED_FILE[fmt]
        site.feeds[path] = Feed(path, fmt, [_entry(site, p) for p in pages],
                                title=f"{site.name.capitalize()} healthy")

    feedfaults, orphans = Site("feedfaults"), Site("orphans")
    pagefaults, hostile = Site("pagefaults"), Site("hostile")
    for kind in kinds:
        spec = fault_spec(kind)
        if "feed" in spec.targets:
            listed = [b.article(orphans, accents=True) for _ in range(2)]
            path = f"/feeds/{_slug(kind)}.xml"
            feedfaults.feeds[path] = Feed(path, "rss", [_entry(orphans, p) for p in listed],
                                          title=f"Broken feed: {kind}", fault=kind)
    page_entries = []
    for kind in kinds:
        if "page" in fault_spec(kind).targets:
            page = b.article(pagefaults, accents=True, path=f"/faults/{_slug(kind)}.html",
                             fault=kind)
            page_entries.append(_entry(pagefaults, page))
    pagefaults.feeds["/feed.xml"] = Feed("/feed.xml", "rss", page_entries,
                                         title="Pages with faults")

    dup = b.article(hostile, accents=True)
    relative = b.article(hostile, accents=True, path="/news/relative.html")
    entries = [Entry(hostile.name, f"/hostile/{i}", link_override=link, title=f"Hostile {i}")
               for i, link in enumerate(HOSTILE_LINKS)]
    entries += [
        _entry(hostile, dup),
        _entry(hostile, dup),
        Entry(hostile.name, "/news/missing.html", title="Missing page"),
        Entry(hostile.name, relative.path, link_override="../news/relative.html"),
    ]
    hostile.feeds["/feeds/hostile.xml"] = Feed("/feeds/hostile.xml", "rss", entries,
                                               title="Hostile links")
    sites = [alpha, beta, gamma, feedfaults, orphans, pagefaults, hostile]
    return NewsWeb([s for s in sites if s.feeds or s.pages], seed=seed)


PRIVATE_RULES = "User-agent: *\nDisallow: /private/\n"
ROBOTS_FAULT_SITES = {  # site name -> its robots.txt fault
    "robots503": "status:503",
    "robots404": "status:404",
    "robots500then200": "first-500",
    "robotsredirect": "redirect-chain",
    "robots600k": "padded-600k",
}


def dead_web(seed: int = 0, *, base: datetime | None = None, outage_seconds: float = 4.0,
             unresolvable: str | None = None) -> NewsWeb:
    """Healthy sites beside dead and ailing ones: the circuit breaker and robots.txt by RFC 9309.

    - "alpha": healthy, 3 articles; its feed also lists one page on "refusing" and one on
      "hanging", with summaries (a crawler writes them with the feed's text).
    - "refusing": nothing listens on its address (connection refused); a feed of 3 articles.
    - "hanging": accepts every connection and never answers; a feed of 3 articles.
    - "flaky": a feed of 6 articles with summaries; after its 3rd request (robots.txt, feed,
      one article) it resets every connection for `outage_seconds`, then serves again.
    - "late": its feed lists 2 more "flaky" pages. Its robots.txt is its first request and
      its feed the second: with a delay longer than the outage plus SITE_COOL_OFF for its site
      (DOWNLOAD_SLOTS), those pages are asked for once "flaky" is back.
    - one site per robots.txt fault (ROBOTS_FAULT_SITES): rules disallowing /private/ (none for
      the 404), a feed of 2 articles and one under /private/.
    - `unresolvable`: a host name that does not resolve (under .invalid, looked up only where
      no DNS query can leave); "alpha" then lists a page on it too, with a summary.
    `web.articles()` knows that the dead sites and a robots.txt answering 5xx give nothing; it
    cannot know which "flaky" pages fall in the outage.
    """
    b = _Builder(seed, base)
    alpha = Site("alpha", robots=ALLOW_ALL)
    refusing = Site("refusing", listening=False)
    hanging = Site("hanging", fault="hang")
    flaky = Site("flaky", outage=Outage(after=3, seconds=outage_seconds))
    late = Site("late")
    sites = [alpha, refusing, hanging, flaky, late]
    alpha_entries = [_entry(alpha, b.article(alpha)) for _ in range(3)]
    for dead in (refusing, hanging):
        pages = [b.article(dead) for _ in range(3)]
        dead.feeds["/rss.xml"] = Feed("/rss.xml", "rss", [_entry(dead, p) for p in pages],
                                      title=f"{dead.name} news")
        alpha_entries.append(_entry(dead, pages[0], summary=f"What {dead.name} wrote."))
    if unresolvable:
        alpha_entries.append(Entry(alpha.name, "/nowhere", title="A story nobody can reach",
                                   link_override=f"http://{unresolvable}/story.html",
                                   summary="What the unresolvable site wrote."))
    alpha.feeds["/rss.xml"] = Feed("/rss.xml", "rss", alpha_entries, title="Alpha news")
    flaky_pages = [b.article(flaky) for _ in range(8)]
    flaky.feeds["/rss.xml"] = Feed("/rss.xml", "rss", [
        _entry(flaky, p, summary=f"Summary of {p.title}.") for p in flaky_pages[:6]],
        title="Flaky news")
    late.feeds["/rss.xml"] = Feed("/rss.xml", "rss", [_entry(flaky, p) for p in flaky_pages[6:]],
                                  title="Late news")
    for name, fault in ROBOTS_FAULT_SITES.items():
        site = Site(name, robots=None if fault.startswith("status:4") else PRIVATE_RULES,
                    robots_fault=fault)
        pages = [b.article(site) for _ in range(2)]
        pages.append(b.article(site, path="/private/members-only.html"))
        site.feeds["/rss.xml"] = Feed("/rss.xml", "rss", [_entry(site, p) for p in pages],
                                      title=f"{name} news")
        sites.append(site)
    return NewsWeb(sites, seed=seed)
