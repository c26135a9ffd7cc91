"""Ready-made webs for the other ways in: news sitemaps, sitemaps and sitemap indexes (plain and
gzipped, named in robots.txt), JSON Feed, a bare home page, and broken sitemaps.

Dates are relative to `base` (default: now, floored to the hour): "recent" is a few hours
before it, "old" ten days or more, so a crawler's two-day sitemap window splits them the same
way whenever the test runs.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from simweb.faults import gzip_bomb
from simweb.model import Feed, NewsWeb, Page, Site, Sitemap, SitemapRef, SitemapUrl
from simweb.running import RunningWeb
from simweb.scenarios import ALLOW_ALL, _Builder, _entry

# What an article in French says (enough text for language identification to be sure).
FRENCH = [
    "Le conseil municipal a adopté mardi soir un budget qui prévoit la rénovation complète de "
    "la gare centrale et la construction de trois nouvelles écoles dans les quartiers du nord.",
    "Selon le maire, les travaux commenceront au printemps prochain et devraient durer près de "
    "quatre ans, malgré les inquiétudes des commerçants qui craignent une baisse de leur "
    "chiffre d'affaires pendant le chantier.",
    "L'opposition a dénoncé un projet trop coûteux et réclame une consultation des habitants "
    "avant le vote définitif prévu à la fin du mois.",
]
SITEMAP_SITES = ("gazette", "wire", "ledger", "digest", "courier", "herald")


def _iso(when: datetime) -> str:
    return when.replace(microsecond=0).isoformat()


class _Dated:
    """Articles with chosen dates: `hours` before the base time."""

    def __init__(self, builder: _Builder) -> None:
        self.builder = builder
        self.base = builder.base

    def article(self, site: Site, hours: float, **changes: object) -> Page:
        return self.builder.article(site, published=self.ago(hours), **changes)

    def ago(self, hours: float) -> str:
        return _iso(self.base - timedelta(hours=hours))


def sources_web(seed: int = 0, *, base: datetime | None = None) -> NewsWeb:
    """Six sites, one per way in; list `source_urls(running)` to crawl them all.

    - "gazette": an RSS feed (/rss.xml) of 3 recent articles and one in French.
    - "wire": a Google News sitemap (/news-sitemap.xml): 4 recent articles, one 5 days old,
      one declared French.
    - "ledger": only a plain sitemap (/sitemap.xml): 3 URLs changed recently, 3 changed 10 to
      400 days ago, 1 without <lastmod>.
    - "digest": a sitemap index (/sitemap_index.xml) of a recent child (2 recent URLs, 1 old)
      and a child last changed in 2019 (its URLs are old too).
    - "courier": a JSON Feed 1.1 (/feed.json) of 3 recent articles, one a script app whose item
      carries its content.
    - "herald": a home page that announces no feed. Its robots.txt disallows /private/ and names
      a full sitemap of old pages (/sitemap.xml) and a news sitemap index
      (/news/sitemap_index.xml) whose children are a gzipped news sitemap
      (/news/sitemap-today.xml.gz: 4 recent articles and one under /private/), a 2019 archive
      and the index itself.
    """
    b = _Builder(seed, base)
    d = _Dated(b)
    gazette, wire, ledger, digest, courier, herald = (Site(name) for name in SITEMAP_SITES)
    for site in (gazette, wire, ledger, digest, courier):
        site.robots = ALLOW_ALL

    g = [d.article(gazette, h) for h in (2, 5, 9)]
    french = d.article(gazette, 3, paragraphs=list(FRENCH), lang="fr",
                       title="Le conseil adopte le budget de la gare")
    gazette.feeds["/rss.xml"] = Feed("/rss.xml", "rss", [_entry(gazette, p) for p in [*g, french]],
                                     title="Gazette: latest")

    w = [d.article(wire, h) for h in (1, 4, 8, 20)]
    w_old = d.article(wire, 5 * 24)
    w_fr = d.article(wire, 6, lang="fr")
    wire.sitemaps["/news-sitemap.xml"] = Sitemap("/news-sitemap.xml", urls=[
        SitemapUrl(wire.name, p.path, news=True) for p in [*w, w_old, w_fr]])

    recent = [d.article(ledger, h) for h in (3, 12, 30)]
    old = [d.article(ledger, h) for h in (10 * 24, 90 * 24, 400 * 24)]
    undated = b.article(ledger)
    ledger.sitemaps["/sitemap.xml"] = Sitemap("/sitemap.xml", urls=[
        *(SitemapUrl(ledger.name, p.path, lastmod=p.published) for p in [*recent, *old]),
        SitemapUrl(ledger.name, undated.path)])

    fresh = [d.article(digest, h) for h in (2, 7)]
    stale = d.article(digest, 15 * 24)
    archived = [d.article(digest, 6 * 365 * 24) for _ in range(2)]
    digest.sitemaps["/sitemaps/recent.xml"] = Sitemap("/sitemaps/recent.xml", urls=[
        SitemapUrl(digest.name, p.path, lastmod=p.published) for p in [*fresh, stale]])
    digest.sitemaps["/sitemaps/2019-05.xml"] = Sitemap("/sitemaps/2019-05.xml", urls=[
        SitemapUrl(digest.name, p.path, lastmod=p.published) for p in archived])
    digest.sitemaps["/sitemap_index.xml"] = Sitemap("/sitemap_index.xml", children=[
        SitemapRef("/sitemaps/recent.xml", lastmod=d.ago(2)),
        SitemapRef("/sitemaps/2019-05.xml", lastmod="2019-05-31T23:00:00+00:00")])

    c = [d.article(courier, h) for h in (1, 26)]
    app = d.article(courier, 6, render="js")  # a script app: the item's content_html stands in
    courier.feeds["/feed.json"] = Feed("/feed.json", "json", [
        *(_entry(courier, p) for p in c), _entry(courier, app, include_content=True)],
        title="Courier")

    herald.homepage = True
    herald.robots = "User-agent: *\nDisallow: /private/\n"
    news = [d.article(herald, h) for h in (1, 3, 6, 11)]
    embargoed = d.article(herald, 2, path="/private/embargoed.html")  # robots.txt: disallowed
    herald_old = [d.article(herald, h) for h in (30 * 24, 60 * 24)]
    herald.sitemaps["/sitemap.xml"] = Sitemap("/sitemap.xml", in_robots=True, urls=[
        SitemapUrl(herald.name, p.path, lastmod=p.published) for p in herald_old])
    herald.sitemaps["/news/sitemap-today.xml.gz"] = Sitemap(
        "/news/sitemap-today.xml.gz", gzip=True, publication="The Herald",
        urls=[SitemapUrl(herald.name, p.path, news=True) for p in [*news, embargoed]])
    herald.sitemaps["/news/sitemap-2019-05.xml"] = Sitemap("/news/sitemap-2019-05.xml", urls=[
        SitemapUrl(herald.name, p.path, news=True) for p in herald_old])
    herald.sitemaps["/news/sitemap_index.xml"] = Sitemap(
        "/news/sitemap_index.xml", in_robots=True, children=[
            SitemapRef("/news/sitemap_index.xml", lastmod=d.ago(1)),
            SitemapRef("/news/sitemap-today.xml.gz", lastmod=d.ago(1)),
            SitemapRef("/news/sitemap-2019-05.xml", lastmod="2019-05-31T23:00:00+00:00")])
    return NewsWeb([gazette, wire, ledger, digest, courier, herald], seed=seed)


SOURCE_PATHS = {
    "gazette": "/rss.xml",
    "wire": "/news-sitemap.xml",
    "ledger": "/sitemap.xml",
    "digest": "/sitemap_index.xml",
    "courier": "/feed.json",
    "herald": "/",
}

HUGE_URLS = 60_000
HUGE_RECENT_AT = (0, 1, 2)               # inside the first 50,000: requested
HUGE_BEYOND_CAP_AT = (55_000, 55_001)    # recent, but past the protocol's 50,000: never read


def bad_sitemaps_web(seed: int = 0, *, base: datetime | None = None) -> NewsWeb:
    """One site, "broken", whose sitemaps misbehave; each is listed on its own.

    - /not-xml.xml: plain text where the sitemap should be.
    - /huge.xml: 60,000 URLs, old but for 3 at the start and 2 past the 50,000th.
    - /loop.xml: an index that lists itself, a recent child (/loop-child.xml, one article)
      and a child that does not exist (/missing-child.xml: 404).
    - /bomb.xml.gz: a gzip file of 1 MB that inflates to 1 GiB (no Content-Encoding).
    """
    b = _Builder(seed, base)
    d = _Dated(b)
    broken = Site("broken", robots=ALLOW_ALL)
    broken.sitemaps["/not-xml.xml"] = Sitemap(
        "/not-xml.xml", body=b"This is not the sitemap you are looking for.\n",
        content_type="application/xml")
    recent = {n: d.article(broken, 1 + n) for n in (*HUGE_RECENT_AT, *HUGE_BEYOND_CAP_AT)}
    old_lastmod = d.ago(20 * 24)
    broken.sitemaps["/huge.xml"] = Sitemap("/huge.xml", urls=[
        SitemapUrl(broken.name, recent[n].path, lastmod=recent[n].published) if n in recent
        else SitemapUrl(broken.name, f"/archive/{n}.html", lastmod=old_lastmod)
        for n in range(HUGE_URLS)])
    child = d.article(broken, 2)
    broken.sitemaps["/loop-child.xml"] = Sitemap("/loop-child.xml", urls=[
        SitemapUrl(broken.name, child.path, lastmod=child.published)])
    broken.sitemaps["/loop.xml"] = Sitemap("/loop.xml", children=[
        SitemapRef("/loop.xml", lastmod=d.ago(1)),
        SitemapRef("/loop-child.xml", lastmod=d.ago(1)),
        SitemapRef("/missing-child.xml", lastmod=d.ago(1))])
    broken.sitemaps["/bomb.xml.gz"] = Sitemap("/bomb.xml.gz", gzip=True, body=gzip_bomb())
    return NewsWeb([broken], seed=seed)


BAD_SITEMAP_PATHS = ("/not-xml.xml", "/huge.xml", "/loop.xml", "/bomb.xml.gz")


def source_urls(running: RunningWeb, paths: dict[str, str] | None = None) -> list[str]:
    """The feed-list lines of a served `sources_web` (or other sites and paths)."""
    return [running.url(name, path) for name, path in (paths or SOURCE_PATHS).items()]
