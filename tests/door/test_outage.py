"""Long-lived workers ride out a database that does not answer, with the real parts: a real
PostgreSQL behind a loopback proxy that the test cuts and restores (testkit/proxy.py), a real
SQLite file locked by another process, a real scanner process on a pipe, a real loopback
label printer. Each worker says "database not answering", keeps what it was doing (every scan
read, every print job), decides it when the database is back, and never exits for it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from devices.capture import CaptureWorker, Source
from devices.decoders import make_decoder
from devices.print_worker import PrintOutcome, PrintWorker
from devices.printers import printers_from_config
from devices.scanner import Decision, ScanWorker
from eventdesk.db import Store
from eventdesk.models import ScanLog
from eventdesk.services.data.backup import BackupSchedule
from eventdesk.services.door import printing
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.people.registration import register, show_ticket
from eventdesk.tickets import Signer, register_public_key
from eventdesk.values import utcnow
from testkit.media import Shot, render_frames, write_video
from testkit.proxy import TcpProxy
from testkit.zebra import FakeZebra
from tests.door.test_printing import event_now, guest
from tests.helpers import add_type, make_event, people, wait_until

pytestmark = pytest.mark.slow  # long-lived parts through a database that goes away

EVENTDESK = str(Path(sys.executable).with_name("eventdesk"))
NOT_ANSWERING = "database not answering"
# Generous: a busy 2-core machine can be slow to start a process or to reconnect.
LONG = 120.0


# --- the database of each test ------------------------------------------------------------------
@pytest.fixture
def backend_fixed() -> None:
    """These tests choose their database themselves (see conftest.pytest_generate_tests)."""


@pytest.fixture
def proxy(db_url: str) -> Iterator[TcpProxy]:
    """A loopback proxy in front of the test's PostgreSQL server."""
    url = make_url(db_url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as made:
        yield made


def through(proxy: TcpProxy, db_url: str) -> str:
    """The test's database URL, reached through ``proxy``."""
    url = make_url(db_url).set(host="127.0.0.1", port=proxy.port)
    return url.render_as_string(hide_password=False)


POSTGRESQL = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def door(store: Store, signer: Signer) -> tuple[str, list[str], list[str]]:
    """An event open now with three free tickets: its slug, their payloads and ids."""
    now = utcnow().replace(microsecond=0)
    event = make_event(
        store,
        name="Outage Night",
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=6)).isoformat(),
    )
    add_type(store, event, "Regular", price_cents=0)
    ids = [
        register(store, event, email, "Regular").tickets[0].ticket_id
        for email in people(store, 3, prefix="outage")
    ]
    return event, [signer.payload(i) for i in ids], ids


def admitted_once(store: Store, ticket_id: str) -> bool:
    """Checked in, by exactly one scan that said ok."""
    with store.read() as session:
        oks = session.scalar(
            select(func.count())
            .select_from(ScanLog)
            .where(ScanLog.ticket_id == ticket_id, ScanLog.result == "ok")
        )
    return show_ticket(store, ticket_id).checked_in_at is not None and oks == 1


