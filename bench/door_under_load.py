"""A door's wait at 4 scans a second while an import, a backup and stats pollers run; idle too.

A door scanning 4 tickets a second while a 100,000-row import, a backup and two stats pollers
run, side by side with the same door on an idle database.

    python bench/door_under_load.py [--rows 100000] [--scans 60] [--db postgresql+psycopg://...]

The door is the real headless scanner, `eventdesk --json scan --source - --event EVENT`, fed one
QR payload a line at 4 lines a second; a scan's wait is the time from writing its line to reading
its answer line (one not answered within 30 s counts as unanswered). A door that exits is
replaced by a fresh one started the same way; the lines it had not answered stay unanswered.
(1) idle: the door alone for --scans scans.
(2) under load: the same door while these run as processes of their own: `eventdesk import
    attendees` of --rows CSV rows for the door's event, `eventdesk backup` (started while the
    import runs; SQLite only: PostgreSQL's backups are pg_dump's job) and two stats pollers (the
    snapshot the stats screen shows, one a second each); until the import and the backup are done
    and at least --scans scans were sent.
Real processes on a real SQLite file in a temporary folder, or with --db on a PostgreSQL database
made for the run (and dropped after it).
Goal: every scan answered; p99 under load at most 250 ms and at most 10x idle.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bench.scratch import scratch_database
from eventdesk.config import load_config, sqlite_url
from eventdesk.db import Store, normalize_url
from eventdesk.opening import open_store
from eventdesk.services.catalogue import events, program
from eventdesk.services.data.demo import COMPANIES, FIRST_NAMES, LAST_NAMES
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import register
from eventdesk.services.stats.reports import stats
from eventdesk.tickets import ensure_keys, load_signer
from eventdesk.values import utcnow

EVENTDESK = [sys.executable, "-m", "eventdesk"]
RATE = 4.0  # scans a second at the door
ANSWER_WITHIN = 30.0  # seconds: a scan answered later than this (or never) is unanswered
POLL_EVERY = 1.0  # seconds between two snapshots of one stats poller
POLLERS = 2
BACKUP_AFTER = 3.0  # seconds after the import's process started
DOOR_TICKETS = 5000  # fresh tickets for the door: over 20 minutes of scans at 4 a second
TICKET_TYPES = ("VIP", "Regular", "Student")
GOAL_MS = 250.0
GOAL_RATIO = 10.0
DOOR = "Door 1"
ORGANIZER = "Organizer"


# --- the station ------------------------------------------------------------------------------
@contextmanager
def database(url: str | None, folder: Path) -> Iterator[tuple[str, str]]:
    """The run's database URL and a line that names it: an SQLite file in ``folder``, or a
    PostgreSQL database made for the run on the server ``url`` names, dropped at the end."""
    if url is None:
        yield sqlite_url(folder / "eventdesk.db"), "SQLite (WAL), a file in a temporary folder"
        return
    server = make_url(normalize_url(url))
    if server.get_backend_name() != "postgresql":
        raise SystemExit(
            "--db takes a PostgreSQL URL (postgresql+psycopg://USER@HOST:PORT/DATABASE); "
            "without it the run is on SQLite"
        )
    with scratch_database(url, "eventdesk_door") as run_url:
        name = make_url(run_url).database
        yield run_url, f"PostgreSQL, database {name} on {server.host}:{server.port or 5432}"


def make_station(data: Path, url: str, tickets: int) -> tuple[str, list[str]]:
    """An initialised station (database and signing key in ``data``), an event running now with
    its ticket types, and ``tickets`` registered tickets for the door: (event slug, payloads)."""
    config = load_config(data_dir=data, database_url=url, station=ORGANIZER, environ={})
    store = open_store(config)
    ensure_keys(store, data, ORGANIZER)
    store.signer = load_signer(data)
    now = utcnow()
    ev = events.create_event(
        store,
        name="Door under load",
        starts=now - timedelta(hours=1),
        ends=now + timedelta(hours=9),
    )
    for name in TICKET_TYPES:
        program.add_ticket_type(store, ev.slug, name=name, price_cents=0)
    buyers = (tickets + 49) // 50
    attendees.add_attendees_bulk(
        store, [{"name": f"Door Guest {i}", "email": f"door{i}@example.com"} for i in range(buyers)]
    )
    ids: list[str] = []
    for i in range(buyers):
        made = register(store, ev.slug, f"door{i}@example.com", "Regular", quantity=50)
        ids.extend(t.ticket_id for t in made.tickets)
    signer = store.signer
    assert signer is not None
    payloads = [signer.payload(t) for t in ids[:tickets]]
    store.dispose()
    return ev.slug, payloads


def write_csv(path: Path, rows: int, rng: random.Random) -> None:
    """The import's file, the shape bench/import.py uses: people new to the event."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["First Name", "Last Name", "Email", "Ticket Type", "Company", "Order #"])
        for i in range(rows):
            writer.writerow(
                [
                    rng.choice(FIRST_NAMES),
                    rng.choice(LAST_NAMES),
                    f"guest{i}@example.com",
                    rng.choice(TICKET_TYPES),
                    rng.choice(COMPANIES) or "",
                    f"ORD-{i // 2}",
                ]
            )


