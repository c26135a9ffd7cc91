"""The crawler's memory between runs: the store interface, its backends, and the extension that
hands the store to every component."""
