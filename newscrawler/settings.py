"""Settings of the newscrawler project. Every one can be overridden with ``-s NAME=VALUE``.

Scrapy's own settings are set here only where the project needs another value; the settings the
project adds are documented where they are defined, with their unit.
"""

BOT_NAME = "newscrawler"
SPIDER_MODULES = ["newscrawler.spiders"]
NEWSPIDER_MODULE = "newscrawler.spiders"
COMMANDS_MODULE = "newscrawler.commands"  # our `crawl`: exit statuses that cron can rely on

USER_AGENT = "newscrawler/0.1 (+https://github.com/newscrawler/newscrawler)"
ROBOTSTXT_OBEY = True

# --- Politeness and concurrency -------------------------------------------------------------
CONCURRENT_REQUESTS = 10              # requests in flight over the whole crawl
CONCURRENT_REQUESTS_PER_DOMAIN = 1    # per site: slots are keyed by registrable domain
DOWNLOAD_DELAY = 2.0                  # seconds between two requests to one site, at least
DOWNLOAD_DELAY_JITTER = 0             # Scrapy's default ±50% would let the gap fall to 1 s
POLITENESS_MARGIN = 0.1               # seconds added to every delay: arrivals shift a little
POLITENESS_NEW_CONNECTION_MARGIN = 0.25  # a site's first request counts as sent this much later
# The delay counts from when a request is handed to the download handler, not from when Scrapy
# picked it (a busy reactor starts the download tenths of a second later): see the module.
DOWNLOADER = "newscrawler.politeness.downloader.SendTimeDownloader"
RETRY_AFTER_MAX = 600.0               # seconds: longest Retry-After pause honoured
CRAWL_DELAY_MAX = 120.0               # seconds: longest robots.txt Crawl-delay honoured
BACKOFF_MAX_DELAY = 120.0             # seconds: a 429 without Retry-After doubles up to this
BACKOFF_RECOVERY = 0.05               # share of the extra delay removed after each success
# Per-site overrides by registrable domain, Scrapy's own mechanism. Reddit's unauthenticated
# RSS tolerates about one request a minute.
DOWNLOAD_SLOTS = {
    "reddit.com": {"delay": 60.0},
}
# Scrapy's DownloaderAwarePriorityQueue (its default since 2.14: the site with the fewest
# requests in progress goes next), made to hand out a request only when its site can take it,
# so requests never sit out a site's delay while holding one of CONCURRENT_REQUESTS.
SCHEDULER_PRIORITY_QUEUE = "newscrawler.politeness.queue.PoliteSlotPriorityQueue"
SCHEDULER_READY_LEAD = 0.1            # seconds before a site is ready that its request may go
# That queue fetches each site's robots.txt before the site's first request. A scheduler without
# it (the Redis frontier of the scale-out add-on, which turns this on) gets the robots.txt of the
# first CONCURRENT_REQUESTS sites fetched as the crawl starts instead.
ROBOTSTXT_PREFETCH = False

