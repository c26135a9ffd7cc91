"""The simulated news web as plain data: sites, their feeds and pages.

Nothing here does I/O. The server reads these objects; scenario builders create them; tests ask
`NewsWeb.articles()` which pages a correct crawler must end up writing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from simweb.faults import fault_spec

Latency = tuple[float, float]

# What a correct crawler takes from sitemaps: URLs dated inside this window, the first
# SITEMAP_MAX_URLS of a file (the protocol's limit), children of indexes down to this depth.
SITEMAP_WINDOW = timedelta(days=2)
SITEMAP_MAX_URLS = 50_000
SITEMAP_MAX_DEPTH = 2

# The user agent articles() checks robots.txt rules for. Rules for "*" are what matter in
# practice; a named agent only changes the answer if a scenario's robots.txt names it.
ROBOTS_AGENT = "newscrawler"


@dataclass
class Page:
    """An article page. `paragraphs` is the ground truth the crawler's text is compared with."""

    path: str
    title: str = ""
    paragraphs: list[str] = field(default_factory=list)
    published: str | None = None
    author: str | None = None
    lang: str = "en"
    description: str | None = None
    image: str | None = None
    tags: list[str] = field(default_factory=list)
    # Served verbatim instead of the generated page (real corpus pages).
    html: bytes | None = None
    content_type: str = "text/html; charset=utf-8"
    render: Literal["static", "js"] = "static"
    fault: str | None = None
    latency: Latency | None = None
    # Key into the corpus ground truth for pages built by corpus_web().
    corpus_id: str | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass
class Entry:
    """A feed item pointing at a page, possibly hosted by another site."""

    site: str
    path: str
    # Literal link text for hostile or relative links; "{port}" is replaced by the server's port.
    link_override: str | None = None
    guid: str | None = None
    include_content: bool = False
    summary: str | None = None
    published: str | None = None
    title: str | None = None
    # Appended to the link as "?query" (tracking parameters and the like).
    query: str | None = None


@dataclass
class Feed:
    path: str
    format: Literal["rss", "atom", "rdf", "json"] = "rss"  # json: JSON Feed 1.1
    entries: list[Entry] = field(default_factory=list)
    title: str = ""
    fault: str | None = None
    latency: Latency | None = None
    description: str = ""
    # A server that lies: this ETag is sent and honoured (304) whatever the feed holds.
    etag: str | None = None
    cache_control: str = "max-age=60"
    ttl: int | None = None  # minutes: RSS <ttl>
    # Bookkeeping for ETag/Last-Modified: bump through NewsWeb.touch() after changing entries.
    version: int = field(default=0, compare=False, repr=False)
    modified: float = field(default_factory=lambda: float(int(time.time())), compare=False,
                            repr=False)


@dataclass(frozen=True)
class Outage:
    """The site goes down after it served `after` requests, for `seconds`: every request in
    that time gets `fault` (a connection reset by default); then it serves normally again."""

    after: int
    seconds: float
    fault: str = "reset"


@dataclass
class SitemapUrl:
    """A sitemap's ``<url>``: a page, possibly on another site."""

    site: str
    path: str
    lastmod: str | None = None        # ISO 8601; None: no <lastmod>
    # a <news:news> block: title, publication date, language and keywords of the page
    news: bool = False
    # literal <loc> for hostile links; "{port}" is replaced by the server's port
    link_override: str | None = None


@dataclass
class SitemapRef:
    """A child sitemap an index lists: a path on the index's site, or a literal <loc>."""

    path: str
    lastmod: str | None = None
    link_override: str | None = None  # e.g. "http://10.1.2.3/sitemap.xml"; "{port}" replaced


@dataclass
class Sitemap:
    """A sitemap (``urls``) or, with ``children``, a sitemap index."""

    path: str
    urls: list[SitemapUrl] = field(default_factory=list)
    children: list[SitemapRef] = field(default_factory=list)
    gzip: bool = False                # served as a .xml.gz file is: application/x-gzip body
    in_robots: bool = False           # named by a "Sitemap:" line of its site's robots.txt
    publication: str = ""             # <news:name>; default: the site's title
    # Served verbatim instead of the generated document (not XML, a gzip bomb...).
    body: bytes | None = None
    content_type: str | None = None   # default: application/xml, or x-gzip when gzip
    fault: str | None = None
    version: int = field(default=0, compare=False, repr=False)
    modified: float = field(default_factory=lambda: float(int(time.time())), compare=False,
                            repr=False)

    @property
    def is_index(self) -> bool:
        return bool(self.children)


