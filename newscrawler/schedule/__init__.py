"""When each source is due, and its health: pure rules (rules.py, hints.py), the record kept per
source (record.py), the component that feeds them from the crawl's signals (extension.py) and
watch mode (watch.py)."""
