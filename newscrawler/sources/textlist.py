"""Feed lists written as text: a list file with one feed per line (``#`` comments, blank lines,
options as ``key=value`` tokens after the URL, e.g. ``https://example.com/feed.xml render=js``),
or the comma-separated URLs of the command line, which take no options."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from newscrawler.sources.collector import Collector, SkipInput, checked_option
from newscrawler.sources.listtypes import FeedList
from newscrawler.sources.listurls import url_problem

__all__ = ["COMMAND_LINE_ORIGIN", "parse_text_list", "parse_url_list"]

COMMAND_LINE_ORIGIN = "command line"

# Split the command-line argument at commas that start a new item: a comma followed by a
# scheme, or a comma with whitespace on either side. Other commas (query strings such as
# ``?ids=1,2``) stay inside the URL.
_ITEM_SEPARATOR = re.compile(r"\s*,\s*(?=[A-Za-z][A-Za-z0-9+.-]*://)|\s+,\s*|,\s+|,\s*$")


def parse_text_list(text: str, origin: str) -> FeedList:
    """Parse a text list: one URL per line, optional ``key=value`` options, ``#`` comments."""
    collector = Collector(origin, unit="line")
    for number, line in enumerate(_split_lines(text.removeprefix("\ufeff")), start=1):
        tokens = _without_comment(line.split())
        if not tokens:
            continue
        url, *option_tokens = tokens
        where = f"{origin}:{number}"
        try:
            options = _parse_option_tokens(option_tokens)
        except SkipInput as exc:
            # a bad URL is the first thing to tell, before its options
            collector.skip(where, url_problem(url.strip()) or str(exc))
            continue
        # checks the URL: once (it was checked here too, 40 % of the load time at 100,000)
        collector.add(url, where=where, line=number, options=options)
    return collector.finish(empty_reason="the list is empty (only blank lines and comments)")


def parse_url_list(arg: str, origin: str = COMMAND_LINE_ORIGIN) -> FeedList:
    """Parse comma-separated URLs (no options: those need a list file)."""
    collector = Collector(origin, unit="item")
    for item in _split_items(arg):
        if any(char.isspace() for char in item) and "=" in item:
            reason = f"options are not supported on the command line (use a list file): {item!r}"
            collector.skip(origin, reason)
            continue
        collector.add(item, where=origin)
    return collector.finish(empty_reason="no URL was given")


def _split_lines(text: str) -> list[str]:
    # Not str.splitlines(): it also breaks at form feeds and U+2028, which would make the line
    # numbers in messages disagree with the user's editor.
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _without_comment(tokens: list[str]) -> list[str]:
    """Drop everything from the first token starting with ``#`` (``# note`` after the URL)."""
    for index, token in enumerate(tokens):
        if token.startswith("#"):
            return tokens[:index]
    return tokens


def _parse_option_tokens(tokens: Iterable[str]) -> dict[str, str]:
    options: dict[str, str] = {}
    for token in tokens:
        key, equals, value = token.partition("=")
        if not equals:
            raise SkipInput(
                f"unexpected {token!r} after the URL (a URL cannot contain spaces; "
                "options are written key=value, e.g. render=js)"
            )
        key = key.lower()
        if key in options:
            raise SkipInput(f"option {key!r} is given twice")
        options[key] = checked_option(key, value)
    return options


def _split_items(arg: str) -> Iterator[str]:
    for item in _ITEM_SEPARATOR.split(arg.strip()):
        item = item.strip()
        if item:
            yield item
