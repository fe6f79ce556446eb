"""CSV import at festival scale, side by side with a bare executemany of the same rows.

    python -m bench.import [--rows 1000000] [--small 10000]

In one run, on SQLite files (WAL) in a temporary folder:
(1) plain sqlite3 executemany of the rows into one bare table, in one transaction, for --small
    rows and for --rows rows (the baseline: no checks, no indexes but the email's);
(2) our import of a CSV file of --small rows and of one of --rows rows, each into a fresh
    database with a signing key: every row checked, attendees with their search words, orders,
    signed tickets within capacity, a transaction-log row for each, written in short
    transactions while the signing runs in a process of its own;
(3) the same --rows file imported again (every row registered already: all skipped);
(4) an export of the big event's attendees (`eventdesk export attendees`).
For (2) at --rows it also prints the time the import spent in its INSERT statements, by table
(the rows it writes, with their indexes and triggers), against the bare insert; the time it held
the database's write lock (its INSERTs, commits and checkpoints: work that only one writer at a
time can do), the CPU it spent outside the lock and the signing process's CPU; and from these
the least time this work could take on this machine's cores were it spread over processes at
no cost: the time under the lock, or all of the CPU shared by the cores, whichever is longer.
(2) to (4) each run in a process of their own: the time is the call's own (measured inside,
without the interpreter's start), the peak RSS is the process's (and its signing process's),
read from /proc (VmHWM) and getrusage(RUSAGE_CHILDREN) as it ends.
Goals (issue 15): import at most 20x the bare executemany; the cost per row at --rows within
1.3x of that at --small; peak RSS of the import and of the export at most 300 MB.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from eventdesk.db import Store
from eventdesk.migrate import upgrade
from eventdesk.services.catalogue import events, program
from eventdesk.services.data.demo import COMPANIES, FIRST_NAMES, LAST_NAMES

TYPES = (("VIP", 34900), ("Regular", 14900), ("Student", 4900))
GOAL_RATIO = 20.0
GOAL_SCALE = 1.3
GOAL_MB = 300.0


def make_rows(rows: int, rng: random.Random) -> list[tuple[str, ...]]:
    """Rows as ticketing tools export them; two tickets an order."""
    return [
        (
            rng.choice(FIRST_NAMES),
            rng.choice(LAST_NAMES),
            f"guest{i}@example.com",
            rng.choice(TYPES)[0],
            rng.choice(COMPANIES) or "",
            f"ORD-{i // 2}",
        )
        for i in range(rows)
    ]


def write_csv(path: Path, rows: int, rng: random.Random) -> list[tuple[str, ...]]:
    data = make_rows(rows, rng)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["First Name", "Last Name", "Email", "Ticket Type", "Company", "Order #"])
        writer.writerows(data)
    return data


def bare_insert(path: Path, rows: list[tuple[str, ...]]) -> float:
    """Seconds for plain sqlite3 executemany of the rows into one table, one transaction."""
    raw = sqlite3.connect(path, isolation_level=None)
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
    seconds = time.perf_counter() - start
    raw.close()
    return seconds


def make_database(folder: Path) -> str:
    """A fresh database with a signing key in ``folder``, and an event: its slug."""
    from eventdesk.tickets import ensure_keys

    folder.mkdir()
    url = f"sqlite:///{folder / 'eventdesk.db'}"
    store = Store(url)
    upgrade(store)
    ensure_keys(store, folder, "bench")
    ev = events.create_event(
        store, name="Import", starts="2030-06-01T09:00Z", ends="2030-06-01T18:00Z"
    )
    for name, price in TYPES:
        program.add_ticket_type(store, ev.slug, name=name, price_cents=price)
    store.dispose()
    return ev.slug


@dataclass(frozen=True)
class Child:
    seconds: float  # the call's own time, measured in the child
    answer: dict[str, object]
    own_mb: float  # the child's peak RSS (VmHWM)
    helper_mb: float  # the peak RSS of its own child processes (the signing process)
    cpu: float  # CPU seconds of the child's call, and of its own child processes
    helper_cpu: float


def run_child(*args: str) -> Child:
    """``python -m bench.import --child ...`` in a process of its own."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.import", "--child", *args],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"bench child {args[0]} failed ({done.returncode})")
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    return Child(
        float(answer.pop("seconds")),
        answer,
        float(answer.pop("own_mb")),
        float(answer.pop("helper_mb")),
        float(answer.pop("cpu")),
        float(answer.pop("helper_cpu")),
    )


