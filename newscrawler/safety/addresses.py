"""Which network an address belongs to: the rule that keeps feeds from aiming us inward."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

__all__ = ["address_class", "may_follow"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


# Pure, and asked ~6 times an article about the same few addresses (the page's, its feed's;
# before the request and of the response): ~3 us a call through ipaddress.
@lru_cache(maxsize=4096)
def address_class(ip: str) -> str:
    """``public``, ``loopback``, ``link-local``, ``private``, ``multicast``, ``reserved``..."""
    try:
        address: IPAddress = ipaddress.ip_address(ip.strip("[]"))
    except ValueError:
        return "invalid"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"  # 169.254.169.254: cloud metadata services answer here
    if address.is_multicast:
        return "multicast"
    if address.is_unspecified:
        return "unspecified"
    if address.is_global:
        return "public"
    if address.is_private:
        return "private"
    return "reserved"


def may_follow(target_ip: str, listed_by_ip: str | None) -> bool:
    """May a link found in a feed served from ``listed_by_ip`` be fetched at ``target_ip``?

    Public targets always. A non-public target only when the feed itself was served from the
    same class of network: whoever listed a feed on 10.0.0.5 chose to trust their private
    network, but that feed still may not point us at 169.254.169.254 or at 127.0.0.1.
    """
    kind = address_class(target_ip)
    if kind == "public":
        return True
    if kind in ("invalid", "unspecified", "multicast", "reserved"):
        return False
    return listed_by_ip is not None and address_class(listed_by_ip) == kind
