"""The list of news feeds to crawl: a text file, an OPML file, URLs on the command line, or the
default list shipped with the package.

Pure and Scrapy-free: the spider calls :func:`load_feed_list` with its ``-a feeds=...`` argument
and gets back the valid sources plus one human line per input it had to skip. Only a list that
cannot be used at all (missing, unreadable, binary, malformed OPML, nothing valid in it) raises
:class:`FeedListError`, whose message is one line meant to be shown to the user as is.

Text format, one feed per line::

    # comments and blank lines are ignored
    https://feeds.bbci.co.uk/news/rss.xml
    https://example.com/news/feed.xml render=js   # options are key=value tokens

Rules worth knowing:

* Only http(s) URLs with a host are accepted; anything else is reported with its line number
  and skipped. A URL without a scheme is never guessed at: the problem says to add https://.
* A URL listed twice is kept once (the first occurrence, with its options); every later copy
  is reported as a problem ("duplicate of line N") so conflicting options do not go unnoticed.
  URLs are compared after trimming, with scheme and host case-insensitive.
* Text files must be UTF-8 (a BOM is fine) or UTF-16 with a BOM (what Windows PowerShell
  writes). There is no latin-1 fallback: latin-1 decodes any byte string, so it would turn
  binary files into garbage "URLs" instead of one clear error. OPML files may use any encoding
  their XML declaration names.
* OPML is recognised by content (the document starts with markup and its root is ``<opml>``),
  not by file extension, and is parsed without network access, DTD loading or entity expansion.
"""

from __future__ import annotations

import codecs
import ipaddress
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from urllib.parse import urlsplit

from lxml import etree

__all__ = [
    "COMMAND_LINE_ORIGIN",
    "DEFAULT_ORIGIN",
    "MAX_FEED_LIST_BYTES",
    "OPTION_VALUES",
    "RENDER_MODES",
    "FeedList",
    "FeedListError",
    "FeedSource",
    "load_feed_list",
    "parse_opml",
    "parse_text_list",
    "parse_url_list",
]

DEFAULT_ORIGIN = "default list"
COMMAND_LINE_ORIGIN = "command line"
MAX_FEED_LIST_BYTES = 10 * 1024 * 1024
RENDER_MODES = ("js", "static")
OPTION_VALUES: Mapping[str, tuple[str, ...]] = MappingProxyType({"render": RENDER_MODES})

_DEFAULT_LIST_PACKAGE = "newscrawler"
_DEFAULT_LIST_RESOURCE = ("data", "default_feeds.txt")
_LIST_FILE_SUFFIXES = (".txt", ".opml", ".xml")
_FEED_ROOTS = {"rss", "feed", "RDF"}
_HTTP_SCHEMES = {"http", "https"}

_SCHEME_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_SCHEMELESS_HOST = re.compile(r"^(?://)?[\w-]+(?:\.[\w-]+)+(?::\d+)?(?:[/?#]|$)")
_HOST_NAME = re.compile(r"^[\w-]+(?:\.[\w-]+)*\.?$")
# Split the command-line argument at commas that start a new item: a comma followed by a
# scheme, or a comma with whitespace on either side. Other commas (query strings such as
# ``?ids=1,2``) stay inside the URL.
_ITEM_SEPARATOR = re.compile(r"\s*,\s*(?=[A-Za-z][A-Za-z0-9+.-]*://)|\s+,\s*|,\s+|,\s*$")
# "<!ENTITY" as it appears in UTF-8/ASCII-compatible and UTF-16 documents. Rarer encodings
# (UTF-32, EBCDIC) are still safe: entities are not resolved and libxml2 caps amplification.
_ENTITY_DECLARATION_MARKERS = tuple(
    "<!ENTITY".encode(encoding) for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)
_PARSER_POSITION = re.compile(r",? line \d+, column \d+$")


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


class _SkipInput(Exception):
    """Internal: this input (line, outline, item) is invalid; the message says why."""


# --------------------------------------------------------------------------- entry point


