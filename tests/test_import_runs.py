"""An import never freezes the door: it writes in short transactions, so a check-in goes in
between two of them; its tickets are not admitted until it is done; a refusal half-way or a
process that stopped leaves nothing behind. On SQLite and PostgreSQL.

Before, an import was one transaction: on SQLite a check-in waited for all of it (the door
froze for seconds, and at 100,000 rows gave up with "database is locked")."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from eventdesk.db import Store
from eventdesk.errors import SoldOut
from eventdesk.models import Attendee, ImportRun, Order, Ticket, TransactionLog
from eventdesk.services import attendees, import_runs
from eventdesk.services.checkin import IMPORTING_MESSAGE, Checkin
from eventdesk.services.csvio import ImportResult, import_attendees
from eventdesk.services.events import show_event
from eventdesk.services.registration import register
from eventdesk.values import utcnow
from tests.helpers import add_type, make_event, wait_until

ROWS = 3 * import_runs.CHUNK_ROWS  # several of the import's transactions


def open_now(store: Store, **options: object) -> str:
    """An event whose door is open now (times derived from the clock, never typed)."""
    start = utcnow().replace(microsecond=0) - timedelta(hours=1)
    event = make_event(
        store, starts=start.isoformat(), ends=(start + timedelta(hours=9)).isoformat(), **options
    )
    add_type(store, event, "Regular", price_cents=0)
    return event


def csv_file(tmp_path: Path, rows: int, prefix: str = "guest") -> Path:
    path = tmp_path / f"{prefix}.csv"
    lines = ["Name,Email"] + [
        f"{prefix.title()} Number{i},{prefix}{i}@example.com" for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def at_door(store: Store, event: str) -> str:
    """A ticket of someone registered before the import, waiting at the door."""
    person = attendees.add_attendee(store, name="Early Bird", email="early.bird@example.com")
    order = register(store, event, person.id, "Regular")
    return order.tickets[0].ticket_id


def counts(store: Store) -> tuple[int, int, int, int]:
    with store.read() as session:
        return (
            session.scalar(select(func.count()).select_from(Attendee)) or 0,
            session.scalar(select(func.count()).select_from(Ticket)) or 0,
            session.scalar(select(func.count()).select_from(Order)) or 0,
            session.scalar(select(func.count()).select_from(TransactionLog)) or 0,
        )


def test_a_check_in_goes_in_while_an_import_is_half_way(store: Store, tmp_path: Path) -> None:
    event = open_now(store)
    waiting = at_door(store, event)
    door = Checkin(store, station="Door 1", event=event)
    half_way = threading.Event()
    door_done = threading.Event()
    answers: list[tuple[str, str]] = []

    def progress(_rows: int) -> None:
        if not half_way.is_set():  # after the import's first batch of tickets
            half_way.set()
            # The import waits here until the door had its say; had the import still held
            # the write lock, the door would wait for it and this would time out.
            assert door_done.wait(timeout=60), "the door's check-in never got in"

    made: list[ImportResult] = []
    failed: list[BaseException] = []

    def run_import() -> None:
        try:
            made.append(import_attendees(store, csv_file(tmp_path, ROWS), event, progress=progress))
        except BaseException as exc:
            failed.append(exc)
            half_way.set()

    importer = threading.Thread(target=run_import)
    importer.start()
    try:
        assert half_way.wait(timeout=120)
        assert not failed, failed
        with store.read() as session:
            staged = session.scalars(
                select(Ticket.id).where(Ticket.import_run_id.is_not(None)).limit(1)
            ).first()
        assert staged is not None  # the import's first tickets are written, the rest are not
        first = door.checkin_ticket(waiting)
        early = door.checkin_ticket(staged)
        answers.append((first.result, first.message))
        answers.append((early.result, early.message))
    finally:
        door_done.set()
        importer.join(timeout=300)
    assert not failed, failed
    assert answers[0][0] == "ok"
    assert answers[1] == ("not_yet_valid", IMPORTING_MESSAGE)  # not before its import is done
    assert made[0].imported == ROWS
    assert door.checkin_ticket(staged).result == "ok"  # done now: admitted
    assert show_event(store, event).registered == ROWS + 1
    with store.read() as session:
        assert session.scalar(select(ImportRun.state)) == "done"


def test_a_refusal_half_way_leaves_nothing_behind(store: Store, tmp_path: Path) -> None:
    """Sold out in the import's second batch, no waitlist: the first batch is taken back."""
    event = open_now(store, capacity=import_runs.CHUNK_ROWS + 10, waitlist=False)
    at_door(store, event)
    before, registered = counts(store), show_event(store, event).registered
    with pytest.raises(SoldOut, match="nothing imported"):
        import_attendees(store, csv_file(tmp_path, ROWS), event)
    assert counts(store) == before
    assert show_event(store, event).registered == registered
    assert attendees.find_attendees(store, "guest") == []
    with store.read() as session:
        assert session.scalar(select(ImportRun.state)) == "undone"
    # Room again: the same file imports whole.
    made = import_attendees(store, csv_file(tmp_path, 5, "late"), event)
    assert made.imported == 5 and show_event(store, event).registered == registered + 5


EVENTDESK = str(Path(sys.executable).with_name("eventdesk"))


def test_an_import_killed_half_way_is_undone_by_the_next(store: Store, tmp_path: Path) -> None:
    """A real `eventdesk import` process killed between two of its transactions: its rows are
    not admitted, and the next import (once the run is stale) takes them back and then
    imports the file whole, once."""
    event = open_now(store)
    path = csv_file(tmp_path, 20 * import_runs.CHUNK_ROWS)
    before = counts(store)
    command = [EVENTDESK, "--data-dir", str(tmp_path / "data"), "--db", store.url]
    importer = subprocess.Popen(
        [*command, "import", "attendees", str(path), "--event", event],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    try:

        def some_written() -> bool:
            with store.read() as session:
                return bool(
                    session.scalar(
                        select(func.count())
                        .select_from(Ticket)
                        .where(Ticket.import_run_id.is_not(None))
                    )
                )

        wait_until(some_written, timeout=120, what="the import's first tickets")
    finally:
        importer.kill()
        importer.wait()
    assert counts(store) != before
    with store.write() as session:
        # The run's process is gone; its heartbeat stops. Here: it stopped long ago.
        session.execute(update(ImportRun).values(heartbeat_at=utcnow() - 2 * import_runs.STALE_RUN))
    again = subprocess.run(
        [*command, "import", "attendees", str(path), "--event", event],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr
    assert "an earlier import of" in again.stdout and "undone" in again.stdout
    assert f"imported {20 * import_runs.CHUNK_ROWS} registration(s)" in again.stdout
    assert show_event(store, event).registered == 20 * import_runs.CHUNK_ROWS
    with store.read() as session:
        states = list(session.scalars(select(ImportRun.state).order_by(ImportRun.id)))
    assert states == ["undone", "done"]
