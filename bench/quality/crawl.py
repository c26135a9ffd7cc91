"""The real crawl (``scrapy crawl feeds``) of the corpus, served by the simulated news web."""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.paths import REPO
from bench.quality.items import load_items
from bench.quality.serving import HEADER_CHARSETS, served_content_type
from bench.scoring import CorpusPage

CRAWL_SETTINGS = {"DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS": "32",
                  "CONCURRENT_REQUESTS_PER_DOMAIN": "8", "LOG_LEVEL": "INFO"}
CRAWL_TIMEOUT = 1800.0
FEED_CONTENTS = ("one RSS 2.0 feed per site; each entry carries link, guid and title (the "
                 "page's own <title>, as corpus_web lists it); no pubDate, no description, no "
                 "content:encoded, so the text of an item can only come from its page")


@dataclass
class Crawl:
    """What one real crawl of the served corpus gave."""

    items: list[dict]
    page_ids: dict[str, str]           # URL the page was served at -> corpus id
    served: dict[str, dict[str, str]]  # corpus id -> {"url", "content_type", "header_charset"}
    returncode: int | None
    seconds: float
    summary: list[str]                 # the crawl's run summary lines
    log_tail: str
    feeds: dict[str, Any]


def run_crawl(corpus_dir: Path, pages: list[CorpusPage], *, sites: int = 20,
              header_charset: str = "mixed", timeout: float = CRAWL_TIMEOUT) -> Crawl:
    """Serve the corpus with :func:`corpus_web` on loopback and run ``scrapy crawl feeds``
    on its feed list in a subprocess, as a user runs it (temporary STATE_DIR and output)."""
    import subprocess
    import tempfile

    from newscrawler.utils.urls import canonical_url
    from simweb import corpus_web, serve

    web = corpus_web(corpus_dir, sites=sites)
    wanted = {page.id for page in pages}
    feed_count = entries = dated = summarised = 0
    for site in web.sites:
        for feed in site.feeds.values():
            feed_count += 1
            for entry in feed.entries:
                entries += 1
                # content:encoded would be Page.paragraphs, i.e. the ground truth itself
                if entry.include_content:
                    raise RuntimeError("a corpus_web feed entry carries the ground truth")
                page = site.pages.get(entry.path) if entry.site == site.name else None
                dated += bool(entry.published or (page and page.published))
                summarised += entry.summary is not None
    contents = FEED_CONTENTS
    if dated or summarised:  # corpus_web changed: say what the feeds carry now
        contents = (f"one RSS 2.0 feed per site; entries carry link, guid, title; pubDate on "
                    f"{dated}, description on {summarised}; no content:encoded")
    served_pages = sorted(((page.corpus_id, site, path, page) for site in web.sites
                           for path, page in site.pages.items() if page.corpus_id in wanted),
                          key=lambda x: (x[0], x[1].name, x[2]))
    kinds = {}
    for index, (_, site, path, page) in enumerate(served_pages):
        kind = "none" if header_charset == "none" else HEADER_CHARSETS[index % 3]
        page.content_type, kinds[site.name, path] = served_content_type(page.html or b"", kind)
    with tempfile.TemporaryDirectory(prefix="quality-crawl-") as tmp, serve(web) as running:
        work = Path(tmp)
        served = {}
        page_ids = {}
        for cid, site, path, page in served_pages:
            url = canonical_url(running.url(site.name, path))
            page_ids[url] = cid
            served[cid] = {"url": url, "content_type": page.content_type,
                           "header_charset": kinds[site.name, path]}
        feeds = running.write_feed_list(work / "feeds.txt")
        output = work / "items.jsonl"
        command = [sys.executable, "-m", "scrapy", "crawl", "feeds", "-a", f"feeds={feeds}"]
        settings = {**CRAWL_SETTINGS, "STATE_DIR": str(work / "state"),
                    "JSONL_OUTPUT": str(output)}
        for name, value in settings.items():
            command += ["-s", f"{name}={value}"]
        # the crawl runs in a temporary folder: put this checkout first on its path, so that
        # it runs the same newscrawler as extract() direct in this process (a relative
        # PYTHONPATH, or another checkout installed in the venv, would be another code)
        path = os.pathsep.join(filter(None, (str(REPO), os.environ.get("PYTHONPATH"))))
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newscrawler.settings", "PYTHONPATH": path}
        env.pop("SCRAPY_PROJECT", None)
        log_path = work / "crawl.log"
        start = time.perf_counter()
        returncode: int | None
        with log_path.open("w", encoding="utf-8") as log:
            try:
                returncode = subprocess.run(command, cwd=work, env=env, stdout=log,
                                            stderr=subprocess.STDOUT, timeout=timeout,
                                            check=False).returncode
            except subprocess.TimeoutExpired:
                returncode = None
        seconds = time.perf_counter() - start
        log_text = log_path.read_text(encoding="utf-8", errors="replace")
        items = load_items(output) if output.exists() else []
    summary = [line.split("[newscrawler.summary] INFO: ", 1)[1]
               for line in log_text.splitlines() if "[newscrawler.summary] INFO: " in line]
    return Crawl(items=items, page_ids=page_ids, served=served, returncode=returncode,
                 seconds=round(seconds, 1), summary=summary,
                 log_tail="\n".join(log_text.splitlines()[-30:]),
                 feeds={"feeds": feed_count, "entries": entries, "contents": contents,
                        "served_content_types": dict(Counter(
                            v["header_charset"] for v in served.values()))})