# --- the door -----------------------------------------------------------------------------------
@dataclass
class Scan:
    payload: str
    sent_at: float = 0.0
    answered_at: float | None = None
    result: str | None = None
    own_ms: float | None = None  # the door's own latency_ms: the check-in, without the queue

    @property
    def wait_ms(self) -> float:
        """From writing the line to reading its answer; infinite when unanswered."""
        if self.answered_at is None or self.answered_at - self.sent_at > ANSWER_WITHIN:
            return math.inf
        return (self.answered_at - self.sent_at) * 1000


class Door:
    """One `eventdesk scan --source -` process: lines in, one JSON answer a line out, in order."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        self.scans: list[Scan] = []
        self.answered = 0
        self.stderr: list[str] = []
        self.odd_answers: list[str] = []
        self.closed = False
        self._lock = threading.Lock()
        self._readers = [
            threading.Thread(target=self._read_answers, daemon=True),
            threading.Thread(target=self._read_errors, daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def send(self, scan: Scan) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        with self._lock:
            self.scans.append(scan)
        scan.sent_at = time.monotonic()
        try:
            stdin.write(scan.payload.encode() + b"\n")
            stdin.flush()
        except OSError:  # the door is gone: this scan stays unanswered
            pass

    def _read_answers(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        for raw in stdout:
            now = time.monotonic()
            try:
                answer = json.loads(raw)
            except ValueError:
                self.odd_answers.append(f"not JSON: {raw[:200]!r}")
                continue
            if not isinstance(answer, dict) or "result" not in answer:  # an error, no decision
                self.odd_answers.append(f"not a decision: {raw[:200]!r}")
                continue
            with self._lock:
                if self.answered >= len(self.scans):
                    self.odd_answers.append(f"an answer to no scan: {raw[:200]!r}")
                    continue
                scan = self.scans[self.answered]
                self.answered += 1
            scan.answered_at = now
            scan.result = str(answer.get("result"))
            own = answer.get("latency_ms")
            scan.own_ms = float(own) if isinstance(own, int | float) else None
            if answer.get("payload") != scan.payload:
                self.odd_answers.append(f"answer for another payload: {raw[:200]!r}")
        self.closed = True

    def _read_errors(self) -> None:
        stderr = self.process.stderr
        assert stderr is not None
        for raw in stderr:
            self.stderr.append(raw.decode(errors="replace").rstrip())

    def close(self) -> int:
        stdin = self.process.stdin
        assert stdin is not None
        with suppress(OSError):
            stdin.close()
        try:
            code = self.process.wait(ANSWER_WITHIN)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        for reader in self._readers:
            reader.join(5)
        return code


class DoorKeeper:
    """Keeps a door running: one that died is replaced by a fresh one started the same way (its
    scans not answered stay unanswered), and the death is written down."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.command = command
        self.env = env
        self.doors = [Door(command, env)]
        self.deaths: list[str] = []

    def send(self, payload: str) -> Scan:
        door = self.doors[-1]
        code = door.process.poll()
        if code is not None:
            last = door.stderr[-1] if door.stderr else "nothing on stderr"
            self.deaths.append(f"the door exited {code} ({last}); a fresh one took over")
            door = Door(self.command, self.env)
            self.doors.append(door)
        scan = Scan(payload)
        door.send(scan)
        return scan

    def wait(self, scans: list[Scan], until: float) -> None:
        """Until every scan is answered, or none can be any more, or ``until`` passed."""
        while time.monotonic() < until:
            waiting = [s for s in scans if s.answered_at is None]
            if not waiting:
                return
            mine = {id(s) for s in waiting}
            if all(d.closed for d in self.doors if any(id(s) in mine for s in d.scans)):
                return
            time.sleep(0.02)

    def close(self) -> list[int]:
        return [door.close() for door in self.doors]