# Items (and requests) of one response processed at once. Scrapy starts this many asyncio tasks
# per response (plus one), whatever it yields: at its default (100) that cost the reactor a third
# of its CPU an article and 90 MB at 3,000 articles. An article page yields one item, and a
# source's requests are queued synchronously, so nothing here runs in parallel: 1 costs 0.03 ms
# a response against 0.09 ms at 16 (measured with Scrapy's own _parallel_asyncio).
CONCURRENT_ITEMS = 1
# Objects allocated (net of those freed) before Python collects its youngest generation (its
# default: 700; 0 keeps Python's). The crawl process keeps tens of thousands of objects alive and
# allocates fast: at 700 the collector took 0.51 ms of its CPU per article in a CPU-bound crawl
# (703 young, 64 middle and 6 full collections for 1,200 articles, each full one stalling the
# reactor ~70 ms); at 20,000 0.08 ms (50, 5 and 1), same peak RSS (newscrawler/collector.py).
GC_YOUNG_THRESHOLD = 20_000
# Scrapy's in-memory stats without its per-read deprecation shim: 0.1 us a stats call, not 1.6
# (~16 an article); newscrawler/report/stats.py.
STATS_CLASS = "newscrawler.report.stats.CrawlStats"
DOWNLOAD_TIMEOUT = 30                 # seconds per request
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024   # bytes, also after decompression (Scrapy: 1 GiB)
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024   # bytes
RETRY_TIMES = 3                       # retries after the first attempt (429 and 5xx, timeouts)
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
# Scrapy's list less CannotResolveHostError: a DNS answer does not change within seconds, and
# each retry of a name that does not resolve waited out its site's delay for nothing.
RETRY_EXCEPTIONS = [
    "scrapy.exceptions.DownloadConnectionRefusedError",
    "scrapy.exceptions.DownloadFailedError",
    "scrapy.exceptions.DownloadTimeoutError",
    "scrapy.exceptions.ResponseDataLossError",
    "twisted.internet.error.ConnectionDone",
    "twisted.internet.error.ConnectError",
    "twisted.internet.error.ConnectionLost",
    "builtins.OSError",  # HttpCompressionMiddleware's for an empty gzip body
    "scrapy.core.downloader.handlers.http11.TunnelError",
]
# "Gave up retrying" is Scrapy's ERROR line for what the run summary and the failure lines
# already say in words (report/failures.py); it stays in the DEBUG log.
RETRY_GIVE_UP_LOG_LEVEL = "DEBUG"
# A site that fails at the connection level (DNS, refused, reset, TLS, timeout) this many times
# in a row is left alone: its queued requests fail at once with "site unreachable: ..." (their
# articles get the feed's text), instead of each waiting out the delay, the timeout and the
# retries. One answer of any status closes it again. See newscrawler/politeness/breaker.py.
SITE_FAILURE_LIMIT = 3                # connection failures in a row; 0 turns the breaker off
SITE_COOL_OFF = 600.0                 # seconds a site is left alone before it is tried again

# Only http and https: a feed entry linking to file:///etc/passwd must not be read.
DOWNLOAD_HANDLERS = {"file": None, "s3": None, "ftp": None, "data": None}
# Article links may reach loopback/private/link-local addresses only when the feed that lists
# them is on the same kind of network (see newscrawler/safety/addresses.py); True lifts the rule.
ALLOW_PRIVATE_ADDRESSES = False

SPIDER_MIDDLEWARES = {
    "newscrawler.politeness.slots.SiteSlotSpiderMiddleware": 50,
}
DOWNLOADER_MIDDLEWARES = {
    "newscrawler.safety.middleware.AddressSafetyMiddleware": 60,  # before robots.txt is fetched
    # robots.txt by RFC 9309: a 5xx or an unreachable robots.txt disallows the whole site
    # (Scrapy's parses an error page as rules, and allows everything when the fetch fails)
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "newscrawler.politeness.robots.Rfc9309RobotsTxtMiddleware": 100,
    # process_exception runs from high to low: at 560 the breaker counts a connection failure
    # before RetryMiddleware (550) retries it
    "newscrawler.politeness.breaker.SiteBreakerMiddleware": 560,
    "newscrawler.state.conditional.ConditionalFeedMiddleware": 580,
    # process_response runs from high to low: at 570 it sees a 429 before RetryMiddleware (550)
    "newscrawler.politeness.slots.SitePolitenessMiddleware": 570,
    # Scrapy's meta refresh, without decoding every page to find none (fetching/metarefresh.py)
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "newscrawler.fetching.metarefresh.HeadMetaRefreshMiddleware": 580,
    # WARC capture: process_response at 800 sees a response before redirect (600),
    # decompression (590) and retry (550) change it. Does nothing unless WARC_OUTPUT is set.
    "newscrawler.archive.middleware.WarcCaptureMiddleware": 800,
}
ITEM_PIPELINES = {
    "newscrawler.output.pipelines.CleanPipeline": 100,
    "newscrawler.output.pipelines.ValidatePipeline": 200,
    "newscrawler.output.pipelines.LanguageFilterPipeline": 250,  # LANGUAGES; off without it
    "newscrawler.output.pipelines.DedupePipeline": 300,
    "newscrawler.output.pipelines.JsonLinesWriter": 900,
}
EXTENSIONS = {
    "scrapy.extensions.logstats.LogStats": None,   # replaced by the progress line
    "scrapy.extensions.telnet.TelnetConsole": None,  # no listening ports nobody asked for
    "scrapy.extensions.remote_control.RemoteControl": None,
    "newscrawler.state.extension.CrawlState": 0,       # the store, for every component
    "newscrawler.schedule.extension.PollSchedule": 10,  # which sources are due; their health
    "newscrawler.report.summary.RunSummary": 500,
    "newscrawler.archive.extension.WarcArchive": 100,  # WARC capture (when WARC_OUTPUT is set)
    "newscrawler.collector.CollectorThreshold": 0,    # GC_YOUNG_THRESHOLD
}

