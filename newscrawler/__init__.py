"""newscrawler: news feeds in, clean full-text articles out (JSONL)."""

__version__ = "0.1.0"
