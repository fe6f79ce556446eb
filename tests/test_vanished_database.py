"""A station notices its database file was moved or deleted under it and stops admitting,
loudly. Before, an open SQLite file lived on without a name: later scans answered `ok` into a
file nobody would ever open again, and the next start found an empty or missing database."""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from eventdesk.db import Store
from eventdesk.services.attendees import find_attendees
from eventdesk.services.payments import payment_summary
from eventdesk.services.registration import show_ticket, tickets_of_attendee

EVENTDESK = str(Path(sys.executable).with_name("eventdesk"))
pytestmark = pytest.mark.skipif(os.name == "nt", reason="a POSIX rename of an open file")


def demo(data: Path) -> tuple[str, list[str], list[str]]:
    """A demo station in ``data``: its event, and payloads and ids of tickets a scan admits."""
    made = subprocess.run(
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


def read_line(process: subprocess.Popen[bytes], timeout: float = 60) -> str:
    """The scanner's next answer line (it flushes each one)."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    line = b""
    while not line.endswith(b"\n"):
        left = deadline - time.monotonic()
        assert left > 0, f"no answer line from the scanner; so far {line!r}"
        ready, _, _ = select.select([process.stdout], [], [], left)
        if ready:
            chunk = os.read(process.stdout.fileno(), 1)
            if not chunk:
                break
            line += chunk
    return line.decode()


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
    data = tmp_path / "data"
    event, payloads, ids = demo(data)
    command = [EVENTDESK, "--data-dir", str(data), "--db", str(data / "demo.db"), "--json"]
    scanner = subprocess.Popen(
        [*command, "--station", "Door 1", "scan", "--source", "-", "--event", event],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert scanner.stdin is not None and scanner.stderr is not None
    try:
        scanner.stdin.write(payloads[0].encode() + b"\n")
        scanner.stdin.flush()
        first: dict[str, Any] = json.loads(read_line(scanner))
        assert first["result"] == "ok" and first["ticket_id"] == ids[0]
        where = vanish(data)
        scanner.stdin.write(payloads[1].encode() + b"\n")
        scanner.stdin.flush()
        answer = read_line(scanner)
        scanner.stdin.close()
        code = scanner.wait(timeout=60)
    finally:
        if scanner.poll() is None:
            scanner.kill()
            scanner.wait()
    err = scanner.stderr.read().decode()
    assert '"ok"' not in answer  # never admitted into a file nobody will open again
    assert code == 3, err
    assert "was deleted or moved away while this station ran" in err
    assert "Traceback" not in err
    if where.exists():  # moved: the file it was, now under its new name, never got it
        store = Store(f"sqlite:///{where}")
        try:
            assert show_ticket(store, ids[0]).checked_in_at is not None
            assert show_ticket(store, ids[1]).checked_in_at is None
        finally:
            store.dispose()
