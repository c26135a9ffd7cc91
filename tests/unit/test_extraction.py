"""Extraction on pages these tests generate themselves (no shared corpus needed)."""

from __future__ import annotations

import json
import pickle
import random
import time

import pytest

from newscrawler.extraction.page import EMPTY, PageFields, extract
from newscrawler.extraction.shells import looks_script_rendered

URL = "https://news.example.com/2024/03/05/city-expands-tram-network"

BODY = [
    "The city council voted on Tuesday to extend the tram network to the new riverside "
    "district, ending a debate that had divided residents for almost a decade.",
    "Under the plan, construction of the four-kilometre line will begin next spring and is "
    "expected to take eighteen months, according to the transport authority's timetable.",
    "Supporters say the extension will cut commuting times in half for thousands of people "
    "who currently rely on crowded buses that are often stuck in traffic during rush hour.",
    "Critics argued that the money would be better spent on repairing existing roads, but "
    "the proposal passed with a comfortable majority after a long and heated session.",
    "The authority said it would publish detailed route maps next month and invite residents "
    "to a series of public meetings before the final design is approved by the council.",
]
COMMENTS = [
    "Great news, finally! I have been waiting for this tram for years, thanks council members.",
    "Total waste of taxpayer money, nobody asked for this, fix the potholes on my street first.",
]
FOOTER = "Copyright 2024 Example Media Group. All rights reserved. Privacy policy and imprint."


