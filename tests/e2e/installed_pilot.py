"""Every mode of the app as a user's installation has it, driven through Textual's Pilot.

tests/e2e/test_installed.py copies this file to a folder outside the checkout and runs it with
the Python of a fresh virtual environment that eventdesk's wheel was installed into: nothing
here may come from the source tree (not tests.apptools either: what it needs is written out
below). It opens each mode on the demo in DATA_DIR, scans a ticket at the desk and at the kiosk
(each at 80x24), and writes what each screen showed to REPORT as JSON:

    python installed_pilot.py DATA_DIR EVENT REPORT
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from textual.widgets import Input

import eventdesk
import screens
from eventdesk.config import load_config, sqlite_url
from eventdesk.db import Store
from eventdesk.opening import open_store
from eventdesk.services.catalogue import events
from eventdesk.services.catalogue.program import list_ticket_types
from eventdesk.services.people.attendees import find_attendees
from eventdesk.services.people.payments import payment_summary
from eventdesk.services.people.registration import TicketInfo, tickets_of_attendee
from eventdesk.values import utcnow
from screens.app import make_app

SIZE = (80, 24)  # a plain terminal: what a desk or a kiosk may have
WAIT_SECONDS = 60.0  # a busy 2-core machine, and every module compiled on its first import
ADMITTED = "ADMITTED"  # the desk's answer to a good ticket (screens/desk/answer.py)
# Each mode: its screen, who signs in, and what it shows once its data is in.
MODES = {
    "desk": ("DeskScreen", "Sam Desk"),
    "kiosk": ("KioskScreen", "Kiosk Door 1"),
    "organizer": ("OrganizerScreen", "Olivia Organizer"),
    "stats": ("StatsScreen", "Olivia Organizer"),
}


def screen_text(app: Any) -> str:
    """Every character the terminal shows now, as plain text."""
    svg = re.sub(r"<style>.*?</style>", "", app.export_screenshot(), flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


async def wait_for(condition: Callable[[], bool], pilot: Any) -> bool:
    """Let the app work until ``condition()`` holds; False when it did not in time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_SECONDS
    while not condition():
        if loop.time() > deadline:
            return False
        await pilot.pause(0.05)
    return True


def admissible(store: Store, event: str) -> list[TicketInfo]:
    """Tickets a scan admits at the desk and at the kiosk: registered, paid, not checked in, of
    a type that needs no staff, held by someone whose name the screen shows as it is written
    (plain letters, short enough for 80 columns)."""
    to_desk = {kind.name for kind in list_ticket_types(store, event) if kind.needs_staff}
    found = []
    for person in find_attendees(store, "", limit=500):
        if not (person.name.isascii() and len(person.name) <= 24):
            continue
        for ticket in tickets_of_attendee(store, person.id):
            if (
                ticket.event == event
                and ticket.status == "registered"
                and ticket.checked_in_at is None
                and ticket.qr_payload
                and ticket.ticket_type not in to_desk
                and payment_summary(store, ticket.id).due_cents == 0
            ):
                found.append(ticket)
    return found


async def open_mode(
    store: Store, config: Any, mode: str, ticket: TicketInfo | None
) -> dict[str, Any]:
    """The app opened in ``mode``, signed in; with ``ticket``, its QR scanned there."""
    screen_class, staff = MODES[mode]
    app = make_app(config, store=store, mode=mode, sign_in_as=staff)
    seen: dict[str, Any] = {"mode": mode}
    async with app.run_test(size=SIZE) as pilot:
        seen["started"] = await wait_for(
            lambda: type(app.screen).__name__ == screen_class and app.current_mode == mode, pilot
        )
        seen["screen"] = type(app.screen).__name__
        seen["styles"] = sorted(  # the style files read, where they were read from
            path for path, _where in app.stylesheet.source if path.endswith(".tcss")
        )
        if seen["started"] and ticket is not None and ticket.qr_payload:
            # A keyboard-wedge scanner types the ticket's QR into the focused scan field and
            # ends it with Enter: the desk's scan field, the kiosk's own field.
            field = app.screen.query_one("#scan" if mode == "desk" else "#wedge", Input)
            if mode == "desk":  # once it shows its first card (then it focuses its search)
                await wait_for(lambda: getattr(app.screen, "card", None) is not None, pilot)
                field.focus()
            await wait_for(lambda: app.focused is field, pilot)  # the kiosk's, by itself
            field.value = ticket.qr_payload
            await pilot.press("enter")
            name = ticket.attendee
            if mode == "desk":  # the desk lists everyone: its answer line names the decision
                seen["decided"] = await wait_for(
                    lambda: ADMITTED in screen_text(app) and name in screen_text(app), pilot
                )
            else:  # the kiosk names nobody until it answers
                seen["decided"] = await wait_for(lambda: name in screen_text(app), pilot)
            seen["attendee"] = name
        elif seen["started"] and mode == "stats":  # its figures are in once "loading…" goes
            await wait_for(lambda: "loading…" not in screen_text(app), pilot)
        elif seen["started"] and mode == "organizer":
            await wait_for(lambda: "Northwind" in screen_text(app), pilot)
        seen["text"] = screen_text(app)
        seen["running"] = app.is_running
    return seen


async def main(data_dir: Path, event: str, report: Path) -> None:
    config = load_config(
        data_dir=data_dir, database_url=sqlite_url(data_dir / "demo.db"), station="Door 1"
    ).with_options(event=event)
    store = open_store(config)
    # The door is open around now, whatever the time of day (the demo's door closes at night).
    now = utcnow()
    events.update_event(
        store,
        event,
        checkin_opens=(now - timedelta(days=1)).isoformat(),
        checkin_closes=(now + timedelta(days=1)).isoformat(),
    )
    tickets = admissible(store, event)
    if len(tickets) < 2:
        raise SystemExit(f"the demo has {len(tickets)} tickets to admit, not 2")
    seen = {
        "modules": {
            "eventdesk": eventdesk.__file__,
            "screens": screens.__file__,
        },
        "modes": [
            await open_mode(store, config, "desk", tickets[0]),
            await open_mode(store, config, "kiosk", tickets[1]),
            await open_mode(store, config, "organizer", None),
            await open_mode(store, config, "stats", None),
        ],
    }
    store.dispose()
    report.write_text(json.dumps(seen, indent=1), encoding="utf-8")


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])))
