"""The desk's card shows a ticket's answers to the event's registration questions (issue 45),
short: its holder's and its order's, in the order they are asked."""

from __future__ import annotations

import pytest

from eventdesk.services.people import attendees
from eventdesk.services.people.questions import add_question, parse_answer
from eventdesk.services.people.registration import register, show_ticket
from tests.app.test_app_desk import card_text, choose, desk_app, opened
from tests.apptools import DemoStation, wait_for

pytestmark = pytest.mark.asyncio


async def test_the_card_shows_the_answers_short(station: DemoStation) -> None:
    store, event = station.store, station.summary.event
    add_question(
        store, event, key="diet", text="Diet", kind="choice", choices=["none|vegetarian|vegan"]
    )
    add_question(
        store,
        event,
        key="access",
        text="Accessibility needs we should know about",
        kind="longtext",
        per="holder",
    )
    attendees.add_attendee(store, name="Quinn Answers", email="quinn.answers@example.org")
    order = register(
        store,
        event,
        "quinn.answers@example.org",
        "Regular",
        answers=[parse_answer("diet=vegan"), parse_answer("access=Step-free entrance please")],
    )
    ticket = show_ticket(store, order.tickets[0].ticket_id)
    app = desk_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(app, pilot)
        await choose(pilot, screen, ticket)
        await wait_for(lambda: "Diet: vegan" in card_text(screen), pilot)
        said = "Diet: vegan · Accessibility needs we…: Step-free entrance plea…"
        assert said in card_text(screen)