def load_feed_list(arg: str | None) -> FeedList:
    """Resolve the spider's ``feeds`` argument to a feed list.

    None or blank: the default list shipped with the package. An existing path, or something
    that looks like one (a path separator or a .txt/.opml/.xml name, and no URL scheme): that
    file. Anything else: a comma-separated list of URLs.
    """
    if arg is None or not arg.strip():
        return _load_default_list()
    arg = arg.strip()
    path = Path(arg).expanduser()
    if _is_existing_path(path) or _looks_like_path(arg):
        return _load_file(path, origin=arg)
    return parse_url_list(arg)


def _load_default_list() -> FeedList:
    resource = resources.files(_DEFAULT_LIST_PACKAGE)
    for part in _DEFAULT_LIST_RESOURCE:
        resource = resource / part
    try:
        data = resource.read_bytes()
    except OSError as exc:
        raise FeedListError(
            f"the default feed list is missing from the installed package ({exc}); "
            "reinstall newscrawler or pass -a feeds=PATH"
        ) from None
    return parse_text_list(_decode_text(data, DEFAULT_ORIGIN), DEFAULT_ORIGIN)


def _is_existing_path(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):  # name too long, embedded NUL: not a file we can open
        return False


def _looks_like_path(arg: str) -> bool:
    if _SCHEME_PREFIX.match(arg) or "," in arg:
        return False
    separators = [sep for sep in ("/", os.sep, os.altsep) if sep]
    return any(sep in arg for sep in separators) or arg.lower().endswith(_LIST_FILE_SUFFIXES)


def _load_file(path: Path, origin: str) -> FeedList:
    data = _read_list_file(path, origin)
    if _starts_with_markup(data):
        return parse_opml(data, origin)
    return parse_text_list(_decode_text(data, origin), origin)


def _read_list_file(path: Path, origin: str) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FEED_LIST_BYTES + 1)
    except FileNotFoundError:
        raise FeedListError(f"feed list not found: {origin}{_url_hint(origin)}") from None
    except IsADirectoryError:
        raise FeedListError(f"cannot read feed list {origin}: it is a directory") from None
    except OSError as exc:
        raise FeedListError(f"cannot read feed list {origin}: {exc.strerror or exc}") from None
    if len(data) > MAX_FEED_LIST_BYTES:
        limit_mb = MAX_FEED_LIST_BYTES // (1024 * 1024)
        raise FeedListError(f"feed list {origin} is larger than {limit_mb} MB")
    return data


def _url_hint(arg: str) -> str:
    """For a missing "file" such as ``example.com/feed``: suggest the URL the user meant."""
    looks_like_url = "/" in arg and _SCHEMELESS_HOST.match(arg)
    if looks_like_url and not arg.lower().endswith((".txt", ".opml")):
        return f" (if it is a URL, write https://{arg.lstrip('/')})"
    return ""


# --------------------------------------------------------------------------- decoding


def _starts_with_markup(data: bytes) -> bool:
    """True when the first non-blank character is ``<``: an XML (OPML) document, not text."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            head = data[len(bom) : len(bom) + 512].decode(encoding, errors="ignore")
            break
    else:
        head = data[:512].decode("latin-1")
    return head.lstrip().startswith("<")


def _decode_text(data: bytes, origin: str) -> str:
    """Decode a text list: UTF-8 (BOM optional) or BOM-marked UTF-16; anything else is refused."""
    is_utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not is_utf16 and b"\x00" in data:
        raise FeedListError(f"{origin} is not a text or OPML feed list (it contains binary data)")
    encoding = "UTF-16" if is_utf16 else "UTF-8"
    try:
        text = data.decode("utf-16" if is_utf16 else "utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FeedListError(
            f"{origin} is not a text or OPML feed list (not valid {encoding} at line {line}; "
            "save it as UTF-8)"
        ) from None
    if "\x00" in text:
        raise FeedListError(f"{origin} is not a text or OPML feed list (it contains binary data)")
    return text


# --------------------------------------------------------------------------- text lists


def parse_text_list(text: str, origin: str) -> FeedList:
    """Parse a text list: one URL per line, optional ``key=value`` options, ``#`` comments."""
    collector = _Collector(origin, unit="line")
    for number, line in enumerate(_split_lines(text.removeprefix("\ufeff")), start=1):
        tokens = _without_comment(line.split())
        if not tokens:
            continue
        url, *option_tokens = tokens
        where = f"{origin}:{number}"
        try:
            _require_valid_url(url)  # a bad URL is the first thing to tell, before its options
            options = _parse_option_tokens(option_tokens)
        except _SkipInput as exc:
            collector.skip(where, str(exc))
            continue
        collector.add(url, where=where, line=number, options=options)
    return collector.finish(empty_reason="the list is empty (only blank lines and comments)")


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
            raise _SkipInput(
                f"unexpected {token!r} after the URL (a URL cannot contain spaces; "
                "options are written key=value, e.g. render=js)"
            )
        key = key.lower()
        if key in options:
            raise _SkipInput(f"option {key!r} is given twice")
        options[key] = _checked_option(key, value)
    return options


