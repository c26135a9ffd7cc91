"""Pure functions turning model objects into documents: article HTML, feeds, robots, homepage.

Everything returns `str`; the caller encodes it, which is how charset faults get a document
that declares one encoding and is sent in another.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from datetime import datetime
from html import escape

from simweb import textgen
from simweb.model import Feed, Page, Site

FEED_CONTENT_TYPES = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "rdf": "application/rdf+xml",
    "json": "application/feed+json",  # rendered by formats.json_feed
}

NAV_SECTIONS = ("World", "Business", "Politics", "Science", "Culture", "Sport", "Opinion")


def site_title(site: Site) -> str:
    return f"{site.name.capitalize()} News"


def body_html(paragraphs: Sequence[str]) -> str:
    """The article body as HTML, as a feed's full-content element carries it."""
    return "\n".join(f"<p>{escape(p, quote=False)}</p>" for p in paragraphs)


def _charset_meta(charset: str | None) -> str:
    return f'<meta charset="{charset}">\n' if charset else ""


def _human_date(iso: str | None) -> str:
    if not iso:
        return ""
    when = datetime.fromisoformat(iso)
    return f"{when.day} {when.strftime('%B %Y, %H:%M')}"


def _comments(rng: random.Random) -> str:
    count = rng.randint(2, 4)
    items = []
    for _ in range(count):
        items.append(
            '<div class="comment">'
            f'<p class="comment-author">{escape(rng.choice(textgen.USERNAMES))}</p>'
            f'<p class="comment-body">{escape(rng.choice(textgen.COMMENT_LINES))}</p>'
            f'<a class="reply" href="#reply">Reply</a></div>'
        )
    return (f'<section class="comments" id="comments"><h2>Comments ({count})</h2>\n'
            + "\n".join(items)
            + '\n<form class="comment-form"><textarea name="c" placeholder="Join the discussion">'
            '</textarea><button type="submit">Post comment</button></form></section>')


def _head_meta(site: Site, page: Page, url: str) -> str:
    description = page.description or ""
    parts = [
        f"<title>{escape(page.title)} | {escape(site_title(site))}</title>",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<link rel="canonical" href="{escape(url)}">',
        f'<meta name="description" content="{escape(description)}">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:title" content="{escape(page.title)}">',
        f'<meta property="og:description" content="{escape(description)}">',
        f'<meta property="og:url" content="{escape(url)}">',
        f'<meta property="og:site_name" content="{escape(site_title(site))}">',
    ]
    if page.image:
        parts.append(f'<meta property="og:image" content="{escape(page.image)}">')
    if page.author:
        parts.append(f'<meta name="author" content="{escape(page.author)}">')
    if page.published:
        parts.append(f'<meta property="article:published_time" content="{page.published}">')
    parts.extend(f'<meta property="article:tag" content="{escape(t)}">' for t in page.tags)
    return "\n".join(parts)


def _json_ld(site: Site, page: Page, url: str) -> str:
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": page.title,
        "mainEntityOfPage": url,
        "publisher": {"@type": "Organization", "name": site_title(site)},
        "inLanguage": page.lang,
    }
    if page.published:
        data["datePublished"] = page.published
        data["dateModified"] = page.published
    if page.author:
        data["author"] = {"@type": "Person", "name": page.author}
    if page.image:
        data["image"] = [page.image]
    if page.description:
        data["description"] = page.description
    # "</" inside a script element would end it early.
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


def _chrome_top(site: Site) -> str:
    nav = "".join(f'<li><a href="/{s.lower()}/">{s}</a></li>' for s in NAV_SECTIONS)
    return (
        '<div class="cookie-banner" role="dialog">We use cookies to improve your experience '
        'and to show personalised advertising. <button>Accept all</button> '
        '<button>Manage preferences</button></div>\n'
        f'<header class="site-header"><a class="logo" href="/">{escape(site_title(site))}</a>\n'
        f'<nav class="main-nav"><ul><li><a href="/">Home</a></li>{nav}</ul></nav>\n'
        '<form class="search" action="/search"><input name="q" placeholder="Search">'
        '<button>Go</button></form></header>'
    )


def _chrome_bottom(site: Site) -> str:
    return (
        '<footer class="site-footer">'
        f'<p>&copy; 2024 {escape(site_title(site))}. All rights reserved.</p>'
        '<ul><li><a href="/about">About us</a></li><li><a href="/privacy">Privacy policy</a>'
        '</li><li><a href="/terms">Terms of use</a></li><li><a href="/contact">Contact</a></li>'
        '</ul><p>Registered in Harrowgate. Company no. 01234567.</p></footer>'
    )


