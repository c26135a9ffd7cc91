"""The JSONL output file: its path template, and repairs after a killed run.

A killed run can leave a last line without its newline (torn); the writer moves it aside when
the next run starts, and reads the last whole line to record that article as written.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

__all__ = ["last_whole_line", "output_path", "parse_period", "period_start", "repair_torn_tail"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_period(value: object) -> float:
    """``JSONL_ROTATE``: ``"90s"``, ``"30m"``, ``"1h"``, ``"1d"`` in seconds; ``""``/``"0"``: 0."""
    text = str(value or "").strip().lower()
    if text in ("", "0", "none", "off"):
        return 0.0
    number, unit = (text[:-1], text[-1]) if text[-1] in _UNITS else (text, "s")
    try:
        seconds = float(number) * _UNITS[unit]
    except ValueError:
        raise ValueError("give a period such as 30m, 1h or 1d") from None
    if seconds < 1:
        raise ValueError("the period must be at least 1 s")
    return seconds


def period_start(now: datetime, period: float) -> datetime:
    """The start of the period (aligned on the UTC epoch: hours at :00, days at 00:00)."""
    stamp = now.timestamp()
    return datetime.fromtimestamp(stamp - stamp % period, UTC)


def output_path(template: str, spider_name: str, now: datetime | None = None,
                job: str | None = None) -> Path:
    """Expand ``%(name)s`` and ``%(time)s`` the way Scrapy expands ``FEEDS`` URIs, plus
    ``%(host)s`` and ``%(pid)s`` so that several workers never share one file, and
    ``%(job)s``: the Scrapyd job id (the spider's ``_job`` argument), else the time."""
    now = now or datetime.now(UTC)
    stamp = now.replace(microsecond=0, tzinfo=None).isoformat().replace(":", "-")
    values = {"name": spider_name, "time": stamp, "host": socket.gethostname(),
              "pid": os.getpid(), "job": job or stamp}
    return Path(template % values)


def repair_torn_tail(path: Path) -> int:
    """Move a last line without its newline (left by a killed run) to ``PATH.torn``.

    Returns the number of bytes moved aside. Whole lines are never touched.
    """
    if not path.is_file() or path.stat().st_size == 0:
        return 0
    with path.open("rb+") as handle:
        size = handle.seek(0, os.SEEK_END)
        handle.seek(max(0, size - 1))
        if handle.read(1) == b"\n":
            return 0
        keep = _end_of_last_whole_line(handle, size)
        handle.seek(keep)
        torn = handle.read()
        with path.with_name(path.name + ".torn").open("ab") as aside:
            aside.write(torn + b"\n")
        handle.truncate(keep)
    return len(torn)


def last_whole_line(path: Path) -> bytes | None:
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        if size == 0:
            return None
        end = _end_of_last_whole_line(handle, size)
        start = _end_of_last_whole_line(handle, max(0, end - 1)) if end else 0
        handle.seek(start)
        return handle.read(end - start).strip() or None


def _end_of_last_whole_line(handle: IO[bytes], size: int, chunk: int = 65536) -> int:
    position = size
    while position > 0:
        start = max(0, position - chunk)
        handle.seek(start)
        newline = handle.read(position - start).rfind(b"\n")
        if newline >= 0:
            return start + newline + 1
        position = start
    return 0
