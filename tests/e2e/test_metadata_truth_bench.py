"""python -m bench.quality.truth on a tiny corpus with metadata truth, written here."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

BODY = ("Die Bibliothek der Stadt verlängert ab kommendem Monat ihre Öffnungszeiten und ist dann "
        "auch am Sonntagnachmittag für alle Besucherinnen und Besucher geöffnet. ") * 4


def _page(headline: str, author: str, paywalled: bool) -> str:
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": headline,
          "datePublished": "2024-05-02T10:00:00+02:00", "isAccessibleForFree": not paywalled,
          "author": {"@type": "Person", "name": author}}
    return (f'<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
            f"<title>{headline} - Stadtblatt</title>"
            f'<meta property="og:title" content="{headline} - Stadtblatt">'
            f'<script type="application/ld+json">{json.dumps(ld)}</script></head>'
            f"<body><article><h1>{headline}</h1><p>{BODY}</p></article></body></html>")


def _corpus(folder: Path) -> Path:
    (folder / "html" / "de").mkdir(parents=True)
    truth = {}
    pages = {"de/Stadtblatt_2024_05_02": ("Bibliothek länger offen", "Anna Muster", False),
             "de/Landbote_2024_05_02": ("Neue Öffnungszeiten", "Max Beispiel", True)}
    for key, (headline, author, paywalled) in pages.items():
        (folder / "html" / f"{key}.html.gz").write_bytes(
            gzip.compress(_page(headline, author, paywalled).encode()))
        truth[key] = {"articleBody": BODY, "url": f"https://example.de/{key}", "title": headline,
                      "authors": [author], "published": "2024-05-02 10:00:00+02:00",
                      "language": "de", "publisher": key.split("/")[1].split("_")[0]}
    truth["de/Landbote_2024_05_02"]["authors"] = ["Someone Else"]   # one miss to list
    (folder / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")
    return folder


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bench.quality.truth", *args],
                          capture_output=True, text=True, timeout=600, cwd=REPO, check=False)


def test_rates_misses_and_cross_validation_are_printed_and_written(tmp_path):
    out = tmp_path / "truth.json"
    result = _run("--corpus", str(_corpus(tmp_path / "corpus")), "--folds", "2",
                  "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "title      1.000 (2/2)" in result.stdout
    assert "authors    0.500 (1/2, partial 0.500)" in result.stdout
    assert "de/Landbote_2024_05_02: ['Max Beispiel'] | ['Someone Else']" in result.stdout
    assert "cross-validated title" in result.stdout
    report = json.loads(out.read_text(encoding="utf-8"))[0]
    assert report["rates"]["published"]["rate"] == 1.0
    assert report["rates"]["language"]["rate"] == 1.0
    assert report["rates"]["free_access"] == {"true": 1, "false": 1, "null": 0}
    assert report["publishers"] == 2
    assert report["cross_validation"]["title"]["held_out_rate"] == 1.0


def test_a_missing_corpus_is_skipped(tmp_path):
    result = _run("--corpus", str(tmp_path / "missing"), "--out", str(tmp_path / "t.json"))
    assert result.returncode == 0
    assert "skipped" in result.stdout
