"""A feed may not point the crawler at the machine's own networks."""

from __future__ import annotations

import json

import pytest

from newscrawler.safety.addresses import address_class, may_follow
from tests.support import run_in_network_namespace


@pytest.mark.parametrize(
    ("ip", "kind"),
    [
        ("93.184.216.34", "public"),
        ("2606:4700::1111", "public"),
        ("127.0.0.2", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.0.1", "private"),
        ("fd00::1", "private"),
        ("100.64.0.1", "reserved"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("not-an-ip", "invalid"),
    ],
)
def test_address_classes(ip, kind):
    assert address_class(ip) == kind


@pytest.mark.parametrize(
    ("target", "listed_by", "allowed"),
    [
        ("93.184.216.34", "93.184.216.35", True),
        ("93.184.216.34", "127.0.0.2", True),
        ("127.0.0.3", "127.0.0.2", True),       # a feed on loopback may list loopback pages
        ("10.0.0.9", "10.0.0.5", True),         # the user trusted their private network
        ("169.254.169.254", "93.184.216.35", False),
        ("169.254.169.254", "127.0.0.2", False),  # loopback trust does not reach metadata
        ("127.0.0.1", "93.184.216.35", False),
        ("10.0.0.9", "93.184.216.35", False),
        ("10.0.0.9", "127.0.0.2", False),
        ("0.0.0.0", "127.0.0.2", False),
        ("127.0.0.1", None, False),
    ],
)
def test_links_may_reach_only_public_or_the_feeds_own_kind_of_network(target, listed_by,
                                                                      allowed):
    assert may_follow(target, listed_by) is allowed


def test_feed_links_to_metadata_and_private_addresses_are_blocked(tmp_path):
    """The crawl runs in a network namespace with only loopback in it: no packet can leave,
    whatever the crawler does. /etc/hosts there maps a name to the metadata address."""
    completed = run_in_network_namespace(
        "tests.safety_scenario", tmp_path,
        hosts="127.0.0.1 localhost\n169.254.169.254 metadata.newscrawler.test\n")
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["returncode"] == 0, result["log"][-3000:]
    assert [item["url"] for item in result["items"]] == result["healthy"]
    log = result["log"]
    for blocked in ("link-local address 169.254.169.254", "private address 10.1.2.3",
                    "private address 192.168.0.1", "link-local address fe80::1",
                    "unspecified address 0.0.0.0"):
        assert f"blocked: {blocked}" in log, blocked
    # one line as it failed, one in the summary (indented)
    assert log.count("INFO: failed article http://metadata.newscrawler.test/") == 1
    assert log.count("    failed article http://metadata.newscrawler.test/") == 1
    assert "requests blocked by the address rule: 6" in log
