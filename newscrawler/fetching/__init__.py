"""Scrapy's per-response components, made to cost less where a crawl pays them on every page."""
