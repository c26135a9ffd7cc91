"""Crawl-speed benchmark: ``python -m bench.run``."""
