"""Reading WARC files back: every good record of a damaged file is still read, and each damage
is reported with its file and offset (the issue's bad archives, one by one)."""

from __future__ import annotations

import gzip
import io
import time
import zlib
from pathlib import Path

import pytest

from newscrawler.archive.reader import Problem, StoredRecord, WarcReader
from newscrawler.archive.records import CrawlContext, Exchange
from newscrawler.archive.writer import WarcFileWriter

CAP = 1024 * 1024
DATE = "2026-01-02T03:04:05.000000Z"


def page(n: int) -> bytes:
    return f"<html><body><h1>Page {n}</h1><p>{'words ' * 50 * (n + 1)}</p></body></html>".encode()


def exchange(n: int, body: bytes | None = None, **changes: object) -> Exchange:
    values: dict[str, object] = dict(
        url=f"http://example.com/{n}.html", method="GET", request_headers=(("Accept", "*/*"),),
        request_body=b"", status=200, protocol="HTTP/1.1",
        response_headers=(("Content-Type", "text/html; charset=utf-8"),),
        body=page(n) if body is None else body, ip="192.0.2.1", date=DATE,
        context=CrawlContext("article", feed="http://example.com/feed.xml"))
    values.update(changes)
    return Exchange(**values)  # type: ignore[arg-type]


def write_warc(folder: Path, pages: int = 5) -> tuple[Path, list[int]]:
    """A .warc.gz file of ``pages`` fetches; the offsets of their response records."""
    writer = WarcFileWriter(folder, "test", 10**9, {"software": "test"})
    offsets = [writer.write(exchange(n)).offset for n in range(pages)]
    writer.close()
    return Path(writer.files[0]), offsets


def read(path: Path | str, reader: WarcReader | None = None
         ) -> tuple[list[StoredRecord], list[Problem]]:
    reader = reader or WarcReader(CAP)
    records: list[StoredRecord] = []
    problems: list[Problem] = []
    with open(path, "rb") as fh:
        for item in reader.read(str(path), fh):
            (records if isinstance(item, StoredRecord) else problems).append(item)
    return records, problems


def urls(records: list[StoredRecord]) -> list[str]:
    return [r.url for r in records]


def member_at(data: bytes, offset: int) -> tuple[bytes, int]:
    """The decompressed member at ``offset`` and the offset just after it."""
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    plain = decompressor.decompress(data[offset:])
    return plain, len(data) - len(decompressor.unused_data)


# --- good files --------------------------------------------------------------------------

def test_every_response_is_read_back_with_its_location_context_and_body(tmp_path):
    path, offsets = write_warc(tmp_path)
    records, problems = read(path)
    assert problems == []
    assert urls(records) == [f"http://example.com/{n}.html" for n in range(5)]
    assert [r.location.offset for r in records] == offsets
    first = records[0]
    assert first.body == page(0) and first.status == 200 and first.ip == "192.0.2.1"
    assert first.context == CrawlContext("article", feed="http://example.com/feed.xml")
    assert first.date == DATE


def test_a_gzip_encoded_body_is_read_back_decoded(tmp_path):
    writer = WarcFileWriter(tmp_path, "test", 10**9, {})
    writer.write(exchange(1, body=gzip.compress(page(1)), response_headers=(
        ("Content-Type", "text/html"), ("Content-Encoding", "gzip"))))
    writer.close()
    [record], _ = read(writer.files[0])
    assert record.body == page(1)
    assert ("Content-Type", "text/html") in record.headers
    assert all(name.lower() != "content-encoding" for name, _ in record.headers)


def test_a_revisit_is_read_back_with_the_payload_of_its_original(tmp_path):
    writer = WarcFileWriter(tmp_path, "test", 10**9, {})
    original = writer.write(exchange(1))
    again = writer.write(exchange(1, url="http://example.com/copy.html"))
    writer.close()
    assert writer.revisits == 1 and again == original
    records, problems = read(writer.files[0])
    assert problems == []
    assert urls(records) == ["http://example.com/1.html", "http://example.com/copy.html"]
    assert records[1].body == page(1) and records[1].warc_type == "response"
    assert records[1].location == original


# --- the bad archives --------------------------------------------------------------

