"""Where the benchmarks find the repository, the evaluation corpus and their results folder."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "zyte"
RESULTS_DIR = REPO / "bench" / "results"
