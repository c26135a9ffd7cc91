"""The feed list: what `scrapy crawl feeds -a feeds=...` accepts, keeps, skips and refuses."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

import newscrawler
from newscrawler.sources.feedlist import MAX_FEED_LIST_BYTES, load_feed_list
from newscrawler.sources.listtypes import FeedList, FeedListError
from newscrawler.sources.opml import parse_opml
from newscrawler.sources.textlist import parse_text_list


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def load(path: Path) -> FeedList:
    return load_feed_list(str(path))


# --------------------------------------------------------------------------- text lists


@pytest.mark.parametrize(
    ("content", "expected_urls"),
    [
        pytest.param(
            "# my feeds\n\nhttps://a.example/rss\n   \n# https://commented.example/rss\n",
            ["https://a.example/rss"],
            id="whole-line-comments-and-blank-lines",
        ),
        pytest.param(
            "https://a.example/rss   # the A feed\nhttps://b.example/rss\t# tab before comment\n",
            ["https://a.example/rss", "https://b.example/rss"],
            id="trailing-comments",
        ),
        pytest.param(
            "https://a.example/page#section\n",
            ["https://a.example/page#section"],
            id="fragment-is-not-a-comment",
        ),
        pytest.param(
            "\ufeffhttps://a.example/rss\n",
            ["https://a.example/rss"],
            id="utf8-bom",
        ),
        pytest.param(
            "https://a.example/rss\r\nhttps://b.example/rss\r\n",
            ["https://a.example/rss", "https://b.example/rss"],
            id="windows-line-endings",
        ),
        pytest.param(
            "  https://a.example/rss  \nhttp://127.0.0.1:8080/feed.xml\nhttps://[::1]/feed\n",
            ["https://a.example/rss", "http://127.0.0.1:8080/feed.xml", "https://[::1]/feed"],
            id="whitespace-trimmed-ip-hosts-and-ports",
        ),
        pytest.param(
            "https://b.example/rss\nhttps://a.example/rss\nhttps://b.example/rss\n",
            ["https://b.example/rss", "https://a.example/rss"],
            id="input-order-kept-duplicates-once",
        ),
    ],
)
def test_text_list_keeps_feed_urls_in_order(
    tmp_path: Path, content: str, expected_urls: list[str]
) -> None:
    feed_list = load(write(tmp_path, "feeds.txt", content))

    assert list(feed_list.urls) == expected_urls
    assert feed_list.origin == str(tmp_path / "feeds.txt")
    assert all(source.category is None for source in feed_list.sources)


def test_text_list_sources_remember_their_line_numbers() -> None:
    feed_list = parse_text_list("# header\n\nhttps://a.example/rss\nhttps://b.example/rss\n", "x")

    assert [source.line for source in feed_list.sources] == [3, 4]


@pytest.mark.parametrize(
    ("line", "render", "options"),
    [
        pytest.param("https://a.example/rss", None, {}, id="no-option"),
        pytest.param("https://a.example/rss render=js", "js", {"render": "js"}, id="js"),
        pytest.param(
            "https://a.example/rss render=static", "static", {"render": "static"}, id="static"
        ),
        pytest.param(
            "https://a.example/rss RENDER=JS # shout",
            "js",
            {"render": "js"},
            id="case-insensitive-with-comment",
        ),
    ],
)
def test_text_list_options(line: str, render: str | None, options: dict[str, str]) -> None:
    (source,) = parse_text_list(line + "\n", "feeds.txt").sources

    assert source.url == "https://a.example/rss"
    assert source.render == render
    assert dict(source.options) == options


@pytest.mark.parametrize(
    ("bad_line", "expected_problem"),
    [
        pytest.param(
            "https://b.example/rss render=webgl",
            "feeds.txt:2: bad value for render: 'webgl'",
            id="bad-render-value",
        ),
        pytest.param(
            "https://b.example/rss render=",
            "feeds.txt:2: bad value for render: ''",
            id="empty-render-value",
        ),
        pytest.param(
            "https://b.example/rss depth=3",
            "feeds.txt:2: unknown option 'depth'",
            id="unknown-option",
        ),
        pytest.param(
            "https://b.example/rss render=js render=static",
            "feeds.txt:2: option 'render' is given twice",
            id="repeated-option",
        ),
        pytest.param(
            "https://b.example/my feed.xml",
            "feeds.txt:2: unexpected 'feed.xml'",
            id="space-inside-url",
        ),
    ],
)
def test_bad_option_skips_only_that_line(bad_line: str, expected_problem: str) -> None:
    text = f"https://a.example/rss\n{bad_line}\nhttps://c.example/rss\n"

    feed_list = parse_text_list(text, "feeds.txt")

    assert feed_list.urls == ("https://a.example/rss", "https://c.example/rss")
    assert len(feed_list.problems) == 1
    assert feed_list.problems[0].startswith(expected_problem)


@pytest.mark.parametrize(
    ("bad_line", "expected_problem"),
    [
        pytest.param(
            "ftp://files.example/feed",
            "not an http(s) URL: 'ftp://files.example/feed'",
            id="other-scheme",
        ),
        pytest.param("feed://a.example/rss", "not an http(s) URL", id="feed-pseudo-scheme"),
        pytest.param("javascript:alert(1)", "not an http(s) URL", id="javascript"),
        pytest.param(
            "example.com/feed",
            "no scheme in 'example.com/feed': write https://example.com/feed",
            id="schemeless-asks-for-https",
        ),
        pytest.param("www.example.com", "no scheme in 'www.example.com'", id="schemeless-host"),
        pytest.param("http:///feed.xml", "URL has no host", id="no-host"),
        pytest.param("https://", "URL has no host", id="scheme-only"),
        pytest.param(
            "https://exa..mple.com/rss", "bad host name 'exa..mple.com'", id="empty-host-label"
        ),
        pytest.param("https://a.example:99999/rss", "malformed URL", id="port-out-of-range"),
        pytest.param(
            "https://a.example\u200b/rss", "control or invisible characters", id="zero-width-space"
        ),
        pytest.param("just some words", "not a URL", id="garbage"),
        pytest.param("<a href='x'>", "not a URL", id="html-garbage"),
    ],
)
def test_invalid_url_is_reported_with_its_line_and_skipped(
    bad_line: str, expected_problem: str
) -> None:
    text = f"# feeds\nhttps://good.example/rss\n{bad_line}\nhttps://also-good.example/rss\n"

    feed_list = parse_text_list(text, "feeds.txt")

    assert feed_list.urls == ("https://good.example/rss", "https://also-good.example/rss")
    assert len(feed_list.problems) == 1
    assert feed_list.problems[0].startswith("feeds.txt:3: ")
    assert expected_problem in feed_list.problems[0]


def test_duplicate_is_reported_and_first_copy_wins() -> None:
    text = "https://A.example/rss render=js\nhttps://a.example/rss render=static\n"

    feed_list = parse_text_list(text, "feeds.txt")

    (source,) = feed_list.sources
    assert (source.url, source.render) == ("https://A.example/rss", "js")
    assert feed_list.problems == (
        "feeds.txt:2: duplicate of line 1, skipped: 'https://a.example/rss'",
    )


EMPTY_LIST_MESSAGE = (
    "no valid feed URL in {path}: the list is empty (only blank lines and comments)"
)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("", EMPTY_LIST_MESSAGE, id="empty-file"),
        pytest.param(
            "# nothing yet\n\n   # still nothing\n", EMPTY_LIST_MESSAGE, id="only-comments"
        ),
        pytest.param(
            "ftp://x\nexample.com/feed\n",
            "no valid feed URL in {path} (2 lines skipped; first: {path}:1: "
            "not an http(s) URL: 'ftp://x')",
            id="only-invalid-lines",
        ),
    ],
)
def test_list_without_any_valid_url_is_an_error(tmp_path: Path, content: str, message: str) -> None:
    path = write(tmp_path, "feeds.txt", content)

    with pytest.raises(FeedListError) as raised:
        load(path)

    assert str(raised.value) == message.format(path=path)


def test_utf16_text_with_bom_is_accepted(tmp_path: Path) -> None:
    # What Windows PowerShell 5 writes with `>` redirection.
    path = write(tmp_path, "feeds.txt", "https://a.example/rss\r\n".encode("utf-16"))

    assert load(path).urls == ("https://a.example/rss",)


# --------------------------------------------------------------------------- OPML

NESTED_OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Subscriptions</title></head>
  <body>
    <outline text="News" title="World news">
      <outline text="BBC" type="rss" xmlUrl="https://feeds.bbci.co.uk/news/rss.xml"/>
      <outline text="Europe">
        <outline text="Spiegel" xmlUrl=" https://www.spiegel.de/index.rss " render="js"/>
        <outline text="Broken" xmlUrl="feed://broken.example/rss"/>
      </outline>
    </outline>
    <outline text="Uncategorised" type="rss" xmlUrl="https://top.example/feed"/>
    <outline text="Tech">
      <outline text="HN" xmlUrl="https://news.ycombinator.com/rss" render="static"/>
      <outline text="Odd" xmlUrl="https://odd.example/rss" render="webgl"/>
    </outline>
  </body>
</opml>
"""


