"""Article text and metadata of one HTML page, with trafilatura. Pure functions, no Scrapy.

:func:`extract` runs in worker processes (``newscrawler.extraction.pool``): a module-level
function taking and returning plain, picklable data, and it never raises -- garbage, empty,
binary or enormous input gives :data:`EMPTY` fields (with a log line saying why).

The choices below were measured on the 121-page article-body corpus with
``python bench/quality.py --options-grid`` (whitespace tokens, multiset overlap, P/R/F1 per
page, averaged; table in ``bench/results/options-grid.json``):

* ``include_comments=False, favor_precision=True``, tables and the readability/justext
  fallbacks kept, no deduplication: mean F1 0.971 against 0.948 for ``trafilatura.extract``
  with its defaults and 0.959 for the balanced mode without comments. Precision alone (0.965)
  lost one page entirely (F1 0.86 -> 0.02: the article sat in a hidden overlay), so a SHORT
  precision result that covers LITTLE of the page is compared with the balanced mode's, with
  trafilatura's own escalation rule and constants (:func:`_precision_fallback`; 6 of 121 pages
  re-run, 2 switched). With it no page is more than 0.04 F1 below the balanced mode and 6 are
  0.07-0.53 above. favor_recall (0.962), fast (0.958 / 0.962 with precision), dropping tables
  (0.955 / 0.963) and deduplication (0.951 / 0.962) all measured worse; deduplication also
  keeps a cache ACROSS documents unless given one per call, which would make results depend on
  what a pool worker saw before.
* tables: trafilatura's txt output draws them in markdown (``| a | b |``, ``|---|``); the text
  here is plain, so rows become ``a b`` lines (F1 0.968 -> 0.971, no page worse).
* dates: htmldate with ``extensive_search`` (one more page dated than without, same time);
  a date the publisher states with time and zone (JSON-LD datePublished, article:published_time,
  itemprop=datePublished) comes first, htmldate's answer (often a bare day) after.
* bytes or text: pass ``response.body``. Both give the same result on the corpus and cost the
  worker the same; bytes save the reactor the decoding of ``response.text`` and the re-encoding
  of a ``str`` for the pipe to the worker (~0.6 ms a page against ~0.02 ms). Bytes are decoded
  here (:func:`decode_html`): BOM, else UTF-8 when valid (whatever a header claims), else the
  HTTP header's charset if the caller passes it as ``encoding``, else ``<meta charset>``, else
  a statistical guess. (trafilatura's own decoding of bytes ignores ``<meta charset>``.)
* no timeout exists in trafilatura (``MAX_TREE_SIZE`` only checks the OUTPUT tree, after the
  work is done), so the input is capped instead: :data:`MAX_HTML_CHARS` characters and
  :data:`MAX_ELEMENTS` elements (past them the document is cut in document order, after script
  and style elements are dropped). Work grows with the element count -- 20 000 tiny elements
  take ~2.5 s, 40 000 ~9 s -- so this bounds a worker to a few seconds; the spider adds the
  wall-clock limit around the pool call.
* speed: ~50-60 ms of CPU a page on the corpus (one core, about 17-20 pages/s), of which
  trafilatura's text extraction is ~30 ms, its metadata ~11 ms and language detection ~2 ms.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from w3lib.encoding import html_body_declared_encoding, resolve_encoding

from newscrawler.utils.dates import to_utc_iso
from newscrawler.utils.text import normalize_line, normalize_text

__all__ = [
    "DEFAULT_OPTIONS",
    "EMPTY",
    "MAX_ELEMENTS",
    "MAX_HTML_CHARS",
    "MIN_LANGID_CHARS",
    "ExtractOptions",
    "PageFields",
    "decode_html",
    "extract",
    "looks_script_rendered",
]

LOGGER = logging.getLogger(__name__)

MAX_HTML_CHARS = 3_000_000   # longer documents are cut (largest corpus page: 1.5 MB)
MAX_ELEMENTS = 20_000        # more elements are cut in document order (corpus max: ~1 600)
MIN_LANGID_CHARS = 200       # below this much text the declared language is used
LANGID_MAX_CHARS = 5_000     # the identifier reads at most this much (its cost is linear)
MAX_TAGS = 30
LANGID_MIN_CONFIDENCE = 0.5  # normalised probability under which a detection is not trusted


@dataclass(frozen=True, slots=True)
class PageFields:
    text: str | None           # plain text, paragraphs separated by one blank line
    title: str | None
    authors: tuple[str, ...]
    published: str | None      # via to_utc_iso: ISO 8601 in UTC with its offset
    language: str | None       # ISO 639-1
    description: str | None
    image: str | None          # absolute URL
    tags: tuple[str, ...]
    canonical_url: str | None  # <link rel=canonical>/og:url if present, absolute
    site_name: str | None


EMPTY = PageFields(None, None, (), None, None, None, None, (), None, None)


@dataclass(frozen=True, slots=True)
class ExtractOptions:
    """trafilatura's knobs, kept together so the benchmark can run the same code with others."""

    include_comments: bool = False
    favor_precision: bool = True
    favor_recall: bool = False
    include_tables: bool = True
    deduplicate: bool = False        # within the page only (a per-call cache, never global)
    fast: bool = False               # skip the readability/justext fallbacks
    extensive_date_search: bool = True
    plain_tables: bool = True        # table rows as "a b c" lines, not markdown "| a | b | c |"
    precision_fallback: bool = True  # see _precision_fallback


