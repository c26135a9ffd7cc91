"""WARC files: what the crawl fetched, kept (capture), and read back (re-extraction, CC-NEWS).

* ``middleware.py``: the downloader middleware that hands every response (and every failed
  fetch) to the archive, as it came from the network;
* ``extension.py``: the ``WarcArchive`` extension, which owns the writer thread and tells the
  spider where a page's record went;
* ``writer.py``: WARC files written with warcio (rolling, ``warcinfo``, ``revisit``, repair of a
  file a killed run left open); ``records.py``: the plain values that cross into that thread and
  the ``Newscrawler-*`` fields the records carry; ``members.py``: gzip members, one per record;
* ``reader.py``: records read back, tolerant of damaged files; ``sources.py``: which files a
  ``warc=`` argument names; ``remote.py``: a WARC file fetched over http(s) through Scrapy;
* ``replay.py``: which stored response becomes which article (pure).

See docs/archive.md.
"""
