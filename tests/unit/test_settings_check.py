"""check_settings: a bad ``-s NAME=VALUE`` is refused with one line before the crawl starts."""

from __future__ import annotations

import re

import pytest
from scrapy.settings import Settings

import newscrawler.settings
from newscrawler.errors import ConfigError
from newscrawler.settings_check import CHECKS, check_settings

# checked by the -a arguments' parsers
FILTERS = ("SINCE", "LANGUAGES", "MAX_PER_SOURCE", "DOMAINS")
NUMBERS = [name for name in CHECKS
           if name not in ("JSONL_OUTPUT", "STATE_DIR", "WARC_OUTPUT", "JSONL_ROTATE", "DUE",
                           *FILTERS)]


def project_settings(**cmdline: object) -> Settings:
    """The project's settings with ``-s`` overrides, given as the strings a shell passes."""
    settings = Settings()
    settings.setmodule(newscrawler.settings, priority="project")
    for name, value in cmdline.items():
        settings.set(name, value, priority="cmdline")
    return settings


def refusal(**cmdline: object) -> str:
    with pytest.raises(ConfigError) as raised:
        check_settings(project_settings(**cmdline))
    message = str(raised.value)
    assert "\n" not in message  # one line: the crawl command prints it as "error: ..."
    return message


def test_the_projects_own_settings_pass():
    check_settings(project_settings())


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CONCURRENT_REQUESTS", "32"),
        ("DOWNLOAD_DELAY", "0"),
        ("DOWNLOAD_DELAY", "0.5"),
        ("DOWNLOAD_TIMEOUT", "0.001"),
        ("EXTRACT_WORKERS", "0"),
        ("PROGRESS_INTERVAL", "0"),
        ("JSONL_OUTPUT", "/data/%(name)s/%(host)s-%(pid)s-%(job)s.jsonl"),
        ("JSONL_OUTPUT", "articles.jsonl"),
        ("STATE_DIR", "~/.newscrawler"),
        ("SINCE", "48h"),
        ("SINCE", "2025-12-01"),
        ("LANGUAGES", "en,de"),
        ("LANGUAGES", ["en", "de"]),
        ("MAX_PER_SOURCE", "20"),
        ("DOMAINS", "www.bbc.co.uk,dw.com"),
        ("DOMAINS", ["bbc.co.uk"]),
        ("WARC_OUTPUT", "warcs"),
        ("SITEMAP_MAX_AGE", "0"),
        ("SITEMAP_MAX_DEPTH", "0"),
    ],
)
def test_sensible_values_pass(name, value):
    check_settings(project_settings(**{name: value}))