DEFAULT_OPTIONS = ExtractOptions()

# Publication dates stated by the publisher, with time and zone. Checked before htmldate's
# heuristics (URL, header, text patterns), which mostly give a bare day.
_ARTICLE_TYPES = re.compile(r"article|posting|report|newsarticle", re.IGNORECASE)
_DATE_META = (
    ".//meta[@property='article:published_time'][@content]",
    ".//meta[@property='og:article:published_time'][@content]",
    ".//meta[@itemprop='datePublished'][@content]",
    ".//meta[@name='article:published_time'][@content]",
    ".//meta[@name='parsely-pub-date'][@content]",
    ".//meta[@name='sailthru.date'][@content]",
    ".//meta[@name='dc.date.issued'][@content]",
    ".//meta[@name='DC.date.issued'][@content]",
)
_DATE_ELEMENTS = (
    ".//time[@itemprop='datePublished'][@datetime]",
    ".//*[@itemprop='datePublished'][@datetime]",
    ".//*[@itemprop='datePublished'][@content]",
    ".//time[@pubdate][@datetime]",
)
_EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)   # "0001-01-01T00:00:00Z" is a CMS placeholder
_LANG_CODE = re.compile(r"^[a-z]{2}$")
_LANG_ALIASES = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv"}
# py3langid labels that are not ISO 639-1 codes but have a macro-language code.
_LANGID_TO_639_1 = {
    "arz": "ar", "ary": "ar", "uzs": "uz", "wuu": "zh", "yue": "zh", "kik": "ki", "gug": "gn",
    "sdh": "ku",
}
_UNSTRIPPED_SCRIPTS = "application/ld+json"


def extract(
    html: str | bytes,
    url: str,
    *,
    encoding: str | None = None,
    options: ExtractOptions = DEFAULT_OPTIONS,
) -> PageFields:
    """Text and metadata of the article page ``html`` fetched from ``url``; never raises.

    Better pass ``response.body`` (bytes) than ``response.text``: same result on the corpus,
    and the reactor neither decodes the page nor re-encodes a ``str`` to pickle it. Bytes are
    decoded here (see :func:`decode_html`); ``encoding`` is the charset of the HTTP
    ``Content-Type`` header, if any -- used only for bytes that are not valid UTF-8. A ``str``
    is taken as is. ``options`` exist for the benchmark; the defaults are the measured choice.
    """
    try:
        return _extract(html, url, encoding, options)
    except Exception as exc:  # a worker must never die of a page; RecursionError included
        LOGGER.warning("extraction failed for %s: %s: %s", url, type(exc).__name__, exc)
        return EMPTY


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