def test_a_truncated_file_gives_every_whole_record_and_reports_the_torn_one(tmp_path):
    path, offsets = write_warc(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: offsets[4] + 40])
    records, problems = read(path)
    assert urls(records) == [f"http://example.com/{n}.html" for n in range(4)]
    assert [(p.location.file, p.location.offset) for p in problems] == [(str(path), offsets[4])]
    assert "truncated" in problems[0].reason


@pytest.mark.parametrize("change", [-100, +100])
def test_a_wrong_content_length_costs_that_record_only(tmp_path, change):
    path, offsets = write_warc(tmp_path)
    data = path.read_bytes()
    plain, end = member_at(data, offsets[2])
    length = int(plain.split(b"Content-Length: ")[1].split(b"\r\n")[0])
    damaged = plain.replace(f"Content-Length: {length}\r\n".encode(),
                            f"Content-Length: {length + change}\r\n".encode(), 1)
    path.write_bytes(data[: offsets[2]] + gzip.compress(damaged) + data[end:])
    records, problems = read(path)
    assert urls(records) == [f"http://example.com/{n}.html" for n in (0, 1, 3, 4)]
    assert [p.location.offset for p in problems] == [offsets[2]]
    assert "Content-Length" in problems[0].reason


def test_a_wrong_content_length_in_an_uncompressed_file_resumes_at_the_next_record(tmp_path):
    data = b"".join(raw_record(f"http://example.com/{n}.html", HTTP, http_block(page(n)))
                    for n in range(3))
    path = tmp_path / "plain.warc"
    path.write_bytes(data.replace(b"Content-Length: ", b"Content-Length: 1", 1))
    records, problems = read(path)
    assert urls(records) == ["http://example.com/1.html", "http://example.com/2.html"]
    assert [p.location.offset for p in problems] == [0]


def test_corrupt_bytes_inside_a_member_cost_that_record_only(tmp_path):
    path, offsets = write_warc(tmp_path)
    data = bytearray(path.read_bytes())
    middle = (offsets[1] + offsets[2]) // 2
    data[middle: middle + 50] = b"\xff" * 50
    path.write_bytes(bytes(data))
    records, problems = read(path)
    assert urls(records) == [f"http://example.com/{n}.html" for n in (0, 2, 3, 4)]
    assert len(problems) == 1 and problems[0].location.offset in (offsets[1], offsets[1] - 0)
    assert "corrupt gzip data" in problems[0].reason or "Content-Length" in problems[0].reason


def test_an_uncompressed_warc_named_warc_gz_is_read_and_reported(tmp_path):
    path, _ = write_warc(tmp_path)
    plain = tmp_path / "plain.warc.gz"
    plain.write_bytes(gzip.decompress(path.read_bytes()))  # every member, concatenated
    records, problems = read(plain)
    assert urls(records) == [f"http://example.com/{n}.html" for n in range(5)]
    assert [(p.location.offset, p.reason) for p in problems] == [
        (0, "not gzip-compressed although named .gz: read as an uncompressed WARC file")]


def test_a_file_that_is_no_warc_at_all_is_one_problem(tmp_path):
    path = tmp_path / "page.warc.gz"
    path.write_bytes(b"<!doctype html><html><body>Not found</body></html>")
    records, problems = read(path)
    assert records == []
    assert [p.reason for p in problems] == [
        "neither gzip-compressed (as its name says) nor a WARC file (it starts with "
        "b'<!d')"]


def raw_record(uri: str, content_type: str, block: bytes, warc_type: str = "response") -> bytes:
    """One record as bytes, written by hand: what a broken or foreign writer leaves."""
    return (f"WARC/1.0\r\nWARC-Type: {warc_type}\r\nWARC-Target-URI: {uri}\r\n"
            f"WARC-Date: 2026-01-02T03:04:05Z\r\nWARC-Record-ID: <urn:uuid:{abs(hash(uri))}>\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(block)}\r\n\r\n"
            ).encode() + block + b"\r\n\r\n"


def http_block(body: bytes, status: str = "200 OK", content_type: str = "text/html") -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


HTTP = "application/http; msgtype=response"


