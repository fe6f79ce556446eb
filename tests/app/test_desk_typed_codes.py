"""A ticket's code typed into the desk by hand, or by a scanner whose keys come too slowly to be
told from a person's (so the app's scanner gate hands them on as typing), then Enter however
late: it is decided as a scan (its answer shown, its scan logged), and the answer to a scan made
meanwhile (a scanner's line the gate took whole) never replaces, selects or takes the focus
from what is being typed. The keys are pressed one at a time, the test letting the desk handle
each before the next (``pilot.pause``). Offline too: a ticket's id is then found in the
station's copy."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import select
from textual.widgets import Input

from devices.wedge import Line
from eventdesk.db import Store
from eventdesk.models import ScanLog
from eventdesk.services.catalogue.program import add_ticket_type
from eventdesk.services.people.attendees import add_attendee
from eventdesk.services.people.registration import TicketInfo, register, show_ticket
from screens.desk.screen import DeskScreen
from screens.messages import ScanDecided
from screens.scanner_keys import ScannedLine
from testkit.proxy import TcpProxy
from tests.app.test_app_desk import admissible, banner_text, desk_app, hook, opened
from tests.app.test_desk_several_events_offline import (
    TwoEventDesk,
    logged_ok,
    two_event_desk,
)
from tests.app.test_offline_door import has_copy, offline_line, until
from tests.apptools import DemoStation, wait_for
from tests.door.test_outage import POSTGRESQL, backend_fixed, proxy
from tests.scanner_bursts import key_of

__all__ = ["backend_fixed", "proxy", "two_event_desk"]  # fixtures
pytestmark = pytest.mark.asyncio


async def type_slowly(pilot: Any, text: str) -> None:
    """``text`` typed a key at a time, each handled before the next comes."""
    for character in text:
        await pilot.press(key_of(character).key)
        await pilot.pause()


async def answered_meanwhile(pilot: Any, screen: DeskScreen, ticket: TicketInfo) -> None:
    """A scanner's line for ``ticket``, taken whole by the gate (as the terminal driver gives
    it), decided, and its answer and card shown at the desk."""
    assert ticket.qr_payload
    pilot.app.post_message(ScannedLine(Line(ticket.qr_payload), time.monotonic()))
    await wait_for(
        lambda: (
            show_ticket(screen.backend.store, ticket.id).checked_in_at is not None
            and screen.card is not None
            and screen.card.attendee.id == ticket.attendee_id
            and not screen.scanning
        ),
        pilot,
    )
    await pilot.pause()


def logged(screen: DeskScreen, ticket_id: str) -> list[tuple[str, str]]:
    """The scan log's lines and answers for ``ticket_id``."""
    with screen.backend.store.read() as session:
        rows = session.execute(
            select(ScanLog.payload, ScanLog.result).where(ScanLog.ticket_id == ticket_id)
        ).all()
    return [(payload or "", result) for payload, result in rows]


@pytest.mark.parametrize("field_id", ["search", "scan"])
async def test_a_payload_typed_slowly_is_decided_whatever_answer_comes_meanwhile(
    station: DemoStation, field_id: str
) -> None:
    store, event = station.store, station.summary.event
    earlier, typed = admissible(store, event)[:2]
    assert typed.qr_payload
    payload = typed.qr_payload
    messages: list[Any] = []
    app = desk_app(station)
    async with app.run_test(size=(120, 40), message_hook=hook((ScanDecided,), messages)) as pilot:
        screen = await opened(app, pilot)
        field = screen.query_one(f"#{field_id}", Input)
        field.focus()
        await wait_for(lambda: app.focused is field, pilot)
        half = len(payload) // 2
        await type_slowly(pilot, payload[:half])

        await answered_meanwhile(pilot, screen, earlier)
        assert earlier.attendee in banner_text(screen)
        # What is being typed stays as typed, unselected, where it is typed.
        assert app.focused is field
        assert field.value == payload[:half]
        assert field.selection.start == field.selection.end == half

        await type_slowly(pilot, payload[half:])
        assert field.value == payload
        await pilot.press("enter")
        await wait_for(
            lambda: any(m.result.ticket_id == typed.id for m in messages if m.payload == payload),
            pilot,
        )
        await wait_for(lambda: typed.attendee in banner_text(screen), pilot)
        assert show_ticket(store, typed.id).checked_in_at is not None
        assert logged(screen, typed.id) == [(payload, "ok")]