def _checked_option(key: str, value: str) -> str:
    allowed = OPTION_VALUES.get(key)
    if allowed is None:
        raise _SkipInput(f"unknown option {key!r} (known options: {', '.join(OPTION_VALUES)})")
    value = value.strip().lower()
    if value not in allowed:
        choices = " or ".join(f"{key}={choice}" for choice in allowed)
        raise _SkipInput(f"bad value for {key}: {value!r} (use {choices})")
    return value


# --------------------------------------------------------------------------- command line


def parse_url_list(arg: str, origin: str = COMMAND_LINE_ORIGIN) -> FeedList:
    """Parse comma-separated URLs (no options: those need a list file)."""
    collector = _Collector(origin, unit="item")
    for item in _split_items(arg):
        if any(char.isspace() for char in item) and "=" in item:
            reason = f"options are not supported on the command line (use a list file): {item!r}"
            collector.skip(origin, reason)
            continue
        collector.add(item, where=origin)
    return collector.finish(empty_reason="no URL was given")


def _split_items(arg: str) -> Iterator[str]:
    for item in _ITEM_SEPARATOR.split(arg.strip()):
        item = item.strip()
        if item:
            yield item


# --------------------------------------------------------------------------- OPML


def parse_opml(data: bytes, origin: str) -> FeedList:
    """Parse an OPML document: every ``<outline xmlUrl=...>`` at any depth is a feed.

    A feed's category is the title (or text) of the nearest enclosing folder outline (one
    without xmlUrl). Entity declarations are refused outright and the parser never touches
    the network, loads DTDs or expands entities.
    """
    root = _parse_opml_root(data, origin)
    collector = _Collector(origin, unit="outline")
    for outline in root.iter("outline", "{*}outline"):
        url = _attribute(outline, "xmlUrl")
        if url is None:
            continue
        where = f"{origin}:{outline.sourceline or '?'}: {_outline_label(outline)}"
        try:
            options = _outline_options(outline)
        except _SkipInput as exc:
            collector.skip(where, str(exc))
            continue
        collector.add(
            url,
            where=where,
            line=outline.sourceline,
            category=_folder_name(outline),
            options=options,
        )
    return collector.finish(empty_reason="no <outline> in it has an xmlUrl attribute")


def _parse_opml_root(data: bytes, origin: str) -> etree._Element:
    if any(marker in data for marker in _ENTITY_DECLARATION_MARKERS):
        raise FeedListError(
            f"{origin} declares XML entities, which an OPML feed list never needs; "
            "refusing to parse it (possible entity-expansion attack)"
        )
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        message = _PARSER_POSITION.sub("", exc.msg or "syntax error")
        raise FeedListError(
            f"{origin} is not well-formed OPML: line {exc.lineno}: {message}"
        ) from None
    _require_opml_root(root, origin)
    return root


def _require_opml_root(root: etree._Element, origin: str) -> None:
    name = etree.QName(root).localname
    if name.lower() == "opml":
        return
    if name in _FEED_ROOTS:
        raise FeedListError(
            f"{origin} is a news feed (<{name}>), not a feed list: "
            "pass its URL instead, or list the URL in a text file"
        )
    raise FeedListError(f"{origin} is XML with root <{name}>, not an OPML feed list")


def _attribute(element: etree._Element, name: str) -> str | None:
    """An attribute by name, case-insensitively (some exporters write ``xmlurl``)."""
    value = element.get(name)
    if value is not None:
        return value
    wanted = name.lower()
    return next((v for k, v in element.attrib.items() if str(k).lower() == wanted), None)


