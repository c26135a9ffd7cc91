"""A page's bytes as text, and text as a parsed tree: the first step of every look at a page.

Bytes are read the way browsers read them, with declarations checked against the bytes; see
``docs/extraction.md`` for why ``extract`` takes bytes.
"""

from __future__ import annotations

import codecs
import logging
from functools import cache
from typing import Any

from w3lib.encoding import html_body_declared_encoding, resolve_encoding

__all__ = ["JSON_LD", "MAX_HTML_CHARS", "decode_html", "parse_html"]

LOGGER = logging.getLogger(__name__)

MAX_HTML_CHARS = 3_000_000   # longer documents are cut (largest corpus page: 1.5 MB)
JSON_LD = "application/ld+json"  # scripts that carry data, not code: kept where scripts go


def decode_html(
    html: str | bytes | bytearray | memoryview | None, encoding: str | None = None
) -> str:
    """The page as text, cut to :data:`MAX_HTML_CHARS`; "" for anything that is not a page.

    Bytes: a BOM wins, then UTF-8 when the bytes are valid UTF-8 (whatever a header claims),
    then ``encoding`` (the HTTP header's charset, if the caller has it), then the page's
    ``<meta charset>``, then a statistical guess. Labels mean what browsers make of them
    ("iso-8859-1" is windows-1252); a declared UTF-8 the bytes do not bear out is ignored, and
    where header and meta disagree the bytes decide (:func:`_declared_charset`).
    """
    if html is None:
        return ""
    if isinstance(html, (bytearray, memoryview)):
        html = bytes(html)
    if isinstance(html, bytes):
        # cutting the bytes first bounds the decoding work too (a cut multi-byte character
        # at the end is replaced, never an error)
        text = _decode_bytes(html[: MAX_HTML_CHARS * 2], encoding, len(html) > MAX_HTML_CHARS * 2)
    elif isinstance(html, str):
        text = html
    else:
        return ""
    if len(text) > MAX_HTML_CHARS:
        LOGGER.info("page cut to %d of its %d characters", MAX_HTML_CHARS, len(text))
        text = text[:MAX_HTML_CHARS]
    return text


def parse_html(text: str) -> Any:
    """The lxml tree of ``text``; None for text that is not an HTML document.

    trafilatura's ``load_html`` (its repairs, its parser settings, its check that a page
    without "html" in its first characters parses to more than one element), with two costs
    cut: lxml is given UTF-8 bytes (it would encode a ``str`` itself, more slowly) and the
    parser's element classes are chosen in C (:func:`_html_parser`), and its repairs skip
    their scan of the whole page where it cannot change anything (:func:`_repaired_utf8`).
    The trees are the same as ``load_html``'s on all 265 corpus pages.
    """
    import lxml.html
    from lxml import etree
    from trafilatura.utils import is_dubious_html

    beginning = text[:50].lower()
    data = _repaired_utf8(text, beginning)
    try:
        tree = lxml.html.fromstring(data, parser=_html_parser())
    except (etree.ParserError, ValueError) as exc:
        LOGGER.info("lxml could not parse the page: %s", exc)
        return None
    # a bare fragment or plain text parses to a tree without structure: nothing to extract
    if tree is None or not len(tree) or (is_dubious_html(beginning) and len(tree) < 2):
        return None
    return tree


# Characters XML forbids, as UTF-8 bytes: what trafilatura's INVALID_XML_CHARS deletes
# (C0 controls but tab, newline and carriage return; U+FFFE and U+FFFF).
_FORBIDDEN_CONTROLS = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_FORBIDDEN_NONCHARACTERS = (b"\xef\xbf\xbe", b"\xef\xbf\xbf")
# How far into the page trafilatura's other repairs read: its first line (a DOCTYPE) and the
# first 4,096 characters (a self-closing <html/> in one of the first four lines)
_REPAIRS_REACH = 4096


