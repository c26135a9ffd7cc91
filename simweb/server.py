"""Serve a NewsWeb: every site on its own loopback address, all on one port.

One aiohttp server runs in a background thread with its own event loop; latency is an
`asyncio.sleep`, so hundreds of sites with many slow requests in flight cost almost nothing.
The site a request is for is the local address it arrived on, as for real name-based hosts.

How it is started and stopped, in this process or in a child, is in ``running.py``.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import itertools
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from email.utils import formatdate, parsedate_to_datetime

from aiohttp import web

from simweb import feedxml, formats, render, textgen
from simweb.faults import FaultContext, Target, fault_spec
from simweb.model import Feed, NewsWeb, Page, Site, Sitemap
from simweb.requestlog import RequestLog, RequestRecord

BIND_ATTEMPTS = 50
LISTEN_BACKLOG = 1024


def _bind_all(addresses: list[str]) -> tuple[int, list[socket.socket]]:
    """Listening sockets on one shared port, picked by the kernel for the first address."""
    for _ in range(BIND_ATTEMPTS):
        socks: list[socket.socket] = []
        try:
            port = 0
            for address in addresses:
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                socks.append(sock)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((address, port))
                port = sock.getsockname()[1]
            return port, socks
        except OSError:
            # Another process holds this port on a later address; try a fresh port.
            for sock in socks:
                sock.close()
    raise OSError(f"no port free on all {len(addresses)} addresses after {BIND_ATTEMPTS} tries")


class WebServer:
    def __init__(self, web_: NewsWeb, shutdown_timeout: float) -> None:
        if not web_.sites:
            raise ValueError("a NewsWeb needs at least one site")
        web_.assign_addresses()
        self.web = web_
        self.shutdown_timeout = shutdown_timeout
        self.by_address = {s.address: s for s in web_.sites}
        self.by_name = {s.name: s for s in web_.sites}
        self.log = RequestLog()
        self.port = 0
        self.rng = random.Random(web_.seed)
        self.in_flight = 0
        self.last_arrival: dict[str, float] = {}
        self.feed_cache: dict[tuple[str, str], tuple[int, bytes, str]] = {}
        self.hits: Counter[tuple[str, str]] = Counter()  # (site, path) -> requests so far
        self.served: Counter[str] = Counter()            # site -> requests so far
        self.outage_started: dict[str, float] = {}
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.runner: web.AppRunner | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def run(self) -> None:
        loop = asyncio.new_event_loop()
        self.loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._start())
        except BaseException as exc:
            self.error = exc
            self.ready.set()
            loop.close()
            return
        # Only now may the caller use the port and addresses.
        self.ready.set()
        try:
            loop.run_forever()
        finally:
            if self.runner is not None:
                loop.run_until_complete(self.runner.cleanup())
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()

    async def _start(self) -> None:
        # a site that is not listening refuses every connection: nothing is bound there
        port, socks = _bind_all([s.address for s in self.web.sites
                                 if s.address and s.listening])
        self.port = port
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        # handler_cancellation: a client that gives up on a hang or slow drip frees its handler.
        self.runner = web.AppRunner(app, access_log=None, handler_cancellation=True,
                                    shutdown_timeout=self.shutdown_timeout)
        try:
            await self.runner.setup()
            for sock in socks:
                await web.SockSite(self.runner, sock, backlog=LISTEN_BACKLOG).start()
        except BaseException:
            await self.runner.cleanup()
            for sock in socks:
                sock.close()
            raise

    def stop(self) -> None:
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.loop.stop)

    # -- helpers -----------------------------------------------------------------------------

    def url(self, site_name: str, path: str) -> str:
        return f"http://{self.by_name[site_name].address}:{self.port}{path}"

    def lookup(self, site_name: str, path: str) -> Page | None:
        site = self.by_name.get(site_name)
        return None if site is None else site.pages.get(path)

    async def _delay(self, latency: tuple[float, float]) -> None:
        low, high = latency
        if high <= 0 and low <= 0:
            return
        await asyncio.sleep(self.rng.uniform(low, max(low, high)))

    def feed_document(self, site: Site, feed: Feed, charset: str | None) -> str:
        items = feedxml.resolve_entries(list(feed.entries), self.lookup, self.url, self.port)
        feed_url, home_url = self.url(site.name, feed.path), self.url(site.name, "/")
        if feed.format == "json":
            return formats.json_feed(feed, site, feed_url, home_url, items)
        return feedxml.feed_xml(feed, site, feed_url, home_url, items, charset)

    def feed_body(self, site: Site, feed: Feed) -> tuple[bytes, str]:
        return self._cached(site, feed.path, feed.version,
                            lambda: self.feed_document(site, feed, "utf-8").encode("utf-8"))

    def sitemap_document(self, site: Site, sitemap: Sitemap, charset: str | None = None) -> str:
        return formats.sitemap_document(site, sitemap, self.lookup, self.url, self.port)

    def sitemap_body(self, site: Site, sitemap: Sitemap) -> tuple[bytes, str]:
        def build() -> bytes:
            if sitemap.body is not None:
                return sitemap.body
            xml = self.sitemap_document(site, sitemap).encode("utf-8")
            # mtime 0: the same bytes (and ETag) every time it is built
            return gzip.compress(xml, mtime=0) if sitemap.gzip else xml
        return self._cached(site, sitemap.path, sitemap.version, build)

    def _cached(self, site: Site, path: str, version: int, build: Callable[[], bytes]
                ) -> tuple[bytes, str]:
        key = (site.name, path)
        cached = self.feed_cache.get(key)
        if cached is not None and cached[0] == version:
            return cached[1], cached[2]
        body = build()
        digest = hashlib.sha1(body + str(version).encode()).hexdigest()[:20]
        etag = f'"{digest}"'
        self.feed_cache[key] = (version, body, etag)
        return body, etag

    def robots_txt(self, site: Site) -> str | None:
        return formats.robots_txt(site, [self.url(site.name, sm.path)
                                         for sm in site.sitemaps.values() if sm.in_robots])

    def related(self, site: Site, page: Page) -> list[tuple[str, str]]:
        out = []
        for path in itertools.islice(site.pages, 6):
            if path == page.path or len(out) >= 4:
                continue
            if isinstance(site.pages, dict):
                label = site.pages[path].title or textgen.unslug(path)
            else:
                label = textgen.unslug(path)
            out.append((label, path))
        return out

    # -- request handling --------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        start = time.time()
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        address = sockname[0] if sockname else ""
        site = self.by_address.get(address)
        self.in_flight += 1
        record = RequestRecord(
            start=start,
            host=address,
            path=request.raw_path,
            method=request.method,
            site=site.name if site else "",
            user_agent=request.headers.get("User-Agent"),
            if_none_match=request.headers.get("If-None-Match"),
            if_modified_since=request.headers.get("If-Modified-Since"),
            in_flight=self.in_flight,
        )
        self.log.add(record)
        status = 0
        faults: list[FaultContext] = []
        try:
            resp = await self.dispatch(request, site, start, faults)
            await resp.prepare(request)
            await resp.write_eof()
            status = resp.status
            return resp
        except ConnectionError:
            prepared = faults[0].prepared if faults else None
            status = prepared.status if prepared is not None else 0
            # aiohttp's own write of this response fails quietly on the dead connection.
            return prepared if prepared is not None else web.Response(status=499)
        except asyncio.CancelledError:
            prepared = faults[0].prepared if faults else None
            status = prepared.status if prepared is not None else 0
            raise
        except Exception:
            # A bug or a bad scenario: aiohttp answers 500 and logs the traceback.
            status = 500
            raise
        finally:
            self.in_flight -= 1
            self.log.finish(record, status, time.time())

    async def dispatch(self, request: web.Request, site: Site | None, arrival: float,
                       faults: list[FaultContext]) -> web.StreamResponse:
        if site is None:
            return web.Response(status=421, text="unknown site\n")
        attempt = self.hits[(site.name, request.path)]
        self.hits[(site.name, request.path)] += 1
        self.served[site.name] += 1
        site_fault = site.fault or self._outage_fault(site, arrival)
        if site_fault is not None:  # the whole site is down, robots.txt included
            return await self._fault(request, site_fault, "page", "text/html",
                                     lambda _cs: "", faults, attempt)
        if site.rate_limit_gap is not None:
            previous = self.last_arrival.get(site.name)
            self.last_arrival[site.name] = arrival
            if previous is not None and arrival - previous < site.rate_limit_gap:
                headers = {"Retry-After": site.retry_after} if site.retry_after else {}
                return web.Response(status=429, text="Too Many Requests\n", headers=headers)
        if request.method not in ("GET", "HEAD"):
            return web.Response(status=405, headers={"Allow": "GET, HEAD"})
        path = request.path
        feed = site.feeds.get(path)
        if feed is not None:
            await self._delay(feed.latency or site.feed_latency)
            return await self.serve_feed(request, site, feed, faults, attempt)
        sitemap = site.sitemaps.get(path)
        if sitemap is not None:
            await self._delay(site.feed_latency)
            return await self.serve_sitemap(request, site, sitemap, faults, attempt)
        page = site.pages.get(path)
        if page is not None:
            await self._delay(page.latency or site.page_latency)
            return await self.serve_page(request, site, page, faults, attempt)
        await self._delay(site.page_latency)
        if path == "/robots.txt" and site.robots_fault is not None:
            return await self._fault(request, site.robots_fault, "robots", "text/plain",
                                     lambda _cs: self.robots_txt(site) or "", faults, attempt)
        robots = self.robots_txt(site) if path == "/robots.txt" else None
        if robots is not None:
            return web.Response(text=robots, content_type="text/plain", charset="utf-8")
        if path == "/" and site.homepage:
            return self.serve_homepage(site)
        return web.Response(status=404, text=render.not_found_html(), content_type="text/html",
                            charset="utf-8")

    def _outage_fault(self, site: Site, arrival: float) -> str | None:
        """The outage's fault while the site is down (it goes down after `after` requests)."""
        outage = site.outage
        if outage is None or self.served[site.name] <= outage.after:
            return None
        started = self.outage_started.setdefault(site.name, arrival)
        return outage.fault if arrival - started < outage.seconds else None

    async def _fault(self, request: web.Request, name: str, target: Target, content_type: str,
                     document: Callable[[str | None], str],
                     faults: list[FaultContext], attempt: int = 0) -> web.StreamResponse:
        ctx = FaultContext(request=request, target=target, content_type=content_type,
                           document=document, attempt=attempt)
        faults.append(ctx)
        return await fault_spec(name).respond(ctx)

    async def serve_feed(self, request: web.Request, site: Site, feed: Feed,
                         faults: list[FaultContext], attempt: int = 0) -> web.StreamResponse:
        content_type = render.FEED_CONTENT_TYPES[feed.format]
        if feed.fault:
            return await self._fault(request, feed.fault, "feed", content_type,
                                     lambda cs: self.feed_document(site, feed, cs), faults,
                                     attempt)
        body, etag = self.feed_body(site, feed)
        etag = feed.etag or etag
        headers = {"ETag": etag, "Last-Modified": formatdate(feed.modified, usegmt=True),
                   "Cache-Control": feed.cache_control}
        if _not_modified(request, etag, feed.modified):
            return web.Response(status=304, headers=headers)
        headers["Content-Type"] = f"{content_type}; charset=utf-8"
        return web.Response(body=body, headers=headers)

    async def serve_sitemap(self, request: web.Request, site: Site, sitemap: Sitemap,
                            faults: list[FaultContext], attempt: int = 0
                            ) -> web.StreamResponse:
        """As a feed is served (ETag, Last-Modified, 304); a .xml.gz as a gzip file, not with
        Content-Encoding, which is how sitemap files are published."""
        if sitemap.fault:
            return await self._fault(request, sitemap.fault, "feed", "application/xml",
                                     lambda cs: self.sitemap_document(site, sitemap, cs), faults,
                                     attempt)
        body, etag = self.sitemap_body(site, sitemap)
        headers = {"ETag": etag, "Last-Modified": formatdate(sitemap.modified, usegmt=True)}
        if _not_modified(request, etag, sitemap.modified):
            return web.Response(status=304, headers=headers)
        headers["Content-Type"] = sitemap.content_type or (
            "application/x-gzip" if sitemap.gzip else "application/xml; charset=utf-8")
        return web.Response(body=body, headers=headers)

    async def serve_page(self, request: web.Request, site: Site, page: Page,
                         faults: list[FaultContext], attempt: int = 0) -> web.StreamResponse:
        url = self.url(site.name, page.path)

        def document(charset: str | None) -> str:
            if page.html is not None:
                return page.html.decode("utf-8", "replace")
            return render.page_html(site, page, url, self.related(site, page), charset)

        if page.fault:
            return await self._fault(request, page.fault, "page", "text/html", document,
                                     faults, attempt)
        body = page.html if page.html is not None else document("utf-8").encode("utf-8")
        return web.Response(body=body, headers={"Content-Type": page.content_type})

    def serve_homepage(self, site: Site) -> web.StreamResponse:
        feeds = [(f, self.url(site.name, f.path)) for f in site.feeds.values()]
        headlines = []
        if feeds:
            items = feedxml.resolve_entries(feeds[0][0].entries[:10], self.lookup, self.url,
                                           self.port)
            headlines = [(i.title, i.link) for i in items]
        html = render.homepage_html(site, feeds, headlines)
        return web.Response(text=html, content_type="text/html", charset="utf-8")


def _not_modified(request: web.Request, etag: str, modified: float) -> bool:
    # If-None-Match wins over If-Modified-Since when both are sent (RFC 9110 13.2.2).
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = [t.strip() for t in if_none_match.split(",")]
        return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)
    if_modified_since = request.headers.get("If-Modified-Since")
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since).timestamp()
        except (TypeError, ValueError):
            return False
        return since >= int(modified)
    return False
