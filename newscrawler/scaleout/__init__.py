"""The scrapy-redis add-on: many workers on one Redis share the frontier, the politeness and the
state (docs/scaling.md)."""