def article_page(*, lang: str = "en", body: list[str] | None = None, charset: str = "utf-8",
                 extra_head: str = "", jsonld: dict | None = None) -> str:
    body = BODY if body is None else body
    ld = jsonld if jsonld is not None else {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "City expands tram network to riverside district",
        "datePublished": "2024-03-05T09:30:00+01:00",
        "dateModified": "2024-03-06T12:00:00+01:00",
        "author": [{"@type": "Person", "name": "Jane Doe"},
                   {"@type": "Person", "name": "John Smith"}],
        "description": "The council approved a four-kilometre extension of the tram line.",
        "image": "https://cdn.example.com/img/tram.jpg",
    }
    paragraphs = "\n".join(f"<p>{p}</p>" for p in body)
    comments = "\n".join(
        f'<li class="comment"><div class="comment-body"><p>{c}</p></div></li>' for c in COMMENTS)
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="{charset}">
<title>City expands tram network to riverside district | Example News</title>
<link rel="canonical" href="/2024/03/05/city-expands-tram-network">
<meta property="og:title" content="City expands tram network to riverside district">
<meta property="og:description" content="The council approved a four-kilometre extension.">
<meta property="og:image" content="/img/lead/tram.jpg">
<meta property="og:site_name" content="Example News">
<meta property="article:tag" content="Transport">
<meta property="article:tag" content="City council">
<script type="application/ld+json">{json.dumps(ld)}</script>
{extra_head}
</head>
<body>
<header><nav class="main-nav"><ul><li><a href="/">Home</a></li><li><a href="/politics">Politics
</a></li><li><a href="/sport">Sport</a></li><li><a href="/culture">Culture</a></li></ul></nav>
</header>
<aside class="sidebar"><h3>Most read</h3><ul>
<li><a href="/a">Mayor opens new library in the old town hall</a></li>
<li><a href="/b">Local football club wins regional cup after penalties</a></li></ul></aside>
<main><article>
<h1>City expands tram network to riverside district</h1>
<p class="byline">By Jane Doe and John Smith</p>
{paragraphs}
</article>
<section id="comments" class="comments"><h2>2 comments</h2><ol class="comment-list">
{comments}
</ol></section>
</main>
<footer class="site-footer"><p>{FOOTER}</p></footer>
</body></html>"""


def test_article_text_is_body_paragraphs_without_boilerplate():
    fields = extract(article_page(), URL)
    assert fields.text is not None
    paragraphs = fields.text.split("\n\n")
    for paragraph in BODY:
        assert paragraph in paragraphs
    # one blank line between paragraphs, never more, no stray spaces at line ends
    assert "\n\n\n" not in fields.text
    assert all(line == line.strip() for line in fields.text.split("\n"))
    for comment in COMMENTS:
        assert comment not in fields.text
    assert "Copyright 2024" not in fields.text
    assert "Mayor opens new library" not in fields.text


def test_metadata_from_json_ld_and_open_graph():
    fields = extract(article_page(), URL)
    assert fields.title == "City expands tram network to riverside district"
    assert fields.authors == ("Jane Doe", "John Smith")
    # JSON-LD datePublished (not dateModified), converted to UTC
    assert fields.published == "2024-03-05T08:30:00+00:00"
    assert fields.description in {
        "The council approved a four-kilometre extension of the tram line.",
        "The council approved a four-kilometre extension.",
    }
    assert fields.image is not None and fields.image.startswith("https://")
    assert fields.canonical_url == "https://news.example.com/2024/03/05/city-expands-tram-network"
    assert fields.site_name == "Example News"
    assert {"Transport", "City council"} <= set(fields.tags)
    assert fields.language == "en"


def test_relative_og_image_is_made_absolute():
    page = article_page(jsonld={"@type": "NewsArticle", "headline": "x"})
    fields = extract(page, URL)
    assert fields.image == "https://news.example.com/img/lead/tram.jpg"


def test_date_placeholder_is_ignored_and_published_always_has_utc_offset():
    page = article_page(jsonld={"@type": "NewsArticle", "datePublished": "0001-01-01T00:00:00Z"})
    fields = extract(page, URL)
    # the URL's day (htmldate) instead of year 1
    assert fields.published is not None
    assert fields.published.startswith("2024-03-05T")
    assert fields.published.endswith("+00:00")


def test_duplicate_and_empty_authors_are_dropped():
    ld = {"@type": "NewsArticle", "headline": "x",
          "author": [{"name": "Jane Doe"}, {"name": "jane doe"}, {"name": " "},
                     {"name": "John Smith"}]}
    fields = extract(article_page(jsonld=ld), URL)
    assert fields.authors == ("Jane Doe", "John Smith")


GERMAN = [
    "Die Stadtverwaltung hat am Mittwoch angekündigt, dass die Straßenbahnlinie im kommenden "
    "Jahr bis zum neuen Wohngebiet am Fluss verlängert wird.",
    "Nach Angaben der Verkehrsbetriebe sollen die Bauarbeiten im Frühjahr beginnen und etwa "
    "achtzehn Monate dauern, wenn das Wetter mitspielt.",
    "Anwohner hatten sich seit Jahren für eine bessere Anbindung an die Innenstadt eingesetzt, "
    "weil die Busse zu Stoßzeiten regelmäßig überfüllt sind.",
]
SWAHILI = [
    "Serikali imetangaza kwamba ujenzi wa barabara mpya kati ya miji miwili utaanza mwezi ujao "
    "baada ya mazungumzo marefu na viongozi wa eneo hilo.",
    "Waziri wa uchukuzi alisema kwamba mradi huo utasaidia wakulima kufikisha mazao yao sokoni "
    "kwa haraka zaidi kuliko ilivyo sasa.",
    "Wakazi wa eneo hilo wamefurahia habari hizo kwa sababu barabara ya zamani imekuwa mbovu "
    "kwa miaka mingi na magari mengi huharibika.",
]
ZULU = [
    "Uhulumeni uthe umsebenzi wokwakha umgwaqo omusha phakathi kwamadolobha amabili uzoqala "
    "ngenyanga ezayo emva kwezingxoxo ezinde nabaholi bendawo.",
    "Ungqongqoshe wezokuthutha uthe lo msebenzi uzosiza abalimi ukuthi bathumele izitshalo "
    "zabo ezimakethe ngokushesha kunakuqala.",
    "Izakhamuzi zendawo zijabule kakhulu ngalezi zindaba ngoba umgwaqo omdala ubulokhu umubi "
    "iminyaka eminingi futhi izimoto eziningi ziyaphuka.",
]


@pytest.mark.parametrize(("body", "language"), [(GERMAN, "de"), (SWAHILI, "sw"), (ZULU, "zu")])
def test_language_is_the_texts_not_the_declared_one(body, language):
    fields = extract(article_page(lang="en", body=body), URL)
    assert fields.text is not None and len(fields.text) >= 200
    assert fields.language == language


def test_declared_language_is_used_when_there_is_too_little_text():
    page = ('<html lang="pt-BR"><head><title>Placar</title></head><body><article>'
            "<p>Flamengo 2 x 1 Vasco.</p></article></body></html>")
    fields = extract(page, "https://example.com.br/placar")
    assert fields.language == "pt"


@pytest.mark.parametrize("declaration", [
    '<meta charset="iso-8859-1">',
    '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">',
])
def test_latin1_bytes_are_decoded_with_the_declared_charset(declaration):
    page = article_page(lang="de", body=GERMAN).replace('<meta charset="utf-8">', declaration)
    data = page.encode("iso-8859-1")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    fields = extract(data, URL)
    assert fields.text is not None
    for word in ("Straßenbahnlinie", "Frühjahr", "Stoßzeiten", "regelmäßig", "überfüllt"):
        assert word in fields.text
    assert "\ufffd" not in fields.text


def test_bytes_and_text_give_the_same_fields():
    page = article_page()
    assert extract(page.encode("utf-8"), URL) == extract(page, URL)


def test_text_is_read_as_text_whatever_charset_its_markup_declares():
    # a str is already decoded: a <meta charset> in it must not make the parser re-read it
    page = article_page(lang="de", body=GERMAN).replace('<meta charset="utf-8">',
                                                        '<meta charset="windows-1251">')
    fields = extract(page, URL)
    assert fields.text is not None and "Straßenbahnlinie" in fields.text
    assert fields.text == extract(article_page(lang="de", body=GERMAN), URL).text


def _random_bytes(size: int) -> bytes:
    return random.Random(1234).randbytes(size)


@pytest.mark.parametrize("garbage", [
    b"",
    "",
    "   \n\t ",
    b"\x00" * 1000,
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + _random_bytes(4000),
    _random_bytes(20_000),
    "just a sentence, no markup at all",
    "<<<>>><</>",
    "<html>",
    b"\x1f\x8b\x08\x00garbage that claims to be gzip",
    b"\xff\xfe" + "<html><body><p>utf-16 with BOM</p></body></html>".encode("utf-16-le")[:-3],
    None,
    12345,
])
def test_bad_input_gives_empty_fields_without_raising(garbage):
    fields = extract(garbage, URL)
    assert isinstance(fields, PageFields)
    assert fields.text is None or isinstance(fields.text, str)
    if garbage in (b"", "", "   \n\t ", None, 12345, b"\x00" * 1000):
        assert fields == EMPTY


def test_bad_url_does_not_raise():
    fields = extract(article_page(), None)  # type: ignore[arg-type]
    assert fields.text is not None


def test_enormous_page_is_capped_and_keeps_its_leading_article():
    filler = "<div><span>cell</span><a href='/x'>link</a></div>\n" * 150_000  # ~7.5 MB
    page = article_page().replace("</article>", "</article>" + filler)
    start = time.monotonic()
    fields = extract(page, URL)
    elapsed = time.monotonic() - start
    assert elapsed < 60  # a few seconds; generous for a loaded CI machine
    assert fields.text is not None
    assert BODY[0] in fields.text


def test_tables_are_plain_text_rows():
    table = ("<table><tr><th>Pos.</th><th>Driver</th><th>Points</th></tr>"
             "<tr><td>1</td><td>Kyle Busch</td><td>5040</td></tr>"
             "<tr><td>2</td><td>Martin Truex Jr.</td><td>5035</td></tr></table>")
    page = article_page().replace(f"<p>{BODY[2]}</p>", f"<p>{BODY[2]}</p>{table}")
    fields = extract(page, URL)
    assert fields.text is not None
    assert "1 Kyle Busch 5040" in fields.text.split("\n\n")
    assert "|" not in fields.text


def test_fields_pickle_and_extract_is_importable_by_name():
    fields = extract(article_page(), URL)
    assert pickle.loads(pickle.dumps(fields)) == fields
    assert pickle.loads(pickle.dumps(extract)) is extract
    assert isinstance(fields.authors, tuple) and isinstance(fields.tags, tuple)


APP_SHELL = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>News App</title>
<script defer src="/static/js/vendor.4f1c.js"></script>
<script defer src="/static/js/main.a81e.js"></script>
<script>window.__INITIAL_STATE__ = {"config": {"api": "/api/v2", "features": []}};</script>
</head><body>
<noscript>You need to enable JavaScript to run this app.</noscript>
<div id="root"></div>
</body></html>"""


