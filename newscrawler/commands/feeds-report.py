"""``scrapy feeds-report``: one row per source the state store knows; ``--json`` for scripts.

Scrapy names a command after its module, hence the hyphen; the work is in report/health.py.
"""

from __future__ import annotations

import argparse
import time

from scrapy.commands import ScrapyCommand

from newscrawler.commands.crawl import EXIT_BAD_CONFIG, report_error
from newscrawler.errors import ConfigError
from newscrawler.report.health import health_rows, to_json, to_table
from newscrawler.schedule.rules import PollLimits
from newscrawler.settings_check import check_settings
from newscrawler.state.store import open_store


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--json]"

    def short_desc(self) -> str:
        return ("Print each source's health: status, last success, failures and last error, "
                "articles per day, interval, next due")

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--json", action="store_true", help="a JSON array, for scripts")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        try:
            check_settings(self.settings)
            store = open_store(self.settings)
        except ConfigError as exc:
            report_error(str(exc), self.settings)
            self.exitcode = EXIT_BAD_CONFIG
            return
        try:
            records = store.sources()
        finally:
            store.close()
        rows = health_rows(records, time.time(), PollLimits.from_settings(self.settings))
        print(to_json(rows) if opts.json else to_table(rows))
