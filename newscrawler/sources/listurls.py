"""Which URLs a feed list may name: only http(s) URLs with a valid host. A URL without a scheme
is never guessed at: the problem says to add https://. Two URLs name the same feed when they
differ only in the case of scheme and host."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

__all__ = ["SCHEMELESS_HOST", "SCHEME_PREFIX", "url_identity", "url_problem"]

SCHEME_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
SCHEMELESS_HOST = re.compile(r"^(?://)?[\w-]+(?:\.[\w-]+)+(?::\d+)?(?:[/?#]|$)")

_HOST_NAME = re.compile(r"^[\w-]+(?:\.[\w-]+)*\.?$")
_HTTP_SCHEMES = {"http", "https"}


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be crawled, or None when it is a usable http(s) URL."""
    if not url:
        return "empty URL"
    if any(char.isspace() for char in url):
        return f"URL contains spaces: {url!r}"
    if not url.isprintable():
        return f"URL contains control or invisible characters: {url!r}"
    if not SCHEME_PREFIX.match(url) and SCHEMELESS_HOST.match(url):
        return f"no scheme in {url!r}: write https://{url.lstrip('/')} if that is the feed"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"malformed URL ({exc}): {url!r}"
    if not parts.scheme:
        return f"not a URL (feed URLs start with https:// or http://): {url!r}"
    if parts.scheme.lower() not in _HTTP_SCHEMES:
        return f"not an http(s) URL: {url!r}"
    if not parts.hostname:
        return f"URL has no host: {url!r}"
    if not _is_valid_host(parts.hostname):
        return f"bad host name {parts.hostname!r} in URL: {url!r}"
    if port == 0:
        return f"bad port in URL: {url!r}"
    return None


def url_identity(url: str) -> str:
    """The form two URLs share when they name the same feed: scheme and host case-folded."""
    parts = urlsplit(url)
    return parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()).geturl()


def _is_valid_host(host: str) -> bool:
    if ":" in host:  # IPv6 literal, brackets already removed by urlsplit
        try:
            ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return False
        return True
    return bool(_HOST_NAME.match(host))