@pytest.mark.parametrize("name", ["subscriptions.opml", "export.xml", "feeds.txt"])
def test_opml_is_detected_by_content_with_categories_and_render(tmp_path: Path, name: str) -> None:
    feed_list = load(write(tmp_path, name, NESTED_OPML))

    assert [(s.url, s.category, s.render) for s in feed_list.sources] == [
        ("https://feeds.bbci.co.uk/news/rss.xml", "World news", None),
        ("https://www.spiegel.de/index.rss", "Europe", "js"),
        ("https://top.example/feed", None, None),
        ("https://news.ycombinator.com/rss", "Tech", "static"),
    ]
    assert [s.line for s in feed_list.sources] == [6, 8, 12, 14]
    path = tmp_path / name
    assert feed_list.problems == (
        f"{path}:9: outline 'Broken': not an http(s) URL: 'feed://broken.example/rss'",
        f"{path}:15: outline 'Odd': bad value for render: 'webgl' (use render=js or render=static)",
    )


def test_opml_in_declared_legacy_encoding() -> None:
    data = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
        '<opml version="1.0"><body><outline text="Presse française">'
        '<outline text="Le Monde" xmlUrl="https://www.lemonde.fr/rss/une.xml"/>'
        "</outline></body></opml>"
    ).encode("latin-1")

    (source,) = parse_opml(data, "fr.opml").sources

    assert source.category == "Presse française"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        pytest.param(
            '<opml version="2.0">\n<body>\n<outline text="a" xmlUrl="https://a.example/">\n'
            "</body>\n</opml>\n",
            "{path} is not well-formed OPML: line 4: Opening and ending tag mismatch",
            id="unclosed-outline",
        ),
        pytest.param(
            '<opml version="2.0">\n<body>\n<outline text="A &amp B" xmlUrl="https://a/"/>\n'
            "</body></opml>\n",
            "{path} is not well-formed OPML: line 3:",
            id="bare-ampersand",
        ),
        pytest.param(
            '<?xml version="1.0"?>\n<rss version="2.0"><channel/></rss>\n',
            "{path} is a news feed (<rss>), not a feed list",
            id="a-feed-not-a-list",
        ),
        pytest.param(
            "<!DOCTYPE html>\n<html><body>hi</body></html>\n",
            "{path} is XML with root <html>, not an OPML feed list",
            id="html-page",
        ),
        pytest.param(
            '<opml version="2.0"><body><outline text="Empty folder"/></body></opml>',
            "no valid feed URL in {path}: no <outline> in it has an xmlUrl attribute",
            id="no-feeds",
        ),
    ],
)
def test_unusable_opml_is_an_error(tmp_path: Path, document: str, message: str) -> None:
    path = write(tmp_path, "feeds.opml", document)

    with pytest.raises(FeedListError) as raised:
        load(path)

    assert str(raised.value).startswith(message.format(path=path))
    assert "\n" not in str(raised.value)


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE opml [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + ']>\n<opml version="2.0"><body>'
    '<outline text="&lol9;" xmlUrl="https://a.example/&lol9;"/></body></opml>\n'
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE opml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
    '<opml version="2.0"><body><outline text="&secret;" xmlUrl="https://a.example/"/>'
    "</body></opml>\n"
)


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(BILLION_LAUGHS, id="billion-laughs"),
        pytest.param(EXTERNAL_ENTITY, id="external-entity"),
    ],
)
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_entity_declarations_are_refused_quickly(
    tmp_path: Path, document: str, encoding: str
) -> None:
    path = write(tmp_path, "evil.opml", document.encode(encoding))  # utf-16 adds a BOM

    started = time.perf_counter()
    with pytest.raises(FeedListError) as raised:
        load(path)

    assert time.perf_counter() - started < 1.0
    assert str(raised.value) == (
        f"{path} declares XML entities, which an OPML feed list never needs; "
        "refusing to parse it (possible entity-expansion attack)"
    )