async def test_a_ticket_id_typed_and_entered_is_decided_as_that_tickets_scan(
    station: DemoStation,
) -> None:
    """The id of the second of a person's two tickets here (a guest's, whose holder is named),
    typed slowly while another scan is
    answered, then Enter at once: that ticket is admitted (not the person's first), answered
    and logged, whether or not the search and the card caught up with the typing."""
    store, event = station.store, station.summary.event
    earlier, first = admissible(store, event)[:2]
    guest = add_ticket_type(store, event, name="Typed guest pass", price_cents=0)
    second = register(
        store, event, first.attendee_id, guest.id, holders=["Typed Guest"], station="Box office"
    ).tickets[0]
    messages: list[Any] = []
    app = desk_app(station)
    async with app.run_test(size=(120, 40), message_hook=hook((ScanDecided,), messages)) as pilot:
        screen = await opened(app, pilot)
        search = screen.query_one("#search", Input)
        ticket_id = second.ticket_id
        await type_slowly(pilot, ticket_id[:3].lower())
        await answered_meanwhile(pilot, screen, earlier)
        assert search.value == ticket_id[:3].lower()
        await type_slowly(pilot, ticket_id[3:].lower())
        await pilot.press("enter")
        # Ended by its Enter: what is typed next (before the answer, too) is the next line.
        assert (search.selection.start, search.selection.end) == (0, len(ticket_id))
        await wait_for(lambda: any(m.result.ticket_id == ticket_id for m in messages), pilot)
        [answer] = [m for m in messages if m.result.ticket_id == ticket_id]
        assert answer.result.result == "ok", answer.result
        await wait_for(lambda: "Typed guest pass" in banner_text(screen), pilot)
        assert show_ticket(store, ticket_id).checked_in_at is not None
        assert show_ticket(store, first.id).checked_in_at is None  # not the first ticket
        assert logged(screen, ticket_id) == [(f"ticket:{ticket_id}", "ok")]
        # The desk follows the scan: its id in Search, selected, for the next one to type over.
        await wait_for(lambda: search.value == ticket_id and screen.scanned == ticket_id, pilot)
        assert (search.selection.start, search.selection.end) == (0, len(ticket_id))


async def test_a_name_that_could_be_a_ticket_id_is_still_a_search(station: DemoStation) -> None:
    """Enter on eight letters that are no ticket's id (they could be one) is the search's Enter:
    the one person found is checked in, and nothing is logged of those letters."""
    store, event = station.store, station.summary.event
    person = add_attendee(store, name="Gerd Bernhard", email="gerd.bernhard@example.org")
    guest = add_ticket_type(store, event, name="Typed guest pass", price_cents=0)
    ticket_id = register(store, event, person.id, guest.id, station="Box office").tickets[0]
    messages: list[Any] = []
    app = desk_app(station)
    async with app.run_test(size=(120, 40), message_hook=hook((ScanDecided,), messages)) as pilot:
        screen = await opened(app, pilot)
        search = screen.query_one("#search", Input)
        await type_slowly(pilot, "bernhard")
        await wait_for(lambda: screen.shown_query == search.value, pilot)
        await wait_for(
            lambda: screen.card is not None and screen.card.attendee.id == person.id, pilot
        )
        assert len(screen.people) == 1
        await pilot.press("enter")
        await wait_for(lambda: bool(messages), pilot)
        assert [m.payload for m in messages] == [f"ticket:{ticket_id.ticket_id}"]
        assert show_ticket(store, ticket_id.ticket_id).checked_in_at is not None
        assert logged(screen, "BERNHARD") == []
        assert search.value == "bernhard"  # a search stays as typed, unselected
        assert search.selection.start == search.selection.end == len("bernhard")


@POSTGRESQL
async def test_a_ticket_id_typed_offline_is_decided_from_the_copy(
    backend_fixed: None, store: Store, proxy: TcpProxy, two_event_desk: TwoEventDesk
) -> None:
    """The server cut, a desk's own login at a door for two events: the id of a ticket of the
    second event, typed and entered, is found in the station's copy and decided from it (said,
    kept to upload), then logged on the server under that event."""
    app, second, ticket_id = two_event_desk.app, two_event_desk.second, two_event_desk.ticket_id
    messages: list[Any] = []
    async with app.run_test(size=(120, 40), message_hook=hook((ScanDecided,), messages)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DeskScreen))
        screen = app.screen
        assert isinstance(screen, DeskScreen)
        await until(pilot, has_copy(app))
        proxy.cut()
        await until(pilot, lambda: app.backend.offline)
        screen.query_one("#search", Input).focus()
        await type_slowly(pilot, ticket_id)
        await pilot.press("enter")
        await until(pilot, lambda: any(m.result.ticket_id == ticket_id for m in messages))
        [answer] = messages
        assert (answer.result.result, answer.result.offline) == ("ok", True), answer.result
        await until(pilot, lambda: "ADMITTED" in banner_text(screen))
        proxy.restore()
        await until(pilot, lambda: offline_line(app) == "")  # synced
    assert logged_ok(store, ticket_id) == [(second, True)]
