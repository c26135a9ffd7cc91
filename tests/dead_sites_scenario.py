"""Run inside a network namespace of its own (see test_dead_sites.py): only loopback exists there,
so the host names under .invalid are looked up without a DNS query leaving the machine.

    python -m tests.dead_sites_scenario WORKDIR

Two crawls, each result written to WORKDIR/<name>.json:

* "mixed": ``dead_web`` (healthy sites beside a refusing, a hanging, a flaky site and one site
  per robots.txt fault), plus a feed on a host name that does not resolve;
* "only_dead": a feed list whose every site is dead: refusing, hanging, unresolvable.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from simweb import NewsWeb, RunningWeb, dead_web, serve
from tests.support import CrawlResult, run_crawl

UNRESOLVABLE_FEED = "http://news.dead.invalid/rss.xml"
UNRESOLVABLE_PAGE_HOST = "www.dead.invalid"
SETTINGS = {
    "DOWNLOAD_TIMEOUT": "2",  # "hanging" costs SITE_FAILURE_LIMIT of these
    "SITE_COOL_OFF": "3",     # "flaky" (down for 4 s) is tried again when "late" lists more
}
LATE_DELAY = 9.0  # seconds between the robots.txt and the feed of "late"


def crawl(workdir: Path, name: str, web: NewsWeb) -> None:
    folder = workdir / name
    folder.mkdir()
    with serve(web) as running:
        feeds = folder / "feeds.txt"
        feeds.write_text("".join(f"{url}\n" for url in [*running.feed_urls(), UNRESOLVABLE_FEED]))
        slots = {running.address("late"): {"delay": LATE_DELAY}} if "late" in names(web) else {}
        result = run_crawl(folder, "-a", f"feeds={feeds}", timeout=150,
                           settings={**SETTINGS, "DOWNLOAD_SLOTS": json.dumps(slots)})
        running.wait_idle()
        save(workdir / f"{name}.json", running, result)


def names(web: NewsWeb) -> set[str]:
    return {site.name for site in web.sites}


def save(path: Path, running: RunningWeb, result: CrawlResult) -> None:
    path.write_text(json.dumps({
        "returncode": result.returncode, "log": result.log, "items": result.items,
        "summary": result.summary(),
        "requests": [dataclasses.asdict(r) for r in running.log.records()],
        "addresses": {site.name: site.address for site in running.web.sites},
        "port": running.port,
        "expected": sorted(running.expected_urls()),
    }))


def main(workdir: Path) -> None:
    crawl(workdir, "mixed", dead_web(unresolvable=UNRESOLVABLE_PAGE_HOST))
    everything = dead_web()
    crawl(workdir, "only_dead", NewsWeb([everything.site("refusing"),
                                         everything.site("hanging")]))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