def test_app_shell_is_script_rendered():
    fields = extract(APP_SHELL, "https://app.example.com/story/1")
    assert not fields.text or len(fields.text) < 200
    assert looks_script_rendered(APP_SHELL, fields.text) is True
    assert looks_script_rendered(APP_SHELL.encode(), None) is True


def test_empty_next_mount_without_noscript_is_script_rendered():
    page = ('<html><head><script src="/_next/static/chunks/main.js"></script></head>'
            '<body><div id="__next"></div></body></html>')
    assert looks_script_rendered(page, None) is True


def test_normal_article_is_not_script_rendered():
    page = article_page()
    assert looks_script_rendered(page, extract(page, URL).text) is False
    # even if the caller has no text: the page itself shows its text
    assert looks_script_rendered(page, None) is False


def test_server_rendered_app_is_not_script_rendered():
    page = article_page().replace("<main>", '<div id="__next"><main>').replace(
        "</main>", "</main></div>")
    assert looks_script_rendered(page, None) is False


@pytest.mark.parametrize("garbage", [b"", "", None, _random_bytes(3000), "<html>"])
def test_script_rendered_never_raises(garbage):
    assert looks_script_rendered(garbage, None) is False


RUSSIAN = [
    "Городской совет во вторник проголосовал за продление трамвайной линии до нового района "
    "на берегу реки, завершив спор, который разделял жителей почти десять лет.",  # noqa: RUF001
    "По плану строительство начнётся следующей весной и продлится около полутора лет, "
    "сообщили в транспортном управлении города.",
    "Сторонники проекта говорят, что поездки на работу станут вдвое короче для тысяч людей, "
    "которые сейчас пользуются переполненными автобусами.",
]