# --- Output and state ------------------------------------------------------------------------
# What earlier runs wrote and the feeds' ETag/Last-Modified. The store is a class (the Redis one
# when scaled out: the add-on sets it); the SQLite store keeps one file in STATE_DIR.
STATE_STORE = "newscrawler.state.sqlite.SQLiteState"
STATE_DIR = ".newscrawler"
RECRAWL = False                       # True (or -a recrawl=1): ignore what earlier runs wrote
# Articles written longer ago than this are forgotten, as a crawl starts and closes (and hourly
# in watch mode): feeds and sitemaps list recent items only (SITEMAP_MAX_AGE is 2 days), and
# the store stays the size of these days, not of every article ever written. 0 keeps all.
STATE_RETENTION_DAYS = 90.0           # days
# Path template: %(name)s spider, %(time)s UTC start time, %(host)s and %(pid)s of the worker,
# %(job)s the Scrapyd job id (the time when not run by Scrapyd).
JSONL_OUTPUT = "output/%(name)s-%(time)s.jsonl"
FEED_EXPORT_ENCODING = "utf-8"
PROGRESS_INTERVAL = 5.0               # seconds between progress lines; 0 turns them off
# Rolls JSONL_OUTPUT to a new file every period ("30m", "1h", "1d"; "" or "0": never), on
# period boundaries (UTC); each file is closed whole before the next opens, so a downstream job
# can take every file but the newest. The template must then contain %(time)s.
JSONL_ROTATE = ""

# --- Polling schedule (newscrawler/schedule/) ------------------------------------------------
# Each source is polled when it is due; the interval adapts to the share of new entries (Media
# Cloud's rule), within these bounds, and is never shorter than the feed asks (<ttl>,
# sy:updatePeriod, Cache-Control, Expires, Retry-After; capped at the maximum).
DUE = "due"                           # "due": poll the due sources only; "all" (-a due=all)
WATCH = False                         # True (-a watch=1): keep running, poll each when due
# Due sources are handed to the scheduler this many listed sources at a time, the next batch
# once fewer than this many sources are outstanding (handed out, not yet answered): memory
# stays flat at any list size (newscrawler/schedule/frontier.py). 0: every due source is
# queued at start (with a JOBDIR, Scrapy's disk queues then hold them: the alternative
# `python -m bench.many_feeds` measures).
FRONTIER_BATCH = 1000                 # listed sources per batch (outstanding at most ~2x)
POLL_MIN_INTERVAL = 600.0             # seconds: never poll a source more often
POLL_MAX_INTERVAL = 86400.0           # seconds: never less often, even dead or failing
POLL_FIRST_INTERVAL = 6 * 3600.0      # seconds after the first poll of a feed without dates
                                      # (a dated one starts at half its entries' span)
