"""Run a simulated web in its own process.

    python -m simweb serve [--scenario demo|seed|broad|fault|memory|corpus]
        [--feeds-out PATH] [--opml] [--log PATH] [--seed N]

Prints "port: N" and "feeds: PATH" (flushed, so a parent process can read them), serves until
SIGINT or SIGTERM, then writes the request log as JSONL if --log was given.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from simweb.model import NewsWeb
from simweb.running import serve
from simweb.scenarios import (
    broad_web,
    corpus_web,
    demo_web,
    fault_web,
    memory_web,
    seed_web,
)

DEFAULT_CORPUS = "/work/shared/corpus/zyte"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, not argparse's usage block: this is usually read in a CI log.
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m simweb",
                     description="Serve a simulated news web on loopback addresses.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = commands.add_parser("serve", help="serve a scenario until SIGINT/SIGTERM")
    run.add_argument("--scenario", default="demo",
                     choices=["demo", "seed", "broad", "fault", "memory", "corpus"])
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--feeds-out", type=Path, help="where to write the feed list "
                     "(default: a new temporary file)")
    run.add_argument("--opml", action="store_true", help="write the feed list as OPML")
    run.add_argument("--log", type=Path, help="write the request log here (JSONL) on exit")
    run.add_argument("--sites", type=int, help="broad/memory/corpus: number of sites")
    run.add_argument("--articles", type=int,
                     help="broad: articles per site; memory: articles in all; corpus: pages")
    run.add_argument("--corpus", type=Path, default=Path(DEFAULT_CORPUS),
                     help="corpus: folder with html/ and ground-truth.json")
    return parser


def build(args: argparse.Namespace) -> NewsWeb:
    builders: dict[str, Callable[[], NewsWeb]] = {
        "demo": lambda: demo_web(args.seed),
        "seed": lambda: seed_web(args.seed),
        "fault": lambda: fault_web(args.seed),
        "broad": lambda: broad_web(sites=args.sites or 200,
                                   articles_per_site=args.articles or 5, seed=args.seed),
        "memory": lambda: memory_web(articles=args.articles or 20000, sites=args.sites or 20,
                                     seed=args.seed),
        "corpus": lambda: corpus_web(args.corpus, sites=args.sites or 20, pages=args.articles,
                                     seed=args.seed),
    }
    return builders[args.scenario]()


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    for name in ("sites", "articles"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name} must be at least 1")
    if args.scenario == "corpus" and not (args.corpus / "ground-truth.json").is_file():
        parser.error(f"--corpus {args.corpus}: no ground-truth.json there")
    for option in ("feeds_out", "log"):
        path = getattr(args, option)
        if path is not None and not path.parent.is_dir():
            parser.error(f"--{option.replace('_', '-')} {path}: directory does not exist")

    web = build(args)
    feeds_out = args.feeds_out
    if feeds_out is None:
        suffix = ".opml" if args.opml else ".txt"
        with tempfile.NamedTemporaryFile(prefix="simweb-feeds-", suffix=suffix,
                                         delete=False) as handle:
            feeds_out = Path(handle.name)

    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    with serve(web) as running:
        running.write_feed_list(feeds_out, opml=args.opml)
        print(f"port: {running.port}", flush=True)
        print(f"feeds: {feeds_out}", flush=True)
        # A timed wait keeps the main thread responsive to signals.
        while not stop.wait(0.5):
            pass
        log = running.log
    if args.log is not None:
        log.dump_jsonl(args.log)
        print(f"log: {args.log} ({len(log)} requests)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
