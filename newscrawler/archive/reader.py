"""WARC records read back, tolerant of damaged files: blocking code for a thread of its own.

warcio parses each record (its WARC headers, its HTTP headers, its Content-Encoding); this
module walks the file around it, because warcio's ``ArchiveIterator`` stops at the first
damaged member (after a warning on stderr) and a truncated file, a wrong ``Content-Length``,
a non-gzip file named ``.warc.gz``, a record that is not HTTP or a 2 GB record must each cost
that record only, reported with its file and offset. In a ``.warc.gz`` file every record is a
gzip member, so the walk resumes at the next member; in an uncompressed file, at the next line
that starts a WARC record. A record's location is its member's offset (its own offset in an
uncompressed file).

A ``revisit`` record is answered with the payload of the record it points to (read again from
its file), so that whoever reads sees the page as the crawl saw it.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from warcio.bufferedreaders import BufferedReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.limitreader import LimitReader
from warcio.recordloader import ArcWarcRecord, ArcWarcRecordLoader
from warcio.statusandheaders import StatusAndHeadersParserException

from newscrawler.archive.members import GZIP_MAGIC, BadMember, Member, next_member_start
from newscrawler.archive.records import RENDERED, CrawlContext, Headers, Location

__all__ = ["Problem", "StoredRecord", "WarcReader"]

# Kept: what re-extraction can use. request and warcinfo records are read over.
PAYLOAD_TYPES = ("response", "resource", "revisit", "metadata")
# The stored body is decoded here: these headers no longer describe it.
_ENCODING_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})
_RECORD_START = b"WARC/1."
_CHUNK = 1024 * 1024
_HEADER_ROOM = 64 * 1024   # a record may exceed the payload cap by its HTTP headers


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """One record's response (or fetch failure), ready to be turned into a Scrapy response."""

    location: Location
    warc_type: str                 # response | resource | revisit | metadata
    url: str
    date: str                      # WARC-Date
    status: int                    # HTTP status; 200 for a resource record, 0 for metadata
    headers: Headers               # HTTP headers, without those of the encoding undone here
    body: bytes                    # the payload, de-chunked and Content-Decoded
    context: CrawlContext | None   # what it was to newscrawler's crawl; None: another crawler's
    rendered: bool = False
    ip: str | None = None
    digest: str | None = None      # WARC-Payload-Digest
    unreadable: str | None = None  # why the body could not be used (it is empty then)


@dataclass(frozen=True, slots=True)
class Problem:
    """A damaged record or file: skipped, and reported."""

    location: Location
    reason: str

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"


# wanted(get): given a record's WARC header getter, whether its payload is worth reading
Wanted = Callable[[Callable[[str], str | None]], bool]


class _Skip(Exception):
    """This record is damaged: reported, and the walk resumes at the next record it finds."""


class _Oversized(Exception):
    """This record is whole but too big to read: reported, and its bytes are passed over
    (an uncompressed file seeks past them; a gzip member is inflated and dropped)."""

    def __init__(self, problem: Problem, remaining: int) -> None:
        super().__init__(problem.reason)
        self.problem = problem
        self.remaining = remaining   # bytes of the record after what was parsed