POLL_DEAD_AFTER = 30                  # consecutive failures after which a source counts as dead
                                      # (still polled, at the maximum interval; never removed)
# seconds of 304s (or identical bodies) after which a feed is fetched once without validators:
# some servers keep an ETag / Last-Modified after the feed changed (Media Cloud turned
# conditional GET off for that). New entries found that way mark its validators untrusted.
CONDITIONAL_MAX_AGE = 6 * 3600.0

# --- Sources and filters ---------------------------------------------------------------------
# Each filter is also a spider argument (-a since=48h, -a languages=en,de, -a max_per_source=20);
# bad values stop the run with one error: line. See README, "Sources and filters".
SINCE = ""                            # a date (2026-12-01) or an age (48h, 2d): entries published
                                      # before are not requested; "" no filter
LANGUAGES: list[str] = []             # ISO 639-1 codes (or "en,de"): articles in other languages
                                      # are not written; [] every language
MAX_PER_SOURCE = 0                    # articles requested per feed or sitemap and run, newest
                                      # first; 0 no limit
DOMAINS = ""                          # the warc spider's sites: a file with one domain a line,
                                      # or "bbc.co.uk,dw.com"; records of other sites are not
                                      # read; "" every site
# A site's sitemap can list a million old pages; Google's news sitemaps hold two days.
SITEMAP_MAX_AGE = 2 * 24 * 3600.0     # seconds: sitemap URLs dated older (by publication date,
                                      # else <lastmod>) and child sitemaps changed before are not
                                      # requested; 0 no window (undated URLs never are)
SITEMAP_MAX_DEPTH = 2                 # levels of sitemap index followed below a listed source
SITEMAP_MAX_CHILDREN = 50             # child sitemaps fetched per index, most recently changed
SITEMAP_MAX_URLS = 50_000             # <url>s read per sitemap: the protocol's limit

# --- WARC capture (newscrawler/archive/, docs/archive.md) ------------------------------------
# A folder: every response the crawl receives is kept there as WARC/1.1 records (and every
# fetch that failed as a metadata record), in files <spider>-<time>-<serial>-<host>-<pid>.warc.gz
# that `scrapy crawl warc -a warc=FOLDER` re-extracts without the network. None: no capture.
WARC_OUTPUT = None
WARC_MAX_BYTES = 1_000_000_000        # bytes: a file rolls over once it is this big (1 GB, as
                                      # Heritrix and Common Crawl do); a record is never split
# ISA-L (isal) level, 0-3, of each record's gzip member. Measured on the corpus's pages (190 KB
# of HTML on average): level 2 takes 0.28 ms a page for 22.3 % of its size, 3 takes 0.62 ms for
# 21.5 %; zlib's level 1 took 1.1 ms for 22.9 %, its 6 3.1 ms for 19.2 %, and warcio's own (zlib
# 9) 5.3 ms. A CPU-bound crawl spends ~40 ms a page: the bench's warc scenario measures what
# capture costs it.
WARC_GZIP_LEVEL = 2

# --- Extraction ------------------------------------------------------------------------------
# Processes for trafilatura and sources; 0: one per core. The crawl process needs ~0.1 of a core
# on a CPU-bound crawl (4 ms an article) and the workers yield to it (nice 10). On 2 cores the
# cpu benchmark projects, from the CPU each part used, 1.40x single-core bare_extraction with
# one worker per core, 0.75x with cores - 1 (most of a core left idle) and 1.33x with cores + 1
# (more worker CPU an article, ~200 MB more). See docs/crawl-cost.md.
EXTRACT_WORKERS = 0
EXTRACT_TIMEOUT = 20.0                # seconds one page may take before it is given up
FEED_PARSE_TIMEOUT = 60.0             # seconds one feed or sitemap may take to parse (big: seconds)
MIN_PAGE_TEXT_CHARS = 200             # shorter page text is a teaser: use the feed's text

