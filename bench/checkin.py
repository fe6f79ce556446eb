"""Check-in throughput and latency, side by side in one run, on SQLite and PostgreSQL.

    python -m bench.checkin [--tickets 5000] [--processes 4] [--stations 8] [--postgres URL]

(a) raw sqlite3: one compare-and-set UPDATE per transaction (BEGIN IMMEDIATE ... COMMIT), the
    same pragmas as eventdesk's check-in (WAL, synchronous=FULL): the floor a check-in cannot
    beat; and the same with synchronous=NORMAL, which is faster but can lose the last commits in
    a power cut.
(b) Ed25519 verifications per second (cryptography), and our payload parse + verify.
(c) our full check-in (verify, look-up, compare-and-set, scan-log row, commit) per second with
    its p50/p99 latency, in one process; then the same by N processes at once on one database;
    and, for the cost of durability, the one-process run again with synchronous=NORMAL.
(c') a door's queue: the lines a keyboard-wedge queue (devices.wedge.LineQueue, what `eventdesk
    scan --source -` and the screens' scanner field run) read before it could decide them,
    decided as it decides them: those that waited together, in one durable commit each group
    (Checkin.scan_many), the signatures checked on a thread of their own meanwhile and, once
    the group's rows are written, by the deciding thread too.
(d) PostgreSQL, when a server URL is given (--postgres, or EVENTDESK_BENCH_POSTGRES_URL; in a
    database made for the run and dropped after it): --stations processes, each a station of
    its own checking in its own tickets at once, with the rate in all and p50/p99 latency.
Goal: the full check-in in one process at least 0.5x the bare Ed25519 verification rate (b):
one at a time each admission waits for its own disk flush, which alone takes longer than a
verification here, so the goal is read on the queue (c').
"""

from __future__ import annotations

import argparse
import multiprocessing
import sqlite3
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.scratch import scratch_database
from devices.wedge import GROUP_MOST
from eventdesk import variables
from eventdesk.db import Store
from eventdesk.migrate import upgrade
from eventdesk.services.catalogue import events, program
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import register
from eventdesk.tickets import Signer, Verifier, register_public_key
from eventdesk.values import utcnow


def raw_sqlite(path: Path, count: int, synchronous: str = "FULL") -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("CREATE TABLE t (id TEXT PRIMARY KEY, checked_in_at TEXT, station TEXT)")
    conn.executemany("INSERT INTO t (id) VALUES (?)", [(f"T{i:07d}",) for i in range(count)])
    start = time.perf_counter()
    for i in range(count):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "UPDATE t SET checked_in_at = ?, station = ? WHERE id = ? AND checked_in_at IS NULL",
            ("2030-01-01T10:00:00", "bench", f"T{i:07d}"),
        )
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return count / elapsed


def one_door(store: Store, payloads: list[str]) -> tuple[float, float, float]:
    """Check-ins per second by one station, with p50 and p99 latency in ms."""
    desk = Checkin(store, station="Door 1")
    latencies = []
    began = time.perf_counter()
    admitted = 0
    for p in payloads:
        t0 = time.perf_counter()
        admitted += desk.scan(p).admitted
        latencies.append((time.perf_counter() - t0) * 1000)
    rate = len(payloads) / (time.perf_counter() - began)
    assert admitted == len(payloads), admitted
    latencies.sort()
    return rate, statistics.median(latencies), latencies[int(0.99 * (len(latencies) - 1))]


def door_queue(store: Store, payloads: list[str]) -> tuple[float, int]:
    """Check-ins per second by a wedge queue that read every line before deciding, and how
    many write transactions it committed."""
    from sqlalchemy import event

    from devices.wedge import Line, LineQueue

    desk = Checkin(store, station="Door 1")
    desk.verifier.verify(payloads[0])  # the keys loaded before the clock starts
    results: list[bool] = []
    commits: list[int] = []

    def counted(conn: object) -> None:
        commits.append(1)

    queue = LineQueue(lambda: desk, on_decision=lambda d, _s: results.append(d.result.admitted))
    for payload in payloads:
        queue.put(Line(payload))
    queue.close()
    event.listen(store.engine, "commit", counted)
    began = time.perf_counter()
    queue.start()
    queue.join()
    rate = len(payloads) / (time.perf_counter() - began)
    event.remove(store.engine, "commit", counted)
    assert queue.error is None and sum(results) == len(payloads), (queue.error, sum(results))
    return rate, len(commits)


