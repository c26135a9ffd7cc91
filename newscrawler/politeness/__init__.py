"""Per-site politeness: the rules, the site's downloader slot, the scheduler queue, robots.txt
first, send times."""
