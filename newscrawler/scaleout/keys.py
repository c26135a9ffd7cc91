"""Names in Redis: the crawl's identity, key prefixes, this worker's id; their settings checked.

Every key of a crawl starts with ``<REDIS_KEY_PREFIX>:crawl:<CRAWL_ID>``; what outlives crawls
(seen articles, validators, per-site politeness) sits under ``<REDIS_KEY_PREFIX>`` alone. The
layout of every key is in docs/scaling.md.
"""

from __future__ import annotations

import os
import re
import socket
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from newscrawler.errors import ConfigError

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

__all__ = ["check_settings", "crawl_id", "crawl_key", "default_crawl_id", "enabled",
           "key_prefix", "redacted", "worker_id"]

_CRAWL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")
_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")
_worker: str | None = None


def enabled(settings: BaseSettings) -> bool:
    return bool(str(settings.get("REDIS_URL") or "").strip())


def default_crawl_id(now: datetime | None = None) -> str:
    """The crawl a worker joins when ``CRAWL_ID`` is not given: the UTC date and hour."""
    return (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H")


def crawl_id(settings: BaseSettings) -> str:
    value = str(settings.get("CRAWL_ID") or "").strip() or default_crawl_id()
    if not _CRAWL_ID.fullmatch(value):
        raise ConfigError(f"setting CRAWL_ID={value!r} must be 1-100 letters, digits or ._:- "
                          "(e.g. 2025-01-31T14 or nightly-42)")
    return value


def key_prefix(settings: BaseSettings) -> str:
    value = str(settings.get("REDIS_KEY_PREFIX") or "newscrawler").strip()
    if not _PREFIX.fullmatch(value):
        raise ConfigError(f"setting REDIS_KEY_PREFIX={value!r} must be letters, digits or ._:-")
    return value


def crawl_key(settings: BaseSettings) -> str:
    """The prefix of every key that belongs to this crawl (frontier, leases, dupefilter)."""
    return f"{key_prefix(settings)}:crawl:{crawl_id(settings)}"


def worker_id() -> str:
    """This process's name in Redis: host, pid and a random part (pids are reused)."""
    global _worker
    if _worker is None or _worker.split("-")[-2:-1] != [str(os.getpid())]:
        host = re.sub(r"[^A-Za-z0-9.]", "_", socket.gethostname()) or "host"
        _worker = f"{host}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    return _worker


def check_settings(settings: BaseSettings) -> None:
    """The crawl identity and key prefix, checked before the crawl starts (one line on error).

    The add-on's numbers (``REDIS_LEASE_SECONDS``, ``REDIS_CRAWL_TTL``) are checked with every
    other number, in ``settings_check.py``.
    """
    crawl_key(settings)


def redacted(url: str) -> str:
    """``REDIS_URL`` for the log: without a password."""
    return re.sub(r"//[^/@]*@", "//***@", url)