def make_tickets(store: Store, count: int, prefix: str = "b") -> list[str]:
    now = utcnow()
    ev = events.create_event(
        store, name="Bench", starts=now - timedelta(hours=1), ends=now + timedelta(hours=9)
    )
    program.add_ticket_type(store, ev.slug, name="Regular", price_cents=0)
    buyers = (count + 49) // 50
    attendees.add_attendees_bulk(
        store, [{"name": f"B {i}", "email": f"{prefix}{i}@example.com"} for i in range(buyers)]
    )
    ids: list[str] = []
    for i in range(buyers):
        ids.extend(
            t.ticket_id
            for t in register(
                store, ev.slug, f"{prefix}{i}@example.com", "Regular", quantity=50
            ).tickets
        )
    assert store.signer is not None
    return [store.signer.payload(t) for t in ids[:count]]


POSTGRES_ENV = "EVENTDESK_BENCH_POSTGRES_URL"
GOAL = 0.5


def run_station(
    url: str, station: str, payloads: list[str], start_at: float
) -> tuple[int, float, list[float]]:
    """One station's process: its check-ins, its time, and each one's latency in ms."""
    store = Store(url)
    desk = Checkin(store, station=station)
    desk.verifier.verify(payloads[0])  # load the keys before the clock starts
    store.check_connection()
    while time.time() < start_at:
        time.sleep(0.001)
    began = time.perf_counter()
    admitted = 0
    latencies = []
    for p in payloads:
        t0 = time.perf_counter()
        admitted += desk.scan(p).admitted
        latencies.append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - began
    store.dispose()
    return admitted, elapsed, latencies


def stations_at_once(url: str, chunks: list[list[str]]) -> tuple[float, float, float]:
    """Every chunk checked in by a station process of its own, all at once: the rate in all,
    and the p50 and p99 latency over every check-in."""
    ctx = multiprocessing.get_context("spawn")
    start_at = time.time() + 3.0
    with ctx.Pool(len(chunks)) as pool:
        results = pool.starmap(
            run_station, [(url, f"Door {i + 2}", c, start_at) for i, c in enumerate(chunks)]
        )
    total = sum(r[0] for r in results)
    assert total == sum(len(c) for c in chunks), total
    latencies = sorted(ms for r in results for ms in r[2])
    rate = total / max(r[1] for r in results)
    return rate, statistics.median(latencies), latencies[int(0.99 * (len(latencies) - 1))]


