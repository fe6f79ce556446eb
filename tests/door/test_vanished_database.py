"""A station notices its database file was moved or deleted under it and stops admitting,
loudly. Before, an open SQLite file lived on without a name: later scans answered `ok` into a
file nobody would ever open again, and the next start found an empty or missing database. The
scanner does not exit for it either: the scan waits, and is decided if the file comes back."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from eventdesk.db import Store
from eventdesk.services.people.attendees import find_attendees
from eventdesk.services.people.payments import payment_summary
from eventdesk.services.people.registration import show_ticket, tickets_of_attendee
from tests import forks
from tests.door.test_outage import Running

EVENTDESK = forks.EVENTDESK  # what tests/forks.py forks
pytestmark = [
    pytest.mark.slow,  # a database file moved away under running processes
    pytest.mark.skipif(os.name == "nt", reason="a POSIX rename of an open file"),
]


def demo(data: Path) -> tuple[str, list[str], list[str]]:
    """A demo station in ``data``: its event, and payloads and ids of tickets a scan admits."""
    made = forks.run(
        [EVENTDESK, "--data-dir", str(data), "--json", "demo", "--no-ui", "--attendees", "30"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        stdin=subprocess.DEVNULL,
    )
    event = json.loads(made.stdout)["event"]
    store = Store(f"sqlite:///{data / 'demo.db'}")
    try:
        everyone = [
            t
            for person in find_attendees(store, "", limit=500)
            for t in tickets_of_attendee(store, person.id)
        ]
        tickets = [
            t
            for t in everyone
            if t.event == event
            and t.status == "registered"
            and t.checked_in_at is None
            and t.qr_payload
            and payment_summary(store, t.id).due_cents == 0
        ][:2]
    finally:
        store.dispose()
    return event, [t.qr_payload or "" for t in tickets], [t.id for t in tickets]


def moved(data: Path) -> Path:
    target = data.with_name("data-moved")
    data.rename(target)
    return target / "demo.db"


def deleted(data: Path) -> Path:
    keep = data.with_name("kept.db")
    shutil.copy(data / "demo.db", keep)  # what a later look would find, had it been copied
    for suffix in ("", "-wal", "-shm"):
        Path(f"{data / 'demo.db'}{suffix}").unlink(missing_ok=True)
    return data / "demo.db"


@pytest.mark.parametrize("vanish", [moved, deleted], ids=["moved", "deleted"])
def test_a_scanner_stops_admitting_when_its_database_file_vanishes(
    tmp_path: Path, vanish: Callable[[Path], Path]
) -> None:
    """Never an `ok` into a file that moved or was deleted: the scanner says so, stays up with
    the scan waiting, and admits it once the folder is moved back (a deleted file never comes
    back: the scan waits until the scanner is stopped)."""
    data = tmp_path / "data"
    event, payloads, ids = demo(data)
    command = [EVENTDESK, "--data-dir", str(data), "--db", str(data / "demo.db"), "--json"]
    scanner = Running([*command, "--station", "Door 1", "scan", "--source", "-", "--event", event])
    try:
        scanner.send(payloads[0])
        [first] = scanner.answers(1)
        assert first["result"] == "ok" and first["ticket_id"] == ids[0]
        where = vanish(data)
        scanner.send(payloads[1])
        scanner.said("was deleted or moved away while this station ran")
        assert "database not answering" in scanner.stderr
        assert scanner.alive and len(scanner.out) == 1  # nothing answered for it, no "ok"
        if vanish is moved:
            assert not (data / "demo.db").exists()  # no new, empty database where it was
            where.parent.rename(data)  # the folder is moved back: the waiting scan is admitted
            [_, second] = scanner.answers(2)
            assert (second["result"], second["ticket_id"]) == ("ok", ids[1])
            scanner.said("database back")
            scanner.end_input()
            assert scanner.wait() == 0, scanner.stderr
        else:
            scanner.end_input()  # the end of input: what waits is still decided, if it can be
            scanner.said("waiting for the database")
            assert scanner.alive and len(scanner.out) == 1
            assert not where.exists()  # nothing made where the deleted file was
            scanner.process.terminate()  # stopped by a service manager
            scanner.wait()
            assert "1 scan(s) not decided" in scanner.stderr
    finally:
        scanner.kill()
    assert "Traceback" not in scanner.stderr
    if vanish is moved:  # the file, back where it was, holds both admissions
        store = Store(f"sqlite:///{data / 'demo.db'}")
        try:
            assert show_ticket(store, ids[0]).checked_in_at is not None
            assert show_ticket(store, ids[1]).checked_in_at is not None
        finally:
            store.dispose()