def child(kind: str, folder: Path, target: str, slug: str) -> None:
    """In the child process: one import or export, timed; its answer and its memory as JSON."""
    from eventdesk.services.data import csvwrite
    from eventdesk.services.data.csvexport import export
    from eventdesk.services.data.csvio import import_attendees
    from eventdesk.tickets import load_signer

    store = Store(f"sqlite:///{folder / 'eventdesk.db'}")
    store.signer = load_signer(folder)
    inserting: dict[str, float] = {}  # seconds in the INSERT statements, by table
    insert_rows = csvwrite.insert_rows

    def timed(connection: Any, table: Any, names: Any, rows: Any) -> None:
        began = time.perf_counter()
        insert_rows(connection, table, names, rows)
        inserting[table.name] = inserting.get(table.name, 0.0) + time.perf_counter() - began

    csvwrite.insert_rows = timed  # the import's own inserts, timed where it makes them
    held = {"seconds": 0.0, "cpu": 0.0}  # inside write transactions: the write lock held
    write = store.write

    @contextmanager
    def holding() -> Iterator[Any]:
        began, cpu_began = time.perf_counter(), time.process_time()
        try:
            with write() as session:
                yield session
        finally:
            held["seconds"] += time.perf_counter() - began
            held["cpu"] += time.process_time() - cpu_began

    setattr(store, "write", holding)  # noqa: B010 (the store's own write, timed)
    start, cpu = time.perf_counter(), time.process_time()
    if kind == "import":
        made = import_attendees(store, target, slug)
        answer: dict[str, object] = {
            "imported": made.imported,
            "skipped": made.skipped,
            "inserting": inserting,
            "held": held,
        }
    else:
        answer = {"rows": export(store, "attendees", slug, target)}
    answer["seconds"] = time.perf_counter() - start
    answer["cpu"] = time.process_time() - cpu
    store.dispose()
    with open("/proc/self/status", encoding="ascii") as fh:
        own = next(line for line in fh if line.startswith("VmHWM:"))
    answer["own_mb"] = int(own.split()[1]) / 1024
    helper = resource.getrusage(resource.RUSAGE_CHILDREN)
    answer["helper_mb"] = helper.ru_maxrss / 1024
    answer["helper_cpu"] = helper.ru_utime + helper.ru_stime
    print(json.dumps(answer))


def line(name: str, rows: int, seconds: float, bare: float | None = None) -> str:
    ratio = f"   {seconds / bare:5.1f}x the bare insert" if bare else ""
    return f"  {name:44s} {seconds:8.2f} s {rows / seconds:>11,.0f} rows/s{ratio}"


def cpu(done: Child) -> str:
    return f"    (CPU: {done.cpu:.1f} s, and {done.helper_cpu:.1f} s in its signing process)"


def inserts(done: Child, rows: int, bare: float) -> str:
    """The import's INSERT statements alone (the rows it writes, with their indexes and
    triggers), by table, in microseconds a CSV row, and in all against the bare insert."""
    spent = cast(dict[str, float], done.answer["inserting"])
    each = ", ".join(
        f"{table} {seconds / rows * 1e6:.1f}"
        for table, seconds in sorted(spent.items(), key=lambda item: -item[1])
    )
    total = sum(spent.values())
    return (
        f"    (its INSERT statements alone: {total:.1f} s, {total / bare:.1f}x the bare insert;"
        f" us a row: {each})"
    )


