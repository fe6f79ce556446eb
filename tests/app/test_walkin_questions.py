"""The desk's walk-in form asks the event's registration questions (issue 45) that the chosen
ticket type is asked, each with its kind's widget; a wrong answer is said under its field and
nothing is written; the answers go with the registration."""

from __future__ import annotations

import pytest
from textual.widgets import Label, RadioSet, Select, SelectionList, TextArea

from eventdesk.services.catalogue.program import list_ticket_types
from eventdesk.services.people.attendees import find_attendees, show_attendee
from eventdesk.services.people.question_answers import ticket_answers
from eventdesk.services.people.questions import add_question
from eventdesk.services.people.registration import tickets_of_attendee
from screens.desk.forms import WalkInScreen
from screens.widgets.forms import FormInput
from tests.app.test_app_desk import desk_app, fill_walk_in, opened
from tests.apptools import DemoStation, wait_for

pytestmark = pytest.mark.asyncio


def _ask(station: DemoStation) -> None:
    store, event = station.store, station.summary.event
    diets = ["none|vegetarian|vegan|halal"]
    add_question(store, event, key="diet", text="Diet", kind="choice", choices=diets, required=True)
    add_question(
        store,
        event,
        key="shirt",
        text="T-shirt size",
        kind="choice",
        choices=["S|M|L"],
        ticket_types=["VIP"],
        per="holder",
    )
    add_question(store, event, key="guests", text="Guests", kind="number")
    add_question(store, event, key="photo", text="Photos ok?", kind="yesno", per="holder")
    add_question(
        store, event, key="topics", text="Topics", kind="choices", choices=["AI|Web"], required=True
    )
    add_question(store, event, key="access", text="Access needs", kind="longtext")


async def test_the_walk_in_asks_checks_and_keeps_the_answers(station: DemoStation) -> None:
    store, event = station.store, station.summary.event
    _ask(station)
    types = {t.name: t.id for t in list_ticket_types(store, event)}
    app = desk_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(app, pilot)
        await pilot.press("ctrl+n")
        await wait_for(lambda: isinstance(app.screen, WalkInScreen), pilot)
        form = app.screen
        assert isinstance(form, WalkInScreen)
        await wait_for(lambda: bool(form.query("#walkin-q-diet-row")), pilot)
        kinds = {
            "diet": Select,
            "shirt": RadioSet,
            "guests": FormInput,
            "photo": RadioSet,
            "topics": SelectionList,
            "access": TextArea,
        }
        for key, kind in kinds.items():
            assert isinstance(form.query_one(f"#walkin-q-{key}"), kind)

        # The questions shown follow the ticket type: the T-shirt is only a VIP's.
        form.query_one("#walkin-type", Select).value = types["VIP"]
        await wait_for(lambda: form.query_one("#walkin-q-shirt-row").display, pilot)
        form.query_one("#walkin-type", Select).value = types["Regular"]
        await wait_for(lambda: not form.query_one("#walkin-q-shirt-row").display, pilot)
        assert form.query_one("#walkin-q-diet-row").display
        assert "Diet *" in str(form.query_one("#walkin-q-diet-row Label").render())

        # A required one left empty and a number that is not one: said under their fields.
        form.query_one("#walkin-q-guests", FormInput).value = "a few"
        person = {"name": "Quincy Asked", "email": "quincy.asked@example.com"}
        await fill_walk_in(pilot, form, {**person, "ticket_type": types["Regular"], "paid": "cash"})
        guests = form.query_one("#q-guests-error", Label)
        diet = form.query_one("#q-diet-error", Label)
        topics = form.query_one("#q-topics-error", Label)
        await wait_for(lambda: guests.display and diet.display and topics.display, pilot)
        assert "Topics: an answer is required" in str(topics.render())
        assert "guests: answer a number" in str(guests.render())
        assert "Diet: an answer is required" in str(diet.render())
        assert isinstance(app.screen, WalkInScreen) and find_attendees(store, "quincy") == []

        form.query_one("#walkin-q-guests", FormInput).value = "2"
        form.query_one("#walkin-q-diet", Select).value = "vegan"
        photo = form.query_one("#walkin-q-photo", RadioSet)
        photo.focus()
        await pilot.press("enter")  # the first answer: yes
        form.query_one("#walkin-q-topics", SelectionList).select("Web")
        form.query_one("#walkin-q-access", TextArea).text = "Step-free entrance"
        await fill_walk_in(pilot, form, {**person, "ticket_type": types["Regular"], "paid": "cash"})
        await wait_for(lambda: app.screen is screen, pilot)
    added = show_attendee(store, "quincy.asked@example.com")
    (ticket,) = tickets_of_attendee(store, added.id)
    assert ticket_answers(store, ticket.id) == {
        "diet": "vegan",
        "guests": "2",
        "photo": "yes",
        "topics": "Web",
        "access": "Step-free entrance",
    }
