"""One row of the benchmark: serve a fresh simulated web, crawl it, read the figures and bounds
from the server's request log."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import bounds, harness, sendlog, timeline
from bench.run.provenance import source_digest
from bench.run.table import Line
from newscrawler import settings as project_settings
from simweb import NewsWeb, serve_in_process

CRAWL_TIMEOUT = 1800.0


@dataclass
class Bench:
    """A benchmark run: its options, folders, the table's lines and each scenario's results."""

    args: argparse.Namespace
    out: Path
    work: Path
    lines: list[Line] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)

    def say(self, message: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    def crawl(self, scenario: str, label: str, make_web: Callable[[], NewsWeb],
              settings: dict[str, str], *, keep_urls: bool = True) -> dict[str, Any]:
        """Serve a fresh web, crawl it, analyse the server's log; the row's raw figures."""
        web = make_web()
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:48]
        workdir = self.work / f"{scenario}-{slug}"
        if workdir.exists():
            raise ValueError(f"two rows of {scenario} named {label!r}")
        # the web in a process of its own: its log's times must not wait for our monitor
        with serve_in_process(web) as running:
            feeds = running.write_feed_list(self.work / f"{scenario}-{slug}-feeds.txt")
            expected = running.expected_urls()
            self.say(f"{scenario}: crawling '{label}' ({len(expected)} articles expected)")
            load_before = os.getloadavg()[0]
            digest = source_digest()
            # the crawl's own record of when it sent each request (see bench/sendlog.py)
            sent_log = self.work / f"{scenario}-{slug}-sent.jsonl"
            extensions = {**project_settings.EXTENSIONS, "bench.sendlog.SendLog": 0}
            run = harness.run_crawl(workdir, feeds, {
                **settings, "BENCH_SEND_LOG": str(sent_log),
                "EXTENSIONS": json.dumps(extensions)}, label=label, timeout=CRAWL_TIMEOUT,
                keep_urls=keep_urls, server_pid=running.pid)
            running.wait_idle(10)
            records = running.log.records()
            log_path = self.out / f"requests-{scenario}-{slug}.jsonl"
            running.log.dump_jsonl(log_path)
        if run.returncode != 0 or run.timed_out:
            self.say(f"{scenario}/{label}: crawl exited {run.returncode}"
                     f"{' (timed out)' if run.timed_out else ''}; log tail:\n{run.log_tail}")
        feed_keys = {(site.name, path) for site in web.sites for path in site.feeds}
        reqs = bounds.to_reqs(records, feeds=feed_keys)
        delay = float(setting(settings, "DOWNLOAD_DELAY"))
        margin = float(setting(settings, "POLITENESS_MARGIN"))
        analysis = bounds.analyse(
            reqs, delay=delay, concurrency=int(setting(settings, "CONCURRENT_REQUESTS")),
            per_site=int(setting(settings, "CONCURRENT_REQUESTS_PER_DOMAIN")),
            configured_gap=delay + margin if delay else 0.0, listed_by=bounds.listed_by(web))
        written_expected = len(expected & set(run.urls)) if keep_urls else None
        sent = sendlog.sent_gaps(sent_log)
        return {
            "sent_min_gap": min(sent, default=None),
            "sent_gaps_below_delay": sum(gap < delay for gap in sent),
            "label": label, "run": run, "reqs": reqs, "analysis": analysis,
            "expected": len(expected), "written_expected": written_expected,
            "log": str(log_path.relative_to(self.out)), "load_before": load_before,
            "load_after": os.getloadavg()[0], "source": digest,
        }

    def row_record(self, raw: dict[str, Any]) -> dict[str, Any]:
        run: harness.CrawlRun = raw["run"]
        a: bounds.Analysis = raw["analysis"]
        stats = run.stats
        return {
            "row": raw["label"],
            "settings": {k: v for k, v in run.settings.items()
                         if k not in ("JSONL_OUTPUT", "BENCH_SEND_LOG", "EXTENSIONS")},
            "returncode": run.returncode,
            "timed_out": run.timed_out,
            "wall_s": a.wall,
            "process_wall_s": run.process_wall,
            "written": run.written,
            "expected": raw["expected"],
            "written_of_expected": raw["written_expected"],
            "responses_429": a.rate_limited,
            "retried_requests": a.retried,
            "min_gap_s": a.min_gap,
            # the same, as the crawl wrote the requests (the server may log one late)
            "sent_min_gap_s": raw["sent_min_gap"],
            "sent_gaps_below_delay": raw["sent_gaps_below_delay"],
            "politeness_bound_s": a.politeness_bound,
            "concurrency_bound_s": a.concurrency_bound,
            "chain_bound_s": a.chain_bound,
            "physical_bound_s": a.physical_bound,
            "binding_bound": a.binding,
            "ratio_politeness": a.wall / a.politeness_bound if a.politeness_bound else None,
            "ratio_physical": a.wall / a.physical_bound if a.physical_bound else None,
            "analysis": a.as_dict(sites=True),
            "cpu_s": {"crawl_process": run.cpu_main, "descendants": run.cpu_workers,
                      "crawl_tree": run.cpu_tree, "bench_process": run.cpu_harness,
                      "web_server": run.cpu_server},
            "peak_rss_mb": run.peak_rss(),
            "stats": {k: v for k, v in stats.items()
                      if k.startswith(("newscrawler/", "retry/", "memusage/", "downloader/res"
                                       "ponse_status_count", "scheduler/enqueued",
                                       "item_scraped", "elapsed"))},
            "request_log": raw["log"],
            "loadavg_1min": [raw["load_before"], raw["load_after"]],
            "source_digest": raw["source"],
        }

    def line_for(self, scenario: str, raw: dict[str, Any], *, polite: bool,
                 notes: str = "") -> Line:
        run: harness.CrawlRun = raw["run"]
        a: bounds.Analysis = raw["analysis"]
        written = raw["written_expected"] if raw["written_expected"] is not None else run.written
        line = Line(scenario, raw["label"], wall=a.wall, proc=run.process_wall,
                    phys=a.physical_bound, phys_what=a.binding,
                    phys_ratio=a.wall / a.physical_bound if a.physical_bound else None,
                    r429=a.rate_limited, articles=f"{written}/{raw['expected']}",
                    min_gap=a.min_gap, notes=notes)
        if polite:
            line.polite = a.politeness_bound
            line.polite_ratio = a.wall / a.politeness_bound
            if raw["sent_min_gap"] is not None:
                line.notes += (f"; as sent: min gap {raw['sent_min_gap']:.3f} s, "
                               f"{raw['sent_gaps_below_delay']} < {a.delay:g} s")
        if run.returncode != 0 or run.timed_out:
            line.notes = f"EXIT {run.returncode}{' TIMEOUT' if run.timed_out else ''}; " + notes
        return line

    def timeline(self, scenario: str, raws: list[dict[str, Any]], extra: str = "",
                 *, with_bounds: bool = True) -> str:
        panels = []
        for raw in raws:
            a: bounds.Analysis = raw["analysis"]
            if with_bounds:
                title = (f"{raw['label']}: wall {a.wall:.1f} s, politeness bound "
                         f"{a.politeness_bound:.1f} s, physical bound {a.physical_bound:.1f} s "
                         f"({a.binding}), {a.rate_limited} x 429, {a.retried} retried")
            else:
                title = (f"{raw['label']}: {a.requests} requests in {a.wall:.1f} s, "
                         f"{raw['run'].written} articles written, {a.rate_limited} x 429")
            marks = []
            last = raw["run"].last_write
            if last is not None:
                marks.append((last, "last article written"))
            panels.append(timeline.Panel(title, raw["reqs"], marks))
        path = self.out / f"timeline-{scenario}.png"
        timeline.plot(path, panels, suptitle=f"{scenario} {extra}".strip())
        return path.name


def setting(settings: dict[str, str], name: str) -> Any:
    return settings.get(name, getattr(project_settings, name))
