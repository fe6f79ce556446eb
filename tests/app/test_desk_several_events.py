"""The desk at a door for several events (issue 46): its search finds the holders of a ticket of
any of the door's events, each row says where that ticket stands (its event named), the card
names each ticket's event, and Check in admits the ticket of the event the person holds, under
that event. Its walk-in offers each event's ticket types, named with their event, and sells into
the event of the type chosen (issue 57)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from textual.widgets import Select, SelectionList

from eventdesk.db import Store
from eventdesk.models import Event, ScanLog
from eventdesk.services.catalogue.events import create_event, show_event
from eventdesk.services.catalogue.program import add_session, add_ticket_type, list_ticket_types
from eventdesk.services.people.attendees import add_attendee, show_attendee
from eventdesk.services.people.question_answers import ticket_answers
from eventdesk.services.people.questions import add_question
from eventdesk.services.people.registration import register, show_ticket, tickets_of_attendee
from screens.desk.forms import WalkInScreen
from screens.desk.results import ResultsTable
from screens.desk.screen import DeskScreen
from screens.widgets.forms import FormInput
from tests.app.test_app_desk import (
    banner_text,
    card_text,
    desk_app,
    fill_walk_in,
    opened,
    search_for,
)
from tests.apptools import DemoStation, options_of, wait_for

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


def offered(form: WalkInScreen) -> dict[int, str]:
    """The walk-in's ticket types as offered: each one's label by its id."""
    select = form.query_one("#walkin-type", Select)
    return {value: str(prompt) for prompt, value in options_of(select) if isinstance(value, int)}


async def test_the_walk_in_at_a_door_for_several_events_sells_into_the_event_of_the_type_chosen(
    station: DemoStation,
) -> None:
    """Both events sell a "Day pass" and ask a "diet": the walk-in offers each event's types,
    named with their event; the chosen type's event's sessions and questions are asked, not
    the other's; the ticket, its session and its answer are of that event, and it is admitted
    there."""
    store, demo = station.store, station.summary.event
    second, _ticket = second_event(station, "Test Festival Saturday")
    friday = show_event(store, demo)
    add_ticket_type(store, demo, name="Day pass", price_cents=0)
    add_question(store, demo, key="diet", text="Friday diet", kind="text", required=True)
    add_question(store, second, key="diet", text="Saturday diet", kind="text", required=True)
    workshop = add_session(
        store,
        second,
        name="Saturday workshop",
        starts=friday.starts_at,
        ends=friday.starts_at + timedelta(hours=1),
    )
    types = {
        (t.name, t.event_id): t.id for e in (demo, second) for t in list_ticket_types(store, e)
    }
    saturday = show_event(store, second)
    app = desk_app(station, event=f"{demo},{second}")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(app, pilot)
        await pilot.press("ctrl+n")
        await wait_for(lambda: isinstance(app.screen, WalkInScreen), pilot)
        form = app.screen
        assert isinstance(form, WalkInScreen)
        await wait_for(lambda: len(offered(form)) == len(types), pilot)
        labels = offered(form)
        friday_pass, saturday_pass = types["Day pass", friday.id], types["Day pass", saturday.id]
        assert labels[friday_pass] == f"Day pass · {friday.title} · free", labels
        assert labels[saturday_pass] == "Day pass · Test Festival Saturday · free", labels
        assert all(friday.title in label or saturday.title in label for label in labels.values())

        form.query_one("#walkin-type", Select).value = saturday_pass
        saturday_diet = f"#walkin-q-{second}-diet"
        await wait_for(lambda: form.query_one(f"{saturday_diet}-row").display, pilot)
        assert not form.query_one(f"#walkin-q-{demo}-diet-row").display
        sessions = form.query_one("#walkin-sessions", SelectionList)
        assert [
            str(sessions.get_option_at_index(i).prompt) for i in range(sessions.option_count)
        ] == ["Saturday workshop"]
        sessions.select(workshop.id)
        form.query_one(saturday_diet, FormInput).value = "vegan"
        person = {"name": "Sally Saturday", "email": "sally.saturday@example.org"}
        await fill_walk_in(pilot, form, {**person, "ticket_type": saturday_pass})
        await wait_for(lambda: app.screen is screen, pilot)
        await wait_for(lambda: "ADMITTED" in banner_text(screen), pilot)
        assert "Test Festival Saturday" in banner_text(screen)  # the answer names its event
    added = show_attendee(store, person["email"])
    (ticket,) = tickets_of_attendee(store, added.id)
    assert (ticket.event, ticket.ticket_type) == (second, "Day pass")
    assert ticket.checked_in_at is not None
    assert ticket_answers(store, ticket.id) == {"diet": "vegan"}
    assert ticket.sessions == ("Saturday workshop",)
