"""Article text and metadata of one HTML page, with trafilatura. Pure functions, no Scrapy.

:func:`extract` runs in worker processes (``newscrawler.extraction.pool``) and never raises:
garbage, empty, binary or enormous input gives :data:`EMPTY`. The trafilatura options, the
precision fallback, the plain tables and the input caps are measured choices: see
``docs/extraction.md``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from newscrawler.extraction import metadata
from newscrawler.extraction.decoding import JSON_LD, MAX_HTML_CHARS, decode_html, parse_html
from newscrawler.extraction.evidence import (
    BODY_SOURCES,
    agrees_better,
    declared_article_body,
    misses_declared_text,
    visible_text_length,
)
from newscrawler.extraction.linked_data import LinkedData, linked_data
from newscrawler.utils.text import normalize_text

__all__ = [
    "DEFAULT_OPTIONS",
    "EMPTY",
    "MAX_ELEMENTS",
    "PAGE_MEASURES",
    "ExtractOptions",
    "PageFields",
    "extract",
]

LOGGER = logging.getLogger(__name__)

PAGE_MEASURES = ("visible", "html2txt")  # the length rule's measures of a page's text
# what "short" means to the length rule: trafilatura's own limits, ESCALATION_MAX_LENGTH (its
# balanced mode's recall escalation, 3000 characters) or MIN_EXTRACTED_SIZE (its minimum size
# of an extraction, 250)
SHORT_TEXT_LIMITS = ("escalation", "min_extraction")
MAX_ELEMENTS = 20_000        # more elements are cut in document order (corpus max: ~1 600)


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
    free_access: bool | None = None  # schema.org isAccessibleForFree; None: the page says nothing


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
    precision_fallback: bool = True  # see _second_opinion
    # where the page states its article body (evidence.BODY_SOURCES), the precision and the
    # balanced text are compared with that statement; () uses the length rule only
    declared_body: tuple[str, ...] = BODY_SOURCES
    # ... and the balanced pass runs only where the precision text lacks more than this share
    # of the stated body's words (a share, 0-1: chosen by cross-validation, docs/extraction.md)
    missing_tolerance: float = 0.05
    # the length rule's measure of the page's text: "visible" (visible_text_length) or
    # "html2txt" (trafilatura's own measure, about 3x the cost): chosen by cross-validation
    page_measure: str = "visible"
    # below which length the length rule calls a precision text short (SHORT_TEXT_LIMITS)
    short_text: str = "min_extraction"

    def __post_init__(self) -> None:
        if self.page_measure not in PAGE_MEASURES:
            raise ValueError(f"unknown page measure: {self.page_measure!r} "
                             f"(one of {', '.join(PAGE_MEASURES)})")
        if self.short_text not in SHORT_TEXT_LIMITS:
            raise ValueError(f"unknown short text limit: {self.short_text!r} "
                             f"(one of {', '.join(SHORT_TEXT_LIMITS)})")


DEFAULT_OPTIONS = ExtractOptions()


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
    decoded here (see :func:`~newscrawler.extraction.decoding.decode_html`); ``encoding`` is
    the charset of the HTTP ``Content-Type`` header, if any -- used only for bytes that are not
    valid UTF-8. A ``str`` is taken as is. ``options`` exist for the benchmark; the defaults
    are the measured choice.
    """
    try:
        return _extract(html, url, encoding, options)
    except Exception as exc:  # a worker must never die of a page; RecursionError included
        LOGGER.warning("extraction failed for %s: %s: %s", url, type(exc).__name__, exc)
        return EMPTY



def _extract(
    html: str | bytes, url: str, encoding: str | None, options: ExtractOptions
) -> PageFields:
    document_text = decode_html(html, encoding)
    if not document_text.strip():
        return EMPTY
    tree = parse_html(document_text)
    if tree is None:
        LOGGER.info("not an HTML document: %s", url)
        return EMPTY
    url = url if isinstance(url, str) else ""
    _cap_elements(tree, url)

    # our own lookups first: bare_extraction works on (and prunes) its own copy of the tree
    linked = linked_data(tree)  # the page's JSON-LD, parsed once: metadata and text evidence
    declared_language = metadata.declared_language(tree)
    canonical_url = metadata.canonical_url(tree, url)
    stated_date = metadata.stated_publication_date(tree, linked)
    og_title = metadata.meta_content(tree, ".//meta[@property='og:title'][@content]")

    # trafilatura's metadata pass would mostly re-find what our lookups read from the page
    # (JSON-LD, <meta>); read_metadata() runs its parts only where the answer is unknown. It
    # reads <meta>, <link> and scripts, so it comes before _drop_unread_markup().
    found = metadata.read_metadata(tree, linked, url, og_title=og_title, stated_date=stated_date,
                                   extensive_date_search=options.extensive_date_search)
    _drop_unread_markup(tree)
    document = _bare_extraction(tree, url, options)  # text only
    raw_text = getattr(document, "text", None) or ""
    if options.favor_precision and options.precision_fallback:
        raw_text = _second_opinion(tree, linked, url, options, raw_text)
    if raw_text and options.plain_tables:
        raw_text = _plain_tables(raw_text)
    text = normalize_text(raw_text) or None
    return PageFields(
        text=text,
        title=found.title,
        authors=found.authors,
        published=found.published,
        language=metadata.language(text, declared_language),
        description=found.description,
        image=found.image,
        tags=found.tags,
        canonical_url=canonical_url,
        site_name=found.site_name,
        free_access=found.free_access,
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


def _bare_extraction(tree: Any, url: str, options: ExtractOptions) -> Any:
    """trafilatura's text of ``tree`` with ``options``; no metadata (read_metadata() reads it)."""
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
        with_metadata=False,
        config=_trafilatura_config(),
    )


