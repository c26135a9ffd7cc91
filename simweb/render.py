"""Pure functions turning model objects into documents: article HTML, feeds, robots, homepage.

Everything returns `str`; the caller encodes it, which is how charset faults get a document
that declares one encoding and is sent in another.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from simweb import textgen
from simweb.model import Entry, Feed, Page, Site

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


@dataclass
class FeedItem:
    """A feed entry with everything resolved: link, title, dates, content."""

    title: str
    link: str
    guid: str | None = None
    published: str | None = None
    author: str | None = None
    summary: str | None = None
    content_html: str | None = None
    tags: list[str] = field(default_factory=list)


def resolve_entries(entries: Sequence[Entry], lookup: Callable[[str, str], Page | None],
                    url_for: Callable[[str, str], str], port: int) -> list[FeedItem]:
    items = []
    for entry in entries:
        # Skipping the lookup when the entry is self-sufficient keeps big lazily generated
        # sites from generating every page just to list it.
        needs_page = entry.include_content or entry.title is None or entry.published is None
        page = lookup(entry.site, entry.path) if needs_page else None
        if entry.link_override is not None:
            link = entry.link_override.replace("{port}", str(port))
        else:
            link = url_for(entry.site, entry.path)
            if entry.query:
                link += "?" + entry.query
        title = entry.title or (page.title if page and page.title else textgen.unslug(entry.path))
        content = None
        if entry.include_content and page is not None:
            content = body_html(page.paragraphs)
        items.append(FeedItem(
            title=title,
            link=link,
            guid=entry.guid,
            published=entry.published or (page.published if page else None),
            author=page.author if page else None,
            summary=entry.summary,
            content_html=content,
            tags=list(page.tags) if page else [],
        ))
    return items


def _rfc822(iso: str) -> str:
    return format_datetime(datetime.fromisoformat(iso))


def _latest(items: Sequence[FeedItem]) -> str:
    dates = [datetime.fromisoformat(i.published) for i in items if i.published]
    latest = max(dates) if dates else datetime(2024, 1, 1, tzinfo=UTC)
    return latest.isoformat()


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _xml_decl(charset: str | None) -> str:
    if charset is None:
        return ""
    return f'<?xml version="1.0" encoding="{charset}"?>\n'


def rss_xml(feed: Feed, site: Site, feed_url: str, home_url: str, items: Sequence[FeedItem],
            charset: str | None = "utf-8") -> str:
    out = [
        _xml_decl(charset),
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">\n',
        "<channel>\n",
        f"<title>{xml_escape(feed.title or site_title(site))}</title>\n",
        f"<link>{xml_escape(home_url)}</link>\n",
        f"<description>{xml_escape(feed.description or 'Latest stories')}</description>\n",
        f"<language>{xml_escape(site.lang)}</language>\n",
        f"<lastBuildDate>{_rfc822(_latest(items))}</lastBuildDate>\n",
        f"<ttl>{feed.ttl}</ttl>\n" if feed.ttl else "",
        f'<atom:link href={quoteattr(feed_url)} rel="self" type="application/rss+xml"/>\n',
    ]
    for item in items:
        out.append("<item>\n")
        out.append(f"<title>{xml_escape(item.title)}</title>\n")
        out.append(f"<link>{xml_escape(item.link)}</link>\n")
        if item.guid is not None:
            out.append(f'<guid isPermaLink="false">{xml_escape(item.guid)}</guid>\n')
        else:
            out.append(f'<guid isPermaLink="true">{xml_escape(item.link)}</guid>\n')
        if item.published:
            out.append(f"<pubDate>{_rfc822(item.published)}</pubDate>\n")
        if item.author:
            out.append(f"<dc:creator>{xml_escape(item.author)}</dc:creator>\n")
        out.extend(f"<category>{xml_escape(t)}</category>\n" for t in item.tags)
        if item.summary is not None:
            out.append(f"<description>{xml_escape(item.summary)}</description>\n")
        if item.content_html is not None:
            out.append(f"<content:encoded>{_cdata(item.content_html)}</content:encoded>\n")
        out.append("</item>\n")
    out.append("</channel>\n</rss>\n")
    return "".join(out)


def atom_xml(feed: Feed, site: Site, feed_url: str, home_url: str, items: Sequence[FeedItem],
             charset: str | None = "utf-8") -> str:
    out = [
        _xml_decl(charset),
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{xml_escape(site.lang)}">\n',
        f"<id>{xml_escape(feed_url)}</id>\n",
        f"<title>{xml_escape(feed.title or site_title(site))}</title>\n",
        f"<subtitle>{xml_escape(feed.description or 'Latest stories')}</subtitle>\n",
        f"<updated>{_latest(items)}</updated>\n",
        f'<link rel="self" type="application/atom+xml" href={quoteattr(feed_url)}/>\n',
        f'<link rel="alternate" type="text/html" href={quoteattr(home_url)}/>\n',
    ]
    for item in items:
        out.append("<entry>\n")
        out.append(f'<title type="text">{xml_escape(item.title)}</title>\n')
        out.append(f'<link rel="alternate" type="text/html" href={quoteattr(item.link)}/>\n')
        out.append(f"<id>{xml_escape(item.guid if item.guid is not None else item.link)}</id>\n")
        if item.published:
            out.append(f"<published>{item.published}</published>\n")
            out.append(f"<updated>{item.published}</updated>\n")
        if item.author:
            out.append(f"<author><name>{xml_escape(item.author)}</name></author>\n")
        out.extend(f"<category term={quoteattr(t)}/>\n" for t in item.tags)
        if item.summary is not None:
            out.append(f'<summary type="html">{xml_escape(item.summary)}</summary>\n')
        if item.content_html is not None:
            out.append(f'<content type="html">{xml_escape(item.content_html)}</content>\n')
        out.append("</entry>\n")
    out.append("</feed>\n")
    return "".join(out)


def rdf_xml(feed: Feed, site: Site, feed_url: str, home_url: str, items: Sequence[FeedItem],
            charset: str | None = "utf-8") -> str:
    seq = "".join(f"<rdf:li rdf:resource={quoteattr(i.link)}/>\n" for i in items)
    out = [
        _xml_decl(charset),
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/">\n',
        f"<channel rdf:about={quoteattr(feed_url)}>\n",
        f"<title>{xml_escape(feed.title or site_title(site))}</title>\n",
        f"<link>{xml_escape(home_url)}</link>\n",
        f"<description>{xml_escape(feed.description or 'Latest stories')}</description>\n",
        f"<dc:date>{_latest(items)}</dc:date>\n",
        f"<items><rdf:Seq>\n{seq}</rdf:Seq></items>\n",
        "</channel>\n",
    ]
    for item in items:
        out.append(f"<item rdf:about={quoteattr(item.link)}>\n")
        out.append(f"<title>{xml_escape(item.title)}</title>\n")
        out.append(f"<link>{xml_escape(item.link)}</link>\n")
        if item.summary is not None:
            out.append(f"<description>{xml_escape(item.summary)}</description>\n")
        if item.published:
            out.append(f"<dc:date>{item.published}</dc:date>\n")
        if item.author:
            out.append(f"<dc:creator>{xml_escape(item.author)}</dc:creator>\n")
        out.extend(f"<dc:subject>{xml_escape(t)}</dc:subject>\n" for t in item.tags)
        if item.content_html is not None:
            out.append(f"<content:encoded>{_cdata(item.content_html)}</content:encoded>\n")
        out.append("</item>\n")
    out.append("</rdf:RDF>\n")
    return "".join(out)


FEED_RENDERERS = {"rss": rss_xml, "atom": atom_xml, "rdf": rdf_xml}


def feed_xml(feed: Feed, site: Site, feed_url: str, home_url: str, items: Sequence[FeedItem],
             charset: str | None = "utf-8") -> str:
    return FEED_RENDERERS[feed.format](feed, site, feed_url, home_url, items, charset)


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
