"""The simulated news web as plain data: sites, their feeds and pages.

Nothing here does I/O. The server reads these objects; scenario builders create them; tests ask
`NewsWeb.articles()` which pages a correct crawler must end up writing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from simweb.faults import fault_spec

Latency = tuple[float, float]

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
    format: Literal["rss", "atom", "rdf"] = "rss"
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


@dataclass
class Site:
    name: str
    address: str | None = None
    pages: Mapping[str, Page] = field(default_factory=dict)
    feeds: dict[str, Feed] = field(default_factory=dict)
    robots: str | None = None
    feed_latency: Latency = (0.0, 0.0)
    # Also used for robots.txt, the homepage and 404s.
    page_latency: Latency = (0.0, 0.0)
    rate_limit_gap: float | None = None
    retry_after: str = "2"  # "" sends 429 without a Retry-After header
    homepage: bool = False
    lang: str = "en"

    def can_fetch(self, path: str) -> bool:
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

    def article_keys(self, *, js: bool = False) -> set[tuple[str, str]]:
        """(site name, path) of every article a correct crawler must write.

        A page counts when some usable feed (no fault, or a fault a robust parser survives, and
        not disallowed by robots.txt) lists it with a usable http link, the page exists, is not
        disallowed by its site's robots.txt, and has no fault or a recoverable one. A JS-rendered
        page counts only if some such entry carries the full content, unless `js` is True (the
        crawler renders JavaScript).
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

    def articles(self, *, js: bool = False) -> list[tuple[Site, Page]]:
        """Every (site, page) a correct crawler must write; see article_keys()."""
        out = []
        for name, path in sorted(self.article_keys(js=js)):
            site = self.site(name)
            out.append((site, site.pages[path]))
        return out


def loopback_address(n: int) -> str:
    """The n-th loopback address, skipping .0 and .255 in the last octet (n=2 -> 127.0.0.2)."""
    per_block = 254
    block, offset = divmod(n - 1, per_block)
    last = offset + 1
    if block > 255 * 256:
        raise ValueError("too many sites")
    return f"127.{block // 256}.{block % 256}.{last}"
