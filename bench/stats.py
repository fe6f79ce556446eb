"""The live stats snapshot at festival scale against the same at meetup scale, in one run.

    python -m bench.stats [--attendees 1000000] [--scans 2000000] [--small 10000] [--runs 200]
                          [--postgres URL]

For each database (SQLite in a fresh file; PostgreSQL when a server URL is given, --postgres or
EVENTDESK_BENCH_POSTGRES_URL, in a database made for the run and dropped after it), two events
are built in bulk (bench/bigevent.py): a small one (--small attendees, twice as many scans) and
a big one (--attendees, --scans). 60% are checked in over the last three hours. Then the
snapshot the stats screen polls every two seconds is taken --runs times on each, with 20 new
scans written between two polls (doors stay open), and its p50 and p95 are printed with the
ratio big/small. Goal: the big event's p95 at most 1.5x the small one's, on both databases.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import cast

from sqlalchemy import Table

from bench.bigevent import BigEvent, build, scan_row
from bench.scratch import scratch_database
from eventdesk import variables
from eventdesk.db import Store
from eventdesk.migrate import upgrade
from eventdesk.models import ScanLog
from eventdesk.services.data.import_runs import _bulk
from eventdesk.services.stats.reports import stats
from eventdesk.values import utcnow

POSTGRES_ENV = "EVENTDESK_BENCH_POSTGRES_URL"
GOAL = 1.5


def polls(store: Store, event: BigEvent, runs: int, rng: random.Random) -> tuple[float, float]:
    """p50 and p95 of the snapshot in ms, with new scans between two polls."""
    stats(store, event.slug)  # the first of a process also loads what the rest reuse
    times = []
    for _ in range(runs):
        with store.write() as session:
            _bulk(
                session,
                cast(Table, ScanLog.__table__),
                [
                    scan_row(rng, event.event_id, event.random_ticket(rng), utcnow())
                    for _ in range(20)
                ],
            )
        start = time.perf_counter()
        snap = stats(store, event.slug)
        times.append((time.perf_counter() - start) * 1000)
    assert snap.checked_in == event.checked_in, (snap.checked_in, event.checked_in)
    assert sum(s["scans"] for s in snap.stations) == event.scans + 20 * runs
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def measure(url: str, args: argparse.Namespace, label: str) -> bool:
    store = Store(url)
    upgrade(store)
    rng = random.Random(5)
    small = build(store, attendees=args.small, scans=2 * args.small, name="Meetup")
    big = build(
        store, attendees=args.attendees, scans=args.scans, name="Festival", first=args.small
    )
    print(
        f"{label}: built {small.attendees:,} attendees / {small.scans:,} scans in "
        f"{small.seconds:.0f} s and {big.attendees:,} / {big.scans:,} in {big.seconds:.0f} s"
    )
    small_p50, small_p95 = polls(store, small, args.runs, rng)
    big_p50, big_p95 = polls(store, big, args.runs, rng)
    store.dispose()
    ratio = big_p95 / small_p95
    print(f"{'':<10}{'attendees':>11}{'scans':>11}{'p50 ms':>9}{'p95 ms':>9}")
    print(f"{label:<10}{small.attendees:>11,}{small.scans:>11,}{small_p50:>9.2f}{small_p95:>9.2f}")
    print(f"{label:<10}{big.attendees:>11,}{big.scans:>11,}{big_p50:>9.2f}{big_p95:>9.2f}")
    met = ratio <= GOAL
    print(
        f"{label}: p95 big/small {ratio:.2f}x (goal at most {GOAL}x: {'met' if met else 'NOT met'})"
    )
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attendees", type=int, default=1_000_000)
    parser.add_argument("--scans", type=int, default=2_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--postgres", default=variables.read_text(POSTGRES_ENV))
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(measure(f"sqlite:///{Path(tmp) / 'stats.db'}", args, "SQLite"))
    if args.postgres:
        with scratch_database(args.postgres, "eventdesk_bench_stats") as url:
            results.append(measure(url, args, "PostgreSQL"))
    else:
        print(f"PostgreSQL: not measured (give --postgres URL or set {POSTGRES_ENV})")
    print(
        f"goal: p95 at {args.attendees:,} attendees at most {GOAL}x at {args.small:,},"
        " on SQLite and PostgreSQL:"
        f" {'met' if all(results) and len(results) == 2 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
