"""Article text and metadata from a page: pure functions run in worker processes, and the
merge of feed entry and page into one Article."""
