"""Check-in lists in the app: a desk on a list says so on its top line and asks the list's
questions before it admits (the answers kept with the check-in; Back admits no one); a kiosk on
the same list sends a ticket with an unanswered required question to the desk; a refusal names
the list's rule on the desk's banner."""

from __future__ import annotations

import dataclasses
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from textual.widgets import Button, RadioButton, RadioSet, Select

from eventdesk.models import Ticket
from eventdesk.services.door.answers import answers_of
from eventdesk.services.door.list_changes import ListChange, create_list
from screens.desk.questions import QuestionsScreen
from screens.desk.results import ResultsTable
from screens.desk.screen import DeskScreen
from screens.messages import ScanDecided
from tests.app.test_app_desk import banner_text, scanner_types
from tests.app.test_app_kiosk import (
    answered,
    event_tickets,
    hook,
    kiosk_app,
    scan_with_wedge,
    started,
)
from tests.app.test_exit_gate_app import door_line
from tests.apptools import DemoStation, app_on, wait_for

pytestmark = pytest.mark.asyncio


def on_bar(station: DemoStation) -> tuple[DemoStation, list[Ticket]]:
    """The demo's event with a "Bar" list that asks two questions, one required; the station
    set to decide on it; the demo's tickets nobody has scanned yet."""
    create_list(
        station.store,
        station.summary.event,
        ListChange(
            name="Bar",
            unpaid="admit",
            questions=["age:yesno:Over 18 (ID seen)?:required", "drink:choice=Tea|Beer:Drink?"],
        ),
    )
    config = dataclasses.replace(station.config, checkin_list="bar")
    fresh = [
        t
        for t in event_tickets(station.store, station.summary.event)
        if t.qr_payload and t.status == "registered"
    ]
    return dataclasses.replace(station, config=config), fresh


def asking(app: Any) -> bool:
    """The questions are up, every field mounted (a busy machine mounts them late)."""
    screen = app.screen
    return (
        isinstance(screen, QuestionsScreen)
        and bool(screen.query("#ask-drink"))
        and all(s.is_mounted and s.query("#label") for s in screen.query(Select))
        # a question's answers shown in place: its buttons mounted too (choose reads them)
        and all(
            r.is_mounted
            and r.query(RadioButton)
            and all(b.is_mounted for b in r.query(RadioButton))
            for r in screen.query(RadioSet)
        )
    )


def _state(table: ResultsTable, attendee_id: int) -> str | None:
    state = table.states.get(attendee_id)
    return None if state is None else state.state


def choose(screen: Any, field: str, answer: str) -> None:
    """``answer`` chosen among a question's answers, shown in place (radio buttons)."""
    choices = screen.query_one(field, RadioSet)
    shown = [str(b.label) for b in choices.query(RadioButton)]
    found = [b for b in choices.query(RadioButton) if str(b.label) == answer]
    assert found, f"no {answer!r} among {field}'s answers {shown}"
    found[0].value = True


async def test_the_desk_asks_the_lists_questions_before_it_admits(station: DemoStation) -> None:
    station, tickets = on_bar(station)
    first, second = tickets[0], tickets[1]
    app = app_on(station.config, store=station.store, sign_in_as="Sam Desk", mode="desk")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: isinstance(app.screen, DeskScreen), pilot)
        desk = app.screen
        assert isinstance(desk, DeskScreen)
        await wait_for(lambda: "list: bar" in door_line(desk), pilot)

        await scanner_types(pilot, str(first.qr_payload))
        await wait_for(lambda: asking(app), pilot)
        assert "A QUESTION FIRST" in banner_text(desk)
        asked = app.screen
        choose(asked, "#ask-age", "Yes")
        choose(asked, "#ask-drink", "Tea")
        asked.query_one("#ask-ok", Button).press()
        await wait_for(lambda: app.screen is desk, pilot)
        await wait_for(lambda: "ADMITTED" in banner_text(desk), pilot)
        assert answers_of(station.store, first.id) == [
            ("Bar", "age", "Over 18 (ID seen)?", "yes"),
            ("Bar", "drink", "Drink?", "Tea"),
        ]
        # The card says what the list knows: the admission and the answers.
        card = desk.query_one("#card-text")
        # The row and the card agree with the answer: in, on this door's list.
        await wait_for(lambda: "✔ Bar: in since" in str(card.render()), pilot)
        assert "not yet" not in str(card.render())
        table = desk.query_one("#results", ResultsTable)
        await wait_for(lambda: _state(table, first.attendee_id) == "in", pilot)
        assert "Bar: Over 18 (ID seen)? yes" in str(card.render())
        assert "Bar: Drink? Tea" in str(card.render())

        # Back: nobody admitted, nothing kept.
        await scanner_types(pilot, str(second.qr_payload))
        await wait_for(lambda: asking(app), pilot)
        await pilot.press("escape")
        await wait_for(lambda: app.screen is desk, pilot)
        assert answers_of(station.store, second.id) == []
        # A required question left empty is said, and nothing is admitted.
        await scanner_types(pilot, str(second.qr_payload))
        await wait_for(lambda: asking(app), pilot)
        app.screen.query_one("#ask-ok", Button).press()
        await wait_for(
            lambda: "required" in str(app.screen.query_one("#age-error").render()), pilot
        )
        assert isinstance(app.screen, QuestionsScreen)
        assert answers_of(station.store, second.id) == []