def test_charset_from_the_http_header_is_used_for_non_utf8_bytes_without_meta():
    page = article_page(lang="ru", body=RUSSIAN).replace('<meta charset="utf-8">', "")
    data = page.encode("windows-1251")
    fields = extract(data, URL, encoding="windows-1251")
    assert fields.text is not None
    assert RUSSIAN[0] in fields.text
    assert fields.language == "ru"
    # valid UTF-8 wins over a header that claims otherwise (servers default to ISO-8859-1)
    utf8 = extract(article_page(lang="de", body=GERMAN).encode(), URL, encoding="iso-8859-1")
    assert utf8.text is not None and "Straßenbahnlinie" in utf8.text


def test_short_precision_result_falls_back_to_the_balanced_text(monkeypatch):
    from trafilatura.settings import Document

    import newscrawler.extraction.page as extraction

    long_text = "\n".join(BODY * 3)
    calls = []

    def fake_bare_extraction(tree, url, options):
        calls.append(options.favor_precision)
        if options.favor_precision:  # precision mode lost the article: a reprint notice only
            return Document(description="Said by the precision run.",
                            text="Reprints: call our syndication desk.")
        return Document(text=long_text)

    monkeypatch.setattr(extraction, "_bare_extraction", fake_bare_extraction)
    fields = extract(article_page(), URL)
    assert calls == [True, False]
    assert fields.text is not None and BODY[0] in fields.text
    # metadata from the page itself (read_metadata), never from a text pass's Document
    assert fields.description == "The council approved a four-kilometre extension."

    calls.clear()
    fields = extract(article_page(), URL,
                     options=extraction.ExtractOptions(precision_fallback=False))
    assert calls == [True]
    assert fields.text == "Reprints: call our syndication desk."



