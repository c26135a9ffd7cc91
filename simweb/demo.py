"""A complete crawl with no network: the simulated news web on loopback, crawled for real.

    python -m simweb.demo [--delay SECONDS] [--output PATH]

Starts the demo web (5 sites, RSS/Atom/RDF feeds, a home page, robots.txt, a script-rendered
page, an article listed twice), runs ``scrapy crawl feeds`` against it exactly as a user would,
and prints the first output lines. State goes to a temporary directory, so every demo run
starts fresh.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from simweb import demo_web, serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simweb.demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--delay", type=float, default=0.5,
                        help="seconds between two requests to one site (default 0.5; "
                             "the real crawl uses 2)")
    parser.add_argument("--output", default="output/demo-%(time)s.jsonl",
                        help="JSONL path template (default: output/demo-%%(time)s.jsonl)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="newscrawler-demo-") as tmp, \
            serve(demo_web()) as running:
        feeds = running.write_feed_list(Path(tmp) / "feeds.txt")
        print(f"simulated news web on 127.0.0.2-6, port {running.port}; feeds: {feeds}",
              flush=True)
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newscrawler.settings"}
        command = [sys.executable, "-m", "scrapy", "crawl", "feeds", "-a", f"feeds={feeds}",
                   "-s", f"DOWNLOAD_DELAY={args.delay}", "-s", f"JSONL_OUTPUT={args.output}",
                   "-s", f"STATE_DIR={Path(tmp) / 'state'}", "-s", "LOG_LEVEL=INFO"]
        completed = subprocess.run(command, env=env, check=False)
        running.wait_idle()
        gaps = running.log.min_gap_by_host()
        records = running.log.records()
        outputs = sorted(Path(args.output.split("%")[0]).parent.glob("demo-*.jsonl"),
                         key=lambda p: p.stat().st_mtime)
    shortest = ", ".join(f"{host} {gap:.2f} s" for host, gap in sorted(gaps.items()))
    print(f"\nthe sites saw {len(records)} requests; the shortest gap between two requests "
          f"to one site, per site: {shortest}")
    if outputs:
        lines = outputs[-1].read_text(encoding="utf-8").splitlines()
        print(f"\n{len(lines)} articles in {outputs[-1]}; the first two:")
        for line in lines[:2]:
            print(line[:600] + (" ..." if len(line) > 600 else ""))
    return completed.returncode


if __name__ == "__main__":
    sys.exit(main())
