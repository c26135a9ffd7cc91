"""Per page: what extract() gives, and what each rule variant would give, for cross-validation.

The variants run the project's own rule functions with another order of sources (or another
setting), on the same page, so a variant chosen here is exactly what the code would do.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from newscrawler.extraction import metadata
from newscrawler.extraction.authors import AUTHOR_SOURCES, page_authors
from newscrawler.extraction.decoding import decode_html, parse_html
from newscrawler.extraction.linked_data import LinkedData, linked_data
from newscrawler.extraction.merge import without_headline
from newscrawler.extraction.page import extract
from newscrawler.extraction.titles import TITLE_SOURCES, choose_title
from newscrawler.utils.dates import to_utc_iso
from newscrawler.utils.text import normalize_line

__all__ = ["VARIANTS", "page_variants"]


def _order(name: str) -> tuple[str, ...]:
    return tuple(name.split(">"))


# field -> (the code's default, the variants; the default is listed first: it wins ties)
VARIANTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "title": (">".join(TITLE_SOURCES), (
        ">".join(TITLE_SOURCES), "json_ld>og>h1>trafilatura", "og>json_ld>h1>trafilatura",
        "h1>json_ld>og>trafilatura", "og>h1>json_ld>trafilatura", "trafilatura>og>json_ld>h1")),
    "authors": (">".join(AUTHOR_SOURCES), (
        ">".join(AUTHOR_SOURCES), ">".join(AUTHOR_SOURCES) + " dropping the site's name",
        "meta>json_ld>trafilatura", "json_ld>trafilatura>meta", "trafilatura>json_ld>meta",
        "trafilatura")),
    "published": ("stated>htmldate", ("stated>htmldate", "htmldate")),
    "language": (str(metadata.LANGID_MAX_CHARS), tuple(
        str(n) for n in (metadata.LANGID_MAX_CHARS, *sorted({300, 1000, 2000, 5000}
                                                            - {metadata.LANGID_MAX_CHARS})))),
}


def _site_names(linked: LinkedData, site_name: str | None) -> list[str]:
    """og:site_name and the JSON-LD publisher's name: what "the site's name" variant drops."""
    names = [site_name] if site_name else []
    for publisher in linked.values("publisher"):
        for node in publisher if isinstance(publisher, list) else [publisher]:
            name = node.get("name") if isinstance(node, dict) else node
            if isinstance(name, str) and normalize_line(name):
                names.append(normalize_line(name))
    return names


def page_variants(html: bytes, url: str) -> dict[str, Any]:
    """``{"fields": extract()'s fields, "lean": the same read without trafilatura's metadata
    pass (:func:`~newscrawler.extraction.metadata.read_metadata` without a document),
    "variants": {field: {variant: value}}}``."""
    from trafilatura.metadata import extract_metadata

    fields = extract(html, url)
    row = asdict(fields)
    row["authors"], row["tags"] = list(fields.authors), list(fields.tags)
    variants: dict[str, dict[str, Any]] = {field: {} for field in VARIANTS}
    tree = parse_html(decode_html(html))
    if tree is None:
        return {"fields": row, "lean": row,
                "variants": {f: dict.fromkeys(v[1]) for f, v in VARIANTS.items()}}
    og = metadata.meta_content(tree, ".//meta[@property='og:title'][@content]")
    linked = linked_data(tree)
    stated = metadata.stated_publication_date(tree, linked)
    # the metadata as extract() reads it after bare_extraction(with_metadata=False)
    lean = asdict(metadata.read_metadata(tree, linked, url, og_title=og, stated_date=stated))
    lean["authors"], lean["tags"] = list(lean["authors"]), list(lean["tags"])
    lean["language"] = row["language"]
    document = extract_metadata(tree, url, metadata.htmldate_params())
    site_name = normalize_line(document.sitename) or None
    candidates = metadata.title_candidates(tree, linked, document.title, og)
    for name in VARIANTS["title"][1]:
        variants["title"][name] = choose_title(candidates, site_name, _order(name))
    for name in VARIANTS["authors"][1]:
        order, _, dropping = name.partition(" dropping")
        names = _site_names(linked, site_name) if dropping else ()
        variants["authors"][name] = list(page_authors(tree, linked, document.author,
                                                      _order(order), drop_names=names))
    variants["published"] = {"stated>htmldate": stated or to_utc_iso(document.date),
                             "htmldate": to_utc_iso(document.date)}
    declared = metadata.declared_language(tree)
    for name in VARIANTS["language"][1]:
        variants["language"][name] = metadata.language(fields.text, declared, int(name))
    return {"fields": row, "lean": lean, "variants": variants,
            "first_paragraph": first_paragraph(fields.text, fields.title)}


def first_paragraph(text: str | None, title: str | None) -> dict[str, Any]:
    """The text's first paragraph, and whether the merge's rule
    (:func:`~newscrawler.extraction.merge.without_headline`) drops it as a repeated headline."""
    if not text:
        return {"first": None, "dropped": False}
    return {"first": text.partition("\n\n")[0],
            "dropped": bool(title) and without_headline(text, None, title) != text}