# --------------------------------------------------------------------------- files


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.txt"

    with pytest.raises(FeedListError, match=r"^feed list not found: .*nope\.txt$"):
        load(path)


def test_missing_file_that_looks_like_a_url_suggests_https() -> None:
    with pytest.raises(FeedListError) as raised:
        load_feed_list("example.com/feed")

    assert str(raised.value) == (
        "feed list not found: example.com/feed (if it is a URL, write https://example.com/feed)"
    )


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(FeedListError) as raised:
        load(tmp_path)

    assert str(raised.value) == f"cannot read feed list {tmp_path}: it is a directory"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "it contains binary data", id="png"),
        pytest.param(b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "it contains binary data", id="gzip"),
        pytest.param(
            "https://a.example/rss\n# Presse fran\xe7aise\n".encode("latin-1"),
            "not valid UTF-8 at line 2; save it as UTF-8",
            id="latin-1-text",
        ),
    ],
)
def test_file_that_is_neither_text_nor_opml(tmp_path: Path, content: bytes, reason: str) -> None:
    path = write(tmp_path, "feeds.txt", content)

    with pytest.raises(FeedListError) as raised:
        load(path)

    assert str(raised.value) == f"{path} is not a text or OPML feed list ({reason})"


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(MAX_FEED_LIST_BYTES + 1)  # sparse: costs no disk

    with pytest.raises(FeedListError, match=r"is larger than 10 MB$"):
        load(path)


