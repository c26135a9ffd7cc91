"""Signals the spider sends so that reporting lives in one extension, not in the spider.

Handlers get ``url`` (the document: a feed, sitemap, JSON Feed or home page), for failures
``reason`` (one human line), and ``source``: the feed-list line the document serves (a child
sitemap serves its index's line; None: the document is the line).
"""

feeds_listed = object()      # count (int), urls (list): the feed list, sent as the run starts
feed_fetched = object()      # url, entries (int: listed), warning (str | None), kind, source
feed_failed = object()       # url, reason, source, kind (what it was asked for as, or None)
feed_not_modified = object()  # url, source: the document answered 304
# url, source, counts (dict reason -> int): entries and child sitemaps not requested, and why
entries_not_requested = object()
article_fallback = object()  # url, reason: the item's text came from the feed
article_failed = object()    # url, reason: neither page nor feed gave an article
