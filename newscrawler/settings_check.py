"""Settings are checked before the crawl starts: a typo gets one line, not a traceback later."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from scrapy.settings import BaseSettings

from newscrawler.errors import ConfigError
from newscrawler.output.filters import parse_domains, parse_languages, parse_since

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


def _filter(parse: Callable[[str], object]) -> Callable[[BaseSettings, str], None]:
    def check(settings: BaseSettings, name: str) -> None:
        value = settings.get(name)
        if value:
            try:
                parse(str(value))
            except ConfigError as exc:
                raise ConfigError(f"setting {name}: {exc}") from None
    return check


def _non_empty(settings: BaseSettings, name: str) -> None:
    if not str(settings.get(name) or "").strip():
        raise ConfigError(f"setting {name} must not be empty")


CHECKS: dict[str, Callable[[BaseSettings, str], None]] = {
    "CONCURRENT_REQUESTS": _number(int, 1),
    "CONCURRENT_REQUESTS_PER_DOMAIN": _number(int, 1),
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
    "EXTRACT_TIMEOUT": _number(float, 0.001),
    "FEED_PARSE_TIMEOUT": _number(float, 0.001),
    "MIN_PAGE_TEXT_CHARS": _number(int, 0),
    "PROGRESS_INTERVAL": _number(float, 0),
    "SCHEDULER_READY_LEAD": _number(float, 0),
    "JSONL_OUTPUT": _output_template,
    "STATE_DIR": _non_empty,
    "WARC_OUTPUT": _folder_if_set,
    "WARC_MAX_BYTES": _number(int, 1),
    "WARC_GZIP_LEVEL": _number(int, 0, 3),
    "FILTER_DOMAINS": _filter(parse_domains),
    "FILTER_SINCE": _filter(parse_since),
    "FILTER_LANGUAGES": _filter(parse_languages),
}


def check_settings(settings: BaseSettings) -> None:
    for name, check in CHECKS.items():
        check(settings, name)
