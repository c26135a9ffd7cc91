"""What the run learnt about its sites: which answered, which could not be reached, which were
skipped, and how many feeds and articles each skip cost. The run summary prints it.

A skipped site is named once, with its reason ("site unreachable: DNS lookup failed, 3 failures
in a row", "robots.txt unavailable (503): site skipped") and the count of its refused feeds and
articles, rather than one line per request it refused.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

__all__ = ["SiteOutcomes", "no_network_verdict"]


def no_network_verdict(reached: set[str], connection_failures: dict[str, str]) -> str | None:
    """The run's one line when no site answered at all and some could not be reached, by the
    last reason of each site (None: some site answered, or none was tried)."""
    if reached or not connection_failures:
        return None
    reasons = Counter(connection_failures.values())
    sites = len(connection_failures)
    if len(reasons) == 1:
        why = (f"{next(iter(reasons))} for "
               + ("the only site" if sites == 1 else f"all {sites} sites"))
    else:
        why = ", ".join(f"{reason} for {count}" for reason, count in reasons.most_common())
    return f"no site could be reached ({why}): is the network up?"


@dataclass
class SiteOutcomes:
    reached: set[str] = field(default_factory=set)
    connection_failures: dict[str, str] = field(default_factory=dict)  # site -> last reason
    skipped: dict[str, str] = field(default_factory=dict)              # site -> reason
    refused: dict[str, Counter[str]] = field(default_factory=dict)     # site -> what, count
    back: set[str] = field(default_factory=set)  # skipped sites that answered afterwards

    def answered(self, site: str) -> None:
        self.reached.add(site)
        if site in self.skipped:
            self.back.add(site)  # its breaker cooled off, and it was up again

    def failed_to_connect(self, site: str, reason: str) -> None:
        self.connection_failures[site] = reason

    def skip(self, site: str, reason: str) -> None:
        self.skipped[site] = reason

    def refusal(self, site: str, what: str) -> None:
        """A feed or article refused because ``site`` is skipped: ``what`` is "feed",
        "article" or "article with the feed's text"."""
        self.refused.setdefault(site, Counter())[what] += 1

    def no_network(self) -> str | None:
        return no_network_verdict(self.reached, self.connection_failures)

    def lines(self) -> list[str]:
        if not self.skipped:
            return []
        lines = [f"  sites skipped: {len(self.skipped)} (their requests were refused "
                 f"without being sent)"]
        for site, reason in self.skipped.items():
            counts = self.refused.get(site)
            lines.append(f"    {site}: {reason}" + (f" ({_counted(counts)})" if counts else "")
                         + ("; it answered again later" if site in self.back else ""))
        return lines


def _counted(counts: Counter[str]) -> str:
    feeds, fallbacks = counts["feed"], counts["article with the feed's text"]
    articles = counts["article"] + fallbacks
    parts = []
    if feeds:
        parts.append(f"{feeds} feed{'' if feeds == 1 else 's'}")
    if articles:
        parts.append(f"{articles} article{'' if articles == 1 else 's'}"
                     + (f", {fallbacks} written with the feed's text" if fallbacks else ""))
    return "; ".join(parts)
