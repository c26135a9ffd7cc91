"""Run inside a network namespace of its own (see test_sources.py): only loopback exists there,
so a crawler that broke the address rule could not send a packet anywhere else.

    python -m tests.sitemap_safety_scenario WORKDIR

Serves one loopback site whose sitemap index lists two child sitemaps on private and
link-local addresses beside a healthy one, and whose healthy child lists the cloud metadata
address beside a healthy article; crawls the index; writes the crawl's log and items to WORKDIR.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from simweb import NewsWeb, Site, Sitemap, SitemapRef, SitemapUrl, make_article, serve
from tests.support import run_crawl

HOSTILE_CHILDREN = ("http://10.1.2.3/sitemap.xml", "http://169.254.169.254/latest/sitemap.xml")
HOSTILE_URL = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"


def web() -> NewsWeb:
    now = datetime.now(UTC)
    page = make_article("alpha", 0, seed=0, base=now)
    recent = now.replace(microsecond=0).isoformat()
    alpha = Site("alpha", pages={page.path: page}, sitemaps={
        "/sitemap_index.xml": Sitemap("/sitemap_index.xml", children=[
            *(SitemapRef(f"/x{n}", lastmod=recent, link_override=link)
              for n, link in enumerate(HOSTILE_CHILDREN)),
            SitemapRef("/news.xml", lastmod=recent)]),
        "/news.xml": Sitemap("/news.xml", urls=[
            SitemapUrl("alpha", page.path, news=True),
            SitemapUrl("alpha", "/meta", lastmod=recent, link_override=HOSTILE_URL)]),
    })
    return NewsWeb([alpha])


def main(workdir: Path) -> None:
    with serve(web()) as running:
        (workdir / "sources.txt").write_text(running.url("alpha", "/sitemap_index.xml") + "\n")
        result = run_crawl(workdir, "-a", "feeds=sources.txt",
                           settings={"DOWNLOAD_TIMEOUT": "5", "RETRY_TIMES": "0"},
                           timeout=120)  # before the test's own limit: nothing left behind
        (workdir / "result.json").write_text(json.dumps({
            "returncode": result.returncode, "log": result.log, "items": result.items,
            "healthy": sorted(running.expected_urls()),
        }))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
