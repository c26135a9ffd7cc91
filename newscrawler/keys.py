"""Names shared between components: request-meta keys and stats keys, each defined once.

Meta keys are the contract between the spider and the middlewares that read a request; stats
keys are the contract between the components that count and whoever reads the counts (the run
summary, the crawl command's exit status, Scrapyd, tests and scripts).
"""

# --- request meta: ours --------------------------------------------------------------------
# on a source request (feed, sitemap, JSON Feed, home page): the URL asked for; conditional
# requests key their stored validators on it
FEED_URL = "feed_url"
SOURCE = "source"                        # ... and the feed-list line it serves
# on an article request: URL of the source that listed it; also on a child sitemap, a home
# page's feed or robots.txt sitemap: what listed them (the address rule applies to them)
LISTED_BY = "listed_by"
FEED_CATEGORY = "feed_category"          # on a source request: its category in the feed list
LISTED_BY_ADDRESS = "listed_by_address"  # ... and the address that feed was served from
RENDER = "render"                        # the feed list's render option ("js", "static")
RENDER_FALLBACK = "render_fallback"      # this is the one browser retry of a static page
ROBOTS_TXT = "robots_txt"                # on a robots.txt request: its size is capped
VALIDATORS_PROBE = "validators_probe"    # sent without validators to check that its 304s are true

# --- request meta: Scrapy's and scrapy-playwright's, read or set here -------------------------
DOWNLOAD_SLOT = "download_slot"
DONT_OBEY_ROBOTSTXT = "dont_obey_robotstxt"
REDIRECT_URLS = "redirect_urls"
REDIRECT_TTL = "redirect_ttl"            # redirects a request may still follow
HANDLE_HTTPSTATUS_LIST = "handle_httpstatus_list"
PLAYWRIGHT = "playwright"

# --- stats ---------------------------------------------------------------------------------
STATS_PREFIX = "newscrawler"


def stat(name: str) -> str:
    """The stats key of ``name``: ``newscrawler/<name>``."""
    return f"{STATS_PREFIX}/{name}"


FEEDS_TOTAL = stat("feeds_total")
FEEDS_OK = stat("feeds_ok")
FEEDS_FAILED = stat("feeds_failed")
FEEDS_NOT_MODIFIED = stat("feeds_not_modified")
FEED_VALIDATORS_STORED = stat("feed_validators_stored")
ARTICLES_FORGOTTEN = stat("articles_forgotten")      # keys older than STATE_RETENTION_DAYS
POLLS = stat("polls")                                # + "/ok", "/failed", "/not_modified"
FEEDS_NOT_DUE = stat("feeds_not_due")                # listed sources whose next poll is later
NEXT_DUE = stat("next_due")                          # ISO time the first of them is due
FRONTIER_PEAK_QUEUED = stat("frontier_peak_queued")  # requests queued after a batch of sources
SOURCES_SAVED = stat("sources_saved")                # source schedules saved to the store
VALIDATOR_PROBES = stat("validator_probes")          # feeds fetched without validators to check
ARTICLES_WRITTEN = stat("articles_written")          # + "/page" or "/feed": by text source
ARTICLES_FAILED = stat("articles_failed")
ARTICLES_SKIPPED_SEEN = stat("articles_skipped_seen")
NOT_REQUESTED = stat("not_requested")                # + "/<reason>": filters, sitemap bounds
FILTERED_LANGUAGE = stat("filtered_language")        # + "/<code>": not written (LANGUAGES)
SOURCE_KINDS = stat("source_kind")                   # + "/<kind>": what listed sources are
DROPPED = stat("dropped")                            # + "/<reason>"
RENDER_FALLBACKS = stat("render_fallback")
RESPONSES_429 = stat("responses_429")
BACKOFFS = stat("backoff")
BLOCKED_ADDRESS = stat("blocked_address")
CONNECTION_FAILURES = stat("connection_failures")    # requests that could not reach their site
SITES_UNREACHABLE = stat("sites_unreachable")        # times a site's breaker opened
REQUESTS_SKIPPED_UNREACHABLE = stat("skipped/site_unreachable")  # refused: breaker open
ROBOTS_UNAVAILABLE = stat("robots_unavailable")      # hosts skipped: robots.txt 5xx/unreachable
REQUESTS_SKIPPED_ROBOTS = stat("skipped/robots_unavailable")     # refused for that reason
TORN_LINES_REPAIRED = stat("torn_lines_repaired")
OUTPUT = stat("output")                              # the JSONL file of this run
ELAPSED_SECONDS = stat("elapsed_seconds")
RUN_FAILED = stat("run_failed")                      # why the run failed: the crawl exits 1
# WARC capture (archive/extension.py) and reading (spiders/warc.py)
WARC_FOLDER = stat("warc/folder")                    # WARC_OUTPUT of this run
WARC_FILES = stat("warc/files")                      # files written
WARC_RECORDS = stat("warc/records")                  # records written (warcinfo included)
WARC_REVISITS = stat("warc/revisits")                # ... of which revisit records
WARC_FILES_REPAIRED = stat("warc/files_repaired")    # files a killed run left open, finished
WARC_TORN_RECORDS = stat("warc/torn_records")        # ... torn last records moved aside
WARC_ERROR = stat("warc/error")                      # why capture stopped: the crawl exits 1
WARC_RECORDS_FAILED = stat("warc/records_failed")    # fetches left out (warcio refused them)
WARC_READ_FILES = stat("warc/read/files")            # files read by the warc spider
WARC_READ_RECORDS = stat("warc/read/records")        # records read
WARC_READ_PROBLEMS = stat("warc/read/problems")      # damaged records and files reported
WARC_READ_SKIPPED = stat("warc/read/skipped")        # + "/<reason>": responses not articles
WARC_READ_WITHOUT_FEED = stat("warc/read/without_feed")  # articles whose feed was not read
CLUSTER = stat("cluster")                            # + "/<name>": the scale-out add-on's
