"""A short, automatic guess at why a page scores low: where its lost or extra tokens live."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from bench.scoring import CorpusPage, score, tokens
from newscrawler.extraction.shells import looks_script_rendered

_NOISE_CLASSES = {
    "related/recommended links": re.compile(r"related|recommend|more-|read-?more|trending|popular|outbrain|taboola", re.I),  # noqa: E501
    "newsletter/subscription box": re.compile(r"newsletter|subscri|signup|sign-up|promo", re.I),
    "share/social widgets": re.compile(r"share|social|follow", re.I),
    "author bio/byline": re.compile(r"author|byline|bio\b|contributor", re.I),
    "photo captions/credits": re.compile(r"caption|credit|figure|photo", re.I),
    "comments": re.compile(r"comment|disqus|respond", re.I),
    "tags/breadcrumbs/nav": re.compile(r"tag|breadcrumb|nav|menu|footer|sidebar", re.I),
}


_HIDDEN_XPATH = (
    ".//*[@hidden or @aria-hidden='true' or contains(@style,'display:none')"
    " or contains(@style,'display: none') or contains(@class,'hide') or contains(@class,'hidden')"
    " or contains(@class,'scrim') or contains(@class,'overlay') or contains(@class,'paywall')"
    " or contains(@class,'modal')]"
)


def diagnose(page: CorpusPage, predicted: str | None) -> str:
    """A short, automatic guess at why a page scores low (where its lost tokens live)."""
    import lxml.html

    s = score(predicted, page.truth)
    if s.f1 >= 0.98:
        return "no notable loss"
    if not tokens(predicted):
        shell = looks_script_rendered(page.html, predicted)
        return "nothing extracted" + (" (page looks script-rendered)" if shell else "")
    try:
        tree = lxml.html.fromstring(page.html)
    except (ValueError, lxml.etree.ParserError):
        return f"unparsable page (P={s.precision:.2f} R={s.recall:.2f})"
    for bad in tree.iter("script", "style", "noscript", "template"):
        bad.drop_tree()
    pred, gold = Counter(tokens(predicted)), Counter(tokens(page.truth))
    if 1 - s.recall >= 1 - s.precision:
        missing = gold - pred
        visible = Counter(tokens(tree.text_content()))
        share_invisible = sum((missing - visible).values()) / max(sum(missing.values()), 1)
        if share_invisible > 0.5:
            return (f"ground truth text not in the page's visible HTML (scripts/JSON or loaded "
                    f"later) (R={s.recall:.2f})")
        hidden = Counter()
        for element in tree.xpath(_HIDDEN_XPATH):
            hidden.update(tokens(element.text_content()))
        if sum((missing & hidden).values()) > 0.5 * sum(missing.values()):
            return (f"ground truth sits in a hidden overlay/paywall element (R={s.recall:.2f})")
        for label, xpath in (("ground truth includes photo captions", ".//figcaption|.//caption"
                              "|.//*[contains(@class,'caption')]"),
                             ("missed table content", ".//table"),
                             ("missed list items", ".//li"),
                             ("missed headings/subheadings", ".//h2|.//h3|.//h4"),
                             ("missed quotes/embeds", ".//blockquote")):
            found = Counter()
            for element in tree.xpath(xpath):
                found.update(tokens(element.text_content()))
            if sum((missing & found).values()) > 0.4 * sum(missing.values()):
                return f"{label} (R={s.recall:.2f})"
        paragraphs = [x for x in page.truth.split("\n\n") if x.strip()]
        lost = [x for x in paragraphs if x.strip()[:40] not in (predicted or "")]
        return (f"missed {len(lost)} of {len(paragraphs)} ground-truth paragraphs, plain body "
                f"text (body split over several containers?) (R={s.recall:.2f})")
    extra = pred - gold
    best, best_share = "", 0.0
    for label, matches in _NOISE_GROUPS:
        found = Counter()
        for element in tree.iter():
            if not isinstance(element.tag, str) or not matches(element):
                continue
            words = Counter(tokens(element.text_content()))
            # a container of the article itself says nothing about where the extra text is
            if sum((words & gold).values()) <= 0.3 * sum(gold.values()):
                found.update(words)
        share = sum((extra & found).values()) / max(sum(extra.values()), 1)
        if share > best_share:
            best, best_share = label, share
    if best_share > 0.4:
        return f"kept {best} (P={s.precision:.2f})"
    example = next((x for x in (predicted or "").split("\n\n")
                    if x.strip() and x.strip()[:40] not in page.truth), "")
    example = f', e.g. "{example[:60]}"' if example else ""
    return f"text beyond the ground truth's article body{example} (P={s.precision:.2f})"


def _class_matcher(pattern: str) -> Any:
    regex = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern, re.IGNORECASE)
    return lambda el: bool(regex.search(f"{el.get('class', '')} {el.get('id', '')}"))


_NOISE_GROUPS = [
    ("headline/dateline (not in the ground truth)",
     lambda el: el.tag in ("h1", "time") or "date" in (el.get("class") or "").lower()),
    *((label, _class_matcher(pattern)) for label, pattern in _NOISE_CLASSES.items()),
]