def floor(done: Child, bare: float) -> list[str]:
    """What the import's work would take at the least on this machine, spread over processes
    at no cost: the write lock is one writer's at a time; the CPU is shared by the cores."""
    held = cast(dict[str, float], done.answer["held"])
    outside = done.cpu - held["cpu"]
    cores = os.cpu_count() or 1
    shared = (held["cpu"] + outside + done.helper_cpu) / cores
    least = max(held["seconds"], shared)
    return [
        f"    (the write lock held: {held['seconds']:.1f} s, {held['seconds'] / bare:.1f}x the bare"
        f" insert; CPU outside it: {outside:.1f} s, {outside / bare:.1f}x; signing:"
        f" {done.helper_cpu:.1f} s, {done.helper_cpu / bare:.1f}x)",
        f"    (the least this work takes on {cores} cores, spread over processes at no cost:"
        f" {least:.1f} s, {least / bare:.1f}x the bare insert; the lock held"
        f" {held['seconds'] / bare:.1f}x, all the CPU over the cores {shared / bare:.1f}x)",
    ]


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--child", nargs=4, metavar=("KIND", "FOLDER", "TARGET", "EVENT"))
    args = parser.parse_args()
    if args.child:
        kind, folder, target, slug = args.child
        child(kind, Path(folder), target, slug)
        return
    big, small = args.rows, args.small
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        made = time.perf_counter()
        big_csv, small_csv = root / "big.csv", root / "small.csv"
        big_rows = write_csv(big_csv, big, random.Random(1))
        small_rows = write_csv(small_csv, small, random.Random(2))
        made = time.perf_counter() - made
        bare_small = bare_insert(root / "bare-small.db", small_rows)
        bare_big = bare_insert(root / "bare-big.db", big_rows)
        del big_rows, small_rows
        small_slug = make_database(root / "small")
        ours_small = run_child("import", str(root / "small"), str(small_csv), small_slug)
        big_slug = make_database(root / "big")
        ours_big = run_child("import", str(root / "big"), str(big_csv), big_slug)
        again = run_child("import", str(root / "big"), str(big_csv), big_slug)
        exported = run_child("export", str(root / "big"), str(root / "out.csv"), big_slug)
    assert ours_small.answer["imported"] == small, ours_small.answer
    assert ours_big.answer["imported"] == big, ours_big.answer
    assert (again.answer["imported"], again.answer["skipped"]) == (0, big), again.answer
    assert exported.answer["rows"] == big, exported.answer
    load = os.getloadavg()
    print(
        f"CSV import, SQLite (WAL) files in a temporary folder; {os.cpu_count()} cores, load "
        f"average {load[0]:.1f} at the end (other work on the machine slows what runs longer "
        f"most); files written in {made:.0f} s"
    )
    print(line(f"plain sqlite3 executemany, {small:,} rows", small, bare_small))
    print(line(f"eventdesk import, {small:,} rows", small, ours_small.seconds, bare_small))
    print(cpu(ours_small))
    print(line(f"plain sqlite3 executemany, {big:,} rows", big, bare_big))
    print(line(f"eventdesk import, {big:,} rows", big, ours_big.seconds, bare_big))
    print(cpu(ours_big))
    print(inserts(ours_big, big, bare_big))
    print("\n".join(floor(ours_big, bare_big)))
    print(line(f"the same {big:,} rows again (all skipped)", big, again.seconds))
    print(line(f"export of the {big:,} attendees", big, exported.seconds))
    ratio = ours_big.seconds / bare_big
    scale = (ours_big.seconds / big) / (ours_small.seconds / small)
    print(
        f"  cost per row at {big:,} over {small:,}: {scale:.2f}x "
        f"({ours_big.seconds / big * 1e6:.1f} us / {ours_small.seconds / small * 1e6:.1f} us)"
    )
    import_mb = ours_big.own_mb + ours_big.helper_mb
    print(
        f"  peak RSS, import of {big:,}: {ours_big.own_mb:.0f} MB"
        f" + {ours_big.helper_mb:.0f} MB its signing process = {import_mb:.0f} MB;"
        f" export: {exported.own_mb:.0f} MB"
    )
    print(
        f"goal: import <= {GOAL_RATIO:.0f}x bare executemany ({ratio:.1f}x): "
        f"{verdict(ratio <= GOAL_RATIO)}; per-row cost at {big:,} within {GOAL_SCALE}x of "
        f"{small:,} ({scale:.2f}x): {verdict(scale <= GOAL_SCALE)}; peak RSS of import and "
        f"export <= {GOAL_MB:.0f} MB ({import_mb:.0f} MB, {exported.own_mb:.0f} MB): "
        f"{verdict(max(import_mb, exported.own_mb) <= GOAL_MB)}"
    )


if __name__ == "__main__":
    main()