async def test_a_kiosk_sends_a_ticket_with_a_question_to_the_desk(station: DemoStation) -> None:
    station, tickets = on_bar(station)
    decisions: list[ScanDecided] = []
    app = kiosk_app(station)
    async with app.run_test(size=(80, 24), message_hook=hook((ScanDecided,), decisions)) as pilot:
        await started(app, pilot)
        door = app.screen.query_one("#door")
        await wait_for(lambda: "bar" in str(door.render()), pilot)  # the kiosk names its list
        await scan_with_wedge(pilot, str(tickets[2].qr_payload))
        panel = await answered(pilot, decisions, 1)
        result = decisions[0].result
        assert (result.result, result.list, result.asks) == ("needs_answer", "bar", ("age",))
        assert panel.has_class("-warn")
        assert "see the desk" in panel.plain().casefold()
        assert "question" in panel.plain().casefold()
    assert answers_of(station.store, tickets[2].id) == []


async def test_a_day_pass_at_the_desk_over_three_days_by_the_stations_clock(
    station: DemoStation,
) -> None:
    """A three-day event whose default list is "once a day", its door a desk whose clock (the
    station's clock hook) moves from day to day: a day pass is admitted each day and refused
    the second time on a day, with when it was used and that it is valid again tomorrow."""
    from datetime import datetime, time, timedelta

    from eventdesk.services.door.list_changes import update_list
    from eventdesk.services.people import attendees
    from eventdesk.services.people.registration import register
    from tests.helpers import add_type, make_event

    zone = ZoneInfo("Europe/Berlin")
    first = station.summary.day + timedelta(days=30)  # derived from the demo's day
    slug = make_event(
        station.store,
        name="Three Day Summit",
        starts=f"{first.isoformat()}T09:00",
        ends=f"{(first + timedelta(days=2)).isoformat()}T18:00",
        timezone="Europe/Berlin",
    )
    add_type(station.store, slug, "Day pass", price_cents=0)
    person = attendees.add_attendee(station.store, name="Dana Daypass", email="dana@example.org")
    ticket = register(station.store, slug, person.id, "Day pass").tickets[0].ticket_id
    assert station.store.signer is not None
    payload = station.store.signer.payload(ticket)
    update_list(station.store, f"{slug}/default", ListChange(entries="daily"))
    now = [datetime.combine(first, time(9, 12), zone)]
    config = dataclasses.replace(station.config, door_event=slug)
    app = app_on(config, store=station.store, sign_in_as="Sam Desk", mode="desk")
    app.backend.clock = lambda: now[0]
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: isinstance(app.screen, DeskScreen), pilot)
        desk = app.screen
        assert isinstance(desk, DeskScreen)
        await wait_for(lambda: "Three Day Summit" in door_line(desk), pilot)
        answers = []
        for day, clock in ((0, "09:12"), (0, "15:40"), (1, "08:55"), (1, "17:00"), (2, "10:00")):
            now[0] = datetime.combine(first + timedelta(days=day), time.fromisoformat(clock), zone)
            before = banner_text(desk)
            await scanner_types(pilot, payload)
            await wait_for(lambda before=before: banner_text(desk) != before, pilot)  # type: ignore[misc]
            await wait_for(lambda: "Checking" not in banner_text(desk), pilot)
            answers.append(banner_text(desk))
        assert "ADMITTED" in answers[0]
        assert "USED TODAY" in answers[1] and "used today at 09:12" in answers[1]
        assert "valid again tomorrow" in answers[1]
        assert "ADMITTED" in answers[2]
        assert "USED TODAY" in answers[3] and "used today at 08:55" in answers[3]
        assert "ADMITTED" in answers[4]