# --- a real `eventdesk` process, its output read as it comes --------------------------------------
class Running:
    """A real `eventdesk` command, fed on stdin; its stdout and stderr lines collected as they
    come (by threads, so a test never blocks on a pipe)."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(stream, into), daemon=True)
            for stream, into in ((self.process.stdout, self.out), (self.process.stderr, self.err))
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream: Any, into: list[str]) -> None:
        for line in iter(stream.readline, b""):
            into.append(line.decode("utf-8", "replace"))

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    @property
    def stderr(self) -> str:
        return "".join(self.err)

    def send(self, *lines: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("".join(f"{line}\n" for line in lines).encode())
        self.process.stdin.flush()

    def answers(self, count: int, timeout: float = LONG) -> list[dict[str, Any]]:
        """The first ``count`` JSON answer lines (waiting for them while the process runs)."""
        wait_until(
            lambda: len(self.out) >= count or not self.alive,
            timeout=timeout,
            what=f"{count} answer line(s)",
        )
        self.finish_reading_if_ended()
        assert len(self.out) >= count, (self.out, self.stderr)
        return [json.loads(line) for line in self.out[:count]]

    def said(self, text: str, timeout: float = LONG) -> None:
        """Wait until stderr says ``text``; the process must stay alive meanwhile."""
        wait_until(lambda: text in self.stderr or not self.alive, timeout=timeout, what=f"{text!r}")
        self.finish_reading_if_ended()
        assert text in self.stderr, (self.process.returncode, self.stderr)

    def end_input(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()

    def wait(self, timeout: float = LONG) -> int:
        code = self.process.wait(timeout=timeout)
        self.finish_reading_if_ended()
        return code

    def finish_reading_if_ended(self) -> None:
        if not self.alive:
            for reader in self._readers:
                reader.join(10)

    def kill(self) -> None:
        if self.alive:
            self.process.kill()
            self.process.wait(30)
        self.finish_reading_if_ended()


def scanner(db: str, data: Path, event: str, env: dict[str, str] | None = None) -> Running:
    """`eventdesk scan --source -` at Door 1 of ``event`` (a keyboard-wedge scanner)."""
    data.mkdir(parents=True, exist_ok=True)
    return Running(
        [
            EVENTDESK,
            "--db",
            db,
            "--data-dir",
            str(data),
            "--station",
            "Door 1",
            "--json",
            "scan",
            "--source",
            "-",
            "--event",
            event,
        ],
        env,
    )


def rides_out(run: Running, payloads: list[str], ids: list[str], away: Any, back: Any) -> None:
    """One ticket admitted; the database goes away; two more scanned: said, kept, alive; the
    database comes back: both admitted, in order; the end of input ends the scanner (exit 0)."""
    try:
        run.send(payloads[0])
        [first] = run.answers(1)
        assert (first["result"], first["ticket_id"]) == ("ok", ids[0]), run.stderr
        away()
        run.send(payloads[1], payloads[2])
        run.said(NOT_ANSWERING)
        assert run.alive and len(run.out) == 1  # nothing decided while it does not answer
        back()
        answers = run.answers(3)
        assert [(a["result"], a["ticket_id"]) for a in answers[1:]] == [
            ("ok", ids[1]),
            ("ok", ids[2]),
        ], run.stderr
        assert not any(a["replayed"] for a in answers)
        run.said("database back")
        run.end_input()
        assert run.wait() == 0, run.stderr
    finally:
        run.kill()
    assert "Traceback" not in run.stderr
    assert run.stderr.count(NOT_ANSWERING) == 1, run.stderr  # said once, not at every try


# --- the keyboard-wedge scanner -------------------------------------------------------------------
@POSTGRESQL
def test_a_wedge_scanner_decides_offline_while_its_postgresql_server_is_away(
    backend_fixed: None,
    db_url: str,
    store: Store,
    door: tuple[str, list[str], list[str]],
    proxy: TcpProxy,
    tmp_path: Path,
) -> None:
    """A station on a server: its scans are answered from its mirror at once while the server
    is away (said once, OFFLINE), uploaded when it is back; nothing waits, nothing is lost."""
    event, payloads, ids = door
    run = scanner(through(proxy, db_url), tmp_path / "data", event)
    try:
        run.said("offline copy ready")
        run.send(payloads[0])
        [first] = run.answers(1)
        assert (first["result"], first["ticket_id"], first["offline"]) == ("ok", ids[0], False)
        proxy.cut()
        run.send(payloads[1], payloads[2])
        answers = run.answers(3)
        assert [(a["result"], a["ticket_id"], a["offline"]) for a in answers[1:]] == [
            ("ok", ids[1], True),
            ("ok", ids[2], True),
        ], run.stderr
        run.said("OFFLINE")
        proxy.restore()
        run.said("server back")
        run.end_input()
        assert run.wait() == 0, run.stderr
    finally:
        run.kill()
    assert "Traceback" not in run.stderr
    assert run.stderr.count("OFFLINE (") == 1, run.stderr  # said once, not at every scan
    assert proxy.cuts == 1 and proxy.accepted >= 2  # it connected again after the cut
    assert all(admitted_once(store, ticket_id) for ticket_id in ids)
    with store.read() as session:
        offline = session.scalars(
            select(ScanLog.ticket_id).where(ScanLog.offline.is_(True)).order_by(ScanLog.at)
        ).all()
    assert offline == ids[1:]


HOLD_THE_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)
conn.execute("BEGIN IMMEDIATE")  # the write lock, as a long import holds it
print("locked", flush=True)
sys.stdin.read()  # until the test closes our stdin
conn.execute("ROLLBACK")
"""


@SQLITE
def test_a_wedge_scanner_rides_out_an_sqlite_database_locked_past_its_busy_timeout(
    backend_fixed: None,
    db_url: str,
    store: Store,
    door: tuple[str, list[str], list[str]],
    tmp_path: Path,
) -> None:
    event, payloads, ids = door
    path = make_url(db_url).database
    assert path
    # The lock is held until the scanner said the database is not answering: past the 15 s
    # a write waits for it (eventdesk.db.BUSY_TIMEOUT_MS), when the scanner exited before.
    run = scanner(db_url, tmp_path / "data", event)
    holder: subprocess.Popen[str] | None = None

    def lock() -> None:
        nonlocal holder
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLD_THE_LOCK, path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"

    def unlock() -> None:
        assert holder is not None and holder.stdin is not None
        holder.stdin.close()
        assert holder.wait(LONG) == 0

    try:
        rides_out(run, payloads, ids, lock, unlock)
    finally:
        if holder is not None and holder.poll() is None:
            holder.kill()
            holder.wait()
    assert "database is locked" in run.stderr
    assert all(admitted_once(store, ticket_id) for ticket_id in ids)


