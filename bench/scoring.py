"""The article-body metric of the benchmark, and the loader of the evaluation corpus.

Metric (see the corpus README): whitespace tokens, multiset overlap between the predicted text
and the ground truth, precision/recall/F1 per page; a report averages them over the pages.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CorpusPage", "Score", "load_corpus", "mean_scores", "score", "tokens"]


@dataclass(frozen=True, slots=True)
class Score:
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True, slots=True)
class CorpusPage:
    id: str
    url: str
    html: bytes   # the page as served (decompressed), undecoded
    truth: str    # ground-truth article body


def tokens(text: str | None) -> list[str]:
    """Whitespace tokens of ``text`` (None and "" give no tokens)."""
    return text.split() if text else []


def score(predicted: str | None, truth: str | None) -> Score:
    """Token precision/recall/F1 of ``predicted`` against ``truth`` with multiset overlap.

    Both empty is a perfect answer (1.0 everywhere); exactly one empty scores 0.0.
    """
    pred, gold = Counter(tokens(predicted)), Counter(tokens(truth))
    n_pred, n_gold = sum(pred.values()), sum(gold.values())
    if n_pred == 0 and n_gold == 0:
        return Score(1.0, 1.0, 1.0)
    if n_pred == 0 or n_gold == 0:
        return Score(0.0, 0.0, 0.0)
    overlap = sum((pred & gold).values())
    precision, recall = overlap / n_pred, overlap / n_gold
    f1 = 2 * precision * recall / (precision + recall) if overlap else 0.0
    return Score(precision, recall, f1)


def mean_scores(scores: list[Score]) -> Score:
    """Page-averaged precision, recall and F1 (F1 is the mean of per-page F1s)."""
    if not scores:
        return Score(0.0, 0.0, 0.0)
    n = len(scores)
    return Score(
        sum(s.precision for s in scores) / n,
        sum(s.recall for s in scores) / n,
        sum(s.f1 for s in scores) / n,
    )


def load_corpus(folder: str | Path) -> list[CorpusPage]:
    """Pages of a corpus folder like ``zyte/``: ``html/<id>.html[.gz]`` and ``ground-truth.json``.

    Pages are sorted by id; ids of the ground truth without an HTML file are skipped.
    Raises FileNotFoundError when the folder or its ground truth is missing.
    """
    folder = Path(folder)
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth):
        entry = truth[page_id]
        gz, plain = folder / "html" / f"{page_id}.html.gz", folder / "html" / f"{page_id}.html"
        if gz.exists():
            html = gzip.decompress(gz.read_bytes())
        elif plain.exists():
            html = plain.read_bytes()
        else:
            continue
        pages.append(
            CorpusPage(
                id=page_id,
                url=entry.get("url") or "",
                html=html,
                truth=entry.get("articleBody") or "",
            )
        )
    return pages
