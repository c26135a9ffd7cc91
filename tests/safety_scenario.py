"""Run inside a network namespace of its own (see test_safety.py): only loopback exists there,
so even a crawler that broke the address rule could not send a packet anywhere else.

    python -m tests.safety_scenario WORKDIR

Serves one loopback site whose feed links to a healthy page, to cloud metadata, to private
and link-local addresses, and to a host name that resolves to 169.254.169.254; crawls it;
writes the crawl's log and items to WORKDIR.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from simweb import Entry, Feed, NewsWeb, Site, make_article, serve
from tests.support import run_crawl

HOSTILE = (
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://metadata.newscrawler.test/latest/meta-data/",  # /etc/hosts: 169.254.169.254
    "http://10.1.2.3/admin",
    "http://192.168.0.1/",
    "http://[fe80::1]/",
    "http://0.0.0.0:{port}/",
)


def web() -> NewsWeb:
    page = make_article("alpha", 0, seed=0, base=datetime.now(UTC))
    entries = [Entry("alpha", page.path)]
    entries += [Entry("alpha", f"/x{i}", link_override=link, title=f"Hostile {i}",
                      summary="Feed text that must not replace a blocked fetch.")
                for i, link in enumerate(HOSTILE)]
    alpha = Site("alpha", pages={page.path: page},
                 feeds={"/rss.xml": Feed("/rss.xml", "rss", entries, title="Alpha")})
    return NewsWeb([alpha])


def main(workdir: Path) -> None:
    with serve(web()) as running:
        running.write_feed_list(workdir / "feeds.txt")
        result = run_crawl(workdir, "-a", "feeds=feeds.txt",
                           settings={"DOWNLOAD_TIMEOUT": "5", "RETRY_TIMES": "0"},
                           timeout=120)  # before test_safety's own limit: nothing left behind
        (workdir / "result.json").write_text(json.dumps({
            "returncode": result.returncode, "log": result.log, "items": result.items,
            "healthy": sorted(running.expected_urls()),
        }))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
