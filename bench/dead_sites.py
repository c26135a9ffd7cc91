"""What dead and ailing sites cost a crawl: requests per fault kind and wall time, side by side.

    python -m bench.dead_sites [--before DIR] [--timeout SECONDS] [--download-timeout SECONDS]

Serves ``simweb.dead_web`` (healthy sites beside a refusing, a hanging and a flaky site and one
site per robots.txt fault, plus host names under .invalid that do not resolve) and crawls it
with the real ``scrapy crawl feeds`` at the project's settings (DOWNLOAD_DELAY 2 s, 3 retries),
``DOWNLOAD_TIMEOUT`` shortened to keep the run short; then a feed list whose every site is dead.
``--before DIR`` crawls the same webs with the ``newscrawler`` package of another checkout too
(``git worktree add --detach /tmp/before main``): both columns come from one run, one machine.

Everything runs inside a network namespace with only loopback (``unshare --net``, as root):
the names under .invalid are looked up there, so no DNS query leaves the machine. Requests are
counted from the simulated web's request log; a site that refuses connections logs nothing, so
its figure is Scrapy's count of refused connections.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.paths import REPO
from simweb import NewsWeb, RunningWeb, dead_web, serve
from simweb.scenarios import ROBOTS_FAULT_SITES

UNRESOLVABLE_FEED = "http://news.dead.invalid/rss.xml"
UNRESOLVABLE_PAGE_HOST = "www.dead.invalid"
LATE_DELAY = 60.0  # "late" lists more "flaky" pages once its outage and cool-off are over
ROWS = [
    ("DNS lookup fails (feed host)", "dns-feed"),
    ("DNS lookup fails (article host)", "dns-page"),
    ("refuses connections", "refusing"),
    ("accepts, never answers", "hanging"),
    ("dies halfway, comes back (failed)", "flaky"),
    *((f"robots.txt {fault}", site) for site, fault in ROBOTS_FAULT_SITES.items()),
]


def crawl(code: Path, web: NewsWeb, feeds: list[str], settings: dict[str, str],
          timeout: float) -> dict:
    """One ``scrapy crawl feeds`` with the ``newscrawler`` package of ``code``."""
    with serve(web) as running, tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "feeds.txt").write_text("".join(f"{u}\n" for u in [*running.feed_urls(),
                                                                    *feeds]))
        command = [sys.executable, "-m", "scrapy", "crawl", "feeds", "-a", "feeds=feeds.txt",
                   "-s", "JSONL_OUTPUT=out.jsonl", "-s", "EXTRACT_WORKERS=2"]
        slots = {running.address("late"): {"delay": LATE_DELAY}} if _has(web, "late") else {}
        for name, value in {**settings, "DOWNLOAD_SLOTS": json.dumps(slots)}.items():
            command += ["-s", f"{name}={value}"]
        env = {**os.environ, "PYTHONPATH": str(code),
               "SCRAPY_SETTINGS_MODULE": "newscrawler.settings"}
        started = time.monotonic()
        try:
            done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True,
                                  timeout=timeout, check=False)
            log, returncode = done.stderr + done.stdout, done.returncode
        except subprocess.TimeoutExpired as expired:
            log, returncode = str(expired.stderr or ""), None
        wall = time.monotonic() - started
        running.wait_idle()
        return {"wall": wall, "returncode": returncode, "costs": costs(running, log),
                "items": _lines(work / "out.jsonl"), "tracebacks": log.count("Traceback"),
                "error_lines": len(re.findall(r"\] ERROR: ", log)),
                "last_line": log.strip().splitlines()[-1] if log.strip() else ""}


def costs(running: RunningWeb, log: str) -> dict[str, int]:
    """Requests each faulty site received: all of them, those that failed for "flaky"; for a
    site that refuses connections, the attempts; for a name that does not resolve, lookups."""
    counts = {site.name: len(running.log.for_host(running.address(site.name)))
              for site in running.web.sites}
    if "flaky" in counts:
        counts["flaky"] = sum(1 for r in running.log.for_host(running.address("flaky"))
                              if r.status == 0)
    counts["refusing"] = _stat(log, "downloader/exception_type_count/"
                                    "scrapy.exceptions.DownloadConnectionRefusedError")
    counts["dns"] = _stat(log, "downloader/exception_type_count/"
                               "scrapy.exceptions.CannotResolveHostError")
    return counts


def _stat(log: str, name: str) -> int:
    found = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(found.group(1)) if found else 0


def _lines(path: Path) -> int:
    return sum(1 for _ in path.open()) if path.exists() else 0


def _has(web: NewsWeb, name: str) -> bool:
    return any(site.name == name for site in web.sites)


def measure(code: Path, args: argparse.Namespace) -> dict:
    settings = {"DOWNLOAD_TIMEOUT": str(args.download_timeout), "SITE_COOL_OFF": "30",
                "LOG_LEVEL": "INFO"}
    # the mixed web's only unresolvable name is an article host; the dead-only list's a feed's
    mixed = crawl(code, dead_web(unresolvable=UNRESOLVABLE_PAGE_HOST, outage_seconds=20), [],
                  settings, args.timeout)
    everything = dead_web()
    only_dead = crawl(code, NewsWeb([everything.site("refusing"), everything.site("hanging")]),
                      [UNRESOLVABLE_FEED], settings, args.timeout)
    mixed["costs"]["dns-page"] = mixed["costs"]["dns"]
    mixed["costs"]["dns-feed"] = only_dead["costs"]["dns"]
    return {"mixed": mixed, "only_dead": only_dead}


def table(results: dict[str, dict]) -> str:
    names = list(results)
    lines = ["requests each fault kind cost (server log; refused: connection attempts, "
             "DNS: lookups that failed)",
             f"{'fault kind':36}" + "".join(f"{name:>12}" for name in names)]
    for label, key in ROWS:
        lines.append(f"{label:36}" + "".join(f"{results[n]['mixed']['costs'][key]:>12}"
                                             for n in names))
    for run in ("mixed", "only_dead"):
        lines.append(f"{run.replace('_', '-') + ' run: wall (s)':36}"
                     + "".join(f"{results[n][run]['wall']:>12.1f}" for n in names))
        for label, (first, second) in (
                ("exit status, articles written", ("returncode", "items")),
                ("tracebacks, ERROR lines", ("tracebacks", "error_lines"))):
            cells = (f"{results[n][run][first]}, {results[n][run][second]}" for n in names)
            lines.append(f"{'  ' + label:36}" + "".join(f"{cell:>12}" for cell in cells))
    if len(names) == 2:
        before, after = (results[n]["only_dead"]["wall"] for n in names)
        lines.append(f"only-dead run: {before / after:.1f}x faster")
    for name in names:
        lines.append(f"last line ({name}): {results[name]['only_dead']['last_line']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.dead_sites", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, help="another checkout to compare with")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per crawl")
    parser.add_argument("--download-timeout", type=float, default=10)
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.inside:
        with tempfile.TemporaryDirectory() as folder:
            resolv = Path(folder) / "resolv.conf"
            resolv.write_text("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
            inner = " ".join([sys.executable, "-m", "bench.dead_sites", "--inside",
                              *sys.argv[1:]])
            script = (f"ip link set lo up && mount --bind {resolv} /etc/resolv.conf && "
                      f"exec {inner}")
            sys.exit(subprocess.run(["unshare", "--net", "--mount", "sh", "-c", script],
                                    cwd=REPO, check=False).returncode)
    columns = {}
    if args.before:
        columns["before"] = measure(args.before.resolve(), args)
    columns["after" if args.before else "this"] = measure(REPO, args)
    print(table(columns))


if __name__ == "__main__":
    main()
