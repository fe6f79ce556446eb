"""A full session waitlists the session seat, never the event ticket, while the event has room;
its seats are promoted in arrival order, an order's seats together (issue 29)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from eventdesk.db import Store
from eventdesk.models import EventSession, Ticket, TicketSession
from eventdesk.services.catalogue import events, program
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.people import payments, waitlist
from eventdesk.services.people.cancellation import cancel
from eventdesk.services.people.registration import register, show_ticket
from eventdesk.services.people.waitlist import list_waitlist
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from tests.clitools import Cli
from tests.core.test_registration import assert_counters_match  # waiting seats not counted
from tests.helpers import add_type, make_event, people


def _event_now(store: Store, *, capacity: int | None = None) -> str:
    """An event running now (its door open), with one free ticket type, "Regular"."""
    now = utcnow().replace(microsecond=0)
    event = make_event(
        store,
        capacity=capacity,
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=6)).isoformat(),
    )
    add_type(store, event, "Regular", price_cents=0)
    return event


def _workshop(store: Store, event: str, capacity: int, name: str = "Workshop A") -> int:
    """A session starting within the hour (its door open now)."""
    now = utcnow().replace(microsecond=0)
    return program.add_session(
        store,
        event,
        name=name,
        starts=(now + timedelta(minutes=30)).isoformat(),
        ends=(now + timedelta(hours=2)).isoformat(),
        capacity=capacity,
    ).id


def workshop_in(store: Store, event: str, name: str, *, capacity: int) -> Any:
    """A session of an hour, an hour into the event (its times derived from the event's)."""
    starts = events.show_event(store, event).starts_at + timedelta(hours=1)
    return program.add_session(
        store, event, name=name, starts=starts, ends=starts + timedelta(hours=1), capacity=capacity
    )


def _seats(store: Store, session_id: int) -> dict[str, tuple[str, int | None]]:
    """Each live ticket's seat in the session: (seat status, waitlist_seq)."""
    with store.read() as s:
        rows = s.execute(
            select(TicketSession.ticket_id, TicketSession.status, TicketSession.waitlist_seq)
            .join(Ticket, Ticket.id == TicketSession.ticket_id)
            .where(TicketSession.session_id == session_id, Ticket.status != "cancelled")
        ).all()
    return {ticket: (status, seq) for ticket, status, seq in rows}


def _session_registered(store: Store, session_id: int) -> int:
    with store.read() as s:
        row = s.get(EventSession, session_id)
        assert row is not None
        return row.registered_count


def test_a_full_session_waitlists_the_seat_not_the_ticket(store: Store, signer: Signer) -> None:
    event = _event_now(store, capacity=10)
    workshop = _workshop(store, event, capacity=1)
    first, second = people(store, 2, prefix="seat-wait")
    holder = register(store, event, first, "Regular", sessions=[workshop]).tickets[0]

    order = register(store, event, second, "Regular", sessions=[workshop])

    (ticket,) = order.tickets
    assert ticket.status == "registered"  # the event had room: the ticket is not held back
    assert ticket.waitlist_position is None
    assert order.waitlisted_sessions == ("Workshop A",)
    assert order.full_sessions == ()
    assert _seats(store, workshop)[ticket.ticket_id] == ("waitlisted", 1)
    assert _session_registered(store, workshop) == 1  # the waiting seat is not counted
    assert list_waitlist(store, event) == []  # nobody waits for the event
    (waiting,) = waitlist.list_session_waitlist(store, event)
    assert (waiting.session, waiting.position, waiting.ticket_id) == (
        "Workshop A",
        1,
        ticket.ticket_id,
    )
    assert show_ticket(store, ticket.ticket_id).sessions == ("Workshop A (waitlisted)",)
    assert show_ticket(store, holder.ticket_id).sessions == ("Workshop A",)
    assert_counters_match(store)

    # The session's door turns the waiting seat away; the event's door admits the ticket.
    payload = show_ticket(store, ticket.ticket_id).qr_payload
    holder_payload = show_ticket(store, holder.ticket_id).qr_payload
    assert payload is not None and holder_payload is not None
    room = Checkin(store, station="Room A", event=event)
    assert room.scan(payload, session_id=workshop).result == "wrong_session"
    assert room.scan(holder_payload, session_id=workshop).result == "ok"
    assert Checkin(store, station="Door", event=event).scan(payload).result == "ok"


def test_cancelling_a_seat_holder_promotes_the_first_waiting_seat(
    store: Store, signer: Signer
) -> None:
    event = _event_now(store, capacity=10)
    workshop = _workshop(store, event, capacity=1)
    a, b, c = people(store, 3, prefix="seat-cancel")
    holder = register(store, event, a, "Regular", sessions=[workshop]).tickets[0].ticket_id
    first = register(store, event, b, "Regular", sessions=[workshop]).tickets[0].ticket_id
    then = register(store, event, c, "Regular", sessions=[workshop])
    assert then.tickets[0].session_waits == (("Workshop A", 2),)
    later = then.tickets[0].ticket_id

    assert cancel(store, holder).promoted == ()  # no ticket waited for the event

    seats = _seats(store, workshop)
    assert seats[first] == ("registered", None)
    assert seats[later] == ("waitlisted", 2)
    assert [w.ticket_id for w in waitlist.list_session_waitlist(store, event)] == [later]
    assert waitlist.list_session_waitlist(store, event)[0].position == 1
    assert _session_registered(store, workshop) == 1
    payload = show_ticket(store, first).qr_payload
    assert payload is not None
    room = Checkin(store, station="Room A", event=event)
    assert room.scan(payload, session_id=workshop).result == "ok"
    assert_counters_match(store)


def test_a_full_refund_frees_the_seat_for_the_next_in_line(store: Store) -> None:
    event = make_event(store, capacity=10)
    add_type(store, event, "Paid", price_cents=2500)
    workshop = workshop_in(store, event, "Workshop P", capacity=1).id
    a, b = people(store, 2, prefix="seat-refund")
    holder = register(store, event, a, "Paid", sessions=[workshop]).tickets[0].ticket_id
    waiting = register(store, event, b, "Paid", sessions=[workshop]).tickets[0].ticket_id
    payments.pay(store, holder, method="cash")

    payments.refund(store, holder)  # all that was paid: the ticket is cancelled

    assert _seats(store, workshop)[waiting] == ("registered", None)
    assert waitlist.list_session_waitlist(store, event) == []
    assert_counters_match(store)


def _order_workshop(store: Store, name: str, capacity: int) -> tuple[str, int]:
    event = make_event(store, capacity=20)
    add_type(store, event, "Regular")
    workshop = workshop_in(store, event, name, capacity=capacity).id
    return event, workshop


def test_an_earlier_order_that_does_not_fit_blocks_later_ones(store: Store) -> None:
    event, workshop = _order_workshop(store, "Workshop B", capacity=2)
    a, b, c, d = people(store, 4, prefix="seat-order")
    holder = register(store, event, a, "Regular", sessions=[workshop]).tickets[0].ticket_id
    register(store, event, b, "Regular", sessions=[workshop])
    pair = register(store, event, c, "Regular", sessions=[workshop], holders=["Kim", "Lee"])
    single = register(store, event, d, "Regular", sessions=[workshop])
    assert pair.status == single.status == "registered"
    pair_ids = [t.ticket_id for t in pair.tickets]
    single_id = single.tickets[0].ticket_id
    seats = _seats(store, workshop)
    # One waiting list for the session, an order's seats one after the other.
    assert [seats[t] for t in pair_ids] == [("waitlisted", 1), ("waitlisted", 2)]
    assert seats[single_id] == ("waitlisted", 3)
    assert single.tickets[0].session_waits == (("Workshop B", 3),)

    # One seat frees: the order of two does not fit in it yet, and the one behind it waits too.
    cancel(store, holder)
    seats = _seats(store, workshop)
    assert [seats[t][0] for t in pair_ids] == ["waitlisted", "waitlisted"]
    assert seats[single_id] == ("waitlisted", 3)
    assert _session_registered(store, workshop) == 1
    # A newcomer does not pass the queue for the free seat either.
    late = people(store, 1, prefix="seat-order-late")[0]
    newcomer = register(store, event, late, "Regular", sessions=[workshop])
    assert newcomer.waitlisted_sessions == ("Workshop B",)
    assert_counters_match(store)

    # The organizer makes room for two more: the order moves in whole, the next still waits.
    program.update_session(store, event, workshop, capacity=3)
    seats = _seats(store, workshop)
    assert [seats[t] for t in pair_ids] == [("registered", None), ("registered", None)]
    assert seats[single_id] == ("waitlisted", 3)
    program.update_session(store, event, workshop, capacity=4)
    assert _seats(store, workshop)[single_id] == ("registered", None)
    assert [w.ticket_id for w in waitlist.list_session_waitlist(store, event)] == [
        newcomer.tickets[0].ticket_id
    ]
    assert_counters_match(store)


def test_an_order_larger_than_the_whole_session_blocks_nobody(store: Store) -> None:
    event, workshop = _order_workshop(store, "Workshop E", capacity=1)
    a, b, c = people(store, 3, prefix="seat-too-big")
    holder = register(store, event, a, "Regular", sessions=[workshop]).tickets[0].ticket_id
    pair = register(store, event, b, "Regular", sessions=[workshop], quantity=2)
    single = register(store, event, c, "Regular", sessions=[workshop]).tickets[0].ticket_id
    assert pair.waitlisted_sessions == ("Workshop E",)

    cancel(store, holder)  # two seats never fit in one: the next in line gets it

    seats = _seats(store, workshop)
    assert seats[single] == ("registered", None)
    assert {seats[t.ticket_id][0] for t in pair.tickets} == {"waitlisted"}
    program.update_session(store, event, workshop, capacity=3)  # now it fits: it moves in
    assert {_seats(store, workshop)[t.ticket_id] for t in pair.tickets} == {("registered", None)}
    assert_counters_match(store)


def test_a_full_event_still_waits_whole(store: Store) -> None:
    event = make_event(store, capacity=1)
    add_type(store, event, "Regular")
    workshop = workshop_in(store, event, "Workshop C", capacity=1).id
    a, b = people(store, 2, prefix="seat-event-full")
    holder = register(store, event, a, "Regular", sessions=[workshop]).tickets[0].ticket_id
    order = register(store, event, b, "Regular", sessions=[workshop], quantity=2)
    assert order.status == "waitlisted"
    assert [t.waitlist_position for t in order.tickets] == [1, 2]
    assert order.waitlisted_sessions == ()
    assert order.places_left == 0
    # The seats follow their tickets: not on the session's own list while the tickets wait.
    assert waitlist.list_session_waitlist(store, event) == []
    assert {_seats(store, workshop)[t.ticket_id][1] for t in order.tickets} == {None}
    assert_counters_match(store)

    # The event makes room for both while the session is still full: the tickets are
    # registered, their seats wait for the session.
    events.update_event(store, event, capacity=3)
    seats = _seats(store, workshop)
    assert [seats[t.ticket_id] for t in order.tickets] == [("waitlisted", 1), ("waitlisted", 2)]
    assert seats[holder] == ("registered", None)
    assert show_ticket(store, order.tickets[0].ticket_id).status == "registered"
    assert_counters_match(store)


def test_the_seat_of_a_ticket_waiting_for_the_event_follows_its_ticket(store: Store) -> None:
    event, workshop = _order_workshop(store, "Workshop F", capacity=1)
    events.update_event(store, event, capacity=1)
    a, b = people(store, 2, prefix="seat-follows")
    holder = register(store, event, a, "Regular", sessions=[workshop]).tickets[0].ticket_id
    waiting = register(store, event, b, "Regular", sessions=[workshop]).tickets[0].ticket_id
    assert show_ticket(store, waiting).status == "waitlisted"

    program.update_session(store, event, workshop, capacity=2)  # room in the session only

    assert show_ticket(store, waiting).status == "waitlisted"
    assert _seats(store, workshop)[waiting] == ("registered", None)  # as it was made
    assert _session_registered(store, workshop) == 1  # not counted while it waits
    assert waitlist.list_session_waitlist(store, event) == []
    cancel(store, holder)  # the event's place frees: the ticket moves in, its seat with it
    assert show_ticket(store, waiting).status == "registered"
    assert show_ticket(store, waiting).sessions == ("Workshop F",)
    assert _session_registered(store, workshop) == 1
    assert_counters_match(store)


def test_register_json_names_the_waitlisted_sessions(store: Store, cli: Cli) -> None:
    event = make_event(store, capacity=10)
    add_type(store, event, "Regular")
    workshop = workshop_in(store, event, "Workshop D", capacity=1).id
    a, b = people(store, 2, prefix="seat-cli")
    register(store, event, a, "Regular", sessions=[workshop])
    base = ("register", event, "--ticket-type", "Regular", "--session", str(workshop))
    made = cli.json(*base, "--attendee", b)
    assert made["status"] == "registered"
    assert made["waitlisted_sessions"] == ["Workshop D"]
    assert made["places_left"] is None
    c = people(store, 1, prefix="seat-cli-human")[0]
    said = cli.out(*base, "--attendee", c)
    assert "waiting for a seat in Workshop D (position 2)" in said
    listed = cli.json("waitlist", event, "--sessions")
    assert [(w["session"], w["position"]) for w in listed] == [("Workshop D", 1), ("Workshop D", 2)]
