"""Pure functions turning a feed of the model into its document: RSS 2.0, Atom or RDF.

Like ``render.py``, everything returns `str`, so a charset fault can declare one encoding and be
sent in another.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from simweb import textgen
from simweb.model import Entry, Feed, Page, Site
from simweb.render import body_html, site_title


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