@dataclass
class Site:
    name: str
    address: str | None = None
    pages: Mapping[str, Page] = field(default_factory=dict)
    feeds: dict[str, Feed] = field(default_factory=dict)
    sitemaps: dict[str, Sitemap] = field(default_factory=dict)
    robots: str | None = None
    feed_latency: Latency = (0.0, 0.0)
    # Also used for robots.txt, the homepage and 404s.
    page_latency: Latency = (0.0, 0.0)
    rate_limit_gap: float | None = None
    retry_after: str = "2"  # "" sends 429 without a Retry-After header
    homepage: bool = False
    lang: str = "en"
    # A dead or ailing site. `fault` answers every request (robots.txt, feeds, pages) with a
    # fault kind ("hang": accepts and never answers); `listening` False leaves the address
    # without a listening socket (connection refused); `outage` takes it down for a while;
    # `robots_fault` is for /robots.txt alone ("status:503", "first-500", "padded-600k"...).
    fault: str | None = None
    listening: bool = True
    outage: Outage | None = None
    robots_fault: str | None = None

    @property
    def dead(self) -> bool:
        """Nothing of the site can be fetched, ever (its robots.txt included)."""
        return not self.listening or (self.fault is not None
                                      and not fault_spec(self.fault).page_ok)

    def robots_unavailable(self) -> bool:
        """A crawler must skip the whole site: its robots.txt answers 5xx (RFC 9309 §2.3.1.4)."""
        fault = self.robots_fault or ""
        return fault.startswith("status:5") or self.dead

    def can_fetch(self, path: str) -> bool:
        if self.robots_unavailable():
            return False
        if not self.robots:
            return True
        parser = RobotFileParser()
        parser.parse(self.robots.splitlines())
        return parser.can_fetch(ROBOTS_AGENT, path)


