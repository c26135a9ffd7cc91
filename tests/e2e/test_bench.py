"""The benchmark's plumbing (bench/run/): it runs, writes what it promises, computes bounds right.

No timing thresholds here: how fast the crawl is belongs to the benchmark, not to pass/fail.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import bounds
from bench.run.cpu import PARTS, worker_rows
from bench.run.provenance import core_count

REPO = Path(__file__).resolve().parents[2]
ROW_KEYS = {"row", "settings", "returncode", "wall_s", "process_wall_s", "written", "expected",
            "responses_429", "min_gap_s", "politeness_bound_s", "concurrency_bound_s",
            "chain_bound_s", "physical_bound_s", "binding_bound", "analysis", "peak_rss_mb",
            "request_log"}


@pytest.mark.timeout(300)
def test_quick_cpu_run_with_generated_pages_writes_results(tmp_path):
    """The cpu scenario end to end on 40 generated pages (no corpus): JSON, table, timeline."""
    out = tmp_path / "results"
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--scenarios", "cpu", "--quick",
         "--cpu-pages", "40", "--corpus", str(tmp_path / "no-corpus"), "--out", str(out)],
        capture_output=True, text=True, timeout=280, cwd=REPO, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "single-core bare_extraction" in done.stdout and "x extract()" in done.stdout
    assert "GENERATED pages" in done.stderr

    data = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    assert {"schema", "date", "git", "machine", "command", "table", "scenarios"} <= data.keys()
    assert data["machine"]["cores"] >= 1
    assert data["git"]["commit"] is None or len(data["git"]["commit"]) == 40
    cpu = data["scenarios"]["cpu"]
    assert cpu["source"].startswith("generated")
    assert cpu["reference"]["rate"] > 0
    assert [row["settings"]["EXTRACT_WORKERS"] for row in cpu["rows"]] == [
        workers for _, workers in worker_rows(core_count())]
    assert cpu["reference"]["bare_extraction_rate"] > 0
    for row in cpu["rows"]:
        assert row.keys() >= ROW_KEYS
        assert row["returncode"] == 0
        assert row["written"] == row["expected"] == 40
        assert row["articles_per_s"] > 0
        assert row["vs_single_core"] > 0 and row["vs_bare_extraction"] > 0
        # where the CPU went (empty when the window held fewer than two monitor samples)
        assert set(row["cpu_ms_per_article_in_window"]) in (set(), set(PARTS))
        assert row["window_s"] > 0
        assert row["peak_rss_mb"]["total_mb"] > 0
        assert (out / row["request_log"]).is_file()
    assert (out / cpu["timeline"]).stat().st_size > 0
    assert len((out / "history.jsonl").read_text(encoding="utf-8").splitlines()) == 1


@pytest.mark.timeout(300)
def test_quick_warc_run_writes_its_rows(tmp_path):
    """The warc scenario on 40 generated pages: capture without and with WARC_OUTPUT, and the
    re-extraction of a 40-page WARC file, each row beside its single-core reference."""
    out = tmp_path / "results"
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--scenarios", "warc", "--quick",
         "--cpu-pages", "40", "--corpus", str(tmp_path / "no-corpus"), "--out", str(out)],
        capture_output=True, text=True, timeout=280, cwd=REPO, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "capture overhead (means)" in done.stdout
    assert "re-extraction of one 40-page WARC file" in done.stdout
    warc = json.loads((out / "latest.json").read_text(encoding="utf-8"))["scenarios"]["warc"]
    capture, again = warc["capture"], warc["reextraction"]
    assert [row["row"] for row in capture["rows"]] == [
        "without WARC_OUTPUT, round 1", "with WARC_OUTPUT, round 1"]
    assert all(row["written"] == row["expected"] == 40 for row in capture["rows"])
    assert capture["rows"][0]["warc_records"] is None
    assert capture["rows"][1]["warc_records"] > 80  # warcinfo, 40 pages, feeds, robots.txt
    assert capture["overhead_cpu"] is not None and capture["reference"]["rate"] > 0
    assert again["written"] == again["pages"] == 40 and again["returncode"] == 0
    assert again["articles_per_s"] > 0 and again["vs_single_core"] > 0
    assert (out / warc["timeline"]).stat().st_size > 0


def _record(site: str, path: str, start: float, end: float, status: int = 200) -> dict:
    return {"site": site, "host": site, "path": path, "start": start, "end": end,
            "status": status}


def test_bounds_of_a_hand_made_log():
    """Two sites: one polite chain of three, one with a 429 that was retried."""
    log = [
        _record("a", "/robots.txt", 100.0, 100.5),
        _record("a", "/feed.xml", 102.1, 102.6),
        _record("a", "/story.html", 104.2, 104.7),
        _record("b", "/robots.txt", 100.0, 101.0),
        _record("b", "/feed.xml", 101.5, 101.5, status=429),
        _record("b", "/feed.xml", 103.5, 104.5),
    ]
    reqs = bounds.to_reqs(log, feeds={("a", "/feed.xml"), ("b", "/feed.xml")})
    assert [q.kind for q in reqs if q.site == "a"] == ["robots", "feed", "article"]
    assert sum(q.retry for q in reqs) == 1

    a = bounds.analyse(reqs, delay=2.0, concurrency=2, configured_gap=2.1,
                       listed_by={("a", "/story.html"): [("a", "/feed.xml")]})
    assert a.wall == pytest.approx(4.7)
    assert a.rate_limited == 1
    # a: n=3, latency 0.5 -> 2 x 2.0 + 0.5; b: n=2 (the 429 does not count), latency 1.0
    assert a.sites["a"].politeness_bound == pytest.approx(4.5)
    assert a.sites["b"].politeness_bound == pytest.approx(3.0)
    assert a.politeness_bound == pytest.approx(4.5)
    assert a.politeness_site == "a"
    assert a.concurrency_bound == pytest.approx((0.5 * 3 + 1.0 + 0.0 + 1.0) / 2)
    assert a.chain_bound == pytest.approx(4.5)   # robots -> feed -> story, 2 s apart
    assert a.physical_bound == pytest.approx(4.5)
    assert a.min_gap == pytest.approx(1.5)       # b's 429-ed request came early
    assert a.gaps_below_delay == 1
    assert a.critical_site == "a"
    assert a.sites["a"].idle == pytest.approx(0.0)
    assert a.sites["b"].idle == pytest.approx(0.0)


def test_politeness_bound_formula():
    assert bounds.politeness_bound(1, 0.7, 2.0) == pytest.approx(0.7)
    assert bounds.politeness_bound(5, 0.5, 2.0) == pytest.approx(8.5)
    assert bounds.politeness_bound(5, 3.0, 2.0) == pytest.approx(15.0)   # latency > D
    assert bounds.politeness_bound(10, 1.0, 0.0, per_site=10) == pytest.approx(1.0)
