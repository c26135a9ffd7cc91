"""The scoring pool: worker processes that each load the corpus once, and quiet logs."""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.pool
from pathlib import Path

from bench.scoring import CorpusPage, load_corpus


def quiet_logs() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in ("trafilatura", "htmldate", "charset_normalizer", "readability", "justext"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


_PAGES: list[CorpusPage] = []


def _init_worker(corpus: str) -> None:
    global _PAGES
    quiet_logs()
    _PAGES = load_corpus(corpus)


def worker_page(index: int) -> CorpusPage:
    """Page ``index`` (in id order) of the corpus this worker process loaded."""
    return _PAGES[index]


def corpus_pool(corpus_dir: Path, workers: int) -> multiprocessing.pool.Pool:
    """A pool of ``workers`` processes in which :func:`worker_page` answers."""
    return multiprocessing.Pool(workers, initializer=_init_worker, initargs=(str(corpus_dir),))
