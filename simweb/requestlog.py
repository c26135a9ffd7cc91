"""A thread-safe record of every request the simulated web saw.

Written from the server's event-loop thread, read from tests and benchmarks in other threads,
hence the lock and the copies.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

PathFilter = Collection[str] | Callable[[str], bool] | None


@dataclass
class RequestRecord:
    start: float
    host: str
    path: str  # with the query string, as sent
    method: str
    site: str = ""
    # None while the request is still being served.
    end: float | None = None
    # 0 when no status line was sent (reset, hang, connection dropped before headers).
    status: int = 0
    user_agent: str | None = None
    if_none_match: str | None = None
    if_modified_since: str | None = None
    # Requests being served across the whole web when this one arrived, itself included.
    in_flight: int = 0

    @property
    def duration(self) -> float | None:
        return None if self.end is None else self.end - self.start


def _matches(path: str, paths: PathFilter) -> bool:
    if paths is None:
        return True
    if callable(paths):
        return bool(paths(path))
    return path in paths or path.split("?", 1)[0] in paths


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._finished = threading.Condition(self._lock)
        self._records: list[RequestRecord] = []

    def add(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def finish(self, record: RequestRecord, status: int, end: float) -> None:
        with self._lock:
            record.status = status
            record.end = end
            self._finished.notify_all()

    def wait_finished(self, timeout: float = 5.0) -> bool:
        """Wait until every logged request has ended; False if some still run after `timeout`.

        A client can have read the whole response a moment before the server logs its end.
        """
        with self._finished:
            return self._finished.wait_for(
                lambda: all(r.end is not None for r in self._records), timeout)

    def records(self) -> list[RequestRecord]:
        with self._lock:
            return [dataclasses.replace(r) for r in self._records]

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def for_host(self, address: str) -> list[RequestRecord]:
        return [r for r in self.records() if r.host == address]

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def min_gap_by_host(self, paths: PathFilter = None) -> dict[str, float]:
        """Smallest gap between consecutive request starts, per host.

        `paths` keeps only matching requests: a collection of paths (compared with and without
        the query string) or a predicate on the path. Hosts with fewer than two matching
        requests are left out.
        """
        starts: dict[str, list[float]] = {}
        for r in self.records():
            if _matches(r.path, paths):
                starts.setdefault(r.host, []).append(r.start)
        gaps = {}
        for host, times in starts.items():
            times.sort()
            if len(times) >= 2:
                gaps[host] = min(b - a for a, b in itertools.pairwise(times))
        return gaps

    def max_in_flight(self) -> int:
        return max((r.in_flight for r in self.records()), default=0)

    def dump_jsonl(self, path: str | Path) -> Path:
        path = Path(path)
        with path.open("w", encoding="utf-8") as out:
            for r in self.records():
                out.write(json.dumps(dataclasses.asdict(r), ensure_ascii=False) + "\n")
        return path
