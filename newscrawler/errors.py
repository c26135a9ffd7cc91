"""Errors that stop a run before it starts, each with one line a user can act on."""


class ConfigError(ValueError):
    """A bad command line or setting: the crawl command prints it and exits non-zero."""