def run_scans(
    keeper: DoorKeeper, payloads: Iterator[str], at_least: int, keep_going: Callable[[], bool]
) -> list[Scan]:
    """Scans at RATE a second, at least ``at_least`` and while ``keep_going()``; then their
    answers (or ANSWER_WITHIN after the last line)."""
    scans: list[Scan] = []
    start = time.monotonic()
    while keep_going() or len(scans) < at_least:
        pause = start + len(scans) / RATE - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        scans.append(keeper.send(next(payloads)))
    keeper.wait(scans, scans[-1].sent_at + ANSWER_WITHIN)
    return scans


# --- the load -----------------------------------------------------------------------------------
def poll_stats(url: str, event: str, stop: Event, ready: Any, out: Any) -> None:
    """A stats screen's worker in a process of its own: the snapshot every POLL_EVERY s (it
    says when it is running, so that its start-up is not counted as load)."""
    store = Store(url)
    times: list[float] = []
    errors: list[str] = []
    while not stop.is_set():
        if len(times) + len(errors) == 1:
            ready.put(None)
        began = time.perf_counter()
        try:
            stats(store, event)
            times.append((time.perf_counter() - began) * 1000)
        except Exception as exc:  # the screen shows it and polls again
            first = (str(exc).strip().splitlines() or [""])[0]
            errors.append(f"{type(exc).__name__}: {first}")
        stop.wait(max(0.0, POLL_EVERY - (time.perf_counter() - began)))
    store.dispose()
    out.put((times, errors))


