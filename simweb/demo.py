"""A complete crawl with no network: the simulated news web on loopback, crawled for real.

    python -m simweb.demo [--web demo|sources] [--delay SECONDS] [--output PATH] [-a NAME=VALUE]

Starts the demo web (5 sites, RSS/Atom/RDF feeds, a home page, robots.txt, a script-rendered
page, an article listed twice), runs ``scrapy crawl feeds`` against it exactly as a user would,
and prints the first output lines. ``--web sources`` crawls one source of every kind instead
(an RSS feed, a news sitemap, a plain sitemap, a sitemap index, a JSON Feed and a home page
that announces no feed) and prints the requests each site saw and the articles written per
source; ``-a since=10h`` and the like pass spider arguments. State goes to a temporary
directory, so every demo run starts fresh.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from simweb import demo_web, serve, source_urls, sources_web
from simweb.requestlog import RequestRecord
from simweb.running import RunningWeb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simweb.demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--delay", type=float, default=0.5,
                        help="seconds between two requests to one site (default 0.5; "
                             "the real crawl uses 2)")
    parser.add_argument("--output", default="output/demo-%(time)s.jsonl",
                        help="JSONL path template (default: output/demo-%%(time)s.jsonl)")
    parser.add_argument("--web", choices=["demo", "sources"], default="demo",
                        help="demo: RSS/Atom/RDF feeds; sources: one source of every kind")
    parser.add_argument("-a", dest="spider_args", action="append", default=[],
                        metavar="NAME=VALUE", help="a spider argument, e.g. since=10h")
    args = parser.parse_args(argv)
    web = sources_web() if args.web == "sources" else demo_web()
    with tempfile.TemporaryDirectory(prefix="newscrawler-demo-") as tmp, \
            serve(web) as running:
        feeds = Path(tmp) / "feeds.txt"
        if args.web == "sources":
            feeds.write_text("".join(url + "\n" for url in source_urls(running)))
        else:
            running.write_feed_list(feeds)
        print(f"simulated news web on 127.0.0.2-{len(web.sites) + 1}, port {running.port}; "
              f"feeds: {feeds}:\n{feeds.read_text()}", flush=True)
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newscrawler.settings"}
        command = [sys.executable, "-m", "scrapy", "crawl", "feeds", "-a", f"feeds={feeds}",
                   "-s", f"DOWNLOAD_DELAY={args.delay}", "-s", f"JSONL_OUTPUT={args.output}",
                   "-s", f"STATE_DIR={Path(tmp) / 'state'}", "-s", "LOG_LEVEL=INFO"]
        for argument in args.spider_args:
            command += ["-a", argument]
        completed = subprocess.run(command, env=env, check=False)
        running.wait_idle()
        gaps = running.log.min_gap_by_host()
        records = running.log.records()
        outputs = sorted(Path(args.output.split("%")[0]).parent.glob("demo-*.jsonl"),
                         key=lambda p: p.stat().st_mtime)
    shortest = ", ".join(f"{host} {gap:.2f} s" for host, gap in sorted(gaps.items()))
    print(f"\nthe sites saw {len(records)} requests; the shortest gap between two requests "
          f"to one site, per site: {shortest}")
    lines = outputs[-1].read_text(encoding="utf-8").splitlines() if outputs else []
    if args.web == "sources":
        print_per_source(running, records, lines)
    if outputs:
        print(f"\n{len(lines)} articles in {outputs[-1]}; the first two:")
        for line in lines[:2]:
            print(line[:600] + (" ..." if len(line) > 600 else ""))
    return completed.returncode


def print_per_source(running: RunningWeb, records: list[RequestRecord], lines: list[str]
                     ) -> None:
    """The requests each listed source's site saw, in order, and the articles per feed_url."""
    print("\nrequests the server saw, per source (status path):")
    for url in source_urls(running):
        host = url.split("/")[2].split(":")[0]
        site = [r for r in records if r.host == host]
        print(f"  {url}  ({len(site)} requests)")
        for record in site:
            print(f"    {record.status} {record.path}")
    written = Counter(json.loads(line)["feed_url"] for line in lines)
    print("\narticles written, per feed_url:")
    for feed_url, count in sorted(written.items()):
        print(f"  {count:3d}  {feed_url}")


if __name__ == "__main__":
    sys.exit(main())
