"""Which WARC files a ``warc=`` argument names (archive/sources.py)."""

from __future__ import annotations

import re

import pytest
from scrapy.settings import Settings

import newscrawler.settings
from newscrawler.archive.sources import WarcSource, expand_sources
from newscrawler.errors import ConfigError


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "crawl").mkdir()
    for name in ("b.warc.gz", "a.warc.gz", "c.warc", "c.warc.gz.open", "c.warc.gz.torn",
                 "notes.txt"):
        (tmp_path / "crawl" / name).write_bytes(b"")
    (tmp_path / "one.warc.gz").write_bytes(b"")
    return tmp_path


def project_settings(**overrides: object) -> Settings:
    settings = Settings()
    settings.setmodule(newscrawler.settings, priority="project")
    settings.setdict(overrides, priority="cmdline")
    return settings


@pytest.mark.parametrize(("argument", "names"), [
    ("one.warc.gz", ["one.warc.gz"]),
    ("crawl", ["crawl/a.warc.gz", "crawl/b.warc.gz", "crawl/c.warc"]),  # WARC files, sorted
    ("crawl/", ["crawl/a.warc.gz", "crawl/b.warc.gz", "crawl/c.warc"]),
    ("crawl/*.gz", ["crawl/a.warc.gz", "crawl/b.warc.gz"]),
    ("one.warc.gz, crawl/b.warc.gz,one.warc.gz", ["one.warc.gz", "crawl/b.warc.gz"]),
])
def test_files_folders_and_globs_name_files_in_order(folder, argument, names):
    assert expand_sources(argument) == [WarcSource(name) for name in names]


def test_urls_are_fetched_and_s3_only_when_its_handler_is_on(folder):
    url = "https://data.commoncrawl.org/crawl-data/CC-NEWS/2026/12/CC-NEWS-1.warc.gz"
    assert expand_sources(f"{url},one.warc.gz") == [WarcSource(url, remote=True),
                                                     WarcSource("one.warc.gz")]
    s3 = "s3://commoncrawl/crawl-data/CC-NEWS/2026/12/CC-NEWS-1.warc.gz"
    with pytest.raises(ConfigError, match="s3:// is off"):
        expand_sources(s3, project_settings())
    handler = "scrapy.core.downloader.handlers.s3.S3DownloadHandler"
    settings = project_settings(DOWNLOAD_HANDLERS={"s3": handler})
    assert expand_sources(s3, settings) == [WarcSource(s3, remote=True)]


@pytest.mark.parametrize(("argument", "message"), [
    (None, "give the WARC files to read"),
    (" , ", "give the WARC files to read"),
    ("missing.warc.gz", "warc='missing.warc.gz': no such file or folder"),
    ("crawl/*.cdx", "warc='crawl/*.cdx': no file matches"),
    ("file:///etc/passwd", "only files, http(s):// and s3:// URLs are read"),
])
def test_a_name_that_names_nothing_is_refused(folder, argument, message):
    (folder / "empty").mkdir()
    with pytest.raises(ConfigError, match=re.escape(message)):
        expand_sources(argument)


def test_a_folder_without_warc_files_is_refused(folder):
    (folder / "empty").mkdir()
    with pytest.raises(ConfigError, match=re.escape("the folder holds no .warc or .warc.gz")):
        expand_sources("empty")