def _second_opinion(tree: Any, linked: LinkedData, url: str, options: ExtractOptions,
                    text: str) -> str:
    """Precision mode's ``text``, or the balanced mode's where the page shows it is better.

    Precision mode gains on most pages and loses part of the article on a few. Where the page
    states its article body (JSON-LD ``articleBody``, microdata ``itemprop=articleBody``:
    :mod:`~newscrawler.extraction.evidence`), that statement decides: the balanced pass runs
    only when the precision text lacks more than ``options.missing_tolerance`` of its words,
    and its text is kept only when it agrees better with it. Elsewhere trafilatura's own
    escalation rule decides (:func:`_precision_fallback`). No constant here is fitted in
    sample: the minimum length of a statement is trafilatura's minimum length of an
    extraction, and the tolerance is chosen on folds of sites and reported on others
    (``python -m bench.quality``).
    """
    declared = None
    if options.declared_body:
        declared = declared_article_body(tree, linked, options.declared_body,
                                         _min_extracted_size())
    if declared is None:
        return _precision_fallback(tree, url, options, text)
    if not misses_declared_text(text, declared, options.missing_tolerance):
        return text
    balanced = _balanced_text(tree, url, options)
    if agrees_better(balanced, text, declared):
        LOGGER.debug("the balanced text agrees better with the page's articleBody (%s)", url)
        return balanced
    return text


def _balanced_text(tree: Any, url: str, options: ExtractOptions) -> str:
    """The balanced mode's text: the second pass, run only where the first gave evidence."""
    balanced = _bare_extraction(tree, url, replace(options, favor_precision=False))
    return getattr(balanced, "text", None) or ""


def _page_text_length(tree: Any, options: ExtractOptions) -> int:
    """The length rule's measure of how much text the page has (``options.page_measure``)."""
    if options.page_measure == "html2txt":
        from trafilatura.baseline import html2txt

        return len(html2txt(tree))
    return visible_text_length(tree)


def _min_extracted_size() -> int:
    return _trafilatura_config().getint("DEFAULT", "MIN_EXTRACTED_SIZE")


def _precision_fallback(tree: Any, url: str, options: ExtractOptions, text: str) -> str:
    """Precision mode's text, unless it looks like the article was lost (no declared body).

    trafilatura's balanced mode retries a SHORT extraction that covers LITTLE of the page and
    keeps the retry if it is clearly longer; precision mode skips that safety net, and then
    sometimes returns a few boilerplate lines for the whole page (an article inside a hidden
    overlay, say). Same rule and trafilatura's own constants here: such a text is compared
    with the balanced mode's, which wins when it is ESCALATION_ACCEPT_RATIO times longer.
    SHORT is ``options.short_text``, one of trafilatura's limits: by default its minimum size
    of an extraction (its recall escalation's 3,000 characters ran the balanced pass on 9
    corpus pages and kept it on one, for the worse); the page's text is measured by
    ``options.page_measure`` (cheaper than trafilatura's html2txt by default). Both chosen by
    cross-validation (docs/extraction.md).
    """
    from trafilatura import core

    max_length = (getattr(core, "ESCALATION_MAX_LENGTH", 3000)
                  if options.short_text == "escalation" else _min_extracted_size())
    page_share = getattr(core, "ESCALATION_PAGE_SHARE", 0.2)
    accept_ratio = getattr(core, "ESCALATION_ACCEPT_RATIO", 1.5)
    if len(text) >= max_length or len(text) >= page_share * _page_text_length(tree, options):
        return text
    balanced_text = _balanced_text(tree, url, options)
    long_enough = len(balanced_text) >= _min_extracted_size()
    if long_enough and len(balanced_text) > accept_ratio * len(text):
        LOGGER.debug("precision mode kept %d characters, balanced mode %d: using balanced (%s)",
                     len(text), len(balanced_text), url)
        return balanced_text
    return text


# Elements that show no text and that trafilatura's text passes delete unread (tree_cleaning):
# left in, each pass copies them and runs its XPaths over them first, 8-9 % of a pass on the
# corpus pages (the texts are identical without them on all 265, in both modes). JSON-LD
# scripts stay: trafilatura reads them (a DiscussionForumPosting makes a page a forum; its
# baseline takes an articleBody).
_UNREAD_TAGS = ("script", "style", "template", "meta", "link")


def _drop_unread_markup(tree: Any) -> None:
    """Delete :data:`_UNREAD_TAGS` elements (JSON-LD scripts aside), keeping their tail text."""
    for element in list(tree.iter(*_UNREAD_TAGS)):
        if element.tag != "script" or element.get("type", "").strip().lower() != JSON_LD:
            _remove_keep_tail(element)


def _cap_elements(tree: Any, url: str) -> None:
    """Cut the tree to :data:`MAX_ELEMENTS` elements (trafilatura's work grows with them)."""
    if _count_elements(tree, MAX_ELEMENTS + 1) <= MAX_ELEMENTS:
        return
    for element in list(tree.iter("script", "style", "noscript", "svg", "template")):
        if element.tag == "script" and element.get("type", "").lower() == JSON_LD:
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
