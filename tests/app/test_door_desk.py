"""The desk at the door (issue 10): a scan in the search box answers and shows the same person,
typing after a scan searches, the card and the table follow what other stations do, and every
time on the card is in the event's time zone."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from textual.widgets import Input, Static

from eventdesk.services.catalogue.events import show_event
from eventdesk.services.people.registration import show_ticket, tickets_of_attendee
from screens.desk.results import ResultsTable
from screens.messages import ScanDecided
from tests.app.test_app_desk import (
    admissible,
    banner,
    banner_text,
    card_text,
    choose,
    desk_app,
    event_tickets,
    hook,
    opened,
    rows,
    scanner_types,
    settle,
)
from tests.apptools import DemoStation, wait_for, workers_done

pytestmark = pytest.mark.asyncio


def highlighted(screen: Any) -> int | None:
    """The attendee id under the results table's cursor."""
    table = screen.query_one("#results", ResultsTable)
    if table.row_count == 0:
        return None
    return int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)


def hint_text(screen: Any) -> str:
    return str(screen.query_one("#hint", Static).render())


async def test_a_scan_typed_into_search_answers_and_shows_the_same_person(
    station: DemoStation,
) -> None:
    store, event = station.store, station.summary.event
    messages: list[Any] = []
    app = desk_app(station)
    async with app.run_test(size=(120, 40), message_hook=hook((ScanDecided,), messages)) as pilot:
        screen = await opened(app, pilot)
        shown = screen.attendee_id
        assert shown is not None
        ticket = next(t for t in admissible(store, event) if t.attendee_id != shown)
        assert ticket.qr_payload
        theirs = {t.id: t.checked_in_at for t in tickets_of_attendee(store, shown)}
        assert app.focused is screen.query_one("#search", Input)  # the cursor starts in Search

        await scanner_types(pilot, ticket.qr_payload)
        await wait_for(lambda: show_ticket(store, ticket.id).checked_in_at is not None, pilot)
        await wait_for(lambda: banner(screen).has_class("-ok"), pilot)
        assert ticket.attendee in banner_text(screen)
        # Everything the desk does after the answer has landed, then the card.
        await wait_for(
            lambda: screen.card is not None and screen.card.attendee.id == ticket.attendee_id,
            pilot,
        )
        await workers_done(app)
        await pilot.pause()  # the messages those workers posted
        assert screen.card is not None and screen.card.attendee.id == ticket.attendee_id
        assert ticket.attendee in card_text(screen) and ticket.id in card_text(screen)
        assert "Nobody matches" not in card_text(screen)
        assert highlighted(screen) == ticket.attendee_id  # the table agrees with the card

        await pilot.press("ctrl+u")  # right after: undoes that check-in, not anyone else's
        await wait_for(lambda: show_ticket(store, ticket.id).checked_in_at is None, pilot)
        assert {t.id: t.checked_in_at for t in tickets_of_attendee(store, shown)} == theirs


async def test_typing_after_a_scan_searches_and_the_hint_says_so(station: DemoStation) -> None:
    store, event = station.store, station.summary.event
    ticket = admissible(store, event)[0]
    other = next(
        p
        for p in {t.attendee_id: t for t in event_tickets(store, event)}.values()
        if p.attendee_id != ticket.attendee_id and " " in p.attendee and "'" not in p.attendee
    )
    assert ticket.qr_payload
    app = desk_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(app, pilot)
        assert "search" in hint_text(screen).casefold()

        # Scanned into the scan field...
        await pilot.press("ctrl+s")
        assert app.focused is screen.query_one("#scan", Input)
        await scanner_types(pilot, ticket.qr_payload)
        await wait_for(lambda: show_ticket(store, ticket.id).checked_in_at is not None, pilot)
        await wait_for(
            lambda: screen.card is not None and screen.card.attendee.id == ticket.attendee_id,
            pilot,
        )
        hint = hint_text(screen).casefold()
        assert "type" in hint and "search" in hint  # how to get back to searching

        # ...then a person types a name: it is a search, not a scan.
        first = other.attendee.split()[0]
        await pilot.press(*first)
        search = screen.query_one("#search", Input)
        assert search.value == first
        await settle(pilot, screen)
        assert rows(screen) and all(
            first.casefold() in " ".join(r).casefold() for r in rows(screen)
        )