def looks_script_rendered(html: str | bytes, text: str | None) -> bool:
    """Whether the page is an app shell whose content a browser would build with JavaScript.

    True when the extracted ``text`` is short, the HTML shows little text of its own, AND it
    shows a script app: big or several scripts around almost no text, a ``<noscript>`` asking
    to enable JavaScript, or an empty mount point (``#root``, ``#app``, ``#__next``...).
    A page with server-rendered text (a paywall teaser, a brief) is not a shell.
    """
    try:
        return _looks_script_rendered(html, text)
    except Exception as exc:
        LOGGER.debug("script-rendered check failed: %s", exc)
        return False


# --- extraction ------------------------------------------------------------------------------


def _extract(
    html: str | bytes, url: str, encoding: str | None, options: ExtractOptions
) -> PageFields:
    document_text = decode_html(html, encoding)
    if not document_text.strip():
        return EMPTY
    tree = _parse(document_text)
    if tree is None:
        LOGGER.info("not an HTML document: %s", url)
        return EMPTY
    url = url if isinstance(url, str) else ""
    _cap_elements(tree, url)

    # our own lookups first: bare_extraction works on (and prunes) its own copy of the tree
    declared_language = _declared_language(tree)
    canonical_url = _canonical_url(tree, url)
    stated_date = _stated_publication_date(tree)
    og_title = _meta_content(tree, ".//meta[@property='og:title'][@content]")

    document = _bare_extraction(tree, url, options, with_metadata=True)
    if document is None:
        # no text: the metadata still helps the caller (title, date of a paywalled page)
        document = _metadata_only(tree, url, options)
    raw_text = getattr(document, "text", None) or ""
    if options.favor_precision and options.precision_fallback:
        raw_text = _precision_fallback(tree, url, options, raw_text)
    if raw_text and options.plain_tables:
        raw_text = _plain_tables(raw_text)
    text = normalize_text(raw_text) or None
    site_name = normalize_line(document.sitename) or None
    return PageFields(
        text=text,
        title=_title(normalize_line(document.title), og_title, site_name),
        authors=_split_authors(document.author),
        published=stated_date or to_utc_iso(document.date),
        language=_language(text, declared_language),
        description=normalize_line(document.description) or None,
        image=_absolute_http_url(url, document.image),
        tags=_tags([*(document.categories or ()), *(document.tags or ())]),
        canonical_url=canonical_url,
        site_name=site_name,
    )


