"""Sessions at the organizer's Program tab and at the desk (issue 43): an organizer cancels a
session (confirmed; its seats freed, its row says so, it can no longer be edited); at the desk,
Ctrl+T opens a ticket's Sessions dialog, where Enter adds the session chosen to the ticket
(a full one: on its waitlist) or takes it off (the next one waiting takes the seat), and the
card shows a session the organizer cancelled on the ticket. On the demo, its day's clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from textual.notifications import Notify
from textual.widgets import Button, DataTable

from eventdesk.db import Store
from eventdesk.services.catalogue import events, program
from eventdesk.services.people import cancellation
from eventdesk.services.people.registration import TicketInfo, register, show_ticket
from screens.desk.screen import DeskScreen
from screens.desk.sessions import SessionsScreen
from screens.organizer import FormScreen
from tests.app.test_app_desk import (
    banner_text,
    card_text,
    choose,
    desk_app,
    hook,
    notified,
    opened,
)
from tests.app.test_app_organizer import cell_texts, confirm, organizer_app, press, table
from tests.app.test_app_organizer import choose as choose_row
from tests.app.test_app_organizer import opened as organizer_opened
from tests.apptools import DemoStation, compositor_of, wait_for
from tests.core.test_registration import assert_counters_match
from tests.helpers import people
from tests.screen_fit import drawn

pytestmark = pytest.mark.asyncio


def lab(store: Store, event: str, name: str, capacity: int) -> int:
    """A session an hour into the demo's event (times derived from the event's)."""
    starts = events.show_event(store, event).starts_at + timedelta(hours=1)
    return program.add_session(
        store, event, name=name, starts=starts, ends=starts + timedelta(hours=1), capacity=capacity
    ).id


def seat_of(store: Store, ticket: str, session_id: int) -> str | None:
    seats = {s.session_id: s.status for s in show_ticket(store, ticket).session_seats}
    return seats.get(session_id)


# --- the organizer ------------------------------------------------------------------------------
async def test_the_organizer_cancels_a_session_and_cannot_edit_it_then(
    station: DemoStation,
) -> None:
    store, event = station.store, station.summary.event
    events.update_event(store, event, clear_capacity=True)
    session_id = lab(store, event, "Organizer Cancel Lab", capacity=5)
    held = [
        register(store, event, email, "Regular", sessions=[session_id]).tickets[0].ticket_id
        for email in people(store, 2, prefix="organizer-cancel-lab")
    ]
    told: list[Notify] = []
    app = organizer_app(station)
    async with app.run_test(size=(120, 40), message_hook=hook((Notify,), told)) as pilot:
        screen = await organizer_opened(pilot, "tab-program")
        await choose_row(pilot, screen, "sessions-table", "Organizer Cancel Lab")
        await press(pilot, "session-cancel")
        await confirm(pilot)
        await wait_for(
            lambda: any(
                "Organizer Cancel Lab (cancelled)" in row
                for row in cell_texts(screen, "sessions-table")
            ),
            pilot,
        )
        assert notified(told, "Session Organizer Cancel Lab cancelled: 2 seats freed")
        assert [s.status for s in program.list_sessions(store, event) if s.id == session_id] == [
            "cancelled"
        ]
        assert all(seat_of(store, ticket, session_id) == "cancelled" for ticket in held)

        await choose_row(pilot, screen, "sessions-table", "Organizer Cancel Lab (cancelled)")
        await press(pilot, "session-edit")
        await wait_for(lambda: notified(told, "is cancelled: nothing to edit"), pilot)
        assert not isinstance(app.screen, FormScreen)
        assert table(screen, "sessions-table").row_count >= 1
    assert_counters_match(store)


# --- the desk -----------------------------------------------------------------------------------
async def open_sessions(pilot: Any, screen: DeskScreen, ticket: TicketInfo) -> SessionsScreen:
    await choose(pilot, screen, ticket)
    await pilot.press("ctrl+t")
    app = pilot.app
    await wait_for(lambda: isinstance(app.screen, SessionsScreen), pilot)
    dialog: SessionsScreen = app.screen
    await wait_for(lambda: bool(dialog.sessions), pilot)
    return dialog


async def pick(pilot: Any, dialog: SessionsScreen, session_id: int, button: str) -> None:
    """Put the cursor on the session's row; the button says ``button``; Enter."""
    grid = dialog.query_one("#sessions-list", DataTable)
    grid.move_cursor(row=grid.get_row_index(str(session_id)))
    change = dialog.query_one("#sessions-change", Button)
    await wait_for(lambda: str(change.label) == button, pilot)
    await pilot.press("enter")
    await wait_for(lambda: not isinstance(pilot.app.screen, SessionsScreen), pilot)


