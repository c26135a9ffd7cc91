"""A simulated news web on loopback: sites, feeds, article pages and every fault in between.

Used by the test suite, the benchmarks (bench/) and the offline demo:

    from simweb import demo_web, serve

    web = demo_web()
    with serve(web) as running:
        running.feed_urls()          # feed URLs to crawl
        running.expected_urls()      # article URLs a correct crawler must write
        running.log.records()        # every request the sites saw
"""

from simweb.faults import FAULT_KINDS, FaultSpec, fault_kinds, fault_spec, gzip_bomb
from simweb.model import (
    Entry,
    Feed,
    NewsWeb,
    Outage,
    Page,
    Site,
    Sitemap,
    SitemapRef,
    SitemapUrl,
    loopback_address,
)
from simweb.pagegen import LazyPages, make_article
from simweb.requestlog import RequestLog, RequestRecord
from simweb.running import RunningWeb, serve, serve_in_process
from simweb.scenarios import (
    broad_web,
    corpus_web,
    dead_web,
    demo_web,
    fault_web,
    memory_web,
    seed_web,
)
from simweb.sourcewebs import bad_sitemaps_web, source_urls, sources_web

__all__ = [
    "FAULT_KINDS",
    "Entry",
    "FaultSpec",
    "Feed",
    "LazyPages",
    "NewsWeb",
    "Outage",
    "Page",
    "RequestLog",
    "RequestRecord",
    "RunningWeb",
    "Site",
    "Sitemap",
    "SitemapRef",
    "SitemapUrl",
    "bad_sitemaps_web",
    "broad_web",
    "corpus_web",
    "dead_web",
    "demo_web",
    "fault_kinds",
    "fault_spec",
    "fault_web",
    "gzip_bomb",
    "loopback_address",
    "make_article",
    "memory_web",
    "seed_web",
    "serve",
    "serve_in_process",
    "source_urls",
    "sources_web",
]
