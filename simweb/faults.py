"""Every way a feed or page can misbehave, as a table: fault name -> behaviour.

A fault replaces the normal response. Each entry says whether it applies to feeds, pages or
both, and whether a robust crawler still gets the feed's entries / the article despite it
(`NewsWeb.articles()` relies on that). All of them are cheap for the server: big bodies are
streamed from one reused chunk, and the gzip bomb is built once from a repeating block.
"""

from __future__ import annotations

import asyncio
import functools
import random
import socket
import struct
import threading
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from aiohttp import web

# robots.txt takes faults too (Site.robots_fault, Site.fault), but fault_web() gives them to
# feeds and pages only: the table's targets say where those go.
Target = Literal["feed", "page", "robots"]

HANG_SECONDS = 3600.0
DRIP_BYTES = 3600  # one per second: an hour
OVERSIZE_BYTES = 64 * 1024 * 1024
PADDED_BYTES = 600 * 1024  # more than the 500 KiB of robots.txt a crawler must parse
REDIRECT_HOPS = 5  # the redirects a crawler must follow for robots.txt (RFC 9309)
GZIP_BOMB_BYTES = 1024 * 1024 * 1024
_CHUNK = 64 * 1024


@dataclass
class FaultContext:
    request: web.Request
    target: Target
    # The normal content type, without a charset parameter.
    content_type: str
    # Renders the normal document declaring the given charset (None: no declaration at all).
    document: Callable[[str | None], str]
    # Set once headers are sent, so the request log can report the real status even if the
    # client drops the connection mid-body.
    prepared: web.StreamResponse | None = None
    # How many times this site was asked for this path (query ignored) before: 0 the first time.
    attempt: int = 0