class Job:
    """A command of the load, run as a process of its own; a thread notes when it ends."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], folder: Path) -> None:
        self.name = name
        self.output, self.errors = folder / f"{name}.out", folder / f"{name}.err"
        with self.output.open("wb") as out, self.errors.open("wb") as err:
            self.started = time.monotonic()
            self.process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        self.ended: float | None = None
        self.said = self.complained = ""  # its stdout and stderr, read when it ended
        self._watch = threading.Thread(target=self._wait, daemon=True)
        self._watch.start()

    def _wait(self) -> None:
        self.process.wait()
        self.said = self.output.read_text(errors="replace")
        self.complained = self.errors.read_text(errors="replace")
        self.ended = time.monotonic()

    def join(self, timeout: float | None = None) -> None:
        self._watch.join(timeout)

    def describe(self) -> str:
        assert self.ended is not None
        took = f"{self.ended - self.started:.1f} s (process start to exit)"
        if self.process.returncode != 0:
            last = (self.complained.strip().splitlines() or ["nothing on stderr"])[-1]
            return f"FAILED after {took}, exit {self.process.returncode}: {last}"
        try:
            answer: dict[str, Any] = json.loads(self.said)
        except ValueError:
            answer = {}
        made = answer.get("imported" if self.name == "import" else "bytes")
        if not isinstance(made, int):
            return took
        return (
            f"{made:,} registrations in {took}"
            if self.name == "import"
            else f"{took}, {made:,} bytes"
        )


class Load(threading.Thread):
    """The import now, the backup BACKUP_AFTER s later (or when the import ended, if sooner)."""

    def __init__(
        self,
        base: Callable[[str], list[str]],
        env: dict[str, str],
        folder: Path,
        csv_path: Path,
        event: str,
        backup: bool,
    ) -> None:
        super().__init__(daemon=True)
        self.base, self.env, self.folder = base, env, folder
        self.backup_wanted = backup
        self.backup: Job | None = None
        self.importing = Job(
            "import",
            [*base(ORGANIZER), "--json", "import", "attendees", str(csv_path), "--event", event],
            env,
            folder,
        )
        self.start()

    def run(self) -> None:
        self.importing.join(BACKUP_AFTER)
        if self.backup_wanted:
            command = [*self.base(ORGANIZER), "--json", "backup"]
            self.backup = Job("backup", command, self.env, self.folder)
            self.backup.join()
        self.importing.join()

    def still_running(self) -> bool:
        return self.is_alive()


# --- figures ----------------------------------------------------------------------------------
def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))]


def ms(value: float) -> str:
    return "unanswered" if math.isinf(value) else f"{value:,.1f} ms"


def row(name: str, count: str, waits: list[float]) -> str:
    figures = [percentile(waits, share) for share in (0.5, 0.95, 0.99)] + [max(waits)]
    return f"{name:<16}{count:>10}" + "".join(f"{ms(f):>13}" for f in figures)


def phase_lines(name: str, scans: list[Scan]) -> tuple[list[str], float]:
    """The phase's row (an unanswered scan waits forever), and when some went unanswered, the
    same figures over the answered ones; and the phase's p99."""
    waits = [s.wait_ms for s in scans]
    answered = [w for w in waits if not math.isinf(w)]
    lines = [row(name, f"{len(answered)}/{len(scans)}", waits)]
    if answered and len(answered) < len(waits):
        lines.append(row("  answered only", "", answered))
    return lines, percentile(waits, 0.99)


def answers(scans: list[Scan]) -> str:
    counted = Counter(s.result if not math.isinf(s.wait_ms) else "unanswered" for s in scans)
    return ", ".join(f"{name} {count}" for name, count in counted.most_common())


def own_figures(scans: list[Scan]) -> str:
    own = [s.own_ms for s in scans if s.own_ms is not None]
    return f"p99 {percentile(own, 0.99):,.1f} ms, max {max(own):,.1f} ms" if own else "-"


