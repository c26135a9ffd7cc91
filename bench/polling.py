"""A simulated day of polling: how often each kind of feed is polled, what is missed, how late.

    python -m bench.polling [--day-seconds 240]

One day is compressed into ``--day-seconds`` of real time (default 240 s: a simulated hour is
10 s), and so are the crawl's bounds: ``POLL_MIN_INTERVAL`` 10 min, ``POLL_MAX_INTERVAL`` 24 h,
``POLL_FIRST_INTERVAL`` 6 h and ``CONDITIONAL_MAX_AGE`` 6 h keep their simulated values, and the
per-site delay is a few simulated minutes. One ``scrapy crawl feeds -a watch=1`` runs through
the day against the simulated web (in this process, so feeds can change), while this process
publishes on schedule. Every feed keeps its 20 newest entries, as real feeds do, and starts the
day with 5 old ones (written at the first poll, not counted). Feeds:

* every5m, hourly, daily, never: publish one article at that pace;
* dies: hourly, but answers HTTP 500 from 12:00 to 18:00;
* etag: hourly, with an ETag that never changes (a 304 hides every new entry).

Run twice, side by side: with dated entries (the first interval follows the feed's pace) and
without dates (every feed starts at 6 h, as Media Cloud's does).

Per feed: polls (requests the feed's server answered), the ideal (one poll per new batch:
here one article a batch, so also the articles published), articles written, lost (scrolled out
of the feed unseen: must be 0) and pending (still in the feed when the run stopped), and the
delay from publication to the line in the output (median, p95), in simulated minutes. The
crawl's own processing (tens of milliseconds a page) is stretched by the compression too: a
real 0.1 s is a simulated 36 s.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from simweb import Entry, Feed, NewsWeb, Site, make_article, serve
from simweb.textgen import default_base_time
from tests.support import crawl_env

DAY_MINUTES = 24 * 60
WINDOW = 20          # entries a feed keeps
OLD_ENTRIES = 5
PACE = {"every5m": 5, "hourly": 60, "daily": DAY_MINUTES, "never": None, "dies": 60,
        "etag": 60}
DEATH = (12 * 60, 18 * 60)   # minutes of the day "dies" answers HTTP 500
FIRST = {"daily": 10 * 60}   # minute of the first publication, when not after one pace
VARIANTS = {
    "dated": "dated entries: the first interval follows each feed's pace (this project)",
    "undated": "undated entries: every feed starts at POLL_FIRST_INTERVAL, 6 h (Media Cloud)",
}


def build_web(start: float, minute: float, *, dated: bool) -> NewsWeb:
    """Each feed with its old entries, dated at its pace before ``start`` (real time), or
    undated."""
    base = default_base_time()
    sites = []
    for name, pace in PACE.items():
        site = Site(name, pages={})
        entries = []
        for index in range(OLD_ENTRIES):
            page = make_article(name, index, seed=3, base=base)
            site.pages[page.path] = page  # type: ignore[index]
            age = (index + 1) * (pace or 7 * DAY_MINUTES) * minute
            if not dated:
                page.published = None
            entries.append(Entry(name, page.path,
                                 published=_iso(start - age) if dated else None))
        # simweb's max-age=60 would be 6 simulated hours: a real feed's minute is 0 s here
        site.feeds["/rss.xml"] = Feed("/rss.xml", "rss", entries, cache_control="max-age=0",
                                      etag='"never-changes"' if name == "etag" else None)
        sites.append(site)
    return NewsWeb(sites)


def schedule() -> list[tuple[float, str]]:
    """(minute of the day, feed) of every publication, in order."""
    events = [(float(minute), name) for name, pace in PACE.items() if pace
              for minute in range(FIRST.get(name, pace), DAY_MINUTES, pace)]
    return sorted(events)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--day-seconds", type=float, default=240.0)
    parser.add_argument("--variants", default="dated,undated")
    args = parser.parse_args()
    for variant in args.variants.split(","):
        print(f"\n{VARIANTS[variant]}")
        simulate_day(args.day_seconds, dated=variant == "dated")


def simulate_day(day_seconds: float, *, dated: bool) -> None:
    scale = day_seconds / (DAY_MINUTES * 60)   # real seconds per simulated second
    minute = 60 * scale                        # real seconds per simulated minute
    started = time.time()  # the simulated day's midnight, in real time
    web = build_web(started, minute, dated=dated)
    base = default_base_time()
    published: dict[str, tuple[str, float]] = {}     # article URL -> (feed, real time)
    seen: dict[str, float] = {}                       # article URL -> real time in the output
    with tempfile.TemporaryDirectory() as folder, serve(web) as running:
        work = Path(folder)
        running.write_feed_list(work / "feeds.txt")
        settings = {
            "POLL_MIN_INTERVAL": 600 * scale, "POLL_MAX_INTERVAL": 86400 * scale,
            "POLL_FIRST_INTERVAL": 6 * 3600 * scale, "CONDITIONAL_MAX_AGE": 6 * 3600 * scale,
            "DOWNLOAD_DELAY": 0.05, "POLITENESS_MARGIN": 0, "EXTRACT_WORKERS": 2,
            "PROGRESS_INTERVAL": 0, "RETRY_TIMES": 1, "JSONL_OUTPUT": str(work / "out.jsonl"),
        }
        command = [sys.executable, "-m", "scrapy", "crawl", "feeds", "-a", "feeds=feeds.txt",
                   "-a", "watch=1"]
        for name, value in settings.items():
            command += ["-s", f"{name}={value}"]
        log = (work / "crawl.log").open("w")
        crawl = subprocess.Popen(command, cwd=work, env=crawl_env(), stdout=log,
                                 stderr=subprocess.STDOUT, start_new_session=True)
        try:
            events = schedule()
            end = started + day_seconds
            while time.time() < end + 2 * 3600 * scale:  # two simulated hours to catch up
                now_minutes = (time.time() - started) / minute
                while events and events[0][0] <= now_minutes:
                    _, name = events.pop(0)
                    url = _publish(running, name, base, dated=dated)
                    published[url] = (name, time.time())
                dies = running.web.site("dies").feeds["/rss.xml"]
                dies.fault = "status:500" if DEATH[0] <= now_minutes < DEATH[1] else None
                _read_output(work / "out.jsonl", seen)
                time.sleep(min(minute / 4, 0.05))
        finally:
            os.killpg(crawl.pid, signal.SIGTERM)
            crawl.wait(timeout=120)
            log.close()
        _read_output(work / "out.jsonl", seen)
        polls: dict[str, list[float]] = {}
        for record in running.log.records():
            if record.path == "/rss.xml" and record.status:
                polls.setdefault(record.site, []).append(record.start)
        summary = (work / "crawl.log").read_text().splitlines()
    print(f"simulated day in {day_seconds:.0f} s; crawl exit status {crawl.returncode}")
    print(f"{'feed':<9}{'polls':>7}{'ideal':>7}{'written':>9}{'lost':>6}{'pending':>9}"
          f"{'delay median':>14}{'p95':>8}")
    for name in PACE:
        mine = {url: t for url, (feed, t) in published.items() if feed == name}
        delays = sorted((seen[url] - t) / minute for url, t in mine.items() if url in seen)
        median = f"{statistics.median(delays):.0f} min" if delays else "-"
        p95 = f"{delays[int(0.95 * (len(delays) - 1))]:.0f}" if delays else "-"
        listed = {running.url(name, e.path) for e in web.site(name).feeds["/rss.xml"].entries}
        unwritten = [url for url in mine if url not in seen]
        pending = sum(1 for url in unwritten if url in listed)  # still in the feed at the end
        print(f"{name:<9}{len(polls.get(name, [])):>7}{len(mine):>7}{len(delays):>9}"
              f"{len(unwritten) - pending:>6}{pending:>9}{median:>14}{p95:>8}")
    print("\n".join(line for line in summary if "newscrawler.summary" in line
                    and "progress" not in line))


def _publish(running, name: str, base, *, dated: bool) -> str:
    web = running.web
    site = web.site(name)
    feed = site.feeds["/rss.xml"]
    page = make_article(name, len(site.pages), seed=3, base=base)
    if not dated:
        page.published = None
    web.add_entry(name, "/rss.xml",
                  Entry(name, page.path, published=_iso(time.time()) if dated else None),
                  page=page)
    del feed.entries[WINDOW:]
    running.touch(feed)
    return running.url(name, page.path)


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat()


def _read_output(path: Path, seen: dict[str, float]) -> None:
    if not path.exists():
        return
    now = time.time()
    with path.open("rb") as handle:
        for line in handle:
            if line.endswith(b"\n"):
                seen.setdefault(json.loads(line)["url"], now)


if __name__ == "__main__":
    main()
