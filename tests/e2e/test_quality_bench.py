"""bench/quality/ end to end: the real crawl of a tiny corpus served by the simulated web."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

PAGES = {
    # id: (title, <html lang>, charset the bytes are in, <meta charset> or "", paragraphs)
    "p1": ("Harbour terminal becomes a park", "en", "utf-8", "utf-8", [
        "The harbour authority confirmed on Monday that the old grain terminal will be turned "
        "into a public park with a swimming area and a small museum about the port's history.",
        "Work is planned to start in the autumn and the first part of the park should open to "
        "visitors in the summer of next year, the authority's director told reporters.",
        "Local residents, who collected more than ten thousand signatures for the project, said "
        "they were delighted that the waterfront would finally be accessible to everyone.",
    ]),
    "p2": ("Brightest meteor shower in a decade", "en", "utf-8", "", [
        "Scientists at the national observatory have recorded the brightest meteor shower in a "
        "decade, with more than two hundred shooting stars an hour at its peak on Saturday.",
        "The display was caused by debris from a comet that passed close to the sun last year, "
        "and clear skies over most of the country made it visible even from city centres.",
        "Astronomers expect a weaker repeat of the event next August and encouraged amateurs to "
        "send in their photographs to help map the density of the debris stream.",
    ]),
    # windows-1252 bytes: served with a header claiming UTF-8 (the third page in id order)
    "p3": ("Station cafe reopens", "fr", "cp1252", "windows-1252", [
        "Le caf\u00e9 de la gare a rouvert ses portes ce matin \u2013 les habitu\u00e9s "
        "n\u2019en croyaient pas leurs yeux, et la file d\u2019attente s\u2019\u00e9tirait "
        "jusqu\u2019au quai num\u00e9ro deux.",
        "\u00ab C\u2019est un vrai plaisir de revoir tout le monde \u00bb, a d\u00e9clar\u00e9 "
        "No\u00ebl, le propri\u00e9taire, qui a investi 20 000 \u20ac dans la r\u00e9novation "
        "compl\u00e8te de l\u2019\u00e9tablissement.",
        "Les travaux ont dur\u00e9 pr\u00e8s d\u2019un an\u2026 mais le d\u00e9cor "
        "d\u2019origine, avec ses boiseries et son comptoir en zinc, a \u00e9t\u00e9 "
        "conserv\u00e9 \u00e0 l\u2019identique.",
    ]),
    # German text under lang="en": the text's language wins
    "p4": ("Library opens on Sundays", "en", "utf-8", "utf-8", [
        "Die Bibliothek der Stadt verl\u00e4ngert ab kommendem Monat ihre \u00d6ffnungszeiten "
        "und ist dann auch am Sonntagnachmittag f\u00fcr alle Besucherinnen und Besucher "
        "ge\u00f6ffnet.",
        "Nach Angaben der Leiterin wurde die \u00c4nderung m\u00f6glich, weil der Gemeinderat "
        "zus\u00e4tzliche Mittel f\u00fcr zwei neue Stellen im Lesesaal bewilligt hat.",
        "Besonders Studierende und Familien hatten sich l\u00e4ngere \u00d6ffnungszeiten "
        "gew\u00fcnscht, wie eine Umfrage im vergangenen Herbst deutlich gezeigt hatte.",
    ]),
}


def _page_html(page_id: str) -> bytes:
    title, lang, charset, meta, paragraphs = PAGES[page_id]
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    meta_tag = f'<meta charset="{meta}">' if meta else ""
    html = (
        f'<!DOCTYPE html><html lang="{lang}"><head>{meta_tag}'
        f"<title>{title} - Example Times</title>"
        f'<meta property="og:title" content="{title}">'
        f'<meta property="article:published_time" content="2023-06-0{page_id[-1]}T10:00:00Z">'
        f"</head><body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>{title}</h1>\n{body}</article>"
        f"<footer>Example Times, all rights reserved. Contact us.</footer></body></html>"
    )
    return html.encode(charset)


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    (corpus / "html").mkdir(parents=True)
    truth = {}
    for page_id, (title, *_, paragraphs) in PAGES.items():
        (corpus / "html" / f"{page_id}.html.gz").write_bytes(gzip.compress(_page_html(page_id)))
        # metadata truth as Fundus gives it (title, language); no authors, no date: presence
        truth[page_id] = {"articleBody": "\n\n".join(paragraphs),
                          "url": f"https://www.example-times.com/news/{page_id}/",
                          "title": title, "language": "de" if page_id == "p4" else
                          PAGES[page_id][1]}
    (corpus / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")
    return corpus


def test_end_to_end_report_on_tiny_corpus(tiny_corpus: Path, tmp_path: Path) -> None:
    assert b"\x92" in _page_html("p3")  # really windows-1252 bytes
    out = tmp_path / "quality.json"
    result = subprocess.run(
        [sys.executable, "-m", "bench.quality", "--corpus", str(tiny_corpus),
         "--out", str(out), "--sites", "2", "--repeats", "1"],
        capture_output=True, text=True, timeout=300, cwd=REPO, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    printed = result.stdout
    for label in ("crawl (end to end)", "extract() direct", "trafilatura (include_comments=False)",
                  "crawl vs extract() direct", "lowest pages (crawled items)",
                  "metadata presence (crawled items)", "language same as <html lang>",
                  "no content:encoded", "targets:", "summary per corpus",
                  "metadata against the corpus truth",
                  "crawl pages > 0.02 below plain trafilatura: 0",
                  "cross-validated: not possible -- the pages come from one site"):
        assert label in printed, label

    results = json.loads(out.read_text(encoding="utf-8"))["corpora"]["corpus"]
    assert results["columns"] == ["crawl (end to end)", "extract() direct",
                                  "trafilatura (include_comments=False)"]
    report = results["end_to_end"]
    assert report["mode"] == "end-to-end" and report["pages"] == 4
    assert report["crawl"]["returncode"] == 0
    assert report["items"] == 4 and report["pages_with_row"] == 4
    assert report["missing_pages"] == [] and report["unmatched_items"] == []
    assert report["text_source"] == {"page": 4}
    assert set(report["columns"]) == set(results["columns"])
    for figures in report["columns"].values():
        assert set(figures) == {"precision", "recall", "f1"}
        assert 0.0 <= figures["f1"] <= 1.0

    rows = {row["id"]: row for row in report["per_page"]}
    assert set(rows) == set(PAGES)
    for row in rows.values():
        assert row["found"] and row["served_url"].startswith("http://127.")
        for column in ("crawl", "extract_direct", "trafilatura_defaults"):
            assert set(row[column]) == {"precision", "recall", "f1"}
        # nothing is lost between the page and the JSONL line, whatever the header says
        assert row["crawl"]["f1"] >= row["extract_direct"]["f1"], row
        assert row["crawl"]["f1"] > 0.9, row
    # the header rotation: no charset, the page's own, one contradicting the page
    assert rows["p1"]["content_type"] == "text/html"
    assert rows["p2"]["content_type"] == "text/html; charset=utf-8"
    assert rows["p3"]["content_type"] == "text/html; charset=utf-8"  # a lie: bytes are cp1252
    assert rows["p3"]["header_charset"] == "contradicting"
    assert report["crawl_vs_direct"]["pages_below"] == []
    assert report["below_plain"] == {"crawl": [], "extract_direct": []}
    assert all(report["targets"].values()), report["targets"]

    assert len(report["lowest"]) == 4 and all(p["reason"] for p in report["lowest"])
    assert report["metadata_presence"]["title"] == 1.0
    assert report["metadata_presence"]["language"] == 1.0
    assert report["agreement"]["date_same_day_utc"]["rate"] == 1.0
    lang = report["language_check"]
    assert lang["pages_where_text_and_declaration_differ"] == 1
    assert lang["item_says_text"] == 1
    assert lang["cases"] == [{"id": "p4", "declared": "en", "text": "de", "item": "de"}]
    # the direct report of the same run is kept beside it
    assert results["direct"]["pages"] == 4
    # metadata against the truth, the crawl's items and extract() direct, from the same run
    for source in ("crawl", "extract_direct"):
        rates = results["metadata_truth"][source]
        assert rates["pages_with_item"] == 4
        assert rates["title"]["rate"] == 1.0 and rates["language"]["rate"] == 1.0, rates
        assert "rate" not in rates["authors"] and rates["published"]["present"] == 1.0


def test_end_to_end_mode_skips_without_corpus(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.quality", "--corpus", str(tmp_path / "no"),
         "--out", str(tmp_path / "q.json")],
        capture_output=True, text=True, timeout=120, cwd=REPO, check=False)
    assert result.returncode == 0
    assert "skipped" in result.stdout
    assert not (tmp_path / "q.json").exists()