def _outline_name(outline: etree._Element) -> str | None:
    for attribute in ("title", "text"):
        name = " ".join((_attribute(outline, attribute) or "").split())
        if name:
            return name
    return None


def _outline_label(outline: etree._Element) -> str:
    name = _outline_name(outline)
    return f"outline {name!r}" if name else "untitled outline"


def _folder_name(outline: etree._Element) -> str | None:
    for ancestor in outline.iterancestors("outline", "{*}outline"):
        if _attribute(ancestor, "xmlUrl") is None:
            name = _outline_name(ancestor)
            if name:
                return name
    return None


def _outline_options(outline: etree._Element) -> dict[str, str]:
    render = _attribute(outline, "render")
    if render is None:
        return {}
    return {"render": _checked_option("render", render)}


# --------------------------------------------------------------------------- URLs


def _require_valid_url(url: str) -> None:
    problem = _url_problem(url)
    if problem:
        raise _SkipInput(problem)


def _url_problem(url: str) -> str | None:
    """Why ``url`` cannot be crawled, or None when it is a usable http(s) URL."""
    if not url:
        return "empty URL"
    if any(char.isspace() for char in url):
        return f"URL contains spaces: {url!r}"
    if not url.isprintable():
        return f"URL contains control or invisible characters: {url!r}"
    if not _SCHEME_PREFIX.match(url) and _SCHEMELESS_HOST.match(url):
        return f"no scheme in {url!r}: write https://{url.lstrip('/')} if that is the feed"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"malformed URL ({exc}): {url!r}"
    if not parts.scheme:
        return f"not a URL (feed URLs start with https:// or http://): {url!r}"
    if parts.scheme.lower() not in _HTTP_SCHEMES:
        return f"not an http(s) URL: {url!r}"
    if not parts.hostname:
        return f"URL has no host: {url!r}"
    if not _is_valid_host(parts.hostname):
        return f"bad host name {parts.hostname!r} in URL: {url!r}"
    if port == 0:
        return f"bad port in URL: {url!r}"
    return None


def _is_valid_host(host: str) -> bool:
    if ":" in host:  # IPv6 literal, brackets already removed by urlsplit
        try:
            ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return False
        return True
    return bool(_HOST_NAME.match(host))


def _identity(url: str) -> str:
    """The form two URLs share when they name the same feed: scheme and host case-folded."""
    parts = urlsplit(url)
    return parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()).geturl()


# --------------------------------------------------------------------------- collecting


class _Collector:
    """Accumulates valid, de-duplicated sources and one problem line per skipped input."""

    def __init__(self, origin: str, unit: str) -> None:
        self.origin = origin
        self.unit = unit
        self.sources: list[FeedSource] = []
        self.problems: list[str] = []
        self._first_seen: dict[str, FeedSource] = {}

    def skip(self, where: str, reason: str) -> None:
        self.problems.append(f"{where}: {reason}")

    def add(
        self,
        url: str,
        *,
        where: str,
        line: int | None = None,
        category: str | None = None,
        options: Mapping[str, str] | None = None,
    ) -> None:
        url = url.strip()
        problem = _url_problem(url)
        if problem:
            self.skip(where, problem)
            return
        key = _identity(url)
        first = self._first_seen.get(key)
        if first is not None:
            seen_at = f"line {first.line}" if first.line else "an earlier item"
            self.skip(where, f"duplicate of {seen_at}, skipped: {url!r}")
            return
        options = dict(options or {})
        source = FeedSource(
            url=url,
            category=category,
            render=options.get("render"),
            line=line,
            options=options,
        )
        self._first_seen[key] = source
        self.sources.append(source)

    def finish(self, empty_reason: str) -> FeedList:
        if not self.sources:
            raise FeedListError(self._nothing_valid_message(empty_reason))
        return FeedList(tuple(self.sources), tuple(self.problems), self.origin)

    def _nothing_valid_message(self, empty_reason: str) -> str:
        if not self.problems:
            return f"no valid feed URL in {self.origin}: {empty_reason}"
        count = len(self.problems)
        units = self.unit if count == 1 else f"{self.unit}s"
        return (
            f"no valid feed URL in {self.origin} ({count} {units} skipped; "
            f"first: {self.problems[0]})"
        )
