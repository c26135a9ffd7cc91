"""Generated article pages: one deterministic page per (seed, site, index), and a lazy page source.

The path is derived from the first few random draws only, so listing the paths of a 20,000-page
site is cheap and the full page is generated only when something asks for it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Mapping
from datetime import datetime

from simweb import textgen
from simweb.model import Page

_INDEX_RE = re.compile(r"-(\d+)\.html$")


def _head(site: str, index: int, seed: int) -> tuple[random.Random, str, str]:
    rng = random.Random(f"{seed}:{site}:{index}")
    section = rng.choice(textgen.SECTIONS)
    title = textgen.headline(rng)
    path = f"/{section}/{textgen.slug(title, 48)}-{index}.html"
    return rng, title, path


def article_path(site: str, index: int, seed: int) -> str:
    return _head(site, index, seed)[2]


def article_stub(site: str, index: int, *, seed: int, base: datetime) -> tuple[str, str, str]:
    """(path, title, published) of an article without generating its body."""
    rng, title, path = _head(site, index, seed)
    return path, title, textgen.recent_time(rng, base)


def make_article(site: str, index: int, *, seed: int, base: datetime, lang: str = "en",
                 accents: bool = False) -> Page:
    """The index-th article of `site`. `accents` guarantees non-ASCII (Latin-1) body text."""
    rng, title, path = _head(site, index, seed)
    published = textgen.recent_time(rng, base)
    paras = textgen.paragraphs(rng)
    if accents:
        # Charset faults only garble non-ASCII text, so make sure there is some.
        paras[0] = (f"{textgen.person(rng)} spoke at the café in Zürich about the façade of "
                    f"the old théâtre. " + paras[0])
        title = f"Über {title}"
    return Page(
        path=path,
        title=title,
        paragraphs=paras,
        published=published,
        author=textgen.person(rng),
        lang=lang,
        description=textgen.dek(rng),
        image=f"/images/{textgen.slug(title, 32)}.jpg",
        tags=textgen.tags(rng),
    )


class LazyPages(Mapping[str, Page]):
    """A site's pages, generated on request and never stored (for memory benchmarks)."""

    # Every page is static and fault-free, so NewsWeb.article_keys() need not generate them.
    plain = True

    def __init__(self, site: str, count: int, *, seed: int, base: datetime, lang: str = "en"):
        self.site = site
        self.count = count
        self.seed = seed
        self.base = base
        self.lang = lang

    def _index(self, path: str) -> int | None:
        match = _INDEX_RE.search(path)
        if not match:
            return None
        index = int(match.group(1))
        if index >= self.count or article_path(self.site, index, self.seed) != path:
            return None
        return index

    def __getitem__(self, path: str) -> Page:
        index = self._index(path)
        if index is None:
            raise KeyError(path)
        return make_article(self.site, index, seed=self.seed, base=self.base, lang=self.lang)

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and self._index(path) is not None

    def __iter__(self) -> Iterator[str]:
        for index in range(self.count):
            yield article_path(self.site, index, self.seed)

    def __len__(self) -> int:
        return self.count
