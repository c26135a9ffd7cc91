"""Signals the spider and the politeness middlewares send, so that reporting lives in one
extension (``report/summary.py``), not in each of them.

Handlers get ``url`` (the feed URL) and, for failures, ``reason`` (one human line). Feed and
article failures caused by a skipped site also carry ``site`` (else None), so that the report
names the site once rather than every request it refused.
"""

feeds_listed = object()      # count (int): sources in the feed list, sent as the run starts
feed_fetched = object()      # url, entries (int), warning (str | None)
feed_failed = object()       # url, reason, site
feed_not_modified = object()  # url: the feed answered 304
article_fallback = object()  # url, reason, site: the item's text came from the feed
article_failed = object()    # url, reason, site: neither page nor feed gave an article

# Sent by the politeness middlewares, about a site (registrable domain, or host for robots.txt)
site_connection_failed = object()  # site, reason: a request could not reach the site
site_skipped = object()      # site, reason: the site's requests are refused from now on
