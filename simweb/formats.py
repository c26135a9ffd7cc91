"""Pure functions for the other ways into a site: JSON Feed, sitemaps, sitemap indexes, Google
News sitemaps, and the robots.txt that names sitemaps. Like render.py, everything returns `str`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape as xml_escape

from simweb import textgen
from simweb.feedxml import FeedItem
from simweb.model import Feed, Page, Site, Sitemap, SitemapUrl
from simweb.render import site_title

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
IMAGE_NS = "http://www.google.com/schemas/sitemap-image/1.1"


def json_feed(feed: Feed, site: Site, feed_url: str, home_url: str, items: Sequence[FeedItem]
              ) -> str:
    """A JSON Feed 1.1 document (always UTF-8: JSON has no other encoding on the web).

    An item without full content carries its summary (or title) as content_text: the format
    requires one of the two.
    """
    out = []
    for item in items:
        entry: dict[str, object] = {"id": item.guid or item.link, "url": item.link,
                                    "title": item.title}
        if item.content_html:
            entry["content_html"] = item.content_html
        else:
            entry["content_text"] = item.summary or item.title
        if item.summary:
            entry["summary"] = item.summary
        if item.published:
            entry["date_published"] = item.published
        if item.author:
            entry["authors"] = [{"name": item.author}]
        if item.tags:
            entry["tags"] = list(item.tags)
        out.append(entry)
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title or site_title(site),
        "home_page_url": home_url,
        "feed_url": feed_url,
        "language": site.lang,
        "items": out,
    }
    return json.dumps(document, ensure_ascii=False, indent=1)


@dataclass
class SitemapItem:
    """A sitemap <url> with everything resolved."""

    loc: str
    lastmod: str | None = None
    title: str | None = None           # the news block, when there is one
    published: str | None = None
    language: str | None = None
    keywords: list[str] = field(default_factory=list)
    publication: str | None = None
    image: str | None = None


def resolve_sitemap_urls(urls: Sequence[SitemapUrl], lookup: Callable[[str, str], Page | None],
                         url_for: Callable[[str, str], str], port: int, publication: str
                         ) -> list[SitemapItem]:
    items = []
    for url in urls:
        loc = (url.link_override.replace("{port}", str(port)) if url.link_override is not None
               else url_for(url.site, url.path))
        page = lookup(url.site, url.path) if url.news else None
        if page is None:
            items.append(SitemapItem(loc, url.lastmod))
            continue
        items.append(SitemapItem(
            loc, url.lastmod, title=page.title or textgen.unslug(url.path),
            published=page.published, language=page.lang, keywords=list(page.tags),
            publication=publication, image=page.image))
    return items


def sitemap_xml(items: Sequence[SitemapItem]) -> str:
    """A <urlset>; with Google's news namespace when some item has a news block."""
    news = any(item.published for item in items)
    namespaces = (f' xmlns:news="{NEWS_NS}" xmlns:image="{IMAGE_NS}"' if news else "")
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n',
           f'<urlset xmlns="{SITEMAP_NS}"{namespaces}>\n']
    for item in items:
        out.append(f"<url><loc>{xml_escape(item.loc)}</loc>")
        if item.lastmod:
            out.append(f"<lastmod>{item.lastmod}</lastmod>")
        if item.published:
            out.append(
                "<news:news><news:publication>"
                f"<news:name>{xml_escape(item.publication or '')}</news:name>"
                f"<news:language>{xml_escape(item.language or '')}</news:language>"
                "</news:publication>"
                f"<news:publication_date>{item.published}</news:publication_date>"
                f"<news:title>{xml_escape(item.title or '')}</news:title>"
                f"<news:keywords>{xml_escape(', '.join(item.keywords))}</news:keywords>"
                "</news:news>")
            if item.image:
                out.append(f"<image:image><image:loc>{xml_escape(item.image)}</image:loc>"
                           "</image:image>")
        out.append("</url>\n")
    out.append("</urlset>\n")
    return "".join(out)


def sitemap_index_xml(children: Sequence[tuple[str, str | None]]) -> str:
    """A <sitemapindex> of (loc, lastmod) pairs."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n', f'<sitemapindex xmlns="{SITEMAP_NS}">\n']
    for loc, lastmod in children:
        out.append(f"<sitemap><loc>{xml_escape(loc)}</loc>")
        if lastmod:
            out.append(f"<lastmod>{lastmod}</lastmod>")
        out.append("</sitemap>\n")
    out.append("</sitemapindex>\n")
    return "".join(out)


def sitemap_document(site: Site, sitemap: Sitemap, lookup: Callable[[str, str], Page | None],
                     url_for: Callable[[str, str], str], port: int) -> str:
    """The index or urlset `sitemap` stands for, with every link resolved."""
    if sitemap.is_index:
        return sitemap_index_xml([
            (ref.link_override.replace("{port}", str(port)) if ref.link_override is not None
             else url_for(site.name, ref.path), ref.lastmod) for ref in sitemap.children])
    return sitemap_xml(resolve_sitemap_urls(sitemap.urls, lookup, url_for, port,
                                            sitemap.publication or site_title(site)))


def robots_txt(site: Site, sitemap_urls: Sequence[str]) -> str | None:
    """The site's robots.txt with a "Sitemap:" line per sitemap it names; None: no file."""
    if site.robots is None and not sitemap_urls:
        return None
    lines = [site.robots.rstrip("\n")] if site.robots else ["User-agent: *", "Allow: /"]
    lines += [f"Sitemap: {url}" for url in sitemap_urls]
    return "\n".join(lines) + "\n"
