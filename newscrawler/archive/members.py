"""Gzip members, one per WARC record: written for warcio, walked when a file is read or repaired.

A ``.warc.gz`` file is a series of gzip members, one record each, so that a reader can start at
any record's offset. warcio writes such members itself, but always with zlib at level 9, which
costs 5.3 ms for a 190 KB page; ISA-L (``isal``, Intel's gzip library) at its level 2 takes
0.28 ms for files a sixth bigger, zlib's fastest level 1.1 ms for files a little bigger still. At
~40 ms of CPU per article, that is the difference between capture costing a CPU-bound crawl
~15 % or ~2 %. :class:`MemberWriter` lets warcio write plain records and ends an ISA-L
member, at the level ``WARC_GZIP_LEVEL`` says, at each record's flush instead.

Reading needs the member boundaries that warcio's iterator hides (it prints a warning on
stderr and stops at a damaged member): :class:`Member` decompresses one member and says where
it ends, so that a damaged record costs that record only.
"""

from __future__ import annotations

import io
import zlib
from typing import BinaryIO

from isal import isal_zlib

__all__ = ["GZIP_MAGIC", "BadMember", "Member", "MemberWriter", "complete_members_end",
           "next_member_start"]

GZIP_MAGIC = b"\x1f\x8b\x08"   # ID1, ID2 and CM = deflate: the start of every member
_GZIP_WBITS = 16 + zlib.MAX_WBITS
_CHUNK = 64 * 1024


class MemberWriter:
    """A file-like object for ``warcio.WARCWriter(gzip=False)``: each ``flush()`` (warcio flushes
    once at the end of every record) closes one gzip member and writes it to ``raw``, whole, in
    one call: a record that fails half-way (``discard()``) leaves nothing in the file."""

    def __init__(self, raw: BinaryIO, level: int = 2) -> None:
        self.raw = raw
        self.level = level
        self._compressor = self._new_compressor()
        self._pending: list[bytes] = []
        self._started = False

    def _new_compressor(self):  # type: ignore[no-untyped-def]
        return isal_zlib.compressobj(self.level, isal_zlib.DEFLATED, _GZIP_WBITS)

    def write(self, data: bytes) -> int:
        self._pending.append(self._compressor.compress(data))
        self._started = True
        return len(data)

    def flush(self) -> None:
        if self._started:
            self._pending.append(self._compressor.flush())
            self.raw.write(b"".join(self._pending))
            self.discard()
        self.raw.flush()

    def discard(self) -> None:
        """Drop the record being written."""
        self._compressor = self._new_compressor()
        self._pending = []
        self._started = False

    def tell(self) -> int:
        return self.raw.tell()


class BadMember(Exception):
    """A gzip member that cannot be read: the message says why (truncated, corrupt)."""


class Member(io.RawIOBase):
    """The decompressed bytes of the gzip member starting at ``offset`` of ``fh``.

    Reading past the member's end gives b"" and sets :attr:`end` (the file offset just after
    the member). A member cut short by the end of the file or holding corrupt data raises
    :class:`BadMember`.
    """

    def __init__(self, fh: BinaryIO, offset: int) -> None:
        super().__init__()
        self.fh = fh
        self.offset = offset
        self.end: int | None = None
        self._position = offset          # file offset of the next compressed byte to feed
        self._decompressor = zlib.decompressobj(_GZIP_WBITS)
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buffer and self.end is None:
            self._fill(len(target))
        count = min(len(target), len(self._buffer))
        target[:count] = self._buffer[:count]
        self._buffer = self._buffer[count:]
        return count

    def _fill(self, wanted: int) -> None:
        self.fh.seek(self._position)
        compressed = self.fh.read(_CHUNK)
        if not compressed:
            raise BadMember("the file ends inside this record (truncated)")
        try:
            # max_length keeps a gzip bomb from inflating all at once
            data = self._decompressor.decompress(compressed, max(wanted, _CHUNK))
        except zlib.error as exc:
            raise BadMember(f"corrupt gzip data ({exc})") from None
        # at the member's end, what follows it is in unused_data (and, when max_length was
        # reached too, also still in unconsumed_tail: not to be counted twice)
        leftover = (self._decompressor.unused_data if self._decompressor.eof
                    else self._decompressor.unconsumed_tail)
        self._position += len(compressed) - len(leftover)
        self._buffer = data
        if self._decompressor.eof:
            self.end = self._position

    def skip_to_end(self) -> int:
        """Decompress and discard the rest of the member; its end offset."""
        while self.end is None:
            self._fill(16 * _CHUNK)  # the output is dropped: larger steps, fewer calls
            self._buffer = b""
        return self.end


def next_member_start(fh: BinaryIO, start: int) -> int | None:
    """The offset of the first gzip member header at or after ``start``, if any.

    Compressed data can hold the three magic bytes by chance: a caller that finds no record
    there simply searches again after it.
    """
    overlap = len(GZIP_MAGIC) - 1
    position = start
    while True:
        fh.seek(position)
        block = fh.read(_CHUNK)
        if len(block) < len(GZIP_MAGIC):
            return None
        found = block.find(GZIP_MAGIC)
        if found >= 0:
            return position + found
        position += len(block) - overlap


def complete_members_end(fh: BinaryIO) -> int:
    """The offset just after the last gzip member that is complete, from the file's start.

    What a killed writer leaves is whole members followed by at most one torn one.
    """
    offset = 0
    size = fh.seek(0, io.SEEK_END)
    while offset < size:
        member = Member(fh, offset)
        try:
            offset = member.skip_to_end()
        except BadMember:
            break
    return min(offset, size)
