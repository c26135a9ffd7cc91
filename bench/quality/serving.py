"""How the end-to-end mode serves corpus pages: the charset in each page's Content-Type, and a
windows-1252 copy of the corpus."""

from __future__ import annotations

import re
from pathlib import Path

from bench.scoring import load_corpus

# --header-charset mixed: page i (in id order) is served with HEADER_CHARSETS[i % 3]
HEADER_CHARSETS = ("none", "page's own", "contradicting")


def true_charset(raw: bytes) -> str | None:
    """The charset the page's bytes are in, where that is known: UTF-8 if they are valid
    UTF-8, else what the page's meta declares (independent of newscrawler.extraction.page)."""
    from w3lib.encoding import html_body_declared_encoding

    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    declared = html_body_declared_encoding(raw)
    return declared if declared and declared != "utf-8" else None


def served_content_type(raw: bytes, kind: str) -> tuple[str, str]:
    """(Content-Type, kind) for a page: "none" as corpus_web serves it (no charset, the page
    declares its own), "page's own" charset (served as "none" where it is not known), or one
    "contradicting" the page (the ISO-8859-1 a server defaults to over a UTF-8 page, the UTF-8
    one claims over a legacy page)."""
    charset = true_charset(raw)
    if kind == "contradicting":
        return f"text/html; charset={'iso-8859-1' if charset == 'utf-8' else 'utf-8'}", kind
    if kind == "page's own" and charset:
        return f"text/html; charset={charset}", kind
    return "text/html", "none"


_UTF8_DECLARATION = re.compile(r"""(charset\s*=\s*["']?)utf-?8""", re.IGNORECASE)


def legacy_copy(corpus_dir: Path, dest: Path) -> Path:
    """A copy of the corpus in windows-1252 bytes with the same text (characters windows-1252
    lacks become ``&#N;``); pages must be UTF-8. Page i's UTF-8 meta declaration is, in turn,
    left claiming UTF-8 (a lie), rewritten to windows-1252, or removed: with --header-charset
    mixed that is no header over a lying meta, the page's own charset over a true meta, and a
    header claiming UTF-8 over a page that declares nothing."""
    import gzip
    import shutil

    (dest / "html").mkdir(parents=True, exist_ok=True)
    shutil.copy(corpus_dir / "ground-truth.json", dest / "ground-truth.json")
    for index, page in enumerate(load_corpus(corpus_dir)):
        text = page.html.decode("utf-8", errors="replace")
        if index % 3:
            replacement = r"\1windows-1252" if index % 3 == 1 else r"\1"
            text = _UTF8_DECLARATION.sub(replacement, text)
        raw = text.encode("cp1252", errors="xmlcharrefreplace")
        (dest / "html" / f"{page.id}.html.gz").write_bytes(gzip.compress(raw, compresslevel=1))
    return dest
