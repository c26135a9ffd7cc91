"""The address rule: a feed may not point the crawler at the machine's own networks."""
