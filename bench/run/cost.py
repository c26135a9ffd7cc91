"""The crawl process's own CPU per article, this checkout against another, side by side.

    python -m bench.run.cost --before DIR [--pages 1000] [--rounds 3] [--corpus DIR]

Serves the cpu scenario's web (real corpus pages over 20 sites, no latency, no delay) once, and
crawls it with ``scrapy crawl feeds`` from each checkout in turn (before, after, before, ...:
the machine's speed drifts, pairs do not). DIR is another checkout of the project (e.g.
``git worktree add /tmp/before <commit>`` or ``git archive <commit> | tar -x -C DIR``). From the
first article written to the last, it samples the CPU seconds of the crawl process (all its
threads, and its main thread: the reactor), of its extraction workers and of the simulated web,
and prints each per article (medians over the rounds). CPU time, not wall time: on a shared
machine it is the figure that other processes disturb least. ~25 s a crawl on a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from bench.harness import crawl_env
from bench.paths import DEFAULT_CORPUS, REPO
from bench.run.cpuweb import FAST
from simweb import corpus_web, serve_in_process

FIGURES = ("crawl process", "main thread", "workers", "web server")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run.cost",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="the other checkout")
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    if not (args.before / "newscrawler" / "settings.py").is_file():
        parser.error(f"{args.before} is not a checkout of the project")
    checkouts = {"before": args.before.resolve(), "after": REPO}
    rows: dict[str, list[dict[str, float]]] = {name: [] for name in checkouts}
    work = Path(tempfile.mkdtemp(prefix="newscrawler-cost-"))
    try:
        with serve_in_process(corpus_web(args.corpus, sites=20, pages=args.pages)) as web:
            feeds = web.write_feed_list(work / "feeds.txt")
            server = psutil.Process(web.pid)
            for round_ in range(args.rounds):
                for name, checkout in checkouts.items():
                    row = crawl(checkout, feeds, work / f"{name}-{round_}", server)
                    rows[name].append(row)
                    print(f"round {round_ + 1} {name}: " + ", ".join(
                        f"{k} {v:.2f}" for k, v in row.items()), file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"CPU ms per article, median of {args.rounds} rounds ({args.pages} pages; load "
          f"{os.getloadavg()[0]:.1f}):")
    print(f"{'':8}" + "".join(f"{figure:>15}" for figure in (*FIGURES, "articles/s")))
    for name, runs in rows.items():
        medians = [statistics.median(run[f] for run in runs) for f in (*FIGURES, "rate")]
        print(f"{name:8}" + "".join(f"{value:15.2f}" for value in medians))
    before, after = (statistics.median(r["crawl process"] for r in rows[n]) for n in checkouts)
    print(f"crawl process after/before: {after / before:.2f}")
    return 0


def crawl(checkout: Path, feeds: Path, folder: Path, server: psutil.Process
          ) -> dict[str, float]:
    """One crawl from ``checkout``; CPU ms per article between the first and last write."""
    folder.mkdir(parents=True)
    output = folder / "out.jsonl"
    command = [sys.executable, "-m", "scrapy", "crawl", "feeds", "-a", f"feeds={feeds}",
               "-s", f"JSONL_OUTPUT={output}", "-s", f"STATE_DIR={folder / 'state'}"]
    for name, value in FAST.items():
        command += ["-s", f"{name}={value}"]
    env = {**crawl_env(), "PYTHONPATH": str(checkout)}
    with (folder / "crawl.log").open("wb") as log:
        process = subprocess.Popen(command, cwd=folder, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
        watched = psutil.Process(process.pid)
        first = last = None
        workers: dict[int, float] = {}
        while process.poll() is None:
            try:
                written = _lines(output)
                snapshot = (time.time(), written, *_cpu(watched, workers),
                            sum(server.cpu_times()[:2]))
            except psutil.Error:
                break
            if written and first is None:
                first = snapshot
            if last is None or written > last[1]:
                last = snapshot
            time.sleep(0.1)
        process.wait()
    if first is None or last is None or last[1] <= first[1]:
        raise RuntimeError(f"the crawl in {folder} wrote too little to measure")
    articles = last[1] - first[1]
    out = {figure: (last[i] - first[i]) / articles * 1000
           for i, figure in enumerate(FIGURES, start=2)}
    out["rate"] = articles / (last[0] - first[0])
    return out


def _cpu(process: psutil.Process, workers: dict[int, float]) -> tuple[float, float, float]:
    """CPU seconds so far: the whole process, its main thread, its descendants (last seen)."""
    whole = sum(process.cpu_times()[:2])
    main_thread = next((t.user_time + t.system_time for t in process.threads()
                        if t.id == process.pid), 0.0)
    for child in process.children(recursive=True):
        try:
            workers[child.pid] = sum(child.cpu_times()[:2])
        except psutil.Error:
            continue
    return whole, main_thread, sum(workers.values())


def _lines(path: Path) -> int:
    try:
        with path.open("rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    except FileNotFoundError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