@pytest.mark.parametrize(("short_text", "balanced_pass"), [
    ("escalation", True),        # under 3000 characters: trafilatura's recall escalation asks
    ("min_extraction", False),   # a whole paragraph is an extraction: no second pass
])
def test_what_the_length_rule_calls_short(monkeypatch, short_text, balanced_pass):
    from trafilatura.settings import Document

    import newscrawler.extraction.page as extraction

    paragraph = BODY[0] + " " + BODY[1]   # ~340 characters: more than trafilatura's 250
    calls = []

    def fake_bare_extraction(tree, url, options):
        calls.append(options.favor_precision)
        return Document(text=paragraph if options.favor_precision else "\n".join(BODY * 40))

    monkeypatch.setattr(extraction, "_bare_extraction", fake_bare_extraction)
    # a page with ten times more text than the precision pass kept, and no stated body
    html = article_page(body=BODY * 10, jsonld={"@type": "WebPage"})
    options = extraction.ExtractOptions(short_text=short_text)
    fields = extract(html, URL, options=options)
    assert calls == ([True, False] if balanced_pass else [True])
    assert fields.text is not None and (BODY[2] in fields.text) is balanced_pass


def test_text_around_scripts_and_styles_in_a_paragraph_is_kept():
    # the text pass never sees scripts, styles or <meta>: the text after them must stay
    inline = [BODY[0], 'The line opens in <script>track("x")</script>two thousand and '
              '<style>.a{}</style>twenty-seven<meta itemprop="x" content="y">, the mayor said '
              "after the vote in the council chamber on Tuesday evening.", *BODY[1:]]
    fields = extract(article_page(body=inline), URL)
    assert fields.text is not None
    assert ("The line opens in two thousand and twenty-seven, the mayor said" in fields.text)
    assert "track" not in fields.text and ".a{}" not in fields.text
    # ... while what the dropped markup said is still read (description, date, authors)
    assert fields.description == "The council approved a four-kilometre extension."
    assert fields.published == "2024-03-05T08:30:00+00:00"
    assert fields.authors == ("Jane Doe", "John Smith")


def test_an_unknown_short_text_limit_is_refused():
    import newscrawler.extraction.page as extraction

    with pytest.raises(ValueError, match="short text limit"):
        extraction.ExtractOptions(short_text="tiny")


FRENCH = [
    "Le café de la gare a rouvert ses portes ce matin \u2013 les habitués n\u2019en "
    "croyaient pas leurs yeux, et la file d\u2019attente s\u2019étirait jusqu\u2019au quai "
    "numéro deux.",
    "« C\u2019est un vrai plaisir de revoir tout le monde », a déclaré Noël, le "
    "propriétaire, qui a investi 20 000 € dans la rénovation complète de l\u2019établissement.",
    "Les travaux ont duré près d\u2019un an\u2026 mais le décor d\u2019origine, avec ses "
    "boiseries et son comptoir en zinc, a été conservé à l\u2019identique.",
]


def _french_cp1252(meta: str = '<meta charset="windows-1252">') -> bytes:
    page = article_page(lang="fr", body=FRENCH).replace('<meta charset="utf-8">', meta)
    data = page.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    return data


@pytest.mark.parametrize("header", ["iso-8859-1", "ISO-8859-1", "latin1", "us-ascii",
                                    "windows-1252"])
def test_header_charset_labels_mean_what_browsers_make_of_them(header):
    # WHATWG: "iso-8859-1", "latin1" and "us-ascii" all mean windows-1252, so 0x92 is U+2019 and
    # 0x96 is U+2013, not the C1 controls U+0092/U+0096 of Python's latin-1 (or U+FFFD of ascii).
    # The page's own meta says windows-1252: the header must not make things worse than that.
    data = _french_cp1252()
    fields = extract(data, URL, encoding=header)
    assert fields.text is not None
    assert fields.text == extract(data, URL).text
    assert FRENCH[0] in fields.text and "20 000 €" in fields.text
    assert not any("\x80" <= ch <= "\x9f" or ch == "\ufffd" for ch in fields.text)


