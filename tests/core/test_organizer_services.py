"""Editing venues, sessions and ticket types (the organizer screen's forms), on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from eventdesk.db import Store
from eventdesk.errors import Conflict, InvalidInput, NotFound
from eventdesk.services.catalogue import events, program
from eventdesk.services.people import attendees, registration, waitlist
from tests.helpers import add_type, make_event


def test_update_venue_renames_and_clears(store: Store) -> None:
    hall = events.add_venue(
        store, name="Harbour Hall", address="Pier 1", capacity=250, seats="A1-A3"
    )
    events.add_venue(store, name="City Library")
    changed = events.update_venue(store, hall.id, name="Harbour Hall East", capacity=300)
    assert (changed.name, changed.address, changed.capacity, changed.seats) == (
        "Harbour Hall East",
        "Pier 1",
        300,
        3,
    )
    cleared = events.update_venue(store, "harbour hall east", address="", clear_capacity=True)
    assert (cleared.address, cleared.capacity) == (None, None)
    assert [v.name for v in events.list_venues(store)] == ["City Library", "Harbour Hall East"]


def test_update_venue_refuses_a_taken_name_and_bad_input(store: Store) -> None:
    hall = events.add_venue(store, name="Harbour Hall", capacity=10)
    events.add_venue(store, name="City Library")
    with pytest.raises(Conflict):
        events.update_venue(store, hall.id, name="city library")
    with pytest.raises(InvalidInput):
        events.update_venue(store, hall.id, name="  ")
    with pytest.raises(InvalidInput):
        events.update_venue(store, hall.id, capacity=-1)
    with pytest.raises(NotFound):
        events.update_venue(store, "Nowhere", capacity=5)
    assert events.list_venues(store)[1].capacity == 10  # nothing changed
    assert events.update_venue(store, hall.id, name="HARBOUR HALL").name == "HARBOUR HALL"


def test_update_session_changes_times_in_event_timezone(store: Store) -> None:
    slug = make_event(store, timezone="Europe/Berlin")
    made = program.add_session(
        store, slug, name="Workshop", starts="2030-06-01T10:00", ends="2030-06-01T11:00"
    )
    changed = program.update_session(
        store, slug, made.id, name="Workshop B", room="Room 2", starts="2030-06-01T12:00",
        ends="2030-06-01T13:30", capacity=20,
    )  # fmt: skip
    assert (changed.name, changed.room, changed.capacity) == ("Workshop B", "Room 2", 20)
    assert changed.starts_at == datetime(2030, 6, 1, 10, 0, tzinfo=UTC)
    assert program.list_sessions(store, slug)[0].ends_at == datetime(2030, 6, 1, 11, 30, tzinfo=UTC)
    cleared = program.update_session(store, slug, made.id, room="", clear_capacity=True)
    assert (cleared.room, cleared.capacity) == (None, None)


def test_update_session_refuses_bad_input_and_other_events(store: Store) -> None:
    slug = make_event(store)
    other = make_event(store)
    made = program.add_session(
        store, slug, name="Talk", starts="2030-06-01T10:00", ends="2030-06-01T11:00"
    )
    with pytest.raises(InvalidInput):
        program.update_session(store, slug, made.id, ends="2030-06-01T09:00")
    with pytest.raises(InvalidInput):
        program.update_session(store, slug, made.id, starts="tomorrow")
    with pytest.raises(NotFound):
        program.update_session(store, other, made.id, name="Stolen")
    with pytest.raises(NotFound):
        program.update_session(store, slug, 999_999, name="Ghost")
    (row,) = program.list_sessions(store, slug)
    assert (row.name, row.ends_at) == ("Talk", datetime(2030, 6, 1, 11, 0, tzinfo=UTC))


def test_more_session_room_promotes_from_the_waitlist(store: Store) -> None:
    slug = make_event(store)
    add_type(store, slug, "Regular")
    (tt,) = program.list_ticket_types(store, slug)
    made = program.add_session(
        store, slug, name="Lab", starts="2030-06-01T10:00", ends="2030-06-01T11:00", capacity=1
    )
    people = [
        attendees.add_attendee(store, name=f"Person {n}", email=f"p{n}@example.org")
        for n in range(2)
    ]
    results = [registration.register(store, slug, p.id, tt.id, sessions=[made.id]) for p in people]
    assert [r.waitlisted_sessions for r in results] == [(), ("Lab",)]  # the seat waits
    assert [r.status for r in results] == ["registered", "registered"]
    program.update_session(store, slug, made.id, capacity=2)
    assert waitlist.list_session_waitlist(store, slug) == []
    assert program.list_sessions(store, slug)[0].registered == 2


def test_update_ticket_type_changes_price_quantity_and_window(store: Store) -> None:
    slug = make_event(store)
    add_type(store, slug, "Regular", price_cents=1000, quantity=50)
    add_type(store, slug, "VIP", price_cents=5000, tier=0)
    regular = next(t for t in program.list_ticket_types(store, slug) if t.name == "Regular")
    changed = program.update_ticket_type(
        store, slug, regular.id, name="Standard", price_cents=1250, currency="usd",
        quantity=60, tier=2, attention="ID check", sales_start="2030-01-01T00:00",
        sales_end="2030-05-31T23:59",
    )  # fmt: skip
    assert (changed.name, changed.price_cents, changed.currency) == ("Standard", 1250, "USD")
    assert (changed.quantity, changed.priority_tier, changed.attention) == (60, 2, "ID check")
    assert changed.sales_start == datetime(2030, 1, 1, tzinfo=UTC)
    cleared = program.update_ticket_type(
        store, slug, regular.id, clear_quantity=True, attention="", clear_sales_window=True
    )
    assert (cleared.quantity, cleared.attention, cleared.sales_start, cleared.sales_end) == (
        None,
        None,
        None,
        None,
    )


def test_update_ticket_type_refuses_bad_input(store: Store) -> None:
    slug = make_event(store)
    other = make_event(store)
    add_type(store, slug, "Regular")
    add_type(store, slug, "VIP")
    regular = next(t for t in program.list_ticket_types(store, slug) if t.name == "Regular")
    bad: list[dict[str, object]] = [
        {"name": "vip"},
        {"price_cents": -1},
        {"tier": 100},
        {"currency": "EURO"},
        {"quantity": -5},
        {"sales_start": "2030-02-01T00:00", "sales_end": "2030-01-01T00:00"},
    ]
    for change in bad:
        with pytest.raises((InvalidInput, Conflict)):
            program.update_ticket_type(store, slug, regular.id, **change)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        program.update_ticket_type(store, other, regular.id, name="Moved")
    again = next(t for t in program.list_ticket_types(store, slug) if t.id == regular.id)
    assert again == regular  # nothing changed


def test_more_ticket_quantity_promotes_from_the_waitlist(store: Store) -> None:
    slug = make_event(store)
    add_type(store, slug, "Regular", quantity=1)
    (tt,) = program.list_ticket_types(store, slug)
    for n in range(2):
        person = attendees.add_attendee(store, name=f"Person {n}", email=f"q{n}@example.org")
        registration.register(store, slug, person.id, tt.id)
    assert len(waitlist.list_waitlist(store, slug)) == 1
    program.update_ticket_type(store, slug, tt.id, quantity=2)
    assert waitlist.list_waitlist(store, slug) == []
    assert program.list_ticket_types(store, slug)[0].registered == 2
