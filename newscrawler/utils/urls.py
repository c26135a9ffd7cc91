"""URL rules: which links may be fetched, what an article's canonical URL is, which site owns it."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import courlan
import tldextract

__all__ = [
    "FETCHABLE_SCHEMES", "canonical_url", "is_fetchable_parts", "is_fetchable_url", "site_key",
]

FETCHABLE_SCHEMES = frozenset({"http", "https"})

# The Public Suffix List snapshot bundled with tldextract; ``suffix_list_urls=()`` means the
# crawler never downloads a fresher list at run time (no network access outside the crawl).
# Private suffixes count: two blogs on github.io or blogspot.com are two different servers.
_EXTRACT = tldextract.TLDExtract(
    suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
)


def is_fetchable_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host: nothing else is ever requested."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return is_fetchable_parts(parts)


def is_fetchable_parts(parts: Any) -> bool:
    """:func:`is_fetchable_url` of a URL already split (``urlsplit``/``urlparse`` result)."""
    return parts.scheme.lower() in FETCHABLE_SCHEMES and bool(parts.hostname)


# A crawl asks for the canonical form of one URL several times (an entry's link when it is
# checked against the state store and when it is requested; its feed's URL for each of the
# feed's entries; the article's URL in the merge and in the cleaning pipeline): courlan takes
# 0.02-0.03 ms a URL. The most recent 4,096 URLs and their forms: ~1.5 MB.
@lru_cache(maxsize=4096)
def canonical_url(url: str) -> str:
    """The form of ``url`` used as the article's identity and written to the output.

    courlan (trafilatura's URL library) lowercases scheme and host, drops default ports, sorts
    the query and removes tracking parameters (``utm_*``, ``fbclid``, ``at_medium``...) from a
    maintained list; the fragment never names a different article, so it goes too.
    """
    try:
        normalized = courlan.normalize_url(url)
    except (ValueError, AttributeError):
        normalized = url
    scheme, netloc, path, query, _fragment = urlsplit(normalized)
    return urlunsplit((scheme, netloc, path or "/", query, ""))


@lru_cache(maxsize=65536)
def site_key(host: str) -> str:
    """The politeness unit for ``host``: its registrable domain, or the address itself.

    ``www.bbc.co.uk`` and ``feeds.bbci.co.uk`` are two sites; ``old.reddit.com`` and
    ``www.reddit.com`` are one. Hosts without a public suffix (``localhost``) stand alone.
    """
    host = host.lower().rstrip(".")
    if _is_ip_address(host):
        return host
    registrable = _EXTRACT(host).top_domain_under_public_suffix
    return registrable or host


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