def test_relative_path_and_home_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "mine.txt", "https://a.example/rss\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))

    assert load_feed_list("mine.txt").urls == ("https://a.example/rss",)
    assert load_feed_list("~/mine.txt").urls == ("https://a.example/rss",)


# --------------------------------------------------------------------------- command line


@pytest.mark.parametrize(
    ("arg", "expected_urls", "problems"),
    [
        pytest.param("https://a.example/rss", ["https://a.example/rss"], [], id="one"),
        pytest.param(
            "https://a.example/rss,https://b.example/atom.xml",
            ["https://a.example/rss", "https://b.example/atom.xml"],
            [],
            id="two",
        ),
        pytest.param(
            "  https://a.example/rss ,  https://b.example/rss,",
            ["https://a.example/rss", "https://b.example/rss"],
            [],
            id="spaces-and-trailing-comma",
        ),
        pytest.param(
            "https://a.example/feed?tags=x,y,https://b.example/rss",
            ["https://a.example/feed?tags=x,y", "https://b.example/rss"],
            [],
            id="comma-inside-query-kept",
        ),
        pytest.param(
            "https://a.example/rss,ftp://b.example/rss,https://a.example/rss",
            ["https://a.example/rss"],
            [
                "command line: not an http(s) URL: 'ftp://b.example/rss'",
                "command line: duplicate of an earlier item, skipped: 'https://a.example/rss'",
            ],
            id="invalid-and-duplicate",
        ),
        pytest.param(
            "https://a.example/rss render=js, https://b.example/rss",
            ["https://b.example/rss"],
            [
                "command line: options are not supported on the command line (use a list file): "
                "'https://a.example/rss render=js'"
            ],
            id="options-refused",
        ),
    ],
)
def test_comma_separated_urls(arg: str, expected_urls: list[str], problems: list[str]) -> None:
    feed_list = load_feed_list(arg)

    assert feed_list.origin == "command line"
    assert list(feed_list.urls) == expected_urls
    assert list(feed_list.problems) == problems
    assert all(source.line is None and source.render is None for source in feed_list.sources)


@pytest.mark.parametrize("arg", ["example.com", "ftp://a.example/x, mailto:me@example.com"])
def test_command_line_without_any_valid_url_is_an_error(arg: str) -> None:
    with pytest.raises(FeedListError, match=r"^no valid feed URL in command line \(\d items? "):
        load_feed_list(arg)


# --------------------------------------------------------------------------- default list


@pytest.mark.parametrize("arg", [None, "", "   "])
def test_default_list_loads_clean(arg: str | None) -> None:
    feed_list = load_feed_list(arg)

    assert feed_list.origin == "default list"
    assert feed_list.problems == ()
    assert len(feed_list.sources) >= 20
    assert all(source.url.startswith("https://") for source in feed_list.sources)
    assert len(set(feed_list.urls)) == len(feed_list.urls)


def test_default_list_loads_from_a_zipped_package(tmp_path: Path) -> None:
    # Scrapyd deploys eggs (zip files): the default list must be read as package data, not
    # from a path next to the source file.
    package = Path(newscrawler.__file__).parent
    archive = tmp_path / "newscrawler.egg"
    with zipfile.ZipFile(archive, "w") as egg:
        for file in package.rglob("*"):
            if file.is_file() and "__pycache__" not in file.parts:
                egg.write(file, Path("newscrawler", file.relative_to(package)).as_posix())
    script = (
        "import newscrawler.sources.feedlist as f; "
        "assert '.egg' in f.__file__, f.__file__; "
        "print(len(f.load_feed_list(None).sources))"
    )

    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "PYTHONPATH": str(archive)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == len(load_feed_list(None).sources)


def test_a_list_file_checked_then_crawled_is_parsed_once_unless_edited(tmp_path: Path) -> None:
    # the crawl command checks the list, then the spider loads it: one parse, 100,000 URLs
    path = tmp_path / "feeds.txt"
    path.write_text("https://a.example/rss\n", encoding="utf-8")
    checked = load_feed_list(str(path))
    assert load_feed_list(str(path)) is checked
    path.write_text("https://a.example/rss\nhttps://b.example/rss\n", encoding="utf-8")
    edited = load_feed_list(str(path))
    assert edited.urls == ("https://a.example/rss", "https://b.example/rss")
    path.unlink()
    with pytest.raises(FeedListError, match="feed list not found"):
        load_feed_list(str(path))  # a list gone since is an error, not the old contents
