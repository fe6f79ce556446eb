"""End to end: the real `eventdesk demo` in tmux, driven by keys, read off the terminal."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from eventdesk.db import Store
from eventdesk.models import Attendee, ScanLog, Ticket
from eventdesk.services.payments import payment_summary
from eventdesk.services.registration import tickets_of_attendee
from eventdesk.tickets import load_signer

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def tmux(*args: str) -> str:
    done = subprocess.run(["tmux", "-u", *args], capture_output=True, text=True, check=True)
    return done.stdout


def pane(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session)


def wait_pane(session: str, text: str, timeout: float = 30.0, *, any_case: bool = False) -> str:
    """The screen once it shows ``text`` (in any case, with ``any_case``); fails with the
    screen after ``timeout``."""
    wanted = text.casefold() if any_case else text
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = pane(session)
        if wanted in (seen.casefold() if any_case else seen):
            return seen
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared; the screen shows:\n{pane(session)}")


def start_demo(tmp_path: Path, name: str) -> tuple[Path, str]:
    """`eventdesk demo` (60 attendees, station Desk A) in a tmux session of its own: its data
    folder and the session's name."""
    data = tmp_path / "data"
    session = f"eventdesk-{name}-{tmp_path.name}"[:60]
    command = [sys.executable, "-m", "eventdesk", "--data-dir", str(data), "--station", "Desk A"]
    command += ["demo", "--attendees", "60"]
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", *command)
    return data, session


def test_demo_search_and_check_in_in_a_real_terminal(tmp_path: Path) -> None:
    data, session = start_demo(tmp_path, "e2e")
    try:
        wait_pane(session, "Ready: search for someone")  # the desk, signed in as the organizer
        store = Store(f"sqlite:///{data / 'demo.db'}")
        with store.read() as db:
            candidates = db.execute(
                select(Ticket.id, Attendee.email, Attendee.name)
                .join(Attendee, Attendee.id == Ticket.attendee_id)
                .where(Ticket.status == "registered", Ticket.checked_in_at.is_(None))
                .order_by(Ticket.id)
            ).all()
        # Someone with one ticket, paid in full (the door refuses unpaid tickets).
        ticket, email, name = next(
            row
            for row in candidates
            if payment_summary(store, row.id).due_cents == 0
            and len(tickets_of_attendee(store, row.email)) == 1
        )
        tmux("send-keys", "-t", session, "-l", email)
        wait_pane(session, name)  # the table shows the match...
        deadline = time.monotonic() + 30
        while pane(session).count(name) < 2:  # ...and the card beside it is theirs too
            assert time.monotonic() < deadline, pane(session)
            time.sleep(0.1)
        tmux("send-keys", "-t", session, "C-k")
        wait_pane(session, "ADMITTED")
        with store.read() as db:
            row = db.execute(
                select(Ticket.checked_in_at, Ticket.checked_in_station).where(Ticket.id == ticket)
            ).one()
        assert row.checked_in_at is not None and row.checked_in_station == "Desk A"
        tmux("send-keys", "-t", session, "C-k")  # again: the desk says it was already done
        wait_pane(session, "ALREADY CHECKED IN")
        assert "Traceback" not in pane(session)
        store.dispose()
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def test_a_scanner_sending_its_stored_scans_at_once_gets_each_decided(tmp_path: Path) -> None:
    """A batch scanner uploads its stored scans a few milliseconds apart: every line is one
    scan, whole, however far behind the screen is (its Enter is not handled after the next
    line's keys, and the next line is not split between the scan field and Search)."""
    data, session = start_demo(tmp_path, "burst")
    try:
        wait_pane(session, "Ready: search for someone")
        store = Store(f"sqlite:///{data / 'demo.db'}")
        with store.read() as db:
            ids = list(
                db.scalars(
                    select(Ticket.id)
                    .where(Ticket.status == "registered", Ticket.checked_in_at.is_(None))
                    .order_by(Ticket.id)
                    .limit(6)
                )
            )
            before = db.scalar(select(func.count()).select_from(ScanLog)) or 0
        signer = load_signer(data)
        assert signer is not None and len(ids) == 6

        def burst(part: list[str]) -> None:
            tmux("send-keys", "-t", session, "-l", "".join(f"{signer.payload(i)}\r" for i in part))
            deadline = time.monotonic() + 60
            while True:
                with store.read() as db:
                    scans = db.execute(
                        select(ScanLog.ticket_id, ScanLog.result, ScanLog.payload)
                        .order_by(ScanLog.id)
                        .offset(before)
                    ).all()
                if len(scans) >= len(part) or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            assert [(s.ticket_id, s.payload) for s in scans] == [
                (i, signer.payload(i)) for i in part
            ], pane(session)
            assert "invalid" not in {s.result for s in scans}

        burst(ids[:1])  # one first, into Search: the desk is ready for keys once it is answered
        before += 1
        wait_pane(session, f"The card shows ticket {ids[0]}")  # its card is in
        # Focused, the scan field shows its cursor on the placeholder's first letter (a cell
        # of its own colours): the scanner's keys go there from now on. (A card shown after
        # Ctrl+S takes the focus back to Search, as after every scan: Ctrl+S again.)
        deadline = time.monotonic() + 30
        while "mcan (keyboard-wedge)" not in tmux("capture-pane", "-e", "-p", "-t", session):
            assert time.monotonic() < deadline, pane(session)
            tmux("send-keys", "-t", session, "C-s")
            time.sleep(0.5)
        burst(ids[1:])  # into the scan field
        assert "Traceback" not in pane(session)
        store.dispose()
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