# --- JavaScript rendering (scrapy-playwright) ------------------------------------------------
# See docs/rendering.md and newscrawler/rendering/. The handler drives the browser only for
# requests with meta "playwright" (articles of render=js feeds, RENDER_JS_DOMAINS, fallbacks);
# feeds, robots.txt and other pages go through it to Scrapy's HTTP/1.1 handler. Lazy launch,
# verified: scrapy-playwright 0.0.48 launches Chromium only from _create_browser_context, i.e.
# on the first browser request (PLAYWRIGHT_CONTEXTS must stay empty for that), but it starts
# Playwright's node driver (~120 MB, one per scheme) with the engine; our subclass defers that
# too. tests/e2e/test_rendering.py watches the process tree: a crawl without pages to render
# starts no Chromium and no driver.
import importlib.util  # noqa: E402  (kept inside this section)

if importlib.util.find_spec("scrapy_playwright"):  # optional: pip install newscrawler[js]
    DOWNLOAD_HANDLERS = {
        **DOWNLOAD_HANDLERS,  # file/s3/ftp/data stay off
        "http": "newscrawler.rendering.handler.BrowserDownloadHandler",
        "https": "newscrawler.rendering.handler.BrowserDownloadHandler",
    }
RENDER_JS_DOMAINS: list[str] = []     # registrable domains whose articles are always rendered
RENDER_JS_FALLBACK = False            # render again a static page that looks like a script app
PLAYWRIGHT_BROWSER_TYPE = "chromium"  # the only browser the flags below are meant for
# Debian's Chromium; for Playwright's own browser run `playwright install chromium` and drop
# executable_path. The flags keep Chromium from calling Google's servers in the background;
# Chromium 156 still looked up the hosts below (seen with strace), so they resolve to nothing.
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": "/usr/bin/chromium",
    "headless": True,
    "args": [
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-quic", "--no-sandbox", "--disable-gpu",
        "--host-resolver-rules=" + ", ".join(f"MAP {host} ~NOTFOUND" for host in (
            "accounts.google.com", "clients1.google.com", "clients2.google.com",
            "update.googleapis.com", "content-autofill.googleapis.com",
            "safebrowsing.googleapis.com", "optimizationguide-pa.googleapis.com", "*.gvt1.com",
        )),
    ],
}
PLAYWRIGHT_CONTEXTS: dict[str, dict] = {}  # no startup context: it would launch the browser
PLAYWRIGHT_MAX_CONTEXTS = 1           # browser contexts per handler (one handler per scheme)
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 2  # pages open at once in a context: rendered pages in flight
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000  # milliseconds, as DOWNLOAD_TIMEOUT for pages
# images, fonts, trackers...
PLAYWRIGHT_ABORT_REQUEST = "newscrawler.rendering.browser.abort_request"

# --- Scaling out (Redis) ---------------------------------------------------------------------
# Any number of `scrapy crawl feeds` processes on one Redis share the frontier, the state and the
# per-site delays (docs/scaling.md). The add-on (newscrawler/scaleout/addon.py) does nothing until
# REDIS_URL is set; then it installs scrapy-redis' scheduler and dupefilter and their helpers.
ADDONS = {"newscrawler.scaleout.addon.ScaleOut": 0}
REDIS_URL = None                      # e.g. redis://host:6379/0: turns scaling out on
CRAWL_ID = None                       # workers with one id share one crawl; default: UTC hour
REDIS_KEY_PREFIX = "newscrawler"      # first part of every Redis key the crawler writes
REDIS_LEASE_SECONDS = 30.0            # seconds a worker may go silent before its work is re-queued
REDIS_CRAWL_TTL = 7 * 24 * 3600       # seconds a finished crawl's keys (its dupefilter) are kept

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"
# Scrapy's, without building the "Crawled" and "Scraped from" DEBUG records of every response
# and item when LOG_LEVEL drops them anyway (newscrawler/report/quietlog.py)
LOG_FORMATTER = "newscrawler.report.quietlog.QuietLogFormatter"
