"""The cpu scenario's web and settings: real pages (the corpus, else generated ones) over 20
sites, no latency, no delay. Shared by the cpu and warc scenarios, which compare with it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from simweb import NewsWeb, corpus_web, memory_web

if TYPE_CHECKING:
    from bench.run.crawls import Bench

FAST = {"DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS": "32",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "16"}


def cpu_web(bench: Bench, scenario: str, pages: int
            ) -> tuple[Callable[[int], NewsWeb], Path | None]:
    """A builder of the web with N pages, and the corpus it takes them from (None: generated).
    """
    corpus: Path | None = bench.args.corpus
    if corpus is not None and not (corpus / "ground-truth.json").is_file():
        bench.say(f"{scenario}: no corpus at {corpus}: using GENERATED pages instead")
        corpus = None

    def make(count: int = pages) -> NewsWeb:
        if corpus is not None:
            return corpus_web(corpus, sites=20, pages=count)
        return memory_web(count, 20)

    return make, corpus
