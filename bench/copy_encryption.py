"""A station's copy encrypted at rest against the same copy in the clear, side by side in one run.

    python bench/copy_encryption.py [--tickets 20000] [--scans 2000] [--rounds 5]
                                    [--db postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

One database made for the run on the server --db names (dropped after it): an event running now
and --tickets registered free tickets with signed payloads (bench/offline.py's make_tickets).
Two copies of it are downloaded (services.stations.mirror_refresh.refresh): one encrypted with
SQLCipher and a random key, as every station keeps it, and one plain SQLite file, as it was kept
before (``Mirror(folder, None)``). Then --scans offline check-ins of distinct tickets on each
(MirrorCheckin, each decision in its own durable transaction with its outbox row, as a door
decides while its server is away), in --rounds turns that alternate which copy goes first, so
that the machine's drift falls on both. Printed for each: the first download's time, the
check-in rate and the p50 and p99 of one decision; and the encrypted copy's rate and p99
against the plain one's. Goal: the encrypted copy at most 10% slower (its rate at least 0.90x
the plain one's, its p99 at most 1.10x).

Then the pages each offline decision writes, by SQLite's own count: the write-ahead log emptied
(``PRAGMA wal_checkpoint(TRUNCATE)``), 100 more decisions on each copy, and the frames the log
then holds (``PRAGMA wal_checkpoint(PASSIVE)``'s second column: one frame a page written, each
commit writing the pages it changed). Goal: at most 4 pages a decision."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from bench.offline import DEFAULT_SERVER, database, make_tickets, p  # noqa: E402
from eventdesk.db import Store  # noqa: E402
from eventdesk.services.stations.mirror import Mirror  # noqa: E402
from eventdesk.services.stations.mirror_refresh import refresh  # noqa: E402
from eventdesk.services.stations.station_door import MirrorCheckin  # noqa: E402

GOAL = 0.10  # at most this much slower
PAGES_GOAL = 4.0  # pages written a decision, at most
PAGE_SCANS = 100  # decisions counted (their frames stay below SQLite's checkpoint at 1,000)
STATION = "Door 9"


@dataclass
class Side:
    name: str
    mirror: Mirror
    door: MirrorCheckin
    download_s: float
    times: list[float] = field(default_factory=list)
    busy_s: float = 0.0

    def scan(self, payloads: list[str]) -> None:
        began = time.perf_counter()
        for payload in payloads:
            start = time.perf_counter()
            answer = self.door.scan(payload, nonce=uuid.uuid4().hex)
            self.times.append(time.perf_counter() - start)
            assert answer.result == "ok", answer
        self.busy_s += time.perf_counter() - began

    def pages(self, payloads: list[str]) -> float:
        """Pages written a decision over ``payloads`` (frames in the emptied write-ahead log)."""
        with self.mirror.store.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        for payload in payloads:
            assert self.door.scan(payload, nonce=uuid.uuid4().hex).result == "ok"
        with self.mirror.store.engine.connect() as conn:
            frames = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").fetchall()[0][1]
        return int(frames) / len(payloads)

    @property
    def rate(self) -> float:
        return len(self.times) / self.busy_s


def side(name: str, server: Store, folder: Path, slug: str, key: bytes | None) -> Side:
    mirror = Mirror(folder, key)
    began = time.perf_counter()
    refresh(server, mirror)
    download_s = time.perf_counter() - began
    return Side(name, mirror, MirrorCheckin(mirror, station=STATION, event=slug), download_s)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--scans", type=int, default=2_000, help="check-ins on each copy")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db", default=DEFAULT_SERVER)
    args = parser.parse_args()
    if args.scans * 2 + 2 + 2 * PAGE_SCANS > args.tickets:
        parser.error("--tickets must be more than twice --scans")
    with database(args.db) as url, tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        made = make_tickets(folder / "server", url, args.tickets)
        server = Store(url)
        encrypted = side("encrypted", server, folder / "encrypted", made.slug, os.urandom(32))
        plain = side("plain", server, folder / "plain", made.slug, None)
        server.dispose()
        warm = made.payloads[-2:]
        encrypted.door.scan(warm[0], nonce=uuid.uuid4().hex)  # statements compiled, keys read
        plain.door.scan(warm[1], nonce=uuid.uuid4().hex)
        per_round = args.scans // args.rounds
        for turn in range(args.rounds):
            first = made.payloads[2 * turn * per_round : (2 * turn + 1) * per_round]
            second = made.payloads[(2 * turn + 1) * per_round : (2 * turn + 2) * per_round]
            order = (encrypted, plain) if turn % 2 == 0 else (plain, encrypted)
            order[0].scan(first)
            order[1].scan(second)
        spare = made.payloads[2 * args.rounds * per_round :]
        pages = {
            encrypted.name: encrypted.pages(spare[:PAGE_SCANS]),
            plain.name: plain.pages(spare[PAGE_SCANS : 2 * PAGE_SCANS]),
        }
        for each in (encrypted, plain):
            each.mirror.close()
    print(f"{args.tickets:,} tickets; {per_round * args.rounds:,} offline check-ins on each copy")
    for each in (plain, encrypted):
        print(
            f"  {each.name:9}  download {each.download_s:6.2f} s   "
            f"{each.rate:7,.0f} check-ins/s   p50 {statistics.median(each.times) * 1000:5.2f} ms"
            f"   p99 {p(each.times, 0.99) * 1000:5.2f} ms"
            f"   {pages[each.name]:4.2f} pages a decision"
        )
    rate = encrypted.rate / plain.rate
    tail = p(encrypted.times, 0.99) / p(plain.times, 0.99)
    met = rate >= 1 - GOAL and tail <= 1 + GOAL
    print(
        f"encrypted against plain: rate {rate:.2f}x, p99 {tail:.2f}x "
        f"(goal: at most {GOAL:.0%} slower): {'met' if met else 'NOT met'}"
    )
    written = max(pages.values())
    print(
        f"pages written a decision: at most {written:.2f} "
        f"(goal: at most {PAGES_GOAL:.0f}): {'met' if written <= PAGES_GOAL else 'NOT met'}"
    )
    return 0 if met and written <= PAGES_GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())
