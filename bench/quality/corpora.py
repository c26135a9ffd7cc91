"""The corpora ``bench.quality`` evaluates, the site each page belongs to, and the folds that
keep a site out of the pages its options were chosen on."""

from __future__ import annotations

import gzip
import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bench.paths import DEFAULT_CORPUS
from bench.scoring import CorpusPage, load_corpus

# Zyte's article-body benchmark (121 pages, English) and Fundus' parser test pages (144 pages,
# 19 languages): the two corpora, side by side in ../shared/corpus/.
DEFAULT_CORPORA = (DEFAULT_CORPUS, DEFAULT_CORPUS.parent / "fundus")
FOLDS = 5


@dataclass(frozen=True)
class Corpus:
    name: str                 # the folder's name: "zyte", "fundus"
    folder: Path              # where its pages are read from in this run (maybe a flat copy)
    pages: list[CorpusPage]
    source: Path              # the folder given


def load_corpora(folders: list[Path], work: Path) -> tuple[list[Corpus], list[Path]]:
    """The corpora found among ``folders`` (nested ones flattened into ``work``, see
    :func:`flat_copy`), and the folders without one (reported as skipped)."""
    found, missing = [], []
    for folder in folders:
        if not (folder / "ground-truth.json").is_file():
            missing.append(folder)
            continue
        pages = load_corpus(folder)
        if not pages:
            missing.append(folder)
            continue
        flat = flat_copy(folder, pages, work / f"{len(found)}-{folder.name}")
        found.append(Corpus(folder.name, flat, load_corpus(flat) if flat != folder else pages,
                            folder))
    return found, missing


def site_of(page: CorpusPage) -> str:
    """The site a page belongs to: its URL's registrable domain (sister sites of one CMS on
    two domains count as two sites), else the publisher part of a Fundus id."""
    from newscrawler.utils.urls import site_key

    host = urlsplit(page.url).hostname
    if host:
        return site_key(host)
    return page.id.rpartition("/")[2].split("_")[0]


def assign_folds(pages: list[tuple[str, CorpusPage]], folds: int = FOLDS) -> dict[tuple, int]:
    """(corpus name, page id) -> fold, every page of a site in the same fold.

    Sites go, largest first (ties by a hash of the name: no alphabet or corpus order), to the
    fold with the fewest pages, so folds are about equal and a site is never on both sides.
    """
    sites = Counter(site_of(page) for _, page in pages)
    fold_of_site: dict[str, int] = {}
    sizes = [0] * folds
    for site in sorted(sites, key=lambda s: (-sites[s], hashlib.sha1(s.encode()).hexdigest())):
        fold = min(range(folds), key=lambda f: (sizes[f], f))
        fold_of_site[site] = fold
        sizes[fold] += sites[site]
    return {(name, page.id): fold_of_site[site_of(page)] for name, page in pages}


def flat_copy(folder: Path, pages: list[CorpusPage], dest: Path) -> Path:
    """The corpus in ``folder`` with every page at ``html/<flat id>.html.gz``, or ``folder``
    itself when it is flat already. The simulated web reads one folder level, and Fundus ids
    are ``<country>/<Publisher>_<date>``. The flat id starts with 16 hex digits of the id's
    hash (the simulated web names a page's path after those) and ends with the id, "/" as
    "~"."""
    import json

    if not any("/" in page.id for page in pages):
        return folder
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    (dest / "html").mkdir(parents=True, exist_ok=True)
    flat_truth = {}
    for page in pages:
        flat = f"{hashlib.sha1(page.id.encode()).hexdigest()[:16]}-{page.id.replace('/', '~')}"
        flat_truth[flat] = truth[page.id]
        (dest / "html" / f"{flat}.html.gz").write_bytes(gzip.compress(page.html, compresslevel=1))
    (dest / "ground-truth.json").write_text(json.dumps(flat_truth, ensure_ascii=False),
                                            encoding="utf-8")
    return dest
