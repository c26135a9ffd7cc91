"""WARC/1.1 files written with warcio: one gzip member per record, rolling over at a size.

Used from one thread only (the ``WarcArchive`` extension's writer thread). Each file starts
with a ``warcinfo`` record; a fetch becomes a ``response`` record (a ``resource`` record for a
page as the browser rendered it: those bytes are not what the server sent) followed by its
``request`` record (``WARC-Concurrent-To`` the response), and a payload identical to one
written earlier in this run becomes a ``revisit`` record pointing at it. A fetch that got no
response becomes a ``metadata`` record saying why.

A file being written is named ``<name>.warc.gz.open`` and holds an exclusive ``flock``; it gets
its final name when it is full or the run ends. A ``.open`` file that nobody holds was left by a
killed run: :func:`repair_left_open` keeps its complete records, moves a torn last one to
``<name>.warc.gz.torn`` and gives the file its final name (the name the JSONL already uses).
"""

from __future__ import annotations

import fcntl
import io
import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newscrawler.archive.members import MemberWriter, complete_members_end
from newscrawler.archive.records import (
    BLOCKED,
    FETCH_ERROR,
    RENDERED,
    Exchange,
    FailedFetch,
    Headers,
    Location,
)

__all__ = ["OPEN_SUFFIX", "RecordFailed", "Repaired", "WarcFileWriter", "repair_left_open"]

logger = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
TORN_SUFFIX = ".torn"
# Twisted hands over the body de-chunked: a record that still said "chunked" would make every
# reader de-chunk it a second time.
_DROPPED_RESPONSE_HEADERS = frozenset({"transfer-encoding"})


class RecordFailed(Exception):
    """One fetch could not be made into records (warcio refused a value): it is left out."""


@dataclass(frozen=True, slots=True)
class _Original:
    """A payload already written in this run: what a revisit record refers to."""

    uri: str
    date: str
    record_id: str
    location: Location