async def test_the_desk_adds_a_session_to_a_ticket_and_takes_it_off(
    station: DemoStation,
) -> None:
    store, event = station.store, station.summary.event
    events.update_event(store, event, clear_capacity=True)
    session_id = lab(store, event, "Desk Dialog Lab", capacity=1)
    first, second = (  # each their one ticket: the desk's keys act on it
        show_ticket(store, register(store, event, email, "Regular").tickets[0].ticket_id)
        for email in people(store, 2, prefix="desk-dialog-lab")
    )
    told: list[Notify] = []
    app = desk_app(station)
    async with app.run_test(size=(120, 40), message_hook=hook((Notify,), told)) as pilot:
        screen = await opened(app, pilot)

        dialog = await open_sessions(pilot, screen, first)
        await pick(pilot, dialog, session_id, "Add")
        await wait_for(lambda: seat_of(store, first.id, session_id) == "registered", pilot)
        await wait_for(lambda: "Desk Dialog Lab" in card_text(screen), pilot)
        assert "has a seat in Desk Dialog Lab" in banner_text(screen)

        # The lab is full now: the second person's seat waits on its waitlist.
        dialog = await open_sessions(pilot, screen, second)
        await pick(pilot, dialog, session_id, "Add")
        await wait_for(lambda: seat_of(store, second.id, session_id) == "waitlisted", pilot)
        await wait_for(lambda: "Desk Dialog Lab (waitlisted)" in card_text(screen), pilot)
        assert "waits for a seat in Desk Dialog Lab: place 1" in banner_text(screen)

        # Taken off the first ticket: the seat goes to the second, said on the banner.
        dialog = await open_sessions(pilot, screen, first)
        await pick(pilot, dialog, session_id, "Take off")
        await wait_for(lambda: seat_of(store, first.id, session_id) is None, pilot)
        assert seat_of(store, second.id, session_id) == "registered"
        await wait_for(lambda: "Its seat went to" in banner_text(screen), pilot)
        assert second.id in banner_text(screen)

        # Escape changes nothing.
        dialog = await open_sessions(pilot, screen, second)
        await pilot.press("escape")
        await wait_for(lambda: not isinstance(app.screen, SessionsScreen), pilot)
        assert seat_of(store, second.id, session_id) == "registered"

        # The organizer cancels the lab: the card tells the desk, on the second's ticket.
        program.cancel_session(store, session_id, station="Office")
        await wait_for(lambda: "✘ session cancelled: Desk Dialog Lab" in card_text(screen), pilot)
    assert_counters_match(store)


async def test_the_sessions_key_says_why_not_without_a_ticket_here(
    station: DemoStation,
) -> None:
    store, event = station.store, station.summary.event
    events.update_event(store, event, clear_capacity=True)
    (email,) = people(store, 1, prefix="sessions-key-cancelled")
    ticket = register(store, event, email, "Regular").tickets[0].ticket_id
    cancellation.cancel(store, ticket)
    told: list[Notify] = []
    app = desk_app(station)
    async with app.run_test(size=(120, 40), message_hook=hook((Notify,), told)) as pilot:
        screen = await opened(app, pilot)
        await choose(pilot, screen, show_ticket(store, ticket))
        await pilot.press("ctrl+t")
        await wait_for(lambda: notified(told, "No ticket to change the sessions of"), pilot)
        assert not isinstance(app.screen, SessionsScreen)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_the_desks_sessions_dialog_shows_every_column_at_every_size(
    station: DemoStation, size: tuple[int, int]
) -> None:
    """Before: at 80x24 the Places and This ticket columns were off the dialog's edge, and at
    120x40 the last heading was cut to "Thi" with no "…" (the table scrolled sideways). Now
    every column is in view; a long session name gives way, ending in "…"."""
    store, event = station.store, station.summary.event
    long_name = "Hands-on Workshop: Observability for Distributed Event Check-in Systems"
    lab(store, event, long_name, capacity=40)
    [email] = people(store, 1, prefix="sessions-fit")
    ticket = show_ticket(store, register(store, event, email, "Regular").tickets[0].ticket_id)
    app = desk_app(station)
    async with app.run_test(size=size) as pilot:
        screen = await opened(app, pilot)
        dialog = await open_sessions(pilot, screen, ticket)
        grid = dialog.query_one("#sessions-list", DataTable)
        await wait_for(lambda: grid.row_count == len(dialog.sessions), pilot)
        await pilot.pause()
        assert grid.virtual_size.width <= grid.scrollable_content_region.width, (
            grid.virtual_size,
            grid.scrollable_content_region,
        )
        shown = drawn(compositor_of(dialog).render_strips(), grid.region)
        heads = shown[0]
        assert "This ticket" in heads and "Places" in heads, shown
        [row] = [line for line in shown if "Hands-on Workshop" in line]
        assert long_name not in row and "…" in row, row  # it gave way, and says so