@pytest.mark.parametrize("name", NUMBERS)
def test_a_number_setting_that_is_no_number_is_refused(name):
    assert re.fullmatch(rf"setting {name}='fast' is not a (int|float)", refusal(**{name: "fast"}))


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CONCURRENT_REQUESTS", "0", "setting CONCURRENT_REQUESTS='0' must be at least 1"),
        ("CONCURRENT_REQUESTS_PER_DOMAIN", "-1",
         "setting CONCURRENT_REQUESTS_PER_DOMAIN='-1' must be at least 1"),
        ("CONCURRENT_REQUESTS", "2.5", "setting CONCURRENT_REQUESTS='2.5' is not a int"),
        ("DOWNLOAD_DELAY", "-0.5", "setting DOWNLOAD_DELAY='-0.5' must be at least 0"),
        ("DOWNLOAD_TIMEOUT", "0", "setting DOWNLOAD_TIMEOUT='0' must be at least 0.001"),
        ("EXTRACT_TIMEOUT", "0", "setting EXTRACT_TIMEOUT='0' must be at least 0.001"),
        ("FEED_PARSE_TIMEOUT", "-1", "setting FEED_PARSE_TIMEOUT='-1' must be at least 0.001"),
        ("DOWNLOAD_MAXSIZE", "", "setting DOWNLOAD_MAXSIZE='' is not a int"),
        ("SCHEDULER_READY_LEAD", "-0.1",
         "setting SCHEDULER_READY_LEAD='-0.1' must be at least 0"),
        ("SITEMAP_MAX_CHILDREN", "0", "setting SITEMAP_MAX_CHILDREN='0' must be at least 1"),
        ("SITEMAP_MAX_URLS", "0", "setting SITEMAP_MAX_URLS='0' must be at least 1"),
        ("WARC_MAX_BYTES", "0", "setting WARC_MAX_BYTES='0' must be at least 1"),
        ("WARC_GZIP_LEVEL", "4", "setting WARC_GZIP_LEVEL='4' must be at most 3"),
    ],
)
def test_a_number_out_of_range_is_refused_with_its_bound(name, value, message):
    assert refusal(**{name: value}) == message


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("out/%(nam)s.jsonl", "'nam'"),
        ("out/%(name)d.jsonl", "%d format: a real number is required, not str"),
        ("out/%(name.jsonl", "incomplete format key"),
        ("out/100%.jsonl", "unsupported format character"),
    ],
)
def test_a_broken_output_template_is_refused_with_the_placeholders_allowed(template, problem):
    message = refusal(JSONL_OUTPUT=template)
    assert message.startswith(
        f"setting JSONL_OUTPUT={template!r} is not a valid path template "
        "(use %(name)s, %(time)s, %(host)s, %(pid)s, %(job)s): ")
    assert problem in message


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SINCE", "yesterday", "setting SINCE='yesterday' is not a date (2026-12-01, "
                               "2026-12-01T06:00:00+01:00) or an age (90m, 48h, 2d, 1w)"),
        ("LANGUAGES", "english", "setting LANGUAGES='english' has 'english', which is not an "
                                 "ISO 639-1 code (two letters, e.g. en,de)"),
        ("MAX_PER_SOURCE", "-3", "setting MAX_PER_SOURCE='-3' must be 0 (no limit) or more"),
        ("DOMAINS", "https://bbc.co.uk/", "setting DOMAINS='https://bbc.co.uk/' has "
                                          "'https://bbc.co.uk/', which is not a domain; give a "
                                          "file with one domain a line, or domains separated "
                                          "by commas (bbc.co.uk,dw.com)"),
    ],
)
def test_a_bad_filter_setting_is_refused_as_its_argument_would_be(name, value, message):
    assert refusal(**{name: value}) == message


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_state_dir_is_refused(value):
    assert refusal(STATE_DIR=value) == "setting STATE_DIR must not be empty"


def test_warc_output_is_made_when_missing_and_refused_when_it_cannot_be_a_folder(tmp_path):
    check_settings(project_settings(WARC_OUTPUT=str(tmp_path / "new" / "warcs")))
    assert (tmp_path / "new" / "warcs").is_dir()
    (tmp_path / "a-file").write_text("x")
    message = refusal(WARC_OUTPUT=str(tmp_path / "a-file" / "warcs"))
    assert message.startswith(f"setting WARC_OUTPUT='{tmp_path}/a-file/warcs' is not a folder "
                              "that can be written: ")


def test_every_checked_setting_has_a_project_default():
    # a check of a setting the project does not define would refuse every plain run
    assert all(hasattr(newscrawler.settings, name) for name in CHECKS)


@pytest.mark.parametrize(
    ("cmdline", "message"),
    [
        ({"JSONL_ROTATE": "fast"},
         "setting JSONL_ROTATE='fast': give a period such as 30m, 1h or 1d"),
        ({"JSONL_ROTATE": "0.5s"}, "setting JSONL_ROTATE='0.5s': the period must be at least 1 s"),
        ({"JSONL_ROTATE": "1h", "JSONL_OUTPUT": "out.jsonl"},
         "setting JSONL_ROTATE='1h' needs %(time)s in JSONL_OUTPUT (each rolled file gets its own "
         "name)"),
        ({"DUE": "sometimes"}, "setting DUE='sometimes' must be one of due, all"),
        ({"POLL_MIN_INTERVAL": "600", "POLL_MAX_INTERVAL": "60"},
         "setting POLL_MAX_INTERVAL='60' is shorter than POLL_MIN_INTERVAL='600'"),
    ],
)
def test_bad_rotation_due_and_poll_bounds_are_refused(cmdline, message):
    assert refusal(**cmdline) == message


@pytest.mark.parametrize("value", ["", "0", "90s", "30m", "1h", "1d", "3600"])
def test_rotation_periods_pass(value):
    check_settings(project_settings(JSONL_ROTATE=value))
