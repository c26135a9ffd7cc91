"""What the crawl reads: the feed list, feed documents, feeds announced by home pages."""
