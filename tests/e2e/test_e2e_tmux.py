"""End to end: the real `eventdesk demo` in tmux, driven by keys, read off the terminal."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from eventdesk.db import Store
from eventdesk.models import Attendee, Ticket, TicketType
from eventdesk.services.people.payments import payment_summary
from eventdesk.services.people.registration import tickets_of_attendee

pytestmark = [
    pytest.mark.slow,  # the app in a real terminal
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def tmux(*args: str) -> str:
    done = subprocess.run(["tmux", "-u", *args], capture_output=True, text=True, check=True)
    return done.stdout


def pane(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session)


def wait_pane(session: str, text: str, timeout: float = 120.0, *, any_case: bool = False) -> str:
    """The screen once it shows ``text`` (in any case, with ``any_case``); fails with the
    screen after ``timeout`` (long: the demo is built before its first screen, which took 22 s
    on a 2-core machine kept busy by the suite's other workers)."""
    wanted = text.casefold() if any_case else text
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = pane(session)
        if wanted in (seen.casefold() if any_case else seen):
            return seen
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared; the screen shows:\n{pane(session)}")


def test_demo_search_and_check_in_in_a_real_terminal(tmp_path: Path) -> None:
    data = tmp_path / "data"
    session = f"eventdesk-e2e-{uuid.uuid4().hex[:12]}"  # one tmux server for every run here
    command = [sys.executable, "-m", "eventdesk", "--data-dir", str(data), "--station", "Desk A"]
    command += ["demo", "--attendees", "60"]
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", *command)
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
        # Once the card says so (until then the desk answers "a scan is being answered"):
        wait_pane(session, "✔ checked in")
        tmux("send-keys", "-t", session, "C-k")  # again: the desk says it was already done
        wait_pane(session, "ALREADY CHECKED IN")
        assert "Traceback" not in pane(session)
        store.dispose()
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def test_a_badge_preview_in_a_real_terminal(tmp_path: Path) -> None:
    """`badge TICKET --preview` in an 80x24 tmux (which shows no pictures: asked, it says so
    at once): the VIP's badge (the demo gives VIPs the vip-ribbon layout) as its words in their
    places in a box, black ink on white cells, its band across the top reversed with VIP in
    it, the name in full, the QR in half blocks, the line under it naming the ticket, the
    holder and the layout; nothing of the terminal's answers on the screen."""
    data = tmp_path / "data"
    base = [sys.executable, "-m", "eventdesk", "--data-dir", str(data)]
    subprocess.run([*base, "demo", "--no-ui", "--attendees", "40"], check=True, capture_output=True)
    store = Store(f"sqlite:///{data / 'demo.db'}")
    with store.read() as db:
        ticket, name = db.execute(
            select(Ticket.id, Attendee.name)
            .join(Attendee, Attendee.id == Ticket.attendee_id)
            .join(TicketType, TicketType.id == Ticket.ticket_type_id)
            .where(TicketType.name == "VIP", Ticket.status == "registered")
            .order_by(Ticket.id)
        ).first()
    store.dispose()
    session = f"eventdesk-preview-{uuid.uuid4().hex[:12]}"
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", *base, "badge", ticket,
         "--preview")  # fmt: skip
    tmux("set-option", "-t", session, "remain-on-exit", "on")
    try:
        said = f"{ticket}: {name} (vip-ribbon)"
        wait_pane(session, said)
        drawn = tmux("capture-pane", "-p", "-t", session, "-S", "-200").splitlines()
        top = next(n for n, row in enumerate(drawn) if row.startswith("┌"))
        bottom = next(n for n, row in enumerate(drawn) if row.startswith("└"))
        assert top < bottom < drawn.index(said) and len(drawn[top]) <= 80
        inside = [row.strip("│") for row in drawn[top + 1 : bottom]]
        assert any(row.strip() == "VIP" for row in inside[:5])  # in the band
        assert any(row.strip() == name for row in inside)  # the name, in full
        assert sum("▀" in row or "▄" in row for row in inside) > 10  # the QR
        after = [row for row in drawn[drawn.index(said) + 1 :] if row.strip()]
        assert all(row.startswith("Pane is dead") for row in after)  # no answers shown
        coloured = tmux("capture-pane", "-e", "-p", "-t", session, "-S", "-200")
        assert "38;5;16" in coloured and "48;5;231" in coloured  # black ink on white
        assert "38;5;231" in coloured and "48;5;16" in coloured  # the band reversed
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