class WarcReader:
    """Reads the records of WARC files (``read``), one file after another.

    ``max_bytes`` caps a record's payload, before and after decoding (DOWNLOAD_MAXSIZE: the
    live crawl's cap); ``wanted`` says which records' payloads are worth reading at all.
    """

    def __init__(self, max_bytes: int, wanted: Wanted | None = None) -> None:
        self.max_bytes = max_bytes
        self.wanted = wanted or (lambda _get: True)
        self.counts: Counter[str] = Counter()   # "records", "skipped", "problems"
        self._loader = ArcWarcRecordLoader(verify_http=True, arc2warc=False)
        self._payloads: dict[str, Location] = {}  # payload digest -> first record with it
        self._paths: dict[str, str] = {}          # file name in locations -> path to reopen

    def read(self, name: str, fh: BinaryIO, path: str | None = None
             ) -> Iterator[StoredRecord | Problem]:
        """The records of the file ``fh``, called ``name`` in locations (a path or URL);
        ``path`` is where it can be opened again (for revisits), if not ``name``."""
        self._paths[name] = path or name
        head = fh.read(len(GZIP_MAGIC))
        fh.seek(0)
        if head == GZIP_MAGIC:
            walk = self._walk_gzip(name, fh)
        elif fh.read(len(_RECORD_START)).startswith(b"WARC/"):
            fh.seek(0)
            if name.endswith(".gz"):
                self.counts["problems"] += 1
                yield self._problem(Location(name, 0), "not gzip-compressed although named .gz: "
                                                       "read as an uncompressed WARC file")
            walk = self._walk_plain(name, fh)
        else:
            kind = "neither gzip-compressed (as its name says) nor" if name.endswith(".gz") \
                else "not"
            self.counts["problems"] += 1
            yield self._problem(Location(name, 0), f"{kind} a WARC file (it starts with "
                                                   f"{head[:16]!r})")
            return
        for item in walk:
            if isinstance(item, StoredRecord) and item.warc_type == "revisit":
                item = self._resolve_revisit(item)
            if isinstance(item, Problem):
                self.counts["problems"] += 1
            yield item

    @staticmethod
    def _problem(location: Location, reason: str) -> Problem:
        return Problem(location, reason)

    # the two kinds of file

    def _walk_gzip(self, name: str, fh: BinaryIO) -> Iterator[StoredRecord | Problem]:
        size = fh.seek(0, io.SEEK_END)
        offset: int | None = 0
        resyncing = False   # at a guessed member start: stay silent if it is none
        while offset is not None and offset < size:
            member = Member(fh, offset)
            location = Location(name, offset)
            try:
                stream = BufferedReader(member, block_size=_CHUNK)
                while True:  # normally one record; several in a file gzipped as a whole
                    try:
                        found = self._record(location, stream)
                    except _Oversized as oversized:
                        yield oversized.problem
                        break
                    except _Skip as skip:
                        yield self._problem(location, str(skip))
                        break
                    if found is None:
                        break
                    resyncing = False
                    if found is not True:
                        yield found
                offset = member.skip_to_end()
                resyncing = False
            except BadMember as exc:
                if not resyncing:
                    yield self._problem(location, str(exc))
                offset = next_member_start(fh, offset + 1)
                resyncing = True

    def _walk_plain(self, name: str, fh: BinaryIO) -> Iterator[StoredRecord | Problem]:
        offset: int | None = 0
        while offset is not None:
            fh.seek(offset)
            stream = BufferedReader(fh, block_size=_CHUNK)
            location = Location(name, offset)
            try:
                found = self._record(location, stream)
            except _Oversized as oversized:
                yield oversized.problem
                offset += stream.num_read - stream.rem_length() + oversized.remaining
                continue
            except _Skip as skip:
                yield self._problem(location, str(skip))
                offset = _next_record_start(fh, offset + 1)
                continue
            if found is None:
                return
            if found is not True:
                yield found
            offset += stream.num_read - stream.rem_length()

    # one record

    def _record(self, location: Location, stream: BufferedReader, *, again: bool = False
                ) -> StoredRecord | Problem | bool | None:
        """Parse the record at the stream's position and read it to its end.

        The record if it is kept; a Problem if it is whole but unusable (not HTTP, over the
        cap); True if it was read over; None at the end of the stream. Raises _Skip for a
        damaged record: the walk then resumes at the next record it can find.
        """
        while (line := stream.readline()) in (b"\r\n", b"\n"):
            pass  # blank lines between records
        if not line:
            return None
        try:
            record = self._loader.parse_record_stream(stream, line, known_format="warc",
                                                      no_record_parse=True)
        except (ArchiveLoadFailed, StatusAndHeadersParserException) as exc:
            raise _Skip(f"not a WARC record ({str(exc).strip()[:120]})") from None
        self.counts["records"] += not again
        get = record.rec_headers.get_header
        warc_type = get("WARC-Type") or ""
        length = record.length or 0
        result: StoredRecord | Problem | bool
        if warc_type not in PAYLOAD_TYPES or not self.wanted(get):
            self.counts["skipped"] += warc_type in PAYLOAD_TYPES
            result = True
        elif length > self.max_bytes + _HEADER_ROOM:
            raise _Oversized(self._problem(location, f"a {length:,}-byte record, over the "
                                                     f"{self.max_bytes:,}-byte cap "
                                                     "(DOWNLOAD_MAXSIZE): not read"),
                             record.raw_stream.limit)
        else:
            result = self._payload_record(location, record, length)
        _read_over(record.raw_stream)
        _check_end(stream, length, record.raw_stream.limit)
        return result

    def _payload_record(self, location: Location, record: ArcWarcRecord, length: int
                        ) -> StoredRecord | Problem:
        get = record.rec_headers.get_header
        http = None
        if record.rec_type in ("response", "revisit"):
            try:
                http = self._loader.load_http_headers(record.rec_type, get("WARC-Target-URI"),
                                                      record.raw_stream, length)
            except (StatusAndHeadersParserException, EOFError) as exc:
                return self._problem(location, f"not an HTTP response ({str(exc)[:120]})")
            if http is None and record.rec_type == "response":
                return self._problem(location, f"not an HTTP response "
                                               f"({get('WARC-Target-URI')}, {get('Content-Type')})")
        raw = record.raw_stream.read(self.max_bytes + 1)
        if len(raw) > self.max_bytes:
            return self._problem(location, f"payload over the {self.max_bytes:,}-byte cap "
                                           "(DOWNLOAD_MAXSIZE): not read")
        if http is None:
            content_type = get("Content-Type")
            return self._stored(location, record, status=200 if record.rec_type == "resource"
                                else 0, headers=(("Content-Type", content_type),)
                                if content_type else (), body=raw)
        body = ArcWarcRecord("warc", "response", None, io.BytesIO(raw), http, None,
                             len(raw)).content_stream().read(self.max_bytes + 1)
        unreadable = None
        if len(body) > self.max_bytes:
            # a faithful record of a bad response (the crawl refused it the same way)
            body, unreadable = b"", ("decompressed body larger than the size cap "
                                     "(DOWNLOAD_MAXSIZE): a gzip bomb?")
        digest = get("WARC-Payload-Digest")
        if digest and record.rec_type == "response" and raw:
            self._payloads.setdefault(digest, location)
        return self._stored(location, record, status=int(http.get_statuscode() or 0),
                            headers=tuple((k, v) for k, v in http.headers
                                          if k.lower() not in _ENCODING_HEADERS), body=body,
                            unreadable=unreadable)

    @staticmethod
    def _stored(location: Location, record: ArcWarcRecord, *, status: int, headers: Headers,
                body: bytes, unreadable: str | None = None) -> StoredRecord:
        get = record.rec_headers.get_header
        return StoredRecord(
            location=location, warc_type=record.rec_type, url=get("WARC-Target-URI") or "",
            date=get("WARC-Date") or "", status=status, headers=headers, body=body,
            context=CrawlContext.from_warc_fields(get), rendered=bool(get(RENDERED)),
            ip=get("WARC-IP-Address"), digest=get("WARC-Payload-Digest"), unreadable=unreadable,
        )

    # revisits

    def _resolve_revisit(self, revisit: StoredRecord) -> StoredRecord | Problem:
        original = self._payloads.get(revisit.digest or "")
        if original is None:
            return self._problem(revisit.location, "a revisit record whose original is not in "
                                                   "the files read before it")
        found = self._read_one(original)
        if not isinstance(found, StoredRecord):
            return self._problem(revisit.location, "its original record cannot be read again")
        return StoredRecord(
            location=original, warc_type="response", url=revisit.url, date=revisit.date,
            status=revisit.status or found.status, headers=revisit.headers or found.headers,
            body=found.body, context=revisit.context, ip=revisit.ip, digest=revisit.digest,
            unreadable=found.unreadable)

    def _read_one(self, location: Location) -> StoredRecord | Problem | bool | None:
        """The record at ``location``, read again (it was read before: it is whole)."""
        try:
            with open(self._paths.get(location.file, location.file), "rb") as fh:
                gzipped = fh.read(len(GZIP_MAGIC)) == GZIP_MAGIC
                fh.seek(location.offset)
                source: BinaryIO = Member(fh, location.offset) if gzipped else fh  # type: ignore[assignment]
                return self._record(location, BufferedReader(source, block_size=_CHUNK),
                                    again=True)
        except (OSError, BadMember, _Skip):
            return None


def _read_over(limited: LimitReader) -> int:
    """Read the rest of a record without keeping it (it may be gigabytes): the bytes read."""
    count = 0
    while data := limited.read(_CHUNK):
        count += len(data)
    return count


def _check_end(stream: BufferedReader, length: int, missing: int) -> None:
    """The record's data must end where its Content-Length says, with a blank line."""
    if missing:
        raise _Skip(f"the record ends {missing:,} bytes before its Content-Length ({length:,}) "
                    "says: truncated, or a wrong Content-Length")
    end = stream.read(4)
    if end not in (b"\r\n\r\n", b"\r\n", b""):
        raise _Skip(f"data goes on after the record's Content-Length ({length:,}): a wrong "
                    "Content-Length")


def _next_record_start(fh: BinaryIO, start: int) -> int | None:
    """The offset of the next line starting a WARC record at or after ``start``."""
    position = start
    overlap = len(_RECORD_START)
    while True:
        fh.seek(position)
        block = fh.read(_CHUNK)
        if len(block) < len(_RECORD_START):
            return None
        found = block.find(b"\n" + _RECORD_START)
        if found >= 0:
            return position + found + 1
        position += len(block) - overlap
