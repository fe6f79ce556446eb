"""Venues, categories, events, sessions and ticket types, and every bad input to them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from eventdesk.db import Store
from eventdesk.errors import Conflict, InvalidInput, NotAllowed, NotFound
from eventdesk.services.catalogue import events, program
from tests.helpers import make_event


def test_create_event_with_venue_category_and_local_times(store: Store) -> None:
    events.add_venue(store, name="Harbour Hall", address="Pier 1", capacity=250)
    made = events.create_event(
        store,
        name="Spring Summit: Ünïcode & More!",
        starts="2030-03-10T09:00",
        ends="2030-03-10T17:30",
        venue="harbour hall",
        category="Conference",
        timezone="Europe/Berlin",
        visibility="invite",
    )
    assert made.slug == "spring-summit-unicode-more"
    assert made.capacity == 250  # the venue's, when none is given
    assert made.starts_at == datetime(2030, 3, 10, 8, 0, tzinfo=UTC)
    assert made.starts_at.tzinfo is not None
    assert (made.venue, made.category, made.visibility) == ("Harbour Hall", "Conference", "invite")
    again = events.create_event(
        store,
        name="Spring Summit: Unicode & more",
        starts="2030-03-11T09:00Z",
        ends="2030-03-11T10:00Z",
    )
    assert again.slug == "spring-summit-unicode-more-2"
    assert events.show_event(store, again.id).slug == again.slug
    assert events.show_event(store, str(made.id)).title == made.title


def test_browse_and_filter(store: Store) -> None:
    events.add_venue(store, name="Harbour Hall")
    events.add_venue(store, name="City Library")
    make_event(
        store,
        name="Talk A",
        category="Meetup",
        venue="City Library",
        starts="2030-01-05T18:00",
        ends="2030-01-05T20:00",
    )
    make_event(
        store,
        name="Conf B",
        category="Conference",
        venue="Harbour Hall",
        starts="2030-02-01T09:00",
        ends="2030-02-02T17:00",
    )
    make_event(
        store,
        name="Talk C",
        category="meetup",
        venue="Harbour Hall",
        starts="2030-03-01T18:00",
        ends="2030-03-01T20:00",
    )

    def titles(**kw: str) -> list[str]:
        return [e.title for e in events.list_events(store, **kw)]  # type: ignore[arg-type]

    assert titles() == ["Talk A", "Conf B", "Talk C"]
    assert titles(category="MEETUP") == ["Talk A", "Talk C"]
    assert titles(venue="harbour") == ["Conf B", "Talk C"]
    assert titles(starts_from="2030-01-10", starts_until="2030-02-15") == ["Conf B"]
    assert events.list_categories(store) == ["Conference", "Meetup"]


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"name": ""}, InvalidInput, "name"),
        ({"starts": "tomorrow"}, InvalidInput, "starts"),
        ({"ends": "2030-13-45T00:00"}, InvalidInput, "ends"),
        ({"ends": "2030-06-01T08:00"}, InvalidInput, "ends"),
        ({"capacity": -5}, InvalidInput, "capacity"),
        ({"visibility": "secret"}, InvalidInput, "visibility"),
        ({"timezone": "Mars/Olympus"}, InvalidInput, "timezone"),
        ({"venue": "Nowhere Hall"}, NotFound, "venue"),
    ],
)
def test_bad_event_input(
    store: Store, kwargs: dict[str, object], error: type[Exception], field: str
) -> None:
    base: dict[str, object] = {
        "name": "E",
        "starts": "2030-06-01T09:00",
        "ends": "2030-06-01T18:00",
    }
    with pytest.raises(error) as caught:
        events.create_event(store, **{**base, **kwargs})  # type: ignore[arg-type]
    assert caught.value.field == field  # type: ignore[attr-defined]


def test_update_and_cancel(store: Store) -> None:
    ev = make_event(store, capacity=10)
    made = events.update_event(store, ev, name="Renamed", capacity=20, visibility="private")
    assert (made.title, made.capacity, made.visibility, made.slug) == ("Renamed", 20, "private", ev)
    assert events.update_event(store, ev, clear_capacity=True).capacity is None
    with pytest.raises(InvalidInput):
        events.update_event(store, ev, ends="2000-01-01T00:00")
    assert events.cancel_event(store, ev).status == "cancelled"
    with pytest.raises(NotAllowed):
        events.cancel_event(store, ev)
    with pytest.raises(NotFound):
        events.update_event(store, "missing", name="x")


def test_sessions_and_ticket_types(store: Store) -> None:
    ev = make_event(store)
    s = program.add_session(
        store,
        ev,
        name="Workshop",
        starts="2030-06-01T10:00",
        ends="2030-06-01T12:00",
        capacity=12,
        room="Room 2",
    )
    assert (s.name, s.capacity, s.room) == ("Workshop", 12, "Room 2")
    with pytest.raises(InvalidInput, match="end after"):
        program.add_session(
            store, ev, name="Bad", starts="2030-06-01T12:00", ends="2030-06-01T10:00"
        )
    program.add_ticket_type(
        store,
        ev,
        name="VIP",
        price_cents=34900,
        currency="usd",
        quantity=5,
        tier=0,
        attention="VIP lanyard",
    )
    program.add_ticket_type(store, ev, name="Regular", price_cents=14900)
    types = program.list_ticket_types(store, ev)
    assert [(t.name, t.currency, t.priority_tier, t.remaining) for t in types] == [
        ("VIP", "USD", 0, 5),
        ("Regular", "EUR", 1, None),
    ]
    with pytest.raises(Conflict):
        program.add_ticket_type(store, ev, name="vip", price_cents=1)
    with pytest.raises(InvalidInput, match="negative"):
        program.add_ticket_type(store, ev, name="Neg", price_cents=-1)
    with pytest.raises(InvalidInput, match="currency"):
        program.add_ticket_type(store, ev, name="Cur", price_cents=1, currency="EURO")
    with pytest.raises(InvalidInput, match="tier"):
        program.add_ticket_type(store, ev, name="Tier", price_cents=1, tier=-1)
    with pytest.raises(NotFound):
        program.add_ticket_type(store, "missing", name="X", price_cents=1)


def test_seat_specs() -> None:
    assert events.parse_seat_spec("A1-A3, B10-B11,Box 1") == [
        "A1",
        "A2",
        "A3",
        "B10",
        "B11",
        "Box 1",
    ]
    for bad in ("A3-A1", "A1-B2", "X-Y", "A1,A1"):
        with pytest.raises(InvalidInput):
            events.parse_seat_spec(bad)
