"""``scrapy crawl`` with exit statuses that cron and CI can rely on.

Scrapy's own crawl command exits 0 even when every request failed, and a bad spider argument
surfaces as a traceback. This one checks arguments first (one line, exit status 2) and exits 1
when the run failed as a whole (see ``RunSummary.run_failure``).
"""

from __future__ import annotations

import argparse
import logging
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings

from newscrawler import keys
from newscrawler.errors import ConfigError
from newscrawler.settings_check import check_settings

EXIT_RUN_FAILED = 1
EXIT_BAD_CONFIG = 2

logger = logging.getLogger(__name__)


def report_error(message: str, settings: BaseSettings) -> None:
    """One ``error:`` line on stderr; also in LOG_FILE, the job's log under Scrapyd."""
    print(f"error: {message}", file=sys.stderr)
    if settings.get("LOG_FILE"):
        logger.error("%s", message)


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name, e.g. 'scrapy crawl feeds'")
        assert self.crawler_process is not None and self.settings is not None
        spidercls = self.crawler_process.spider_loader.load(args[0])
        try:
            check_settings(self.settings)
            validate = getattr(spidercls, "validate_arguments", None)
            if validate is not None:
                validate(self.settings, opts.spargs)
        except ConfigError as exc:
            report_error(str(exc), self.settings)
            self.exitcode = EXIT_BAD_CONFIG
            return
        crawler = self._create_crawler(spidercls)
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = EXIT_RUN_FAILED
            return
        failure = crawler.stats.get_value(keys.RUN_FAILED) if crawler.stats else None
        if failure:
            report_error(failure, self.settings)
            self.exitcode = EXIT_RUN_FAILED