Responder = Callable[[FaultContext], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class FaultSpec:
    name: str
    targets: frozenset[str]
    # Whether a robust crawler still gets the feed's entries / the article despite the fault.
    feed_ok: bool
    page_ok: bool
    description: str
    respond: Responder


async def prepare(ctx: FaultContext, resp: web.StreamResponse) -> None:
    ctx.prepared = resp
    await resp.prepare(ctx.request)


def _drop(request: web.Request) -> None:
    """Abort the connection with a TCP RST rather than a clean FIN."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


def _status(code: int) -> Responder:
    async def respond(ctx: FaultContext) -> web.StreamResponse:
        reason = f"Simulated {code}"
        return web.Response(status=code, text=f"<html><body><h1>{code}</h1></body></html>",
                            content_type="text/html", reason=reason)
    return respond


async def _hang(ctx: FaultContext) -> web.StreamResponse:
    # Cancelled when the client gives up or the server shuts down.
    await asyncio.sleep(HANG_SECONDS)
    _drop(ctx.request)
    raise ConnectionResetError("simweb: hang fault gave up")


async def _reset(ctx: FaultContext) -> web.StreamResponse:
    _drop(ctx.request)
    raise ConnectionResetError("simweb: reset fault")


async def _redirect_loop(ctx: FaultContext) -> web.StreamResponse:
    # A two-step cycle: /x -> /x?hop=1 -> /x -> ...
    path = ctx.request.path
    target = path if "hop" in ctx.request.query else f"{path}?hop=1"
    return web.Response(status=302, headers={"Location": target})


async def _redirect_chain(ctx: FaultContext) -> web.StreamResponse:
    # /x -> /x?hop=1 -> ... -> /x?hop=5, which answers normally
    hop = int(ctx.request.query.get("hop", "0"))
    if hop < REDIRECT_HOPS:
        return web.Response(status=302, headers={"Location": f"{ctx.request.path}?hop={hop + 1}"})
    return _normal(ctx)


async def _first_500(ctx: FaultContext) -> web.StreamResponse:
    if ctx.attempt == 0:
        return await _status(500)(ctx)
    return _normal(ctx)


def _normal(ctx: FaultContext) -> web.StreamResponse:
    """The answer without a fault (a robots.txt the site does not have is a 404)."""
    document = ctx.document("utf-8")
    if ctx.target == "robots" and not document:
        return web.Response(status=404, text="no robots.txt\n")
    return web.Response(body=document.encode(), content_type=ctx.content_type, charset="utf-8")


_PADDING_LINE = {
    "robots": b"# padding padding padding padding padding padding padding padding padding\n",
    "feed": b"<!-- padding padding padding padding padding padding padding padding -->\n",
    "page": b"<!-- padding padding padding padding padding padding padding padding -->\n",
}


async def _padded(ctx: FaultContext) -> web.StreamResponse:
    """The normal document, then comment lines up to PADDED_BYTES (a big robots.txt whose rules
    come first, as big ones usually have them)."""
    body = ctx.document("utf-8").encode()
    line = _PADDING_LINE[ctx.target]
    body += line * max(0, (PADDED_BYTES - len(body)) // len(line) + 1)
    return web.Response(body=body, content_type=ctx.content_type, charset="utf-8")


async def _html_not_feed(ctx: FaultContext) -> web.StreamResponse:
    html = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Welcome</title></head>"
            "<body><h1>Our feeds have moved</h1><p>Visit our new <a href=\"/\">homepage</a> "
            "for the latest stories.</p></body></html>")
    return web.Response(body=html.encode(), content_type="text/html", charset="utf-8")


async def _empty(ctx: FaultContext) -> web.StreamResponse:
    return web.Response(body=b"", content_type=ctx.content_type)


async def _malformed_with_entries(ctx: FaultContext) -> web.StreamResponse:
    doc = ctx.document("utf-8")
    # Break the XML after the last entry so a forgiving parser keeps every entry.
    ends = [doc.rfind(tag) + len(tag) for tag in ("</item>", "</entry>") if tag in doc]
    cut = max(ends) if ends else doc.rfind("</")
    broken = doc[:cut] + "\n<unclosed>Tom & Jerry <b>bold\n" + doc[cut:]
    return web.Response(body=broken.encode(), content_type=ctx.content_type, charset="utf-8")


async def _malformed_no_entries(ctx: FaultContext) -> web.StreamResponse:
    doc = ctx.document("utf-8")
    first = [i for i in (doc.find("<item"), doc.find("<entry")) if i >= 0]
    cut = min(first) if first else len(doc) // 3
    body = doc[:cut].encode() + b"\x00\xff\xfe<<</ch&&\x01\x02"
    return web.Response(body=body, content_type=ctx.content_type)


async def _wrong_charset(ctx: FaultContext) -> web.StreamResponse:
    body = ctx.document("utf-8").encode("iso-8859-1", "xmlcharrefreplace")
    return web.Response(body=body, headers={"Content-Type": f"{ctx.content_type}; charset=utf-8"})


async def _no_charset(ctx: FaultContext) -> web.StreamResponse:
    body = ctx.document("iso-8859-1").encode("iso-8859-1", "xmlcharrefreplace")
    return web.Response(body=body, headers={"Content-Type": ctx.content_type})


async def _no_charset_nodecl(ctx: FaultContext) -> web.StreamResponse:
    body = ctx.document(None).encode("iso-8859-1", "xmlcharrefreplace")
    return web.Response(body=body, headers={"Content-Type": ctx.content_type})


_bomb_lock = threading.Lock()


def gzip_bomb() -> bytes:
    """gzip of GZIP_BOMB_BYTES zeros (~1 MB); built on first use (~0.5 s), then cached."""
    # Concurrent first requests would otherwise each spend the half second building it.
    with _bomb_lock:
        return _build_gzip_bomb()


@functools.cache
def _build_gzip_bomb() -> bytes:
    """One compressed block of zeros, repeated.

    A full flush byte-aligns the deflate stream and resets its history, so every 1 MiB block
    of zeros compresses to the same bytes; compressing the whole gigabyte would take seconds.
    """
    block = bytes(1024 * 1024)
    count = GZIP_BOMB_BYTES // len(block)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH)
    again = comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH)
    tail = comp.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc & 0xFFFFFFFF, GZIP_BOMB_BYTES & 0xFFFFFFFF)
    return header + first + again * (count - 1) + tail + trailer


async def _gzip_bomb(ctx: FaultContext) -> web.StreamResponse:
    body = await asyncio.get_running_loop().run_in_executor(None, gzip_bomb)
    return web.Response(body=body, headers={"Content-Type": ctx.content_type,
                                            "Content-Encoding": "gzip"})


def _entity_bomb_doc() -> bytes:
    levels = ['<!ENTITY lol0 "lol">']
    for i in range(1, 10):
        levels.append(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">')
    dtd = "\n ".join(levels)
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE rss [\n {dtd}\n]>\n'
            '<rss version="2.0"><channel><title>&lol9;</title><link>http://example.invalid/'
            '</link><description>&lol9;</description></channel></rss>\n').encode()


async def _entity_bomb(ctx: FaultContext) -> web.StreamResponse:
    return web.Response(body=_entity_bomb_doc(), content_type=ctx.content_type,
                        charset="utf-8")


@functools.cache
def _padding_chunk() -> bytes:
    line = b"<!-- padding padding padding padding padding padding padding padding -->\n"
    return (line * (_CHUNK // len(line) + 1))[:_CHUNK]


def _oversize_prefix(target: Target) -> bytes:
    if target == "feed":
        return (b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
                b"<title>Huge</title>\n")
    return b"<!DOCTYPE html><html><head><title>Huge</title></head><body>\n"


def _oversize(chunked: bool) -> Responder:
    async def respond(ctx: FaultContext) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": ctx.content_type})
        if not chunked:
            resp.content_length = OVERSIZE_BYTES
        await prepare(ctx, resp)
        chunk = _padding_chunk()
        prefix = _oversize_prefix(ctx.target)
        await resp.write(prefix)
        left = OVERSIZE_BYTES - len(prefix)
        while left > 0:
            piece = chunk if left >= len(chunk) else chunk[:left]
            await resp.write(piece)
            left -= len(piece)
        await resp.write_eof()
        return resp
    return respond


async def _slow_drip(ctx: FaultContext) -> web.StreamResponse:
    doc = ctx.document("utf-8").encode("utf-8", "replace")
    body = (doc + b" " * DRIP_BYTES)[:DRIP_BYTES]
    resp = web.StreamResponse(headers={"Content-Type": ctx.content_type})
    resp.content_length = DRIP_BYTES
    await prepare(ctx, resp)
    for i in range(DRIP_BYTES):
        await resp.write(body[i:i + 1])
        await asyncio.sleep(1.0)
    await resp.write_eof()
    return resp


def pdf_bytes(text: str = "Annual report") -> bytes:
    """A small, structurally valid one-page PDF."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
            .encode())
    return bytes(out)