def page_html(site: Site, page: Page, url: str, related: Sequence[tuple[str, str]] = (),
              charset: str | None = "utf-8") -> str:
    """A complete article page (or, for render="js", its empty app shell)."""
    if page.render == "js":
        return js_shell_html(site, page, url, charset)
    rng = random.Random(f"chrome:{site.name}:{page.path}")
    related_items = "\n".join(
        f'<li><a href="{escape(href)}">{escape(label)}</a></li>' for label, href in related
    )
    byline = ""
    if page.author or page.published:
        author = (f'By <a class="author" rel="author" href="/authors/'
                  f'{textgen.slug(page.author)}">{escape(page.author)}</a>'
                  if page.author else "")
        when = (f' <time datetime="{page.published}">{_human_date(page.published)}</time>'
                if page.published else "")
        byline = f'<p class="byline">{author}{when}</p>'
    figure = ""
    if page.image:
        figure = (f'<figure><img src="{escape(page.image)}" alt="{escape(page.title)}" '
                  'width="1200" height="630"><figcaption>Photo: Staff photographer'
                  '</figcaption></figure>')
    tag_links = " ".join(f'<a href="/tag/{escape(textgen.slug(t))}">{escape(t)}</a>'
                         for t in page.tags)
    body = body_html(page.paragraphs)
    return f"""<!DOCTYPE html>
<html lang="{escape(page.lang)}">
<head>
{_charset_meta(charset)}{_head_meta(site, page, url)}
{_json_ld(site, page, url)}
<link rel="stylesheet" href="/static/site.css">
</head>
<body>
{_chrome_top(site)}
<main class="layout">
<article class="story">
<header class="story-header">
<p class="kicker"><a href="/news/">News</a></p>
<h1>{escape(page.title)}</h1>
{byline}
</header>
{figure}
<div class="story-body">
{body}
</div>
<footer class="story-tags">Topics: {tag_links}</footer>
<div class="share"><a href="#share-fb">Share</a> <a href="#share-x">Post</a>
<a href="#share-mail">Email</a></div>
</article>
<aside class="sidebar">
<section class="related"><h2>Related stories</h2><ul>
{related_items}
</ul></section>
<section class="newsletter"><h2>Morning briefing</h2><p>The day's top stories in your inbox
every weekday.</p><form><input type="email" placeholder="Email address"><button>Sign up
</button></form></section>
<div class="ad" data-slot="sidebar-1">Advertisement</div>
</aside>
{_comments(rng)}
</main>
{_chrome_bottom(site)}
</body>
</html>
"""


def _js_string(text: str) -> str:
    """A JSON string with every character escaped, so the raw HTML holds no readable body text."""
    out = []
    for unit in text.encode("utf-16-be").hex(" ", 2).split():
        out.append(f"\\u{unit}")
    return '"' + "".join(out) + '"'


def js_shell_html(site: Site, page: Page, url: str, charset: str | None = "utf-8") -> str:
    """A single-page-app shell: the body exists only after the inline script runs."""
    state = ('{"title":' + _js_string(page.title) + ',"paragraphs":['
             + ",".join(_js_string(p) for p in page.paragraphs) + "]}")
    return f"""<!DOCTYPE html>
<html lang="{escape(page.lang)}">
<head>
{_charset_meta(charset)}<title>{escape(page.title)} | {escape(site_title(site))}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="canonical" href="{escape(url)}">
<meta property="og:title" content="{escape(page.title)}">
<meta property="og:type" content="article">
</head>
<body>
<noscript>You need to enable JavaScript to run this app.</noscript>
<div id="root"></div>
<script type="application/json" id="__APP_STATE__">{state}</script>
<script>
(function () {{
  var state = JSON.parse(document.getElementById("__APP_STATE__").textContent);
  var article = document.createElement("article");
  var h1 = document.createElement("h1");
  h1.textContent = state.title;
  article.appendChild(h1);
  state.paragraphs.forEach(function (text) {{
    var p = document.createElement("p");
    p.textContent = text;
    article.appendChild(p);
  }});
  document.getElementById("root").appendChild(article);
}})();
</script>
</body>
</html>
"""


def robots_txt(site: Site) -> str | None:
    return site.robots


def homepage_html(site: Site, feeds: Sequence[tuple[Feed, str]],
                  headlines: Sequence[tuple[str, str]]) -> str:
    """A front page that advertises the site's first feed via <link rel="alternate">."""
    alternate = ""
    if feeds:
        feed, href = feeds[0]
        alternate = (f'<link rel="alternate" type="{FEED_CONTENT_TYPES[feed.format]}" '
                     f'title="{escape(feed.title or site_title(site))}" href="{escape(href)}">')
    stories = "\n".join(f'<li><a href="{escape(href)}">{escape(title)}</a></li>'
                        for title, href in headlines)
    return f"""<!DOCTYPE html>
<html lang="{escape(site.lang)}">
<head>
<meta charset="utf-8">
<title>{escape(site_title(site))}</title>
{alternate}
</head>
<body>
{_chrome_top(site)}
<main><h1>Top stories</h1><ul class="headlines">
{stories}
</ul></main>
{_chrome_bottom(site)}
</body>
</html>
"""


def not_found_html() -> str:
    return ("<!DOCTYPE html><html><head><title>404 Not Found</title></head><body>"
            "<h1>Page not found</h1><p>The page you requested does not exist.</p>"
            "</body></html>\n")