def on_postgres(server: str, key: Ed25519PrivateKey, count: int, stations: int) -> None:
    with scratch_database(server, "eventdesk_bench_checkin") as url:
        store = Store(url)
        upgrade(store)
        signer = Signer(key)
        register_public_key(store, signer, "bench")
        store.signer = signer
        payloads = make_tickets(store, count * (stations + 1))
        single_rate, p50, p99 = one_door(store, payloads[:count])
        store.dispose()
        chunks = [payloads[count * (i + 1) : count * (i + 2)] for i in range(stations)]
        rate, all_p50, all_p99 = stations_at_once(url, chunks)
    print(f"(d) PostgreSQL, {count:,} tickets per station:")
    print(
        f"    full check-in, 1 station:             {single_rate:>9,.0f} /s"
        f"   p50 {p50:.2f} ms, p99 {p99:.2f} ms"
    )
    print(
        f"    full check-in, {stations} stations at once:    {rate:>9,.0f} /s in all"
        f"   p50 {all_p50:.2f} ms, p99 {all_p99:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--stations", type=int, default=8)
    parser.add_argument("--postgres", default=variables.read_text(POSTGRES_ENV))
    args = parser.parse_args()
    count = args.tickets
    with tempfile.TemporaryDirectory() as tmp:
        raw_rate = raw_sqlite(Path(tmp) / "raw.db", count)
        raw_normal_rate = raw_sqlite(Path(tmp) / "raw-normal.db", count, "NORMAL")

        key = Ed25519PrivateKey.generate()
        public = key.public_key()
        message = b"eventdesk-ticket|ED1|ABCDEFGH|KEYIDXYZ"
        signature = key.sign(message)
        start = time.perf_counter()
        for _ in range(count):
            public.verify(signature, message)
        verify_rate = count / (time.perf_counter() - start)

        url = f"sqlite:///{Path(tmp) / 'eventdesk.db'}"
        store = Store(url)
        upgrade(store)
        signer = Signer(key)
        register_public_key(store, signer, "bench")
        store.signer = signer
        payloads = make_tickets(store, count * (3 + args.processes))
        verifier = Verifier(store)
        verifier.verify(payloads[0])
        start = time.perf_counter()
        for p in payloads[:count]:
            verifier.verify(p)
        parse_verify_rate = count / (time.perf_counter() - start)

        single_rate, p50, p99 = one_door(store, payloads[:count])
        # The same door with commits that may be lost in a power cut: what durability costs.
        loose = Store(url, durable_checkins=False)
        loose.signer = signer
        normal_rate, _, normal_p99 = one_door(
            loose, payloads[count * (1 + args.processes) : count * (2 + args.processes)]
        )
        loose.dispose()
        queue_rate, queue_commits = door_queue(store, payloads[count * (2 + args.processes) :])

        chunks = [payloads[count * (i + 1) : count * (i + 2)] for i in range(args.processes)]
        multi_rate, _, multi_p99 = stations_at_once(url, chunks)
        store.dispose()

    print(f"tickets per run: {count:,}  (SQLite, WAL; check-ins commit with synchronous=FULL)")
    print(f"(a) raw sqlite3 compare-and-set commits: {raw_rate:>9,.0f} /s")
    print(f"    the same with synchronous=NORMAL:    {raw_normal_rate:>9,.0f} /s")
    print(
        f"(b) Ed25519 verifications:               {verify_rate:>9,.0f} /s"
        f"   (our parse + verify: {parse_verify_rate:,.0f} /s)"
    )
    latency = f"p50 {p50:.2f} ms, p99 {p99:.2f} ms"
    print(f"(c) full check-in, 1 process:            {single_rate:>9,.0f} /s   {latency}")
    print(
        f"    full check-in, {args.processes} processes at once:   {multi_rate:>9,.0f} /s in all"
        f"   p99 {multi_p99:.2f} ms"
    )
    print(
        f"    full check-in with synchronous=NORMAL: {normal_rate:>7,.0f} /s"
        f"   p99 {normal_p99:.2f} ms"
        f"   (durability costs {1 - single_rate / normal_rate:.0%})"
    )
    print(
        f"(c') a door's queue of {count:,} lines:  {queue_rate:>9,.0f} /s"
        f"   ({queue_commits} commits: groups of up to {GROUP_MOST})"
    )
    print(
        f"(c)/(a): {single_rate / raw_rate:.2f}   (c)/(b): {single_rate / verify_rate:.2f}"
        f"   (c')/(b): {queue_rate / verify_rate:.2f}"
    )
    if args.postgres:
        on_postgres(args.postgres, key, count, args.stations)
    else:
        print(f"(d) PostgreSQL: not measured (give --postgres URL or set {POSTGRES_ENV})")
    met = queue_rate >= GOAL * verify_rate
    print(
        f"goal: a full check-in in one process at least {GOAL}x the bare Ed25519 verification"
        f" rate: {queue_rate / verify_rate:.2f}x at a door's queue (c'),"
        f" {'met' if met else 'NOT met'}; one at a time (c) {single_rate / verify_rate:.2f}x"
    )


if __name__ == "__main__":
    main()