def test_records_that_are_not_http_are_reported_and_skipped(tmp_path):
    members = [
        raw_record("http://example.com/0.html", HTTP, http_block(page(0))),
        raw_record("dns:example.com", "text/dns", b"20260102030405\nexample.com. 300 IN A 1.2.3.4"),
        raw_record("http://example.com/garbage", HTTP, b"this is not an HTTP response\r\n\r\n"),
        raw_record("http://example.com/3.html", HTTP, http_block(page(3))),
    ]
    compressed = [gzip.compress(m) for m in members]
    offsets = [sum(len(c) for c in compressed[:n]) for n in range(len(compressed))]
    path = tmp_path / "mixed.warc.gz"
    path.write_bytes(b"".join(compressed))
    records, problems = read(path)
    assert urls(records) == ["http://example.com/0.html", "http://example.com/3.html"]
    assert [p.location.offset for p in problems] == offsets[1:3]
    assert all(p.reason.startswith("not an HTTP response") for p in problems)


TWO_GB = 2 * 1024**3


def _huge_record_header(length: int) -> bytes:
    return (b"WARC/1.1\r\nWARC-Type: response\r\nWARC-Target-URI: http://example.com/huge\r\n"
            b"WARC-Date: 2026-01-02T03:04:05Z\r\nWARC-Record-ID: <urn:uuid:huge>\r\n"
            b"Content-Type: application/http; msgtype=response\r\n"
            + f"Content-Length: {length}\r\n\r\n".encode())


def test_a_2_gb_record_is_reported_and_skipped_without_being_read(tmp_path):
    # an uncompressed file whose middle record claims (and has) 2 GB: sparse, so no disk used
    path, _ = write_warc(tmp_path, pages=2)
    plain = gzip.decompress(path.read_bytes())
    huge = tmp_path / "huge.warc"
    with huge.open("wb") as out:
        out.write(plain)
        start = out.tell()
        out.write(_huge_record_header(TWO_GB))
        out.seek(TWO_GB, io.SEEK_CUR)
        out.write(b"\r\n\r\n" + plain[plain.index(b"WARC/1.1", 10):])  # the 2 fetches again
    started = time.monotonic()
    records, problems = read(huge)
    assert urls(records) == [f"http://example.com/{n}.html" for n in (0, 1, 0, 1)]
    assert [p.location.offset for p in problems] == [start]
    assert "2,147,483,648-byte record, over the 1,048,576-byte cap" in problems[0].reason
    assert time.monotonic() - started < 120  # read over, never held in memory


def test_a_2_gb_gzip_member_is_reported_and_skipped(tmp_path):
    path, offsets = write_warc(tmp_path, pages=2)
    compressor = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(64 * 1024 * 1024)
    member = [compressor.compress(_huge_record_header(TWO_GB))]
    member += [compressor.compress(zeros) for _ in range(TWO_GB // len(zeros))]
    member.append(compressor.compress(b"\r\n\r\n") + compressor.flush())
    data = path.read_bytes()
    huge = tmp_path / "huge.warc.gz"
    huge.write_bytes(data[: offsets[1]] + b"".join(member) + data[offsets[1]:])
    records, problems = read(huge)
    assert urls(records) == ["http://example.com/0.html", "http://example.com/1.html"]
    assert [p.location.offset for p in problems] == [offsets[1]]
    assert "over the 1,048,576-byte cap" in problems[0].reason


def test_a_payload_that_inflates_past_the_cap_is_not_inflated_further(tmp_path):
    bomb = gzip.compress(bytes(4 * CAP))
    writer = WarcFileWriter(tmp_path, "test", 10**9, {})
    writer.write(exchange(1, body=bomb, response_headers=(
        ("Content-Type", "text/html"), ("Content-Encoding", "gzip"))))
    writer.write(exchange(2))
    writer.close()
    records, problems = read(writer.files[0])
    assert problems == []
    assert [(r.url, len(r.body), r.unreadable) for r in records] == [
        ("http://example.com/1.html", 0, "decompressed body larger than the size cap "
                                         "(DOWNLOAD_MAXSIZE): a gzip bomb?"),
        ("http://example.com/2.html", len(page(2)), None)]


def test_records_not_wanted_are_read_over(tmp_path):
    path, _ = write_warc(tmp_path)
    reader = WarcReader(CAP, wanted=lambda get: get("WARC-Target-URI").endswith(("1.html",
                                                                                  "3.html")))
    records, problems = read(path, reader)
    assert urls(records) == ["http://example.com/1.html", "http://example.com/3.html"]
    assert problems == []
    assert reader.counts["skipped"] == 3
