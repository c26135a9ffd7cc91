"""What a feed list is made of: the sources to crawl, the list they came from, and the one
error that makes a list unusable. Shared by the list reader and every list format."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["OPTION_VALUES", "RENDER_MODES", "FeedList", "FeedListError", "FeedSource"]

RENDER_MODES = ("js", "static")
OPTION_VALUES: Mapping[str, tuple[str, ...]] = MappingProxyType({"render": RENDER_MODES})


def _empty_options() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class FeedSource:
    """One feed (or site home page) to crawl.

    ``render`` is None when the list does not say (the spider's default applies), ``"js"`` to
    render this feed's articles with a browser, ``"static"`` to force plain HTTP. ``options``
    holds every option given for this source, as written (``{"render": "js"}``), read-only.
    """

    url: str
    category: str | None = None
    render: str | None = None
    line: int | None = None
    options: Mapping[str, str] = field(default_factory=_empty_options, hash=False)

    def __post_init__(self) -> None:
        if self.render is not None and self.render not in RENDER_MODES:
            raise ValueError(f"render must be one of {RENDER_MODES} or None, not {self.render!r}")
        if not isinstance(self.options, MappingProxyType):
            object.__setattr__(self, "options", MappingProxyType(dict(self.options)))


@dataclass(frozen=True)
class FeedList:
    """The usable sources of a list, in input order, and what was skipped and why."""

    sources: tuple[FeedSource, ...]
    problems: tuple[str, ...]
    origin: str

    @property
    def urls(self) -> tuple[str, ...]:
        return tuple(source.url for source in self.sources)


class FeedListError(ValueError):
    """The feed list cannot be used at all; the message is one line for the user."""