# --- the camera's scan worker ---------------------------------------------------------------------
@dataclass
class CameraDoor:
    """A camera door on an SQLite file whose folder a test moves away (to ``away``): a video
    with one ticket's code in view once, its capture and scan workers (not started yet)."""

    folder: Path
    away: Path
    store: Store
    ticket_id: str
    capture: CaptureWorker
    worker: ScanWorker
    decisions: list[Decision]


@contextmanager
def camera_door(sqlite_template: Path, tmp_path: Path, **worker_args: Any) -> Iterator[CameraDoor]:
    """The door, its folder put back and its workers stopped at the end, whatever happened."""
    folder = tmp_path / "door"
    folder.mkdir()
    shutil.copy(sqlite_template, folder / "eventdesk.db")
    store = Store(f"sqlite:///{folder / 'eventdesk.db'}")
    signer = Signer(Ed25519PrivateKey.generate())
    register_public_key(store, signer, "test-station")
    ticket_id = guest(store, event_now(store), "Camera Guest")
    shots = [Shot(None, 0.2), Shot(signer.payload(ticket_id), 1.0), Shot(None, 0.2)]
    video = write_video(tmp_path / "door.avi", render_frames(shots, fps=15, width=640, height=480))
    decisions: list[Decision] = []
    capture = CaptureWorker(Source("file", str(video), "door"))
    worker = ScanWorker(
        lambda: Checkin(store, station="Door 1"),  # made at the first code, as a station's is
        capture,
        make_decoder("zxing"),
        on_decision=decisions.append,
        **worker_args,
    )
    away = tmp_path / "door-away"
    try:
        yield CameraDoor(folder, away, store, ticket_id, capture, worker, decisions)
    finally:
        if away.exists():
            away.rename(folder)
        worker.stop()
        capture.stop()
        worker.join(10)
        capture.join(10)
        store.dispose()