class WarcFileWriter:
    """Writes records to ``directory``/``<prefix>-<time>-<serial>-<host>-<pid>.warc.gz``."""

    def __init__(self, directory: Path, prefix: str, max_bytes: int, info: dict[str, str],
                 *, gzip_level: int = 2) -> None:
        self.directory = directory
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.info = info
        self.gzip_level = gzip_level
        self.files: list[str] = []        # final names of the files written, in order
        self.records = 0
        self.revisits = 0
        self._serial = 0
        self._raw: BinaryIO | None = None
        self._writer: WARCWriter | None = None
        self._name = ""
        self._seen: dict[str, _Original] = {}

    # files

    def _open(self) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")[:17]
        name = (f"{self.prefix}-{stamp}-{self._serial:05d}-{socket.gethostname()}-"
                f"{os.getpid()}.warc.gz")
        self._serial += 1
        self._name = str(self.directory / name)
        raw = open(self._name + OPEN_SUFFIX, "xb")  # noqa: SIM115 (kept open across records)
        # held until the file gets its final name: a later run knows the file is still alive
        fcntl.flock(raw.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._raw = raw
        self._members = MemberWriter(raw, self.gzip_level)
        self._writer = WARCWriter(self._members, gzip=False, warc_version="1.1")
        self._writer.write_record(self._writer.create_warcinfo_record(name, self.info))
        self.records += 1
        self.files.append(self._name)

    def _finish_file(self) -> None:
        if self._raw is None:
            return
        self._raw.flush()
        os.fsync(self._raw.fileno())
        os.replace(self._name + OPEN_SUFFIX, self._name)
        fcntl.flock(self._raw.fileno(), fcntl.LOCK_UN)
        self._raw.close()
        self._raw = self._writer = None

    def close(self) -> None:
        self._finish_file()

    # records

    def write(self, item: Exchange | FailedFetch) -> Location:
        """Write one fetch; the location of the record that holds its payload."""
        if self._writer is None:
            self._open()
        assert self._writer is not None and self._raw is not None
        offset = self._raw.tell()
        try:
            if isinstance(item, FailedFetch):
                self._writer.write_record(self._failure_record(item))
                location = Location(self._name, offset)
                self.records += 1
            else:
                location = self._write_exchange(item, offset)
        except OSError:
            raise
        except Exception as exc:  # warcio refused this fetch (a value it cannot encode)
            self._members.discard()
            raise RecordFailed(f"{type(exc).__name__}: {exc}") from exc
        if self._raw.tell() >= self.max_bytes:
            self._finish_file()
        return location

    def _write_exchange(self, item: Exchange, offset: int) -> Location:
        assert self._writer is not None
        fields = {"WARC-Date": item.date, **item.context.warc_fields()}
        if item.ip:
            fields["WARC-IP-Address"] = item.ip
        if item.rendered:
            fields[RENDERED] = "browser"
            response = self._writer.create_warc_record(
                item.url, "resource", payload=io.BytesIO(item.body), length=len(item.body),
                warc_content_type=_header(item.response_headers, "content-type") or "text/html",
                warc_headers_dict=fields)
        else:
            response = self._writer.create_warc_record(
                item.url, "response", payload=io.BytesIO(item.body), length=len(item.body),
                http_headers=_status_and_headers(item), warc_headers_dict=fields)
        digest = response.rec_headers.get_header("WARC-Payload-Digest")
        original = self._seen.get(digest) if item.body and not item.rendered else None
        if original is not None:
            response = self._writer.create_revisit_record(
                item.url, digest, original.uri, original.date,
                http_headers=_status_and_headers(item),
                warc_headers_dict={**fields, "WARC-Refers-To": original.record_id})
            self.revisits += 1
        request = self._writer.create_warc_record(
            item.url, "request", payload=io.BytesIO(item.request_body),
            length=len(item.request_body), http_headers=_request_line(item),
            warc_headers_dict={k: v for k, v in fields.items() if k != RENDERED})
        for record in (request, response):  # what warcio cannot encode fails here, not half-way
            if record.http_headers:
                record.http_headers.compute_headers_buffer()
        self._writer.write_request_response_pair(request, response)
        self.records += 2
        if original is not None:
            return original.location
        location = Location(self._name, offset)
        if item.body and not item.rendered:  # written: later copies may refer to it
            self._seen[digest] = _Original(item.url, item.date,
                                           response.rec_headers.get_header("WARC-Record-ID"),
                                           location)
        return location

    def _failure_record(self, item: FailedFetch) -> ArcWarcRecord:
        assert self._writer is not None
        body = f"{FETCH_ERROR}: {item.reason}\r\n"
        if item.blocked:
            body += f"{BLOCKED}: address rule\r\n"
        payload = body.encode("utf-8")
        return self._writer.create_warc_record(
            item.url, "metadata", payload=io.BytesIO(payload), length=len(payload),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Date": item.date, **item.context.warc_fields()})


def _header(headers: Headers, name: str) -> str | None:
    return next((value for key, value in headers if key.lower() == name), None)


def _status_and_headers(item: Exchange) -> StatusAndHeaders:
    try:
        reason = HTTPStatus(item.status).phrase
    except ValueError:
        reason = ""
    headers = [(k, v) for k, v in item.response_headers
               if k.lower() not in _DROPPED_RESPONSE_HEADERS]
    return StatusAndHeaders(f"{item.status} {reason}".strip(), headers,
                            protocol=item.protocol or "HTTP/1.1")


def _request_line(item: Exchange) -> StatusAndHeaders:
    parts = urlsplit(item.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = list(item.request_headers)
    if _header(headers, "host") is None:  # Twisted adds it when it sends the request
        headers.insert(0, ("Host", parts.netloc))
    return StatusAndHeaders(f"{item.method} {target} HTTP/1.1", headers, is_http_request=True)


@dataclass(frozen=True, slots=True)
class Repaired:
    path: str           # the file's final name
    torn_bytes: int     # bytes of a torn last record, moved to <path>.torn


def repair_left_open(directory: Path) -> list[Repaired]:
    """Finish the ``.open`` files in ``directory`` that no live writer holds (a killed run's)."""
    repaired = []
    for left in sorted(directory.glob(f"*.warc.gz{OPEN_SUFFIX}")):
        final = str(left)[: -len(OPEN_SUFFIX)]
        with left.open("r+b") as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # another crawl is writing it
            size = handle.seek(0, io.SEEK_END)
            keep = complete_members_end(handle)
            if keep < size:
                handle.seek(keep)
                with open(final + TORN_SUFFIX, "ab") as aside:
                    aside.write(handle.read())
                handle.truncate(keep)
            os.replace(left, final)
        if keep == 0:
            os.remove(final)  # not even its warcinfo record was finished
        repaired.append(Repaired(final, size - keep))
    return repaired
