"""The ``written`` table at 10,000 and 10,000,000 rows: a lookup costs the same, pruning is bounded.

    python -m bench.retention [--sizes 10000,10000000] [--lookups 20000]

Each size gets a fresh SQLite store (newscrawler/state/sqlite.py) whose ``written`` table is
filled by one ``INSERT ... SELECT`` over a recursive CTE (article URLs of 5,000 sites, written
evenly over the last 91 days), then measures what a crawl does with it: ``is_written`` for
``--lookups`` feed entries (half written, half new: the spider asks once per entry), and the
prune of ``STATE_RETENTION_DAYS`` (90 days: one day of rows to forget, as a daily crawl meets
it). The ratio column compares the sizes measured side by side in this one run.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from newscrawler.state.extension import DAY, PRUNE_BATCH
from newscrawler.state.sqlite import SQLiteState

SPAN_DAYS = 91
RETENTION_DAYS = 90


def key_of(n: int) -> str:
    # the same text the CTE below builds for row n
    return f"url:https://s{n % 5000}.example/news/{n}"


def fill(store: SQLiteState, rows: int, now: float) -> None:
    # generation only: a big page cache, so that 10 million rows take a minute, not ten
    store.db.execute("PRAGMA cache_size = -524288")  # KiB: 512 MB
    store.db.execute("BEGIN")
    store.db.execute(
        """WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
           INSERT INTO written (key, written_at)
           SELECT 'url:https://s' || (i % 5000) || '.example/news/' || i,
                  ? - (i * ? / ?) FROM n""",
        (rows, now, SPAN_DAYS * DAY, rows))
    store.db.execute("COMMIT")
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.db.execute("PRAGMA cache_size = -2000")  # SQLite's default again for what is measured


def measure(rows: int, lookups: int, folder: Path) -> dict[str, float]:
    store = SQLiteState(folder / f"state-{rows}")
    now = time.time()
    start = time.perf_counter()
    fill(store, rows, now)
    figures = {"fill_s": time.perf_counter() - start}
    pick = random.Random(rows)
    asked = [[key_of(pick.randrange(rows))] if i % 2 else [f"url:https://new.example/{i}"]
             for i in range(lookups)]
    start = time.perf_counter()
    found = sum(store.is_written(keys) for keys in asked)
    figures["lookup_us"] = (time.perf_counter() - start) / lookups * 1e6
    assert found == lookups // 2, found
    start = time.perf_counter()
    forgotten = store.prune_written(now - RETENTION_DAYS * DAY, PRUNE_BATCH)
    figures["prune_s"] = time.perf_counter() - start
    figures["forgotten_rows"] = forgotten
    start = time.perf_counter()  # the next crawl: nothing old left, one empty index range
    store.prune_written(now - RETENTION_DAYS * DAY, PRUNE_BATCH)
    figures["prune_again_s"] = time.perf_counter() - start
    store.close()
    figures["state_file_mb"] = sum(p.stat().st_size
                                   for p in (folder / f"state-{rows}").iterdir()) / 2**20
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,10000000")
    parser.add_argument("--lookups", type=int, default=20000)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        results = {size: measure(size, args.lookups, Path(folder)) for size in sizes}
    print(f"{'figure':<16}" + "".join(f"{size:>14,}" for size in sizes)
          + (f"{'ratio':>10}" if len(sizes) > 1 else ""))
    for name in results[sizes[0]]:
        values = [results[size][name] for size in sizes]
        ratio = f"{values[-1] / values[0]:>10.2f}" if len(sizes) > 1 and values[0] else ""
        print(f"{name:<16}" + "".join(f"{v:>14.3f}" for v in values) + ratio)


if __name__ == "__main__":
    main()
