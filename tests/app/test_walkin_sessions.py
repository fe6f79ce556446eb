"""A walk-in who picks a full session: the desk registers them for the event (and the sessions
with room) and says the full one was not booked; their ticket is never waitlisted while the
event and the ticket type have room. The service on SQLite and PostgreSQL, then the desk's
walk-in form through the Pilot."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from textual.notifications import Notify
from textual.widgets import SelectionList

from eventdesk.db import Store
from eventdesk.services.catalogue import events, program
from eventdesk.services.people.attendees import show_attendee
from eventdesk.services.people.registration import register, show_ticket, tickets_of_attendee
from screens.desk.forms import WalkInScreen
from tests.app.test_app_desk import desk_app, fill_walk_in, hook, notified, opened
from tests.apptools import DemoStation, wait_for
from tests.core.test_registration import assert_counters_match
from tests.helpers import add_type, make_event, people


def _session(store: Store, event: str, name: str, capacity: int, hours: int) -> int:
    """A session of ``event`` ``hours`` after its start (times derived from the event's)."""
    starts = events.show_event(store, event).starts_at + timedelta(hours=hours)
    made = program.add_session(
        store, event, name=name, starts=starts, ends=starts + timedelta(hours=1), capacity=capacity
    )
    return made.id


def test_a_full_session_is_left_out_and_named_not_the_ticket_waitlisted(store: Store) -> None:
    event = make_event(store, capacity=3, name="Walk-in Sessions Conf")
    add_type(store, event, "Regular", quantity=3)
    lab = _session(store, event, "Soldering lab", capacity=1, hours=1)
    talk = _session(store, event, "Lightning talks", capacity=5, hours=2)
    first, walk_in, late = people(store, 3, prefix="walkin-sessions")
    assert register(store, event, first, "Regular", sessions=[lab]).status == "registered"

    placed = register(store, event, walk_in, "Regular", sessions=[lab, talk], full_sessions="skip")
    (ticket,) = placed.tickets
    assert ticket.status == "registered" and ticket.waitlist_position is None
    assert placed.full_sessions == ("Soldering lab",)
    assert show_ticket(store, ticket.ticket_id).sessions == ("Lightning talks",)
    rooms = {s.name: s.registered for s in program.list_sessions(store, event)}
    assert rooms == {"Soldering lab": 1, "Lightning talks": 1}
    assert_counters_match(store)

    # Without it (the CLI's `register --session`) the ticket is registered (the event has
    # room) and its seat waits for the session.
    default = register(store, event, late, "Regular", sessions=[lab])
    assert default.status == "registered" and default.full_sessions == ()
    assert default.waitlisted_sessions == ("Soldering lab",)
    assert_counters_match(store)


def test_a_full_event_still_waitlists_and_says_which_session_was_left_out(store: Store) -> None:
    event = make_event(store, capacity=1, name="Walk-in Full Conf")
    add_type(store, event, "Regular")
    lab = _session(store, event, "Tiny lab", capacity=1, hours=1)
    first, second = people(store, 2, prefix="walkin-full")
    register(store, event, first, "Regular", sessions=[lab])
    placed = register(store, event, second, "Regular", sessions=[lab], full_sessions="skip")
    assert placed.status == "waitlisted" and placed.full_sessions == ("Tiny lab",)
    assert show_ticket(store, placed.tickets[0].ticket_id).sessions == ()
    assert_counters_match(store)


# --- the desk's walk-in form ---------------------------------------------------------------------
@pytest.mark.asyncio
async def test_walk_in_form_marks_full_sessions_and_never_waitlists_for_one(
    station: DemoStation,
) -> None:
    store, event = station.store, station.summary.event
    events.update_event(store, event, clear_capacity=True)  # the event has room
    regular = next(t.id for t in program.list_ticket_types(store, event) if t.name == "Regular")
    full = _session(store, event, "Walk-in full lab", capacity=1, hours=1)
    filling = _session(store, event, "Walk-in last-place lab", capacity=1, hours=2)
    roomy = _session(store, event, "Walk-in big talk", capacity=40, hours=3)
    (taken,) = people(store, 1, prefix="walkin-form-first")
    register(store, event, taken, "Regular", sessions=[full])
    messages: list[Any] = []
    app = desk_app(station)
    async with app.run_test(size=(120, 40), message_hook=hook((Notify,), messages)) as pilot:
        screen = await opened(app, pilot)
        await pilot.press("ctrl+n")
        await wait_for(lambda: isinstance(app.screen, WalkInScreen), pilot)
        form = app.screen
        assert isinstance(form, WalkInScreen)
        sessions = form.query_one("#walkin-sessions", SelectionList)
        await wait_for(lambda: sessions.option_count > 0, pilot)
        shown = {sessions.get_option_at_index(i).value: i for i in range(sessions.option_count)}

        def label(session_id: int) -> str:
            return str(sessions.get_option_at_index(shown[session_id]).prompt)

        # The full session says so, with its count, and cannot be ticked.
        assert label(full).startswith("(full 1/1) Walk-in full lab")
        assert sessions.get_option_at_index(shown[full]).disabled
        assert "full" not in label(filling) and "1 left" in label(filling)
        assert "full" not in label(roomy) and "40 left" in label(roomy)
        sessions.focus()
        sessions.highlighted = shown[full]
        await pilot.press("space")
        await pilot.pause()
        assert full not in sessions.selected

        # Another station takes the last place while the walk-in is being typed: the walk-in
        # is registered for the event and the session with room, and told the lab was not
        # booked.
        (elsewhere,) = people(store, 1, prefix="walkin-form-elsewhere")
        register(store, event, elsewhere, "Regular", sessions=[filling])
        sessions.select(filling)
        sessions.select(roomy)
        person = {"name": "Wanda Walkin", "email": "wanda.walkin@example.com"}
        await fill_walk_in(pilot, form, {**person, "ticket_type": regular, "paid": "cash"})
        await wait_for(lambda: app.screen is screen, pilot)
        added = show_attendee(store, "wanda.walkin@example.com")
        (ticket,) = tickets_of_attendee(store, added.id)
        assert (ticket.status, ticket.waitlist_position) == ("registered", None)
        assert ticket.sessions == ("Walk-in big talk",)
        await wait_for(lambda: notified(messages, "Wanda Walkin is registered"), pilot)
        await wait_for(
            lambda: notified(messages, "Not booked into Walk-in last-place lab: it is full"),
            pilot,
        )