@dataclass
class NewsWeb:
    sites: list[Site] = field(default_factory=list)
    seed: int = 0

    def __post_init__(self) -> None:
        self.assign_addresses()

    def assign_addresses(self) -> None:
        taken = {s.address for s in self.sites if s.address}
        n = 2
        for site in self.sites:
            if site.address:
                continue
            while (addr := loopback_address(n)) in taken:
                n += 1
            site.address = addr
            taken.add(addr)
        names = [s.name for s in self.sites]
        if len(set(names)) != len(names):
            raise ValueError("site names must be unique")

    def site(self, name: str) -> Site:
        for site in self.sites:
            if site.name == name:
                return site
        raise KeyError(name)

    def site_by_address(self, address: str) -> Site | None:
        for site in self.sites:
            if site.address == address:
                return site
        return None

    def feed_paths(self) -> list[tuple[str, str]]:
        """(site name, feed path) for every feed, in site then feed order."""
        return [(s.name, path) for s in self.sites for path in s.feeds]

    def feeds(self) -> Iterator[tuple[Site, Feed]]:
        for site in self.sites:
            for feed in site.feeds.values():
                yield site, feed

    def touch(self, feed: Feed) -> None:
        """Record that `feed` changed, so its ETag and Last-Modified change."""
        feed.version += 1
        # Whole seconds because HTTP dates have no fractions; always moving forward keeps a
        # client's If-Modified-Since from matching a feed changed within the same second.
        feed.modified = max(float(int(time.time())), feed.modified + 1)

    def add_entry(self, site: str, feed_path: str, entry: Entry, *, page: Page | None = None,
                  first: bool = True) -> None:
        """Add `entry` to a feed (newest first by default), optionally adding its page too."""
        if page is not None:
            host = self.site(entry.site)
            if not isinstance(host.pages, dict):
                raise TypeError(f"site {host.name!r} has a read-only page source")
            host.pages[page.path] = page
        feed = self.site(site).feeds[feed_path]
        if first:
            feed.entries.insert(0, entry)
        else:
            feed.entries.append(entry)
        self.touch(feed)

    def entry_target(self, site: Site, feed: Feed, entry: Entry) -> tuple[Site, str] | None:
        """The (site, path) a feed entry's link leads to, or None if it is not a usable http link.

        Relative links resolve against the feed's URL, as a feed reader would.
        """
        if entry.link_override is None:
            try:
                return self.site(entry.site), entry.path
            except KeyError:
                return None
        base = f"http://{site.address}{feed.path}"
        link = entry.link_override.replace("{port}", "0").strip()
        parts = urlsplit(urljoin(base, link))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        host = self.site_by_address(parts.hostname)
        if host is None:
            return None
        return host, parts.path or "/"

    def article_keys(self, *, js: bool = False, now: datetime | None = None
                     ) -> set[tuple[str, str]]:
        """(site name, path) of every article a correct crawler must write.

        A page counts when some usable feed (no fault, or a fault a robust parser survives, and
        not disallowed by robots.txt) lists it with a usable http link, the page exists, is not
        disallowed by its site's robots.txt, and has no fault or a recoverable one. A JS-rendered
        page counts only if some such entry carries the full content, unless `js` is True (the
        crawler renders JavaScript). Sitemaps count as feeds do, for the URLs a crawler takes
        from them (see `_sitemap_candidates`); every sitemap that no index lists is taken as
        crawled.
        """
        with_content: set[tuple[str, str]] = set()
        candidates: set[tuple[str, str]] = set()
        robots_cache: dict[tuple[str, str], bool] = {}

        def allowed(s: Site, path: str) -> bool:
            key = (s.name, path)
            if key not in robots_cache:
                robots_cache[key] = s.can_fetch(path)
            return robots_cache[key]

        for site, feed in self.feeds():
            if feed.fault and not fault_spec(feed.fault).feed_ok:
                continue
            if not allowed(site, feed.path):
                continue
            for entry in feed.entries:
                target = self.entry_target(site, feed, entry)
                if target is None:
                    continue
                host, path = target
                key = (host.name, path)
                candidates.add(key)
                if entry.include_content:
                    with_content.add(key)

        candidates |= self._sitemap_candidates(allowed, now=now)

        keys: set[tuple[str, str]] = set()
        for name, path in candidates:
            host = self.site(name)
            if getattr(host.pages, "plain", False):
                # A source of static, fault-free pages (LazyPages): don't generate each one.
                if path in host.pages and allowed(host, path):
                    keys.add((name, path))
                continue
            page = host.pages.get(path)
            if page is None or not allowed(host, path):
                continue
            if page.fault and not fault_spec(page.fault).page_ok:
                continue
            if page.render == "js" and not js and (name, path) not in with_content:
                continue
            keys.add((name, path))
        return keys

    def _sitemap_candidates(self, allowed: Callable[[Site, str], bool], *,
                            now: datetime | None = None) -> set[tuple[str, str]]:
        """Pages that the sitemaps a crawler reads list with a date inside SITEMAP_WINDOW.

        Read: every sitemap no index lists, and the children (down to SITEMAP_MAX_DEPTH) whose
        own <lastmod> is inside the window or missing; not a faulty or verbatim one, nor one
        robots.txt disallows. A URL's date is its page's publication date when it has a news
        block, else its <lastmod>; only the first SITEMAP_MAX_URLS of a file count.
        """
        cutoff = (now or datetime.now(UTC)) - SITEMAP_WINDOW
        listed = {(site.name, ref.path) for site in self.sites for sm in site.sitemaps.values()
                  for ref in sm.children if ref.link_override is None and ref.path != sm.path}
        by_name = {site.name: site for site in self.sites}
        todo = [(site, sm, 0) for site in self.sites for sm in site.sitemaps.values()
                if (site.name, sm.path) not in listed]
        seen: set[tuple[str, str]] = set()
        out: set[tuple[str, str]] = set()
        while todo:
            site, sitemap, depth = todo.pop()
            if (site.name, sitemap.path) in seen or not allowed(site, sitemap.path):
                continue
            seen.add((site.name, sitemap.path))
            if sitemap.body is not None or (sitemap.fault and
                                            not fault_spec(sitemap.fault).feed_ok):
                continue
            for ref in sitemap.children if depth < SITEMAP_MAX_DEPTH else ():
                child = site.sitemaps.get(ref.path)
                if child is not None and ref.link_override is None and (
                        ref.lastmod is None or _when(ref.lastmod) >= cutoff):
                    todo.append((site, child, depth + 1))
            for url in sitemap.urls[:SITEMAP_MAX_URLS]:
                host = by_name.get(url.site)
                page = host.pages.get(url.path) if host and url.link_override is None else None
                date = page.published if url.news and page is not None else url.lastmod
                if host is not None and date is not None and _when(date) >= cutoff:
                    out.add((host.name, url.path))
        return out

    def articles(self, *, js: bool = False) -> list[tuple[Site, Page]]:
        """Every (site, page) a correct crawler must write; see article_keys()."""
        out = []
        for name, path in sorted(self.article_keys(js=js)):
            site = self.site(name)
            out.append((site, site.pages[path]))
        return out


def _when(iso: str) -> datetime:
    when = datetime.fromisoformat(iso)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def loopback_address(n: int) -> str:
    """The n-th loopback address, skipping .0 and .255 in the last octet (n=2 -> 127.0.0.2)."""
    per_block = 254
    block, offset = divmod(n - 1, per_block)
    last = offset + 1
    if block > 255 * 256:
        raise ValueError("too many sites")
    return f"127.{block // 256}.{block % 256}.{last}"
