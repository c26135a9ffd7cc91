"""Names shared between components: request-meta keys and stats keys, each defined once.

Meta keys are the contract between the spider and the middlewares that read a request; stats
keys are the contract between the components that count and whoever reads the counts (the run
summary, the crawl command's exit status, Scrapyd, tests and scripts).
"""

# --- request meta: ours --------------------------------------------------------------------
FEED_URL = "feed_url"                    # on a feed request: the feed's URL as listed
LISTED_BY = "listed_by"                  # on an article request: URL of the feed that listed it
LISTED_BY_ADDRESS = "listed_by_address"  # ... and the address that feed was served from
RENDER = "render"                        # the feed list's render option ("js", "static")
RENDER_FALLBACK = "render_fallback"      # this is the one browser retry of a static page
SOURCE_URL = "source_url"                # on a feed request: the listed source it polls (a feed
                                         # found on a listed home page is polled for that page)
VALIDATORS_PROBE = "validators_probe"    # sent without validators to check that its 304s are true

# --- request meta: Scrapy's and scrapy-playwright's, read or set here -------------------------
DOWNLOAD_SLOT = "download_slot"
DONT_OBEY_ROBOTSTXT = "dont_obey_robotstxt"
REDIRECT_URLS = "redirect_urls"
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
FEEDS_NOT_DUE = stat("feeds_not_due")                # listed sources whose next poll is later
NEXT_DUE = stat("next_due")                          # ISO time the first of them is due
SOURCES_SAVED = stat("sources_saved")                # source schedules saved to the store
VALIDATOR_PROBES = stat("validator_probes")          # feeds fetched without validators to check
ARTICLES_WRITTEN = stat("articles_written")          # + "/page" or "/feed": by text source
ARTICLES_FAILED = stat("articles_failed")
ARTICLES_SKIPPED_SEEN = stat("articles_skipped_seen")
DROPPED = stat("dropped")                            # + "/<reason>"
RENDER_FALLBACKS = stat("render_fallback")
RESPONSES_429 = stat("responses_429")
BACKOFFS = stat("backoff")
BLOCKED_ADDRESS = stat("blocked_address")
TORN_LINES_REPAIRED = stat("torn_lines_repaired")
OUTPUT = stat("output")                              # the JSONL file of this run
ELAPSED_SECONDS = stat("elapsed_seconds")
RUN_FAILED = stat("run_failed")                      # why the run failed: the crawl exits 1
CLUSTER = stat("cluster")                            # + "/<name>": the scale-out add-on's
