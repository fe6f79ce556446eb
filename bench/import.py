"""CSV import of 100,000 rows, side by side with plain sqlite3 executemany of the same rows.

    python -m bench.import [--rows 100000]

Ours reads and checks every row, creates attendees with their search words, orders, signed
tickets with the capacity rule, and a transaction-log row for each registration, in one
transaction. The baseline inserts the same rows into one bare table with executemany.
Goal: the whole import in at most 15 s.
"""

from __future__ import annotations

import argparse
import csv
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from eventdesk.db import Store
from eventdesk.migrate import upgrade
from eventdesk.services import events
from eventdesk.services.csvio import import_attendees
from eventdesk.services.demo import COMPANIES, FIRST_NAMES, LAST_NAMES
from eventdesk.tickets import Signer, register_public_key


def write_csv(path: Path, rows: int, rng: random.Random) -> list[list[str]]:
    data = []
    for i in range(rows):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        data.append(
            [
                first,
                last,
                f"guest{i}@example.com",
                rng.choice(["VIP", "Regular", "Student"]),
                rng.choice(COMPANIES) or "",
                f"ORD-{i // 2}",
            ]
        )
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["First Name", "Last Name", "Email", "Ticket Type", "Company", "Order #"])
        writer.writerows(data)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "people.csv"
        rows = write_csv(path, args.rows, rng)

        raw = sqlite3.connect(Path(tmp) / "raw.db", isolation_level=None)
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=NORMAL")
        raw.execute(
            "CREATE TABLE people (first TEXT, last TEXT, email TEXT UNIQUE, type TEXT,"
            " company TEXT, order_ref TEXT)"
        )
        start = time.perf_counter()
        raw.execute("BEGIN")
        raw.executemany("INSERT INTO people VALUES (?, ?, ?, ?, ?, ?)", rows)
        raw.execute("COMMIT")
        baseline = time.perf_counter() - start
        raw.close()

        store = Store(f"sqlite:///{Path(tmp) / 'eventdesk.db'}")
        upgrade(store)
        signer = Signer(Ed25519PrivateKey.generate())
        register_public_key(store, signer, "bench")
        store.signer = signer
        ev = events.create_event(
            store, name="Import", starts="2030-06-01T09:00Z", ends="2030-06-01T18:00Z"
        )
        for name, price in (("VIP", 34900), ("Regular", 14900), ("Student", 4900)):
            events.add_ticket_type(store, ev.slug, name=name, price_cents=price)
        start = time.perf_counter()
        result = import_attendees(store, path, ev.slug)
        ours = time.perf_counter() - start
        assert result.imported == args.rows, result
        again_start = time.perf_counter()
        again = import_attendees(store, path, ev.slug)
        again_time = time.perf_counter() - again_start
        assert again.imported == 0 and again.skipped == args.rows
        store.dispose()
    print(f"{args.rows:,} CSV rows (SQLite, WAL)")
    print(
        f"plain sqlite3 executemany into one table: {baseline:6.2f} s"
        f"  {args.rows / baseline:>10,.0f} rows/s"
    )
    print(
        f"eventdesk import (checked, registered):   {ours:6.2f} s"
        f"  {args.rows / ours:>10,.0f} rows/s"
        f"   ({ours / baseline:.0f}x the bare insert)"
    )
    print(f"importing the same file again (all skipped): {again_time:.2f} s")
    print(f"goal: the whole import in at most 15 s: {'met' if ours <= 15 else 'NOT met'}")


if __name__ == "__main__":
    main()