@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
async def test_the_card_and_the_table_follow_another_station(station: DemoStation) -> None:
    store, event = station.store, station.summary.event
    ticket = admissible(store, event)[0]
    station.open_door_for_processes()  # Door 2 checks in on the real clock
    app = desk_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(app, pilot)
        await choose(pilot, screen, ticket)
        assert "not checked in" in card_text(screen)
        table = screen.query_one("#results", ResultsTable)
        assert table.checked_in == set()

        # Another station, a real process, checks them in.
        command = station.command("checkin", "--ticket", ticket.id, station="Door 2")
        process = await asyncio.create_subprocess_exec(*command)
        assert await process.wait() == 0
        await wait_for(lambda: "at Door 2" in card_text(screen), pilot)
        assert "not checked in" not in card_text(screen)
        await wait_for(lambda: ticket.attendee_id in table.checked_in, pilot)
        assert "✔" in " ".join(str(c) for c in table.get_row_at(0))

        # And undone there: the card says so again within a poll.
        command = station.command("checkin", "undo", ticket.id, station="Door 2")
        process = await asyncio.create_subprocess_exec(*command)
        assert await process.wait() == 0
        await wait_for(lambda: "not checked in" in card_text(screen), pilot)
        await wait_for(lambda: ticket.attendee_id not in table.checked_in, pilot)


@pytest.fixture
def far_away_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """This process's local time zone, far from the demo event's (Europe/Berlin)."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield "America/New_York"
    monkeypatch.undo()
    time.tzset()


async def test_card_times_are_in_the_events_zone(station: DemoStation, far_away_zone: str) -> None:
    store, event = station.store, station.summary.event
    zone = ZoneInfo(show_event(store, event).timezone)
    used = next(t for t in event_tickets(store, event) if t.checked_in_at is not None)
    assert used.checked_in_at is not None
    expected = used.checked_in_at.astimezone(zone).strftime("%H:%M")
    machine = used.checked_in_at.astimezone().strftime("%H:%M")
    assert expected != machine
    app = desk_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(app, pilot)
        await choose(pilot, screen, used)
        # "checked in 09:14", or with the date when that was not today (a run just after
        # midnight in the event's zone reads the demo's check-ins of the evening before).
        said = re.compile(rf"checked in (\d{{4}}-\d\d-\d\d )?{expected} at")
        await wait_for(lambda: said.search(card_text(screen)) is not None, pilot)
        assert machine not in card_text(screen)


async def test_cancelling_a_paid_ticket_offers_the_refund(station: DemoStation) -> None:
    """Ctrl+X on a paid ticket says what was paid and refunds it with the cancellation."""
    from textual.widgets import Button

    from eventdesk.services.people.payments import payment_summary
    from screens.desk.cancel import CancelScreen

    store, event = station.store, station.summary.event
    paid = next(t for t in admissible(store, event) if payment_summary(store, t.id).paid_cents > 0)
    before = payment_summary(store, paid.id)
    app = desk_app(station, who="Olivia Organizer")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(app, pilot)
        await choose(pilot, screen, paid)
        await pilot.press("ctrl+x")
        await wait_for(lambda: isinstance(app.screen, CancelScreen), pilot)
        question = str(app.screen.query_one("#cancel-question", Static).render())
        assert "Paid:" in question and "Refund it now" in question
        refund = app.screen.query_one("#cancel-refund", Button)
        assert str(refund.label).startswith("Cancel, refund")
        refund.press()
        await wait_for(lambda: show_ticket(store, paid.id).status == "cancelled", pilot)
        after = payment_summary(store, paid.id)
        assert before.paid_cents > 0 and after.paid_cents == 0
        await wait_for(lambda: "refunded" in banner_text(screen), pilot)


async def test_check_in_says_why_nothing_is_admitted_and_how_to_pick_one(
    station: DemoStation,
) -> None:
    """Check in on a cancelled ticket's holder, Enter on that ticket's id (a scan of it), and
    Enter with several people found, each say something."""
    from eventdesk.services.people.cancellation import cancel
    from tests.app.test_app_desk import search_for

    store, event = station.store, station.summary.event
    tickets = admissible(store, event)
    gone = tickets[0]
    cancel(store, gone.id, station="Door 2")
    app = desk_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(app, pilot)
        await choose(pilot, screen, gone)
        await pilot.press("ctrl+k")
        await wait_for(lambda: "cancelled: nothing to admit" in banner_text(screen), pilot)
        assert gone.attendee in banner_text(screen) and banner(screen).has_class("-bad")
        screen.query_one("#search", Input).focus()
        await pilot.press("enter")  # the ticket's id, entered: decided as its scan
        await wait_for(lambda: "This ticket was cancelled" in banner_text(screen), pilot)
        assert gone.attendee in banner_text(screen) and banner(screen).has_class("-bad")
        assert show_ticket(store, gone.id).checked_in_at is None

        await search_for(pilot, screen, "")
        found = len(rows(screen))
        assert found > 1
        screen.query_one("#search", Input).focus()
        await pilot.press("enter")
        await wait_for(lambda: f"{found} people match" in banner_text(screen), pilot)
