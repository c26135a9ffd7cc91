"""Errors with one line a user can act on: a bad configuration, or a site left alone."""

from scrapy.exceptions import IgnoreRequest


class ConfigError(ValueError):
    """A bad command line or setting: the crawl command prints it and exits non-zero."""


class SiteSkipped(IgnoreRequest):
    """A request refused before it was sent, because of what is known about its site (it is
    unreachable, or its robots.txt is). The message is the reason, in words; ``site`` names
    the site (registrable domain or host) so that a report can count it once."""

    def __init__(self, reason: str, site: str) -> None:
        super().__init__(reason)
        self.site = site