@pytest.mark.parametrize("meta", ['<meta charset="windows-1252">', ""])
def test_a_header_claiming_utf8_over_legacy_bytes_is_not_believed(meta):
    # A server default of "charset=utf-8" over a windows-1252 page: the bytes are not UTF-8,
    # so the header lies; the page's meta (or, without one, the guess) decodes it.
    data = _french_cp1252(meta)
    fields = extract(data, URL, encoding="utf-8")
    assert fields.text is not None and "\ufffd" not in fields.text
    assert FRENCH[1] in fields.text
    assert fields.text == extract(data, URL).text


def test_a_meta_claiming_utf8_over_legacy_bytes_is_not_believed():
    data = _french_cp1252('<meta charset="utf-8">')
    fields = extract(data, URL)
    assert fields.text is not None and "\ufffd" not in fields.text
    assert FRENCH[2] in fields.text


def test_utf8_page_with_a_few_bad_bytes_stays_utf8():
    page = article_page(lang="fr", body=FRENCH).replace("</article>", "<p>\x97</p></article>")
    data = page.encode("utf-8").replace("\x97".encode(), b"\x97")  # one stray byte
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    for header in (None, "utf-8", "windows-1252"):
        fields = extract(data, URL, encoding=header)
        assert fields.text is not None and FRENCH[0] in fields.text, header


def test_when_header_and_meta_name_different_charsets_the_bytes_decide():
    # Server default ISO-8859-1 over a windows-1251 page that says so in its meta: the crawl
    # (which passes the header) must read what a reader of the page alone reads.
    page = article_page(lang="ru", body=RUSSIAN).replace('<meta charset="utf-8">',
                                                        '<meta charset="windows-1251">')
    data = page.encode("windows-1251")
    fields = extract(data, URL, encoding="iso-8859-1")
    assert fields.text is not None and RUSSIAN[0] in fields.text
    assert fields.language == "ru"
    # and the other way round: the header is right, the template's meta is stale
    stale = page.replace('<meta charset="windows-1251">', '<meta charset="iso-8859-1">')
    fields = extract(stale.encode("windows-1251"), URL, encoding="windows-1251")
    assert fields.text is not None and RUSSIAN[1] in fields.text


def _undeclared_cp1252_with_nbsp(meta: str = "") -> bytes:
    # the only non-ASCII bytes: 0xA0 (no-break space) in the middle of a long page, whose
    # first and last 5 000 bytes (what the statistical guess reads) are pure ASCII
    body = [p.replace(" the ", " the\u00a0") for p in BODY]
    page = article_page(body=body, extra_head="<style>" + "/* padding */\n" * 600 + "</style>")
    page = page.replace("</body>", "<script>" + "var x = 1;\n" * 600 + "</script></body>")
    return page.replace('<meta charset="utf-8">', meta).encode("cp1252")


@pytest.mark.parametrize("meta", ["", '<meta charset="utf-8">'])
def test_undeclared_legacy_bytes_the_guess_cannot_place_are_windows_1252(meta):
    # nothing to go by: browsers' default (windows-1252), not UTF-8 with U+FFFD for every
    # no-break space, which would glue "the" to the next word
    fields = extract(_undeclared_cp1252_with_nbsp(meta), URL)
    assert fields.text is not None and "\ufffd" not in fields.text
    assert "the tram" in fields.text.replace("\u00a0", " ")
    assert "the\ufffdtram" not in fields.text


def test_dos_code_page_guesses_read_as_windows_1252(monkeypatch):
    # charset_normalizer sometimes calls Western text cp852 (DOS Central European, never on
    # the web): "ó" would come out as "ˇ"
    import trafilatura.utils

    monkeypatch.setattr(trafilatura.utils, "detect_encoding", lambda data: ["cp852", "cp1252"])
    page = article_page(lang="pt", body=["Classifica\u00e7\u00e3o da corrida: tr\u00eas "
                                          "pilotos sa\u00edram da pista na \u00faltima volta, "
                                          "e a dire\u00e7\u00e3o de prova n\u00e3o "
                                          "puniu ningu\u00e9m pelo acidente." * 3])
    data = page.replace('<meta charset="utf-8">', "").encode("cp1252")
    fields = extract(data, URL)
    assert fields.text is not None and "Classifica\u00e7\u00e3o" in fields.text
