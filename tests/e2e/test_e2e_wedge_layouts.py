"""End to end: a kiosk in a real terminal (tmux) admits a ticket that a keyboard-wedge scanner
typed through a French AZERTY layout, as the operating system delivers it."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from eventdesk.db import Store
from eventdesk.models import Ticket, TicketType
from eventdesk.services.people.payments import payment_summary
from tests.door.test_wedge_layouts import mangle
from tests.e2e.test_e2e_tmux import pane, tmux, wait_pane

pytestmark = [
    pytest.mark.slow,  # keyboard wedges in a real terminal
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def test_a_kiosk_admits_a_ticket_typed_through_azerty(tmp_path: Path) -> None:
    data = tmp_path / "data"
    eventdesk = [sys.executable, "-m", "eventdesk", "--data-dir", str(data)]
    built = subprocess.run(
        [*eventdesk, "--json", "demo", "--attendees", "40", "--no-ui"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    demo = json.loads(built.stdout)
    kiosk, pin = next((s["name"], s["pin"]) for s in demo["staff"] if s["role"] == "kiosk")
    store = Store(f"sqlite:///{data / 'demo.db'}")
    try:
        with store.read() as db:
            candidates = db.execute(
                select(Ticket.id, Ticket.qr_payload)
                .join(TicketType, TicketType.id == Ticket.ticket_type_id)
                .where(
                    Ticket.status == "registered",
                    Ticket.checked_in_at.is_(None),
                    Ticket.qr_payload.is_not(None),
                    TicketType.needs_staff.is_(False),
                )
                .order_by(Ticket.id)
            ).all()
        # A ticket the kiosk admits by itself: paid in full, no ID check at the desk.
        ticket, payload = next(
            row for row in candidates if payment_summary(store, row.id).due_cents == 0
        )
        assert payload is not None
        line = mangle(payload, "fr")
        assert line.startswith("ED&:") and line != payload

        session = f"eventdesk-kb-{uuid.uuid4().hex[:12]}"  # one tmux server for every run
        command = [*eventdesk, "--db", f"sqlite:///{data / 'demo.db'}", "--station", "Kiosk 1"]
        command += ["app", "--mode", "kiosk", "--event", demo["event"], "--sign-in-as", kiosk]
        env = {"EVENTDESK_SIGN_IN_PIN": pin, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
        options = [f"-e{name}={value}" for name, value in env.items()]
        # The pane stays when the app ends, with its last words: a failure shows them.
        shell = f"{shlex.join(command)}; echo eventdesk ended with $?; sleep 120"
        tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", *options, shell)
        try:
            wait_pane(session, "Scan your ticket", 60.0)  # the kiosk, its scanner field focused
            tmux("send-keys", "-t", session, "-l", line)
            tmux("send-keys", "-t", session, "Enter")
            wait_pane(session, "welcome", 60.0, any_case=True)
            with store.read() as db:
                row = db.execute(
                    select(Ticket.checked_in_at, Ticket.checked_in_station).where(
                        Ticket.id == ticket
                    )
                ).one()
            assert row.checked_in_at is not None and row.checked_in_station == "Kiosk 1"
            assert "Traceback" not in pane(session)
        finally:
            subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    finally:
        store.dispose()
