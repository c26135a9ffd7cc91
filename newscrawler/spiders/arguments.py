"""Spider arguments that are settings for the run: ``-a since=48h`` is ``SINCE``, and so on.

Settings, so that Scrapyd jobs and cron lines can give them with ``-s`` too; mapped in the
spider's ``from_crawler`` because the settings freeze once the spider is built.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from scrapy.settings import BaseSettings

from newscrawler.errors import ConfigError

__all__ = ["ArgumentSettings", "check_arguments", "set_from_arguments"]

# argument name -> (setting name, parser that raises ValueError on a bad value)
ArgumentSettings = Mapping[str, tuple[str, Callable[[Any], object]]]


def check_arguments(table: ArgumentSettings, arguments: Mapping[str, Any]) -> None:
    """Parse every argument of ``table`` given: a bad value is one ``ConfigError`` line."""
    for name, (_setting, parse) in table.items():
        if name in arguments:
            try:
                parse(arguments[name])
            except ValueError as exc:
                raise ConfigError(f"{name}={arguments[name]!r} {exc}") from None


def set_from_arguments(table: ArgumentSettings, settings: BaseSettings,
                       kwargs: MutableMapping[str, Any]) -> None:
    """Move the arguments of ``table`` out of the spider's ``kwargs`` into its settings."""
    for name, (setting, _parse) in table.items():
        if name in kwargs:
            settings.set(setting, kwargs.pop(name), priority="spider")
