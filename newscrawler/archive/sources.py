"""The WARC files a ``warc=`` argument names: files, folders, globs and URLs, comma-separated.

Checked before the crawl starts: a path that names nothing is a ``ConfigError`` (one line,
exit status 2), as a missing feed list is.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.settings import BaseSettings

from newscrawler.errors import ConfigError

__all__ = ["WarcSource", "expand_sources"]

WARC_SUFFIXES = (".warc", ".warc.gz")
_GLOB_CHARACTERS = frozenset("*?[")


@dataclass(frozen=True, slots=True)
class WarcSource:
    name: str        # a path, or a URL fetched through Scrapy
    remote: bool = False


def expand_sources(argument: str | None, settings: BaseSettings | None = None
                   ) -> list[WarcSource]:
    """The files ``argument`` names, in the order given (a folder's and a glob's sorted, which
    is the order a crawl wrote them in)."""
    parts = [part.strip() for part in (argument or "").split(",") if part.strip()]
    if not parts:
        raise ConfigError("give the WARC files to read: -a warc=PATH[,PATH...] (files, folders, "
                          "globs, https:// URLs)")
    sources: list[WarcSource] = []
    for part in parts:
        scheme = urlsplit(part).scheme.lower()
        if scheme in ("http", "https"):
            sources.append(WarcSource(part, remote=True))
        elif scheme == "s3":
            _check_s3(part, settings)
            sources.append(WarcSource(part, remote=True))
        elif len(scheme) > 1:  # a one-letter "scheme" is a Windows drive
            raise ConfigError(f"warc={part!r}: only files, http(s):// and s3:// URLs are read")
        else:
            sources += [WarcSource(path) for path in _local_files(part)]
    return list(dict.fromkeys(sources))


def _local_files(part: str) -> list[str]:
    if _GLOB_CHARACTERS & set(part):
        found = sorted(p for p in glob.glob(part) if Path(p).is_file())
        if not found:
            raise ConfigError(f"warc={part!r}: no file matches")
        return found
    path = Path(part)
    if path.is_dir():
        found = sorted(str(p) for p in path.iterdir()
                       if p.is_file() and p.name.endswith(WARC_SUFFIXES))
        if not found:
            raise ConfigError(f"warc={part!r}: the folder holds no .warc or .warc.gz file")
        return found
    if not path.is_file():
        raise ConfigError(f"warc={part!r}: no such file or folder")
    return [str(path)]


def _check_s3(part: str, settings: BaseSettings | None) -> None:
    handlers = settings.getwithbase("DOWNLOAD_HANDLERS") if settings is not None else {}
    if not handlers.get("s3"):
        raise ConfigError(f"warc={part!r}: s3:// is off; to read from S3, install botocore and "
                          "set DOWNLOAD_HANDLERS to name Scrapy's S3 handler for s3 "
                          "(scrapy.core.downloader.handlers.s3.S3DownloadHandler)")
