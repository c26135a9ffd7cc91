"""The spider's ``-a feeds=...`` argument in, a :class:`FeedList` out: reads the list file (or the
default list shipped with the package, or the URLs given on the command line), tells OPML from
text by content rather than file extension, and hands it to the matching parser. Pure and
Scrapy-free; only a list that cannot be used at all raises :class:`FeedListError`."""

from __future__ import annotations

import codecs
import functools
import os
from importlib import resources
from pathlib import Path

from newscrawler.sources.listtypes import FeedList, FeedListError
from newscrawler.sources.listurls import SCHEME_PREFIX, SCHEMELESS_HOST
from newscrawler.sources.opml import parse_opml
from newscrawler.sources.textlist import parse_text_list, parse_url_list

__all__ = ["DEFAULT_ORIGIN", "MAX_FEED_LIST_BYTES", "load_feed_list"]

DEFAULT_ORIGIN = "default list"
MAX_FEED_LIST_BYTES = 10 * 1024 * 1024

_DEFAULT_LIST_PACKAGE = "newscrawler"
_DEFAULT_LIST_RESOURCE = ("data", "default_feeds.txt")
_LIST_FILE_SUFFIXES = (".txt", ".opml", ".xml")


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
    # Read as package data, not from a path next to this file: Scrapyd runs the project from
    # a zipped egg.
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
    if SCHEME_PREFIX.match(arg) or "," in arg:
        return False
    separators = [sep for sep in ("/", os.sep, os.altsep) if sep]
    return any(sep in arg for sep in separators) or arg.lower().endswith(_LIST_FILE_SUFFIXES)


def _load_file(path: Path, origin: str) -> FeedList:
    try:
        found = path.stat()
    except (OSError, ValueError):
        return _parse_file(path, origin)  # reading it says what is wrong, in one line
    return _parse_file_once(str(path.resolve()), origin, found.st_ino, found.st_mtime_ns,
                            found.st_size)


# The crawl command checks the list before the crawl starts (one error: line, exit 2) and the
# spider then loads it, in the same process: the list is parsed once (URL checks are 80 % of
# the load time at 100,000 feeds). The key holds the file's inode, mtime and size: a list
# edited in between is read again. One entry: a process crawls one list.
@functools.lru_cache(maxsize=1)
def _parse_file_once(path: str, origin: str, inode: int, mtime_ns: int, size: int
                     ) -> FeedList:
    return _parse_file(Path(path), origin)


def _parse_file(path: Path, origin: str) -> FeedList:
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
    looks_like_url = "/" in arg and SCHEMELESS_HOST.match(arg)
    if looks_like_url and not arg.lower().endswith((".txt", ".opml")):
        return f" (if it is a URL, write https://{arg.lstrip('/')})"
    return ""


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
    """Decode a text list: UTF-8 (BOM optional) or BOM-marked UTF-16; anything else is refused.

    UTF-16 with a BOM is what Windows PowerShell writes. There is no latin-1 fallback: latin-1
    decodes any byte string, so it would turn binary files into garbage "URLs" instead of one
    clear error.
    """
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