_TABLE_RULE = re.compile(r"^\|(?:-{3,}\|)+$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def _plain_tables(text: str) -> str:
    """trafilatura's txt tables ("| a | b |" rows and "|---|" rules) as plain lines "a b"."""
    if "|" not in text:
        return text
    lines = []
    for line in text.split("\n"):
        stripped = line.strip()
        if _TABLE_RULE.match(stripped):
            continue
        if len(stripped) > 1 and stripped[0] == "|" and stripped[-1] == "|":
            cells = (cell.strip().replace("\\|", "|") for cell in _CELL_SPLIT.split(stripped[1:-1]))
            line = " ".join(cell for cell in cells if cell)
        lines.append(line)
    return "\n".join(lines)


def _bare_extraction(tree: Any, url: str, options: ExtractOptions, *, with_metadata: bool) -> Any:
    import trafilatura  # lazy: the spider process imports this module for PageFields only
    from trafilatura.deduplication import LRUCache

    return trafilatura.bare_extraction(
        tree,
        url=url or None,
        include_comments=options.include_comments,
        favor_precision=options.favor_precision,
        favor_recall=options.favor_recall,
        include_tables=options.include_tables,
        deduplicate=LRUCache(maxsize=4096) if options.deduplicate else False,
        fast=options.fast,
        with_metadata=with_metadata,
        date_extraction_params=_date_params(options.extensive_date_search),
        config=_trafilatura_config(),
    )


def _precision_fallback(tree: Any, url: str, options: ExtractOptions, text: str) -> str:
    """Precision mode's text, unless it looks like the article was lost.

    trafilatura's balanced mode retries a SHORT extraction that covers LITTLE of the page and
    keeps the retry if it is clearly longer; precision mode skips that safety net, and then
    sometimes returns a few boilerplate lines for the whole page (an article inside a hidden
    overlay, say). Same rule and trafilatura's own constants here: such a text is compared
    with the balanced mode's, which wins when it is ESCALATION_ACCEPT_RATIO times longer.
    """
    from trafilatura import core
    from trafilatura.baseline import html2txt

    max_length = getattr(core, "ESCALATION_MAX_LENGTH", 3000)
    page_share = getattr(core, "ESCALATION_PAGE_SHARE", 0.2)
    accept_ratio = getattr(core, "ESCALATION_ACCEPT_RATIO", 1.5)
    if len(text) >= max_length or len(text) >= page_share * len(html2txt(tree)):
        return text
    balanced = _bare_extraction(tree, url, replace(options, favor_precision=False),
                                with_metadata=False)
    balanced_text = getattr(balanced, "text", None) or ""
    minimum = _trafilatura_config().getint("DEFAULT", "MIN_EXTRACTED_SIZE")
    if len(balanced_text) >= minimum and len(balanced_text) > accept_ratio * len(text):
        LOGGER.debug("precision mode kept %d characters, balanced mode %d: using balanced (%s)",
                     len(text), len(balanced_text), url)
        return balanced_text
    return text


def _metadata_only(tree: Any, url: str, options: ExtractOptions) -> Any:
    from trafilatura.metadata import extract_metadata

    return extract_metadata(tree, url or None, _date_params(options.extensive_date_search))


def _parse(text: str) -> Any:
    from trafilatura.utils import load_html

    tree = load_html(text)
    # a bare fragment or plain text parses to a tree without structure: nothing to extract
    return tree if tree is not None and len(tree) else None


def _cap_elements(tree: Any, url: str) -> None:
    """Cut the tree to :data:`MAX_ELEMENTS` elements (trafilatura's work grows with them)."""
    if _count_elements(tree, MAX_ELEMENTS + 1) <= MAX_ELEMENTS:
        return
    for element in list(tree.iter("script", "style", "noscript", "svg", "template")):
        if element.tag == "script" and element.get("type", "").lower() == _UNSTRIPPED_SCRIPTS:
            continue
        _remove_keep_tail(element)
    total = _count_elements(tree, None)
    if total <= MAX_ELEMENTS:
        return
    LOGGER.info("page cut to its first %d of %d elements: %s", MAX_ELEMENTS, total, url)
    cut = next(el for i, el in enumerate(tree.iter()) if i == MAX_ELEMENTS)
    node = cut
    while (parent := node.getparent()) is not None:
        for sibling in list(node.itersiblings()):
            parent.remove(sibling)
        node = parent
    cut.getparent().remove(cut)


def _count_elements(tree: Any, stop: int | None) -> int:
    count = 0
    for _ in tree.iter():
        count += 1
        if stop is not None and count >= stop:
            break
    return count


def _remove_keep_tail(element: Any) -> None:
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


@cache
def _trafilatura_config() -> Any:
    from trafilatura.settings import use_config

    config = use_config()
    # decompression bombs (gzip bytes reaching trafilatura) are held to our own cap
    config.set("DEFAULT", "MAX_FILE_SIZE", str(MAX_HTML_CHARS))
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")  # CLI-only option; the pool has the limit
    return config


def _date_params(extensive: bool) -> dict[str, Any]:
    return {
        "original_date": True,              # publication, not last modification
        "extensive_search": extensive,
        "outputformat": "%Y-%m-%dT%H:%M:%S%z",  # keeps time and zone where the page has them
        "max_date": (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d"),
    }


# --- decoding --------------------------------------------------------------------------------

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


# --- metadata --------------------------------------------------------------------------------


def _declared_language(tree: Any) -> str | None:
    candidates = [tree.get("lang"), tree.get("{http://www.w3.org/XML/1998/namespace}lang")]
    for xpath in (
        ".//meta[@http-equiv='content-language'][@content]",
        ".//meta[@http-equiv='Content-Language'][@content]",
        ".//meta[@name='language'][@content]",
        ".//meta[@property='og:locale'][@content]",
    ):
        element = tree.find(xpath)
        if element is not None:
            candidates.append(element.get("content"))
    for value in candidates:
        code = _iso639_1(value)
        if code:
            return code
    return None


def _iso639_1(value: str | None) -> str | None:
    if not value or not isinstance(value, str):
        return None
    primary = re.split(r"[-_,;\s]", value.strip().lower(), maxsplit=1)[0]
    primary = _LANG_ALIASES.get(primary, primary)
    return primary if _LANG_CODE.match(primary) else None


@cache
def _language_identifier() -> Any:
    """py3langid's model, loaded once per process (about a second) and only when needed."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _detect_language(text: str) -> tuple[str | None, float]:
    label, probability = _language_identifier().classify(text[:LANGID_MAX_CHARS])
    label = _LANGID_TO_639_1.get(label, label)
    return (label if _LANG_CODE.match(label) else None), probability


def _language(text: str | None, declared: str | None) -> str | None:
    """The text's language when there is enough text to tell; else what the page declares.

    Declarations are often wrong (templates say lang="en" over any language), so a confident
    detection from at least :data:`MIN_LANGID_CHARS` characters wins over them.
    """
    if text and len(text) >= MIN_LANGID_CHARS:
        detected, probability = _detect_language(text)
        if detected and probability >= LANGID_MIN_CONFIDENCE:
            return detected
        return declared or detected
    if declared or not text:
        return declared
    # little text and nothing declared: only a near-certain detection beats no answer
    detected, probability = _detect_language(text)
    return detected if detected and probability >= 0.9 else None


def _canonical_url(tree: Any, url: str) -> str | None:
    base = url
    base_element = tree.find(".//base[@href]")
    if base_element is not None:
        base = _absolute_http_url(url, base_element.get("href")) or url
    for link in tree.iterfind(".//link[@rel][@href]"):
        if "canonical" in link.get("rel", "").lower().split():
            found = _absolute_http_url(base, link.get("href"))
            if found:
                return found
    for meta in tree.iterfind(".//meta[@property='og:url'][@content]"):
        found = _absolute_http_url(base, meta.get("content"))
        if found:
            return found
    return None


def _absolute_http_url(base: str, value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        absolute = urljoin(base or "", value)
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return absolute


def _stated_publication_date(tree: Any) -> str | None:
    """The publisher's own publication time (JSON-LD, meta, microdata) in UTC, if plausible."""
    for candidate in _date_candidates(tree):
        iso = to_utc_iso(candidate)
        if iso and _plausible(iso):
            return iso
    return None


def _date_candidates(tree: Any) -> Any:
    yield from _json_ld_dates(tree)
    for xpath in _DATE_META:
        for element in tree.iterfind(xpath):
            yield element.get("content")
    for xpath in _DATE_ELEMENTS:
        for element in tree.iterfind(xpath):
            yield element.get("datetime") or element.get("content")


def _json_ld_dates(tree: Any) -> list[str]:
    """datePublished of the JSON-LD objects, Article-like ones first."""
    article_dates: list[str] = []
    other_dates: list[str] = []
    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):
            continue
        stack, seen = [data], 0
        while stack and seen < 500:
            seen += 1
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(reversed(node))
            elif isinstance(node, dict):
                value = node.get("datePublished")
                if isinstance(value, str):
                    kind = node.get("@type")
                    kind = " ".join(kind) if isinstance(kind, list) else str(kind or "")
                    (article_dates if _ARTICLE_TYPES.search(kind) else other_dates).append(value)
                stack.extend(v for v in node.values() if isinstance(v, (list, dict)))
    return article_dates + other_dates


def _plausible(iso: str) -> bool:
    moment = datetime.fromisoformat(iso)
    return _EARLIEST <= moment <= datetime.now(UTC) + timedelta(days=2)


def _meta_content(tree: Any, xpath: str) -> str | None:
    element = tree.find(xpath)
    return (normalize_line(element.get("content")) or None) if element is not None else None


_QUOTES = str.maketrans("\u2018\u2019\u201c\u201d", "''\"\"")
_TITLE_SEPARATORS = (" | ", " - ", " \u2013 ", " \u2014 ", " :: ", " \u00bb ", " \u00b7 ")


def _title_key(value: str) -> str:
    return " ".join(value.translate(_QUOTES).casefold().split())


def _title(title: str, og_title: str | None, site_name: str | None) -> str | None:
    """The headline without the site's decoration ("Headline | Site", "Site: Headline").

    trafilatura may take the title from ``<title>`` or a JSON-LD ``name`` that adds the site's
    name; when og:title is that same headline without the addition, og:title is used.
    """
    if og_title and title and len(og_title) >= 10:
        key, og_key = _title_key(title), _title_key(og_title)
        if key != og_key and (key.startswith(og_key) or key.endswith(og_key)):
            return og_title
    if title and site_name:
        site = _title_key(site_name)
        for separator in _TITLE_SEPARATORS:
            head, _, tail = title.rpartition(separator)
            if head and _title_key(tail) == site:
                return head.strip()
            head, _, tail = title.partition(separator)
            if tail and _title_key(head) == site:
                return tail.strip()
    return title or og_title


def _split_authors(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return _unique(value.split(";"))


def _tags(values: list[str]) -> tuple[str, ...]:
    """Categories and tags; a keyword LIST in one value ("EA,Microsoft,Sony") is split, but a
    single comma is part of a name ("Trump, Donald J")."""
    split: list[str] = []
    for value in values:
        if isinstance(value, str) and value.count(",") >= 2:
            split.extend(value.split(","))
        else:
            split.append(value)
    return tuple(tag for tag in _unique(split) if len(tag) <= 100)[:MAX_TAGS]


def _unique(values: Any) -> tuple[str, ...]:
    """Cleaned values without empties and without case-insensitive duplicates, in order."""
    seen: set[str] = set()
    result = []
    for value in values:
        cleaned = normalize_line(value) if isinstance(value, str) else ""
        key = cleaned.casefold()
        if cleaned and key not in seen:
            seen.add(key)
            result.append(cleaned)
    return tuple(result)


# --- app shells ------------------------------------------------------------------------------

SHELL_MAX_TEXT_CHARS = 500       # a page with more extracted text than this is not a shell
SHELL_MAX_VISIBLE_CHARS = 1_500  # ... nor one whose HTML shows this much text without scripts
_MOUNT_IDS = frozenset({"root", "app", "__next", "__nuxt", "___gatsby", "svelte", "react-root",
                        "app-root", "main-app", "application"})
_ENABLE_JS = re.compile(
    r"(enable|turn on|activate|allow)\s+(your\s+)?javascript"
    r"|javascript\s+(is\s+)?(required|disabled|needed|must be enabled|is turned off)"
    r"|(requires?|need|needs)\s+javascript|without\s+javascript",
    re.IGNORECASE,
)


def _looks_script_rendered(html: str | bytes, text: str | None) -> bool:
    if text and len(text.strip()) >= SHELL_MAX_TEXT_CHARS:
        return False
    document_text = decode_html(html)
    if not document_text.strip():
        return False
    tree = _parse(document_text)
    if tree is None:
        return False
    body = tree.find(".//body")
    visible = len(_visible_text(body)) if body is not None else 0
    if visible >= SHELL_MAX_VISIBLE_CHARS:
        # server-rendered text is there (a paywall teaser, a short brief): not an app shell
        return False
    script_chars = external_scripts = 0
    for script in tree.iter("script"):
        if script.get("type", "").lower() == _UNSTRIPPED_SCRIPTS:
            continue
        external_scripts += bool(script.get("src"))
        script_chars += len(script.text or "")
    if (script_chars >= 10_000 or external_scripts >= 2) and visible < 500:
        return True
    if any(_ENABLE_JS.search(" ".join(el.itertext())) for el in tree.iter("noscript")):
        return True
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        if (element.get("id") in _MOUNT_IDS or "data-reactroot" in element.attrib
                or "ng-app" in element.attrib or "ng-version" in element.attrib) \
                and len(_visible_text(element)) < 50:
            return True
    return False


def _visible_text(element: Any) -> str:
    parts = []
    for node in element.iter():
        if not isinstance(node.tag, str):
            # comments and processing instructions: only their tail is text
            if node.tail:
                parts.append(node.tail)
            continue
        hidden = node.tag in ("script", "style", "noscript", "template")
        if node.text and not hidden:
            parts.append(node.text)
        if node.tail and node is not element:
            parts.append(node.tail)
    return " ".join(" ".join(parts).split())
