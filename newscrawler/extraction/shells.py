"""Whether a page is an app shell: HTML whose content a browser would build with JavaScript.

Rendering routes such pages to the browser (``newscrawler.rendering.routing``).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from newscrawler.extraction.decoding import JSON_LD, decode_html, parse_html

__all__ = ["SHELL_MAX_TEXT_CHARS", "SHELL_MAX_VISIBLE_CHARS", "looks_script_rendered"]

LOGGER = logging.getLogger(__name__)

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


def _looks_script_rendered(html: str | bytes, text: str | None) -> bool:
    if text and len(text.strip()) >= SHELL_MAX_TEXT_CHARS:
        return False
    document_text = decode_html(html)
    if not document_text.strip():
        return False
    tree = parse_html(document_text)
    if tree is None:
        return False
    body = tree.find(".//body")
    visible = len(_visible_text(body)) if body is not None else 0
    if visible >= SHELL_MAX_VISIBLE_CHARS:
        # server-rendered text is there (a paywall teaser, a short brief): not an app shell
        return False
    script_chars = external_scripts = 0
    for script in tree.iter("script"):
        if script.get("type", "").lower() == JSON_LD:
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
