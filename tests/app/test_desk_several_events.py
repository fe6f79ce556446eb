"""The desk at a door for several events (issue 46): its search finds the holders of a ticket of
any of the door's events, each row says where that ticket stands (its event named), the card
names each ticket's event, and Check in admits the ticket of the event the person holds, under
that event."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from eventdesk.db import Store
from eventdesk.models import Event, ScanLog
from eventdesk.services.catalogue.events import create_event, show_event
from eventdesk.services.catalogue.program import add_ticket_type
from eventdesk.services.people.attendees import add_attendee
from eventdesk.services.people.registration import register, show_ticket
from screens.desk.results import ResultsTable
from screens.desk.screen import DeskScreen
from tests.app.test_app_desk import banner_text, card_text, desk_app, opened, search_for
from tests.apptools import DemoStation, wait_for

pytestmark = pytest.mark.asyncio


def second_event(station: DemoStation, title: str) -> tuple[str, str]:
    """An event beside the demo's, open when it is (the festival's next day), and a person who
    holds only its ticket: the event's slug and the ticket's id."""
    return event_beside(station.store, station.summary.event, title)


def event_beside(store: Store, event: str, title: str) -> tuple[str, str]:
    """An event beside ``event``, open when it is, and a person holding only its ticket (see
    ``second_event``): the event's slug and the ticket's id."""
    demo = show_event(store, event)
    made = create_event(
        store, name=title, starts=demo.starts_at, ends=demo.ends_at, timezone=demo.timezone
    )
    kind = add_ticket_type(store, made.slug, name="Day pass", price_cents=0)
    person = add_attendee(store, name="Sabine Samstag", email="sabine.samstag@example.org")
    order = register(store, made.slug, person.id, kind.id, station="Box office")
    return made.slug, order.tickets[0].ticket_id


def statuses(screen: DeskScreen) -> dict[str, str]:
    """Each row's name and status."""
    table = screen.query_one("#results", ResultsTable)
    cells = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
    return {row[0]: row[1] for row in cells}


async def test_the_desk_finds_and_admits_a_ticket_of_the_doors_second_event(
    station: DemoStation,
) -> None:
    store, demo = station.store, station.summary.event
    second, ticket_id = second_event(station, "Test Festival Saturday")
    app = desk_app(station, event=f"{demo},{second}")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(app, pilot)
        await search_for(pilot, screen, "Sabine Samstag")
        assert statuses(screen) == {"Sabine Samstag": f"not yet · {second}"}
        await wait_for(lambda: screen.card is not None and ticket_id in card_text(screen), pilot)
        card = card_text(screen)
        assert "Test Festival Saturday" in card  # the ticket's event named
        assert "no ticket for this event" not in card

        await pilot.press("ctrl+k")
        await wait_for(lambda: "ADMITTED" in banner_text(screen), pilot)
        assert show_ticket(store, ticket_id).checked_in_at is not None
        with store.read() as session:
            logged = (
                session.execute(
                    select(Event.slug)
                    .join(ScanLog, ScanLog.event_id == Event.id)
                    .where(ScanLog.ticket_id == ticket_id, ScanLog.result == "ok")
                )
                .scalars()
                .all()
            )
        assert logged == [second]  # admitted under its own event
        await wait_for(lambda: statuses(screen)["Sabine Samstag"].startswith("✔ in"), pilot)
        assert statuses(screen)["Sabine Samstag"].endswith(f" · {second}")
