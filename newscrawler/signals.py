"""Signals the spider and the politeness middlewares send, so that reporting lives in one
extension (``report/summary.py``), not in each of them.

Handlers get ``url`` (the document: a feed, sitemap, JSON Feed or home page), for failures
``reason`` (one human line), and ``source``: the feed-list line the document serves (a child
sitemap serves its index's line; None: the document is the line). Feed and article failures
caused by a skipped site also carry ``site`` (else None), so that the report names the site
once rather than every request it refused.
"""

feeds_listed = object()      # count (int), urls (list): the feed list, sent as the run starts
# url, entries (int: listed), warning (str | None), kind, source; for the poll schedule:
# new_entries (int: not written before), poll_hint (seconds the document asks between polls,
# or None), entry_gap (seconds between its entries' dates, median, or None)
feed_fetched = object()
feed_failed = object()       # url, reason, source, kind (asked for as, or None), site
feed_not_modified = object()  # url, source: the document answered 304
# url, source, counts (dict reason -> int): entries and child sitemaps not requested, and why
entries_not_requested = object()
article_fallback = object()  # url, reason, site: the item's text came from the feed
article_failed = object()    # url, reason, site: neither page nor feed gave an article
archive_problem = object()   # problem (str, "file@offset: reason"): a damaged WARC record

# Sent by the politeness middlewares, about a site (registrable domain, or host for robots.txt)
site_connection_failed = object()  # site, reason: a request could not reach the site
site_skipped = object()      # site, reason: the site's requests are refused from now on