def _repaired_utf8(text: str, beginning: str) -> bytes:
    """``trafilatura.utils.repair_faulty_html(text)`` as UTF-8 bytes.

    Its first repair deletes the characters XML forbids with a regular expression over the
    whole page (~1 ms on a 300 KB page), and pages seldom hold one: the encoded bytes are
    tested for them at C speed first (~0.2 ms). Without one, its other repairs only read the
    page's first line and first 4,096 characters, and run on that part alone.
    """
    from trafilatura.utils import repair_faulty_html

    data = text.encode("utf-8", "surrogatepass")
    forbidden = (len(data.translate(None, _FORBIDDEN_CONTROLS)) != len(data)
                 or (b"\xef\xbf" in data and any(c in data for c in _FORBIDDEN_NONCHARACTERS)))
    first_break = text.find("\n")
    cut = len(text) if first_break < 0 else max(_REPAIRS_REACH, first_break + 1)
    if forbidden or cut >= len(text):
        return repair_faulty_html(text, beginning).encode("utf-8", "surrogatepass")
    head = text[:cut]
    repaired = repair_faulty_html(head, beginning)
    if repaired == head:
        return data
    return (repaired + text[cut:]).encode("utf-8", "surrogatepass")


@cache
def _html_parser() -> Any:
    """trafilatura's HTML parser settings, every element an ``HtmlElement``.

    lxml.html's own parser asks a Python method (``HtmlElementClassLookup.lookup``) for the
    class of each element object it makes, and trafilatura's passes make hundreds of
    thousands a page; ``ElementDefaultClassLookup`` decides in C. What is lost are lxml's
    form classes (``FormElement``, ``InputElement``...), which neither trafilatura,
    htmldate, justext nor this package uses.
    """
    import lxml.html
    from lxml import etree

    parser = lxml.html.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                                  remove_comments=True, remove_pis=True)
    parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity))
    return parser


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def _decode_bytes(data: bytes, hint: str | None = None, cut: bool = False) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        if cut and error.start >= len(data) - 3:  # we cut a character in two: still UTF-8
            return data[: error.start].decode("utf-8", errors="replace")
    declared = _declared_charset(data, _codec(hint), _declared_encoding(data))
    if declared:
        return data.decode(declared, errors="replace")
    from trafilatura.utils import detect_encoding

    for guess in detect_encoding(data):
        if _codec(guess) in _LATIN_SINGLE_BYTE:
            # Statistics cannot tell cp1250 from cp1252 on a page of Western text (it calls
            # "Núñez" "Núńez"); browsers decode undeclared pages as windows-1252 (WHATWG
            # default), and so does this.
            return data.decode("cp1252", errors="replace")
        try:
            return data.decode(guess)
        except (LookupError, UnicodeDecodeError):
            continue
    # no usable guess: UTF-8 with a few bad bytes, else the browsers' default for pages
    # without a charset (not UTF-8, which would turn every no-break space into U+FFFD)
    return data.decode("utf-8" if _mostly_utf8(data) else "cp1252", errors="replace")


_LATIN_SINGLE_BYTE = frozenset(
    codecs.lookup(name).name for name in (
        "cp1250", "cp1252", "cp1257", "latin-1", "iso8859-2", "iso8859-15", "iso8859-10",
        "cp775", "cp850", "cp852", "cp858", "cp437", "mac-latin2", "mac-roman",
    )
)


def _declared_charset(data: bytes, header: str | None, meta: str | None) -> str | None:
    """Which declaration to decode bytes that are not valid UTF-8 with (None: guess).

    Declarations lie, so the bytes decide where they can. A declared UTF-8 counts only when
    most non-ASCII bytes do form UTF-8 (a UTF-8 page with a few bad bytes is still UTF-8; a
    windows-1252 page under a server's default "charset=utf-8" is not). When the HTTP header
    and the page's meta name two other charsets, the one the bytes read best in wins
    (charset_normalizer, limited to those two), else the header, as browsers do.
    """
    candidates = [c for c in dict.fromkeys((header, meta))
                  if c and (c != "utf-8" or _mostly_utf8(data))]
    if "utf-8" in candidates:
        return "utf-8"
    if len(candidates) == 2:
        return _reads_best(data, candidates) or candidates[0]
    return candidates[0] if candidates else None


def _mostly_utf8(data: bytes) -> bool:
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    return non_ascii - bad > bad


def _reads_best(data: bytes, charsets: list[str]) -> str | None:
    from charset_normalizer import from_bytes

    try:
        best = from_bytes(data, cp_isolation=charsets).best()
    except (LookupError, ValueError, TypeError):
        return None
    return _codec(best.encoding) if best is not None else None


def _declared_encoding(data: bytes) -> str | None:
    try:
        return _codec(html_body_declared_encoding(data))
    except ValueError:
        return None


def _codec(name: str | None) -> str | None:
    if not name or not isinstance(name, str):
        return None
    # as browsers read labels (WHATWG): "iso-8859-1", "latin1" and "ascii" mean windows-1252
    return resolve_encoding(name.strip().strip("\"'"))

