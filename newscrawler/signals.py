"""Signals the spider sends so that reporting lives in one extension, not in the spider.

Handlers get ``url`` (the feed URL) and, for failures, ``reason`` (one human line).
"""

feeds_listed = object()      # count (int): sources in the feed list, sent as the run starts
# url, entries (int), warning (str | None), new_entries (int: not written before),
# poll_hint (seconds the document asks between polls, or None), entry_gap (seconds between
# its entries' dates, median, or None)
feed_fetched = object()
feed_failed = object()       # url, reason
feed_not_modified = object()  # url: the feed answered 304
article_fallback = object()  # url, reason: the item's text came from the feed
article_failed = object()    # url, reason: neither page nor feed gave an article
