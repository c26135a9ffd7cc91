"""Extraction quality against the article-body corpus: ``python -m bench.quality``."""
