"""Run the real crawl command in a subprocess, the way a user does, and read what it wrote."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Short delays keep the suite fast: the mechanism is what is tested, not the 2 s value.
FAST_SETTINGS = {
    "DOWNLOAD_DELAY": "0.3",
    "PROGRESS_INTERVAL": "1",
    "EXTRACT_WORKERS": "2",
    "LOG_LEVEL": "INFO",
}


@dataclass
class CrawlResult:
    returncode: int
    log: str                      # stderr: Scrapy's log, the run summary, error lines
    items: list[dict]
    output: Path

    @property
    def by_url(self) -> dict[str, dict]:
        return {item["url"]: item for item in self.items}

    def summary(self) -> str:
        """The run summary block of the log."""
        lines = self.log.splitlines()
        start = next(i for i, line in enumerate(lines) if "run summary" in line)
        block = [lines[start]]
        for line in lines[start + 1:]:
            if "[newscrawler.summary]" not in line:
                break
            block.append(line)
        return "\n".join(block)


def crawl_env() -> dict[str, str]:
    env = dict(os.environ)
    env["SCRAPY_SETTINGS_MODULE"] = "newscrawler.settings"
    env.pop("SCRAPY_PROJECT", None)
    return env


def run_crawl(workdir: Path, *args: str, settings: dict[str, str] | None = None,
              output: str = "out.jsonl", timeout: float = 180, spider: str = "feeds"
              ) -> CrawlResult:
    """``scrapy crawl SPIDER ARGS`` in ``workdir``, with FAST_SETTINGS unless overridden."""
    merged = {**FAST_SETTINGS, "JSONL_OUTPUT": output, **(settings or {})}
    command = [sys.executable, "-m", "scrapy", "crawl", spider, *args]
    for name, value in merged.items():
        command += ["-s", f"{name}={value}"]
    # its own process group: a crawl that overruns is killed with its extraction workers
    process = subprocess.Popen(command, cwd=workdir, env=crawl_env(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    path = workdir / output
    return CrawlResult(process.returncode, stderr + stdout, read_jsonl(path), path)


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def start_crawl(workdir: Path, *args: str, settings: dict[str, str] | None = None,
                output: str = "out.jsonl", spider: str = "feeds") -> subprocess.Popen[str]:
    """Like run_crawl, but returns the running process (its own process group)."""
    merged = {**FAST_SETTINGS, "JSONL_OUTPUT": output, **(settings or {})}
    command = [sys.executable, "-m", "scrapy", "crawl", spider, *args]
    for name, value in merged.items():
        command += ["-s", f"{name}={value}"]
    log = (workdir / "crawl.log").open("a", encoding="utf-8")
    return subprocess.Popen(command, cwd=workdir, env=crawl_env(), stdout=log, stderr=log,
                            text=True, start_new_session=True)


def run_in_network_namespace(module: str, workdir: Path, hosts: str = "127.0.0.1 localhost\n",
                             timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """``python -m MODULE WORKDIR`` in a network namespace with only loopback in it (and
    ``hosts`` as its /etc/hosts): whatever the crawler does, no packet can leave the machine."""
    if not (shutil.which("unshare") and shutil.which("ip")):
        raise RuntimeError("a network namespace needs util-linux (unshare) and iproute2 (ip)")
    hosts_file = workdir / "hosts"
    hosts_file.write_text(hosts)
    script = (f"ip link set lo up && mount --bind {hosts_file} /etc/hosts && "
              f"exec {sys.executable} -m {module} {workdir}")
    return subprocess.run(["unshare", "--net", "--mount", "sh", "-c", script], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout, check=False)


def count_lines(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        if path.exists():
            with path.open("rb") as handle:
                total += sum(1 for _ in handle)
    return total
