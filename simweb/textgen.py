"""Deterministic news-like text: titles, paragraphs, names, dates.

Every function takes a `random.Random`, so the same seed and key always give the same article;
tests compare the crawler's output with `Page.paragraphs` made here.
"""

from __future__ import annotations

import random
import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone


def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    # Word lists read better as running text than as hundreds of quoted items.
    return tuple(text.split(sep))


# Some words carry Latin-1 accents on purpose: charset faults need non-ASCII text to garble,
# and everything must still encode as ISO-8859-1 for them (so no curly quotes or dashes).
ADJECTIVES = _words(
    "local regional national rural coastal municipal federal independent urgent quiet "
    "controversial ambitious modest unexpected long-awaited delayed revised temporary "
    "historic costly record-breaking cautious bold fragile steady narrow broad rising "
    "falling seasonal public private digital renewable aging crowded remote northern "
    "southern eastern western annual preliminary final"
)
NOUNS = _words(
    "council budget harbour railway bridge festival library hospital school reservoir "
    "airport market orchestra museum stadium ferry tunnel vineyard factory bakery "
    "cooperative clinic observatory archive parliament committee union startup "
    "laboratory garden district shipyard pipeline highway canal orchard brewery theatre "
    "newsroom tribunal ministry agency fleet network warehouse campus"
)
PLURALS = _words(
    "residents farmers nurses teachers engineers commuters investors students volunteers "
    "fishermen shopkeepers researchers drivers tenants officials economists voters "
    "musicians librarians pilots"
)
VERBS_PAST = _words(
    "approved rejected announced postponed expanded reviewed defended criticised unveiled "
    "questioned funded blocked relaunched restored replaced audited welcomed opposed "
    "cancelled extended"
)
VERBS_BASE = _words(
    "rebuild expand close modernise protect relocate review fund reopen replace restore "
    "audit simplify connect insure"
)
PLACES = _words(
    "Ashford Brightwater Cedarfield Dunmore Eastbrook Fairhaven Glenrock Harrowgate "
    "Zürich Montréal Málaga Göteborg Reykjavík Kraków Québec Lübeck Córdoba Gießen"
)
FIRST_NAMES = _words(
    "Maria James Aisha Tomás Zoë Chen Olga Rahul Ingrid Kwame Léa Hannah Mateo Sofia "
    "Jürgen Noor Elena Andrés Björn Amélie"
)
LAST_NAMES = _words(
    "Lopez Whitfield Okafor Núñez Müller Tanaka Lefèvre Kowalski Haddad Lindqvist "
    "Brennan Castillo Sørensen Ferreira Nakamura Abbott Delacroix Patel Moreau Ibáñez"
)
ROLES = _words(
    "a council spokesperson|the project director|an independent analyst|a local business owner|"
    "the union representative|a senior economist|the deputy mayor|a longtime resident|"
    "the committee chair|a university researcher",
    "|",
)
ORGS = _words(
    "Institute for Urban Studies|Harbour Authority|Regional Transport Board|Chamber of "
    "Commerce|National Weather Service|Tenants' Association|R&D Council|Farmers' Union|"
    "Audit Office|Heritage Trust",
    "|",
)
WEEKDAYS = _words("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
TAIL = _words(
    "after months of debate|despite strong opposition|ahead of the winter season|"
    "following a public consultation|for the first time in a decade|"
    "under pressure from local groups|at a cost of {money}|with a narrow majority|"
    "amid rising costs|as part of a five-year plan",
    "|",
)
SECTIONS = ("news", "world", "business", "politics", "science", "culture", "sport", "tech")

COMMENT_LINES = (
    "Great article, thanks for sharing.",
    "I have been saying this for years. Nobody listens.",
    "Does anyone know when the next meeting is?",
    "This is exactly why I stopped reading the local paper.",
    "Interesting perspective, but the numbers do not add up.",
    "Finally some good news for a change!",
    "Who is going to pay for all of this?",
    "Well written and balanced, as always.",
)
USERNAMES = ("reader_42", "skeptic1988", "harbourwatcher", "jane.d", "old_timer", "commuterX")


def _a(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def _money(rng: random.Random) -> str:
    return f"{rng.randint(2, 950)} million {rng.choice(['euros', 'dollars', 'pounds'])}"


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _subject(rng: random.Random) -> str:
    options = (
        lambda: f"The {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}",
        lambda: f"Officials in {rng.choice(PLACES)}",
        lambda: f"The {rng.choice(ORGS)}",
        lambda: f"Researchers at the {rng.choice(ORGS)}",
        lambda: f"{rng.randint(12, 4800)} {rng.choice(PLURALS)}",
        lambda: person(rng),
        lambda: f"The {rng.choice(NOUNS)} committee",
    )
    return rng.choice(options)()


def _object(rng: random.Random) -> str:
    options = (
        lambda: f"a plan to {rng.choice(VERBS_BASE)} the {rng.choice(ADJECTIVES)} "
        f"{rng.choice(NOUNS)}",
        lambda: f"the {rng.choice(NOUNS)} in {rng.choice(PLACES)}",
        lambda: f"{rng.randint(2, 90)} new {rng.choice(NOUNS)}s",
        lambda: f"proposals from {rng.choice(PLURALS)} and {rng.choice(PLURALS)}",
        lambda: f"{_a(rng.choice(ADJECTIVES))} budget of {_money(rng)}",
        lambda: f"the {rng.choice(ADJECTIVES)} report on the {rng.choice(NOUNS)}",
    )
    return rng.choice(options)()


def _tail(rng: random.Random) -> str:
    return rng.choice(TAIL).format(money=_money(rng))


def sentence(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.45:
        s = f"{_subject(rng)} {rng.choice(VERBS_PAST)} {_object(rng)}"
        if rng.random() < 0.6:
            s += f" {_tail(rng)}"
        if rng.random() < 0.3:
            s += f" on {rng.choice(WEEKDAYS)}"
        return s + "."
    if kind < 0.62:
        quote = f"We {rng.choice(VERBS_PAST)} {_object(rng)} {_tail(rng)}"
        return f'"{quote}," said {person(rng)}, {rng.choice(ROLES)}.'
    if kind < 0.76:
        pct = f"{rng.randint(1, 60)}.{rng.randint(0, 9)}"
        return (f"According to the {rng.choice(ORGS)}, the number of {rng.choice(PLURALS)} "
                f"in {rng.choice(PLACES)} {rng.choice(['rose', 'fell'])} by {pct} percent "
                f"last year.")
    if kind < 0.88:
        return (f"Critics argue that the {rng.choice(NOUNS)} should {rng.choice(VERBS_BASE)} "
                f"{_object(rng)} before {rng.choice(PLURALS)} are asked to pay more.")
    return (f"Is the {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} worth {_money(rng)}, "
            f"{rng.choice(PLURALS)} in {rng.choice(PLACES)} asked?")


def paragraphs(rng: random.Random, min_words: int = 150, max_words: int = 400,
               min_paras: int = 3, max_paras: int = 8) -> list[str]:
    count = rng.randint(min_paras, max_paras)
    # Stop short of max_words by more than one sentence can add (~30 words).
    target = rng.randint(min_words, max(min_words, max_words - 40))
    paras: list[list[str]] = [[] for _ in range(count)]
    total = 0
    turn = 0
    while total < target or turn < count:
        text = sentence(rng)
        paras[turn % count].append(text)
        total += len(text.split())
        turn += 1
    return [" ".join(p) for p in paras]


def headline(rng: random.Random) -> str:
    return (f"{_subject(rng)} {rng.choice(VERBS_PAST)} {_object(rng)}")[:110].rstrip(" ,")


def dek(rng: random.Random) -> str:
    """A standalone one-line summary; never a sentence of the body."""
    return (f"What the {rng.choice(ADJECTIVES)} decision on the {rng.choice(NOUNS)} means for "
            f"{rng.choice(PLURALS)} in {rng.choice(PLACES)}.")


def tags(rng: random.Random) -> list[str]:
    return rng.sample(list(NOUNS), k=rng.randint(1, 4))


def slug(text: str, limit: int = 60) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    ascii_text = folded.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:limit].rstrip("-") or "story"


def unslug(path: str) -> str:
    """A readable label from a path, for related-article links."""
    stem = path.rstrip("/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    stem = re.sub(r"^[0-9]+-", "", stem)
    words = stem.replace("-", " ").strip() or "Story"
    return words[:1].upper() + words[1:]


def recent_time(rng: random.Random, base: datetime, max_hours: int = 72) -> str:
    """An ISO 8601 time with a UTC offset, up to `max_hours` before `base`."""
    offset_hours = rng.choice([0, 1, 2, -5, -4, 9, 5.5])
    tz = timezone(timedelta(hours=offset_hours))
    minutes = rng.randint(30, max_hours * 60)
    when = (base - timedelta(minutes=minutes)).astimezone(tz).replace(microsecond=0)
    return when.isoformat()


def default_base_time() -> datetime:
    """Now, floored to the hour: dates stay recent (crawlers may skip old news) yet stable."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
