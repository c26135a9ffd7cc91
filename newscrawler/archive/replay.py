"""Which stored response becomes which article: the live crawl's decisions, taken again from
the records alone. Pure: no reactor, no files.

A record written by newscrawler says what it was (``Newscrawler-Role``): a feed, an article and
the feed that listed it, robots.txt. A record from another crawler (CC-NEWS) says nothing: every
HTML page it answered with 200 is an article of its own.

An article's fate is decided by the LAST record about it, as in the live crawl: a 503 then a
200 (a retry) is a page; a 301 is followed by the record of its target (same first URL); a
failed fetch with no later record is a failed page (the feed's text, if any). A page that gave
next to no text and looks like a script app may be followed by the browser's rendering of it
(``RENDER_JS_FALLBACK``): it is held until the end, and the rendering replaces it if it comes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count
from typing import Literal

from newscrawler.archive.reader import StoredRecord
from newscrawler.archive.records import BLOCKED, FETCH_ERROR
from newscrawler.extraction.shells import looks_script_rendered
from newscrawler.items import Article
from newscrawler.utils.dates import to_utc_iso

__all__ = ["REDIRECT_NOT_FOLLOWED", "ArticleKey", "Failed", "FeedLedger", "Held", "Ledger",
           "Verdict", "article_key", "classify", "failure_of", "fetched_at", "may_be_replaced"]

ArticleKey = tuple[str | None, str]   # (the feed that listed it, the URL first requested)
Outcome = Literal["ok", "not-modified", "failure", "redirect"]
Verdict = tuple[Literal["feed", "article", "page", "skip"], Outcome | None]
HTML_TYPES = ("text/html", "application/xhtml+xml")
REDIRECT_NOT_FOLLOWED = "redirect loop (the redirect was not followed)"


def classify(record: StoredRecord) -> tuple[Verdict, str | None]:
    """What ``record`` is (feed, article, another crawler's page, or nothing to use) and what
    it says (fetched, not modified, failed, redirected); why it is skipped, when it is."""
    context = record.context
    if context is None:  # another crawler's archive: every HTML 200 page is an article
        if record.warc_type == "metadata":
            return ("skip", None), None
        if record.unreadable:
            return ("skip", None), "unreadable"
        if record.status != 200:
            return ("skip", None), f"HTTP {record.status}"
        if _content_type(record) not in HTML_TYPES:
            return ("skip", None), "not HTML"
        return ("page", "ok"), None
    if context.role not in ("feed", "article"):
        return ("skip", None), None
    outcome: Outcome = "ok"
    if record.warc_type == "metadata" or record.unreadable or record.status >= 400:
        outcome = "failure"
    elif record.status == 304:
        outcome = "not-modified"
    elif 300 <= record.status < 400:
        outcome = "redirect"
    return (context.role, outcome), None


def article_key(record: StoredRecord) -> ArticleKey:
    context = record.context
    assert context is not None
    return context.feed, context.first_url or record.url


@dataclass(frozen=True, slots=True)
class Failed:
    """A page that failed: its URL, why, when, and whether nothing of its feed entry may be
    written either (``blocked``: the address rule refused it, or a redirect was dropped)."""

    url: str
    reason: str
    blocked: bool = False
    fetched_at: str = ""


def failure_of(record: StoredRecord) -> Failed:
    """The failure a metadata record (fetch error) or an HTTP error response stands for."""
    when = fetched_at(record) or ""
    if 300 <= record.status < 400:
        return Failed(record.url, REDIRECT_NOT_FOLLOWED, blocked=True, fetched_at=when)
    if record.unreadable:
        return Failed(record.url, record.unreadable, fetched_at=when)
    if record.warc_type != "metadata":
        return Failed(record.url, f"HTTP {record.status}", fetched_at=when)
    fields = dict(line.split(": ", 1) for line in record.body.decode("utf-8", "replace")
                  .splitlines() if ": " in line)
    return Failed(record.url, fields.get(FETCH_ERROR, "fetch failed"),
                  blocked=BLOCKED in fields, fetched_at=when)


def may_be_replaced(record: StoredRecord, page_text: str | None, min_text_chars: int) -> bool:
    """Whether the live crawl may have fetched this page again in the browser (the same test
    ``should_retry_in_browser`` makes, minus the setting: the archive tells by what follows)."""
    if record.rendered or (page_text and len(page_text) >= min_text_chars):
        return False
    return looks_script_rendered(record.body, page_text)


def fetched_at(record: StoredRecord) -> str | None:
    """The record's WARC-Date as the ``fetched_at`` field gives it."""
    return to_utc_iso(record.date)


def _content_type(record: StoredRecord) -> str:
    value = next((v for k, v in record.headers if k.lower() == "content-type"), "")
    return value.split(";")[0].strip().lower()


@dataclass(frozen=True, slots=True)
class Held:
    """A page that may yet be replaced by its rendering: its article, and why it fell back."""

    article: Article
    reason: str | None


Pending = Failed | Held | None    # what is written for an article if nothing follows


@dataclass
class Ledger:
    """The latest word on each article: records arrive in file order, extractions finish in
    any order, and only the latest record of an article may decide its fate."""

    _latest: dict[ArticleKey, int] = field(default_factory=dict)
    _pending: dict[ArticleKey, Pending] = field(default_factory=dict)
    _settled: set[ArticleKey] = field(default_factory=set)
    _numbers: count[int] = field(default_factory=count)

    def arrived(self, key: ArticleKey) -> int | None:
        """A record about ``key`` arrived: its number, or None if the article is settled."""
        if key in self._settled:
            return None
        number = next(self._numbers)
        self._latest[key] = number
        return number

    def is_latest(self, key: ArticleKey, number: int) -> bool:
        return key not in self._settled and self._latest.get(key) == number

    def settle(self, key: ArticleKey) -> None:
        """Written: nothing later changes it."""
        self._settled.add(key)
        self._pending.pop(key, None)

    def hold(self, key: ArticleKey, outcome: Pending) -> None:
        """What to write for ``key`` unless a later record decides otherwise."""
        self._pending[key] = outcome

    def remaining(self) -> list[tuple[ArticleKey, Pending]]:
        """The held outcomes, once every record is in."""
        left = list(self._pending.items())
        self._pending.clear()
        return left


@dataclass
class FeedLedger:
    """Each listed feed's last word: fetched, not modified, or failed (and why)."""

    _last: dict[str, str | None] = field(default_factory=dict)   # None: fetched

    def seen(self, listed: str, failure: str | None = None) -> None:
        self._last[listed] = failure

    def forget(self, listed: str) -> None:
        """A home page that announced the feed: the feed, read later, stands for it."""
        self._last.pop(listed, None)

    def listed(self) -> int:
        return len(self._last)

    def failures(self) -> list[tuple[str, str]]:
        return [(url, reason) for url, reason in self._last.items() if reason is not None]