# --- the run ------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="CSV rows the import brings")
    parser.add_argument("--scans", type=int, default=60, help="scans idle (and at least, loaded)")
    parser.add_argument("--db", help="a PostgreSQL server URL (default: SQLite in a temp folder)")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVENTDESK_")}
    with tempfile.TemporaryDirectory() as tmp, database(args.db, Path(tmp)) as (url, where):
        folder = Path(tmp)
        data = folder / "data"
        data.mkdir(mode=0o700)
        started = time.perf_counter()
        event, payloads = make_station(data, url, DOOR_TICKETS)
        csv_path = folder / "people.csv"
        write_csv(csv_path, args.rows, random.Random(1))
        print(
            f"{where}; {len(payloads):,} tickets for the door, {args.rows:,} CSV rows to import "
            f"(made in {time.perf_counter() - started:.0f} s)"
        )

        def base(station: str) -> list[str]:
            return [*EVENTDESK, "--data-dir", str(data), "--db", url, "--station", station]

        fresh = iter(payloads)
        ran_out = False

        def next_payload() -> Iterator[str]:
            nonlocal ran_out
            yield from fresh
            ran_out = True  # scanned again from here: "already checked in", still a write
            while True:
                yield from payloads

        tickets = next_payload()
        door_command = [*base(DOOR), "--json", "scan", "--source", "-", "--event", event]
        keeper = DoorKeeper(door_command, env)
        warm_up = [keeper.send(next(tickets))]  # the process starting: not counted
        keeper.wait(warm_up, time.monotonic() + 120)

        idle = run_scans(keeper, tickets, args.scans, lambda: False)

        ctx = multiprocessing.get_context("spawn")
        stop = ctx.Event()
        ready: Any = ctx.Queue()
        results: Any = ctx.Queue()
        pollers = [
            ctx.Process(target=poll_stats, args=(url, event, stop, ready, results), daemon=True)
            for _ in range(POLLERS)
        ]
        for poller in pollers:
            poller.start()
        for _ in pollers:
            ready.get(timeout=120)
        load = Load(base, env, folder, csv_path, event, backup=args.db is None)
        loaded = run_scans(keeper, tickets, args.scans, load.still_running)
        stop.set()
        polled: list[tuple[list[float], list[str]]] = [results.get(timeout=60) for _ in pollers]
        for poller in pollers:
            poller.join(10)
        door_exits = keeper.close()

    idle_lines, idle_p99 = phase_lines("idle", idle)
    load_lines, load_p99 = phase_lines("under load", loaded)
    print(
        f"door: `eventdesk scan --source - --json` at {RATE:g} scans/s; wait = line written to "
        f"answer read; unanswered after {ANSWER_WITHIN:g} s"
    )
    print(f"{'':<16}{'answered':>10}{'p50':>13}{'p95':>13}{'p99':>13}{'max':>13}")
    print("\n".join([*idle_lines, *load_lines]))
    ratio = load_p99 / idle_p99 if idle_p99 > 0 else math.inf
    shown = f"{ratio:.1f}x" if not math.isinf(ratio) else "- (scans went unanswered)"
    print(f"p99 under load / idle: {shown}")
    print(f"answers idle: {answers(idle)}; under load: {answers(loaded)}")
    print(
        "the door's own latency_ms (the check-in, without the queue before it): "
        f"idle {own_figures(idle)}; under load {own_figures(loaded)}"
    )
    print(f"import: {load.importing.describe()}")
    if load.backup is not None:
        after = load.backup.started - load.importing.started
        ended = load.importing.ended or math.inf
        during = "while it ran" if load.backup.started < ended else "after it ended"
        print(
            f"backup (started {after:.1f} s after the import, {during}): {load.backup.describe()}"
        )
    else:
        print("backup: not run (PostgreSQL: backups are pg_dump's job, `eventdesk backup` refuses)")
    times = sorted(t for poller_times, _ in polled for t in poller_times)
    errors = Counter(e for _, poller_errors in polled for e in poller_errors)
    snapshots = (
        f"p50 {percentile(times, 0.5):,.0f} ms, max {times[-1]:,.0f} ms" if times else "none"
    )
    print(
        f"stats pollers: {POLLERS} x one a second, {len(times)} snapshots, {snapshots}, "
        f"{sum(errors.values())} failed"
    )
    for error, count in errors.most_common(5):
        print(f"    {count}x {error}")
    if ran_out:
        print(f"note: the door's {len(payloads):,} fresh tickets ran out; later scans were repeats")
    odd = [line for door in keeper.doors for line in door.odd_answers]
    noise = [
        line
        for door in keeper.doors
        for line in door.stderr
        if "reading a keyboard-wedge scanner" not in line
    ]
    for death in keeper.deaths:
        print(f"door: {death}")
    if any(door_exits):
        print(f"door exit codes: {door_exits}")
    for line in [*odd, *dict.fromkeys(noise)][:10]:
        print(f"door said: {line}")
    everything = all(not math.isinf(s.wait_ms) for s in [*idle, *loaded])
    met = everything and load_p99 <= GOAL_MS and load_p99 <= GOAL_RATIO * idle_p99
    print(
        f"goal: every scan answered, p99 under load <= {GOAL_MS:.0f} ms and <= "
        f"{GOAL_RATIO:.0f}x idle: {'met' if met else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
