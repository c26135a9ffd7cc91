"""Settings are checked before the crawl starts: a typo gets one line, not a traceback later."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from scrapy.settings import BaseSettings

from newscrawler.errors import ConfigError
from newscrawler.output.jsonl import parse_period
from newscrawler.sources.filters import (
    parse_domains,
    parse_languages,
    parse_max_per_source,
    parse_since,
)

__all__ = ["check_settings"]


def _number(kind: type, minimum: float, maximum: float | None = None
            ) -> Callable[[BaseSettings, str], None]:
    def check(settings: BaseSettings, name: str) -> None:
        raw = settings.get(name)
        try:
            value = kind(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"setting {name}={raw!r} is not a {kind.__name__}") from None
        if value < minimum:
            raise ConfigError(f"setting {name}={raw!r} must be at least {minimum:g}")
        if maximum is not None and value > maximum:
            raise ConfigError(f"setting {name}={raw!r} must be at most {maximum:g}")
    return check


def _output_template(settings: BaseSettings, name: str) -> None:
    template = settings.get(name)
    try:
        str(template) % {"name": "x", "time": "t", "host": "h", "pid": 1, "job": "j"}
    except (KeyError, ValueError, TypeError) as exc:
        raise ConfigError(
            f"setting {name}={template!r} is not a valid path template "
            f"(use %(name)s, %(time)s, %(host)s, %(pid)s, %(job)s): {exc}"
        ) from None


def _folder_if_set(settings: BaseSettings, name: str) -> None:
    """Unset, or a folder that exists or can be made (it is made now)."""
    folder = settings.get(name)
    if not folder:
        return
    try:
        Path(str(folder)).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"setting {name}={folder!r} is not a folder that can be written: "
                          f"{exc.strerror or exc}") from None


def _filter(parse: Callable[[object], object]) -> Callable[[BaseSettings, str], None]:
    """A filter setting, read by the parser its spider argument has (sources/filters.py)."""
    def check(settings: BaseSettings, name: str) -> None:
        raw = settings.get(name)
        try:
            parse(raw)
        except ValueError as exc:
            raise ConfigError(f"setting {name}={raw!r} {exc}") from None
    return check


def _non_empty(settings: BaseSettings, name: str) -> None:
    if not str(settings.get(name) or "").strip():
        raise ConfigError(f"setting {name} must not be empty")


def _period(settings: BaseSettings, name: str) -> None:
    raw = settings.get(name)
    try:
        seconds = parse_period(raw)
    except ValueError as exc:
        raise ConfigError(f"setting {name}={raw!r}: {exc}") from None
    if seconds and "%(time)s" not in str(settings.get("JSONL_OUTPUT")):
        raise ConfigError(f"setting {name}={raw!r} needs %(time)s in JSONL_OUTPUT "
                          f"(each rolled file gets its own name)")


def _choice(*choices: str) -> Callable[[BaseSettings, str], None]:
    def check(settings: BaseSettings, name: str) -> None:
        value = str(settings.get(name)).strip().lower()
        if value not in choices:
            raise ConfigError(f"setting {name}={settings.get(name)!r} must be one of "
                              f"{', '.join(choices)}")
    return check


def _interval_bounds(settings: BaseSettings, name: str) -> None:
    _number(float, 1)(settings, name)
    if settings.getfloat("POLL_MIN_INTERVAL") > settings.getfloat(name):
        raise ConfigError(f"setting {name}={settings.get(name)!r} is shorter than "
                          f"POLL_MIN_INTERVAL={settings.get('POLL_MIN_INTERVAL')!r}")


CHECKS: dict[str, Callable[[BaseSettings, str], None]] = {
    "CONCURRENT_REQUESTS": _number(int, 1),
    "CONCURRENT_REQUESTS_PER_DOMAIN": _number(int, 1),
    "CONCURRENT_ITEMS": _number(int, 1),
    "DOWNLOAD_DELAY": _number(float, 0),
    "DOWNLOAD_TIMEOUT": _number(float, 0.001),
    "DOWNLOAD_MAXSIZE": _number(int, 0),
    "POLITENESS_MARGIN": _number(float, 0),
    "POLITENESS_NEW_CONNECTION_MARGIN": _number(float, 0),
    "RETRY_AFTER_MAX": _number(float, 0),
    "CRAWL_DELAY_MAX": _number(float, 0),
    "BACKOFF_MAX_DELAY": _number(float, 0),
    "BACKOFF_RECOVERY": _number(float, 0),
    "EXTRACT_WORKERS": _number(int, 0),
    "GC_YOUNG_THRESHOLD": _number(int, 0),
    "EXTRACT_TIMEOUT": _number(float, 0.001),
    "FEED_PARSE_TIMEOUT": _number(float, 0.001),
    "MIN_PAGE_TEXT_CHARS": _number(int, 0),
    "PROGRESS_INTERVAL": _number(float, 0),
    "SCHEDULER_READY_LEAD": _number(float, 0),
    "SITEMAP_MAX_AGE": _number(float, 0),
    "SITEMAP_MAX_DEPTH": _number(int, 0),
    "SITEMAP_MAX_CHILDREN": _number(int, 1),
    "SITEMAP_MAX_URLS": _number(int, 1),
    "SINCE": _filter(lambda value: parse_since(value, datetime.now(UTC))),
    "LANGUAGES": _filter(parse_languages),
    "MAX_PER_SOURCE": _filter(parse_max_per_source),
    "DOMAINS": _filter(parse_domains),
    "SITE_FAILURE_LIMIT": _number(int, 0),
    "SITE_COOL_OFF": _number(float, 0),
    "REDIS_LEASE_SECONDS": _number(float, 0.2),
    "REDIS_CRAWL_TTL": _number(float, 60),
    "JSONL_OUTPUT": _output_template,
    "STATE_DIR": _non_empty,
    "STATE_RETENTION_DAYS": _number(float, 0),
    "WARC_OUTPUT": _folder_if_set,
    "WARC_MAX_BYTES": _number(int, 1),
    "WARC_GZIP_LEVEL": _number(int, 0, 3),
    "JSONL_ROTATE": _period,
    "DUE": _choice("due", "all"),
    "FRONTIER_BATCH": _number(int, 0),
    "POLL_MIN_INTERVAL": _number(float, 1),
    "POLL_MAX_INTERVAL": _interval_bounds,
    "POLL_FIRST_INTERVAL": _number(float, 1),
    "POLL_DEAD_AFTER": _number(int, 1),
    "CONDITIONAL_MAX_AGE": _number(float, 0),
}


def check_settings(settings: BaseSettings) -> None:
    for name, check in CHECKS.items():
        check(settings, name)