async def _pdf(ctx: FaultContext) -> web.StreamResponse:
    return web.Response(body=pdf_bytes(), content_type="application/pdf")


async def _binary(ctx: FaultContext) -> web.StreamResponse:
    rng = random.Random(ctx.request.path)
    return web.Response(body=rng.randbytes(8192), content_type="application/octet-stream")


BOTH = frozenset({"feed", "page"})
FEED = frozenset({"feed"})
PAGE = frozenset({"page"})

_TABLE: dict[str, tuple[frozenset[str], bool, bool, str, Responder]] = {
    "status:404": (BOTH, False, False, "404 Not Found", _status(404)),
    "status:410": (BOTH, False, False, "410 Gone", _status(410)),
    "status:500": (BOTH, False, False, "500 Internal Server Error", _status(500)),
    "status:503": (BOTH, False, False, "503 Service Unavailable", _status(503)),
    "hang": (BOTH, False, False, "accept, then send nothing for an hour", _hang),
    "reset": (BOTH, False, False, "TCP reset without a response", _reset),
    "redirect-loop": (BOTH, False, False, "302 cycle between /x and /x?hop=1", _redirect_loop),
    # feeds only: a page would be written under its last URL, not the one the feed lists
    "redirect-chain": (FEED, True, False, f"{REDIRECT_HOPS} redirects, then the document",
                       _redirect_chain),
    "first-500": (BOTH, True, True, "500 the first time, the document when asked again",
                  _first_500),
    "padded-600k": (BOTH, True, True, "the document, then comments up to 600 KiB", _padded),
    "html-not-feed": (FEED, False, False, "200 HTML page where the feed should be",
                      _html_not_feed),
    "empty": (BOTH, False, False, "200 with an empty body", _empty),
    "malformed-with-entries": (FEED, True, False,
                               "broken XML after the last entry; entries recoverable",
                               _malformed_with_entries),
    "malformed-no-entries": (FEED, False, False, "truncated garbage without entries",
                             _malformed_no_entries),
    "wrong-charset": (BOTH, True, True, "ISO-8859-1 body declared as utf-8", _wrong_charset),
    "no-charset": (BOTH, True, True,
                   "ISO-8859-1 body, no HTTP charset, document declares iso-8859-1",
                   _no_charset),
    "no-charset-nodecl": (BOTH, True, True, "ISO-8859-1 body, no charset anywhere",
                          _no_charset_nodecl),
    "gzip-bomb": (BOTH, False, False, "Content-Encoding gzip: ~1 MB inflating to 1 GiB",
                  _gzip_bomb),
    "entity-bomb": (FEED, False, False, "billion-laughs entity expansion, no entries",
                    _entity_bomb),
    "oversize": (BOTH, False, False, "64 MiB body with Content-Length", _oversize(False)),
    "oversize-chunked": (BOTH, False, False, "64 MiB chunked body, no Content-Length",
                         _oversize(True)),
    "slow-drip": (BOTH, False, False, "headers, then one byte per second", _slow_drip),
    "pdf": (PAGE, False, False, "application/pdf instead of HTML", _pdf),
    "binary": (BOTH, False, False, "application/octet-stream random bytes", _binary),
}

FAULT_KINDS: tuple[str, ...] = tuple(_TABLE)


@functools.cache
def fault_spec(name: str) -> FaultSpec:
    """The behaviour for a fault name; any "status:N" works, not just the listed ones."""
    if name in _TABLE:
        targets, feed_ok, page_ok, description, respond = _TABLE[name]
        return FaultSpec(name, targets, feed_ok, page_ok, description, respond)
    if name.startswith("status:"):
        try:
            code = int(name.removeprefix("status:"))
        except ValueError:
            code = 0
        if 100 <= code <= 599:
            return FaultSpec(name, BOTH, False, False, f"HTTP {code}", _status(code))
    raise ValueError(f"unknown fault {name!r}; known: {', '.join(FAULT_KINDS)} or status:N")


def fault_kinds(target: Target) -> list[str]:
    """The fault names that apply to feeds or to pages."""
    return [name for name in FAULT_KINDS if target in _TABLE[name][0]]
