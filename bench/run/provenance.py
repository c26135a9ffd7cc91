"""What the figures were measured on: the commit, the crawler's source, the machine."""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
from typing import Any

from bench.paths import REPO


def core_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _git(*args: str) -> str | None:
    """A read-only git command (no optional locks: the index is never refreshed)."""
    try:
        done = subprocess.run(["git", "--no-optional-locks", *args], cwd=REPO,
                              capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout


def git_state() -> dict[str, Any]:
    """The commit, and the files that differ from it: results of a dirty tree compare less."""
    changed = (_git("status", "--porcelain", "--untracked-files=all") or "").splitlines()
    commit = (_git("rev-parse", "HEAD") or "").strip() or None
    return {"commit": commit, "dirty": bool(changed),
            "changed": [line[3:] for line in changed if len(line) > 3]}


def source_digest() -> str:
    """SHA-1 of the crawler's source (newscrawler/**/*.py): other people edit the working tree
    while the benchmark runs, and rows crawled with different code do not compare."""
    digest = hashlib.sha1()
    for path in sorted((REPO / "newscrawler").rglob("*.py")):
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def machine() -> dict[str, Any]:
    import scrapy

    return {"cores": core_count(), "cpu_count": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(), "scrapy": scrapy.__version__,
            "loadavg": list(os.getloadavg())}
