"""Check-in across processes: never twice, and nothing reported as done is ever lost."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from eventdesk.db import Store
from eventdesk.models import ScanLog, Ticket
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import register
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from tests import forks
from tests.helpers import add_type, make_event

pytestmark = pytest.mark.slow  # thousands of check-ins from many processes

ROOT = Path(__file__).resolve().parents[2]


def make_tickets(store: Store, count: int, tmp_path: Path) -> Path:
    """`count` signed tickets of an event happening now; their payloads in a file."""
    now = utcnow()
    ev = make_event(
        store,
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=8)).isoformat(),
    )
    add_type(store, ev, "Regular", price_cents=0)
    buyers = count // 50
    attendees.add_attendees_bulk(
        store, [{"name": f"Buyer {i}", "email": f"buyer{i}@example.com"} for i in range(buyers)]
    )
    ticket_ids = []
    for i in range(buyers):
        order = register(store, ev, f"buyer{i}@example.com", "Regular", quantity=50)
        ticket_ids.extend(t.ticket_id for t in order.tickets)
    assert store.signer is not None
    path = tmp_path / "payloads.txt"
    path.write_text("\n".join(store.signer.payload(t) for t in ticket_ids) + "\n")
    return path


def start_worker(
    db_url: str,
    station: str,
    payloads: Path,
    seed: int,
    *,
    loop: bool = False,
    stdout: int = subprocess.PIPE,
) -> Any:
    """tests/checkin_worker.py in a process of its own (forked, tests/forks.py); its answers go
    to ``stdout`` (a pipe the caller reads through ``.stdout`` unless it passes a file
    descriptor of its own)."""
    extra = ["loop"] if loop else []
    return forks.start(
        [
            sys.executable,
            "-m",
            "tests.checkin_worker",
            db_url,
            station,
            str(payloads),
            str(seed),
            *extra,
        ],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


# Each scanned by every station: 3,200 scans, each ticket raced for by eight processes at once
# (what a thousand showed, four hundred show as well: every ticket is a race of eight).
TICKETS = 400


def test_eight_stations_scanning_the_same_tickets_at_once(
    store: Store, db_url: str, signer: Signer, tmp_path: Path
) -> None:
    """Each of eight station processes scans every ticket, in its own order, at once: each
    ticket is admitted once, by one of them, and every other scan of it is answered
    already_checked_in with that station's name."""
    payloads = make_tickets(store, TICKETS, tmp_path)
    workers = [start_worker(db_url, f"Door {n}", payloads, seed=n) for n in range(8)]
    answers = []
    for proc in workers:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-2000:]
        answers.extend(json.loads(line) for line in out.splitlines()[1:])
    assert len(answers) == 8 * TICKETS
    winners = {ticket: station for result, ticket, station in answers if result == "ok"}
    oks = [a for a in answers if a[0] == "ok"]
    assert len(oks) == TICKETS and len(winners) == TICKETS
    others = [a for a in answers if a[0] != "ok"]
    assert {a[0] for a in others} == {"already_checked_in"}
    assert all(station == winners[ticket] for _, ticket, station in others)
    with store.read() as s:
        stored = dict(s.execute(select(Ticket.id, Ticket.checked_in_station)).all())
        assert s.scalar(select(func.count()).select_from(ScanLog)) == 8 * TICKETS
    assert stored == winners


KILLS = 10  # each at a random moment of its loop (a tenth of a second to more than half of one)
KILLED_TICKETS = 400


def test_killed_ten_times_loses_nothing_it_reported(
    store: Store, db_url: str, signer: Signer, tmp_path: Path
) -> None:
    payloads = make_tickets(store, KILLED_TICKETS, tmp_path)
    reported: set[str] = set()  # check-ins a process said were done
    unreported: set[str] = set()  # done by a process killed before it could say so
    rng = random.Random(2030)

    def take(line: str) -> None:
        result, ticket, station = json.loads(line)
        if result == "ok":
            assert ticket not in reported | unreported  # never admitted twice
            reported.add(ticket)
        else:  # scanned again, or done by an incarnation killed before it printed its line
            assert (result, station) == ("already_checked_in", "Door K")
            if ticket not in reported:
                unreported.add(ticket)

    kills = 0
    for round_number in range(KILLS + 1):  # killed in their loop; the last one runs to the end
        proc = start_worker(
            db_url, "Door K", payloads, seed=round_number, loop=round_number < KILLS
        )
        assert proc.stdout is not None
        assert json.loads(proc.stdout.readline())[0] == "ready"
        if round_number < KILLS:
            deadline = time.monotonic() + rng.uniform(0.05, 0.6)
            while time.monotonic() < deadline:
                line = proc.stdout.readline()
                if not line:
                    break
                take(line)
            assert proc.poll() is None  # it loops: always killed mid-work
            kills += 1
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            for line in proc.stdout.read().splitlines():  # written before it died
                take(line)
        else:
            out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err
            for line in out.splitlines():
                take(line)
    assert kills == KILLS
    with store.read() as s:
        checked_in = set(s.scalars(select(Ticket.id).where(Ticket.checked_in_at.is_not(None))))
        logged_ok = s.scalar(
            select(func.count()).select_from(ScanLog).where(ScanLog.result == "ok")
        )
    assert reported <= checked_in  # nothing reported as done is missing
    # and all got done, once each:
    assert len(checked_in) == KILLED_TICKETS == len(reported | unreported)
    assert logged_ok == KILLED_TICKETS  # each check-in has its scan-log row
    if store.is_sqlite:
        store.dispose()
        path = db_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