def test_a_camera_scan_is_kept_while_the_database_file_is_away(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """The code was in view once; the database file was moved away meanwhile: the scan is kept
    (the video has long ended) and admitted when the file is back."""
    states: list[Any] = []  # what the worker said of the database (devices.outage.DatabaseState)
    with camera_door(sqlite_template, tmp_path, on_database=states.append) as door:
        folder, away, capture, worker = door.folder, door.away, door.capture, door.worker
        decisions = door.decisions
        folder.rename(away)
        capture.start()
        worker.start()
        wait_until(lambda: states and not states[0].answering, timeout=LONG, what="said")
        wait_until(lambda: capture.exhausted, timeout=LONG, what="the end of the video")
        assert worker.is_alive() and decisions == [] and worker.waiting == 1
        assert not folder.exists()  # no new, empty database where the old one was
        away.rename(folder)
        wait_until(lambda: decisions, timeout=LONG, what="the kept scan decided")
        worker.join(LONG)  # the video is over and nothing waits any more
    assert worker.error is None and not worker.is_alive()
    assert [(d.result.result, d.result.ticket_id) for d in decisions] == [("ok", door.ticket_id)]
    assert [s.answering for s in states] == [False, True]
    assert "moved away" in states[0].reason
    check = Store(f"sqlite:///{folder / 'eventdesk.db'}")
    try:
        assert admitted_once(check, door.ticket_id)
    finally:
        check.dispose()


# --- the print worker -----------------------------------------------------------------------------
def zebra_settings(printer: FakeZebra, timeout: float) -> dict[str, Any]:
    return {
        "printers": {
            "door": {
                "type": "tcp",
                "host": "127.0.0.1",
                "port": printer.port,
                "language": "zpl",
                "timeout": timeout,
                "shared": True,
            }
        }
    }


@pytest.fixture
def zebra() -> Iterator[FakeZebra]:
    printer = FakeZebra()
    yield printer
    printer.close()


@POSTGRESQL
def test_the_print_server_waits_for_the_database_and_prints_what_was_queued_meanwhile(
    backend_fixed: None,
    db_url: str,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    zebra: FakeZebra,
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "eventdesk.toml").write_text(
        f'[printers.door]\ntype = "tcp"\nhost = "127.0.0.1"\nport = {zebra.port}\n'
        'language = "zpl"\ntimeout = 5\nshared = true\n'
    )
    zebra.switch_on()
    event = event_now(store)
    first = printing.enqueue(store, guest(store, event, "Before Cut"), "door").id
    run = Running(
        [
            EVENTDESK,
            "--db",
            through(proxy, db_url),
            "--data-dir",
            str(data),
            "--station",
            "Print",
            "print-queue",
            "--run",
        ]
    )
    try:
        wait_until(lambda: zebra.labels or not run.alive, timeout=LONG, what="the first badge")
        assert run.alive, run.stderr
        proxy.cut()
        run.said(NOT_ANSWERING)
        during_cut = guest(store, event, "During Cut")
        second = printing.enqueue(store, during_cut, "door").id
        assert run.alive and len(zebra.labels) == 1
        proxy.restore()
        wait_until(
            lambda: printing.get_job(store, second).state == "done" or not run.alive,
            timeout=LONG,
            what="the badge queued during the cut printed",
        )
        run.said("database back")
        run.process.send_signal(signal.SIGINT)  # Ctrl-C stops the print server
        run.wait()
    finally:
        run.kill()
    assert printing.get_job(store, first).state == "done"
    assert printing.get_job(store, second).state == "done"
    assert zebra.wait_for_labels(2) and len(zebra.labels) == 2
    assert during_cut.encode() in zebra.labels[1]  # its QR (the name prints as dots)
    assert "Traceback" not in run.stderr and run.stderr.count(NOT_ANSWERING) == 1


@POSTGRESQL
def test_a_job_finished_while_the_database_is_away_is_recorded_when_it_is_back(
    backend_fixed: None,
    db_url: str,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    zebra: FakeZebra,
    tmp_path: Path,
) -> None:
    """The printer fails the job while the server is away: the worker keeps what it has to
    record (the job waits for the printer), records it when the server is back, and the badge
    prints once, later. A job left "printing" would wait ten minutes for its claim to go stale."""
    printers = printers_from_config(zebra_settings(zebra, timeout=60), tmp_path)
    zebra.mode = "never_reads"  # takes the badge's connection and answers nothing...
    zebra.switch_on()
    job = printing.enqueue(store, guest(store, event_now(store), "Finish Later"), "door").id
    events: list[tuple[str, Any]] = []
    worker_store = Store(through(proxy, db_url))
    worker = PrintWorker(
        worker_store,
        printers,
        station="Door",
        on_outcome=lambda outcome: events.append(("outcome", outcome)),
        on_database=lambda state: events.append(("database", state.answering)),
        poll=0.05,
    )
    worker.start()
    try:
        wait_until(lambda: zebra.connections >= 1, timeout=LONG, what="the badge being sent")
        proxy.cut()
        zebra.switch_off()  # ...until switched off: the try fails while the server is away
        wait_until(lambda: ("database", False) in events, timeout=LONG, what="said")
        assert printing.get_job(store, job).state == "printing"
        assert worker.is_alive()
        zebra.mode = "ok"
        zebra.switch_on()
        proxy.restore()
        wait_until(
            lambda: printing.get_job(store, job).state == "done",
            timeout=LONG,
            what="the job printed after the server came back",
        )
        assert zebra.wait_for_labels(1)
    finally:
        worker.stop()
        worker.join(30)
        worker_store.dispose()
    outcomes: list[PrintOutcome] = [e[1] for e in events if e[0] == "outcome"]
    assert [o.state for o in outcomes] == ["queued", "done"]
    assert events.index(("database", False)) < events.index(("outcome", outcomes[0]))
    assert len(zebra.labels) == 1 and printing.get_job(store, job).attempts == 2


# --- backups --------------------------------------------------------------------------------------
def test_a_periodic_backup_says_the_database_is_away_and_goes_on_when_it_is_back(
    sqlite_template: Path, tmp_path: Path
) -> None:
    database = tmp_path / "live" / "eventdesk.db"
    database.parent.mkdir()
    shutil.copy(sqlite_template, database)
    aside = tmp_path / "aside.db"
    store = Store(f"sqlite:///{database}")
    problems: list[str | None] = []
    schedule = BackupSchedule(
        store, tmp_path / "data", minutes=0.002, keep=3, on_problem=problems.append
    )  # every 0.12 s
    schedule.start()
    try:
        wait_until(lambda: schedule.last is not None, timeout=LONG, what="a first backup")
        database.rename(aside)
        wait_until(lambda: any(problems), timeout=LONG, what="the problem said")
        assert NOT_ANSWERING in str(problems[-1]) and schedule.is_alive()
        assert not database.exists()  # no new, empty database made where it was
        last = schedule.last
        aside.rename(database)
        wait_until(lambda: problems[-1] is None, timeout=LONG, what="backups working again")
        wait_until(lambda: schedule.last != last, timeout=LONG, what="a backup after")
    finally:
        schedule.stop()
        schedule.join(30)
        store.dispose()
    assert schedule.error is None and problems.count(None) == 1
