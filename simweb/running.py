"""A NewsWeb being served, and the two ways to serve one: in this process, or in a child.

`serve` runs the server (``server.py``) in a background thread of this process (tests change
feeds while it runs); `serve_in_process` in a child process, for benchmarks: there the request
log's times must not depend on what the benchmark's own threads hold (the GIL), or a request
logged late looks like a short gap.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import quoteattr

from simweb import render
from simweb.model import Feed, NewsWeb, Page, Site
from simweb.requestlog import RequestLog
from simweb.server import WebServer


class RunningWeb:
    """A served NewsWeb: URLs, the request log, and hooks to change feeds while it runs."""

    def __init__(self, server: WebServer) -> None:
        self._server = server
        self.web = server.web
        self.port = server.port
        self.log: RequestLog = server.log

    def url(self, site_name: str, path: str) -> str:
        return self._server.url(site_name, path)

    def address(self, site_name: str) -> str:
        address = self._server.by_name[site_name].address
        assert address is not None
        return address

    def feed_urls(self) -> list[str]:
        return [self.url(name, path) for name, path in self.web.feed_paths()]

    def touch(self, feed: Feed) -> None:
        """Call after changing a feed's entries: a new ETag and Last-Modified."""
        # The server re-renders a feed whose version differs from the one it cached.
        self.web.touch(feed)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until every request so far has been logged as finished."""
        return self.log.wait_finished(timeout)

    def expected_urls(self, *, js: bool = False) -> set[str]:
        """Canonical URLs (no query) of every article a correct crawler must write."""
        return {self.url(name, path) for name, path in self.web.article_keys(js=js)}

    def page_for_url(self, url: str) -> tuple[Site, Page] | None:
        """The site and page an URL (any query string ignored) is served from."""
        parts = urlsplit(url)
        site = self._server.by_address.get(parts.hostname or "")
        if site is None or parts.port != self.port:
            return None
        page = site.pages.get(parts.path or "/")
        return None if page is None else (site, page)

    def write_feed_list(self, path: str | Path, *, opml: bool = False) -> Path:
        """The feed URLs as text (one per line) or OPML (one folder outline per site)."""
        path = Path(path)
        if not opml:
            path.write_text("".join(u + "\n" for u in self.feed_urls()), encoding="utf-8")
            return path
        lines = ['<?xml version="1.0" encoding="utf-8"?>', '<opml version="2.0">',
                 "<head><title>simweb feeds</title></head>", "<body>"]
        for site in self.web.sites:
            if not site.feeds:
                continue
            lines.append(f"<outline text={quoteattr(site.name)} title={quoteattr(site.name)}>")
            for feed in site.feeds.values():
                title = feed.title or render.site_title(site)
                lines.append(
                    f'  <outline type="rss" text={quoteattr(title)} title={quoteattr(title)} '
                    f"xmlUrl={quoteattr(self.url(site.name, feed.path))} "
                    f"htmlUrl={quoteattr(self.url(site.name, '/'))}/>"
                )
            lines.append("</outline>")
        lines += ["</body>", "</opml>", ""]
        path.write_text("\n".join(lines), encoding="utf-8")
        return path


@contextmanager
def serve(web_: NewsWeb, *, shutdown_timeout: float = 0.5) -> Iterator[RunningWeb]:
    """Serve `web_` until the block exits; then every connection is closed and the thread ends.

    `shutdown_timeout` is how long in-flight responses get to finish on exit before their
    handlers are cancelled (hangs and slow drips never finish by themselves).
    """
    server = WebServer(web_, shutdown_timeout)
    thread = threading.Thread(target=server.run, name="simweb", daemon=True)
    thread.start()
    server.ready.wait()
    if server.error is not None:
        thread.join()
        raise server.error
    try:
        yield RunningWeb(server)
    finally:
        server.stop()
        thread.join()


class _ChildProcessWeb(RunningWeb):
    """A web served by a child process: the request log arrives with ``wait_idle``."""

    def __init__(self, server: WebServer, connection: Connection, pid: int) -> None:
        super().__init__(server)
        self._connection = connection
        self.log = RequestLog()
        self.pid = pid  # of the serving process, for a benchmark's CPU accounting

    def touch(self, feed: Feed) -> None:
        raise NotImplementedError("feeds cannot change in a web served by another process")

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until every request so far has finished, then copy the child's log here."""
        self._connection.send(("log", timeout))
        idle, records = self._connection.recv()
        self.log.clear()
        for record in records:
            self.log.add(record)
        return bool(idle)


def _serve_child(server: WebServer, connection: Connection) -> None:
    thread = threading.Thread(target=server.run, name="simweb", daemon=True)
    thread.start()
    server.ready.wait()
    if server.error is not None:
        connection.send(("error", f"{type(server.error).__name__}: {server.error}"))
        return
    connection.send(("port", server.port))
    try:
        while True:
            command, argument = connection.recv()
            if command == "stop":
                break
            idle = server.log.wait_finished(argument)
            connection.send((idle, server.log.records()))
    except EOFError:  # the parent is gone
        pass
    finally:
        server.stop()
        thread.join()


@contextmanager
def serve_in_process(web_: NewsWeb, *, shutdown_timeout: float = 0.5
                     ) -> Iterator[_ChildProcessWeb]:
    """`serve`, in a forked child process; call ``wait_idle`` to get the request log."""
    server = WebServer(web_, shutdown_timeout)  # addresses are assigned here, for both sides
    # fork: the child gets the web as built (a corpus web holds thousands of pages)
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    process = context.Process(target=_serve_child, args=(server, theirs), name="simweb",
                              daemon=True)
    process.start()
    theirs.close()
    try:
        kind, value = ours.recv()
        if kind == "error":
            raise OSError(f"the simulated web did not start: {value}")
        server.port = value
        yield _ChildProcessWeb(server, ours, process.pid)
    finally:
        with suppress(OSError):
            ours.send(("stop", None))
        process.join(10)
        if process.is_alive():
            process.kill()
            process.join()
        ours.close()
