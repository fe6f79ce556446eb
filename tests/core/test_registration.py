"""Registration, capacity at every level, the priority waitlist, cancellation and promotion."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from eventdesk.db import Store
from eventdesk.errors import (
    AlreadyRegistered,
    EventCancelled,
    InvalidInput,
    NotAllowed,
    NotFound,
    SalesClosed,
    SoldOut,
)
from eventdesk.models import Event, EventSession, Ticket, TicketType, TransactionLog
from eventdesk.services.catalogue import events, program
from eventdesk.services.people.cancellation import cancel, cancel_order
from eventdesk.services.people.registration import register, show_ticket
from eventdesk.services.people.waitlist import list_waitlist, promote
from eventdesk.values import utcnow
from tests.helpers import add_type, make_event, people


def assert_counters_match(store: Store) -> None:
    """The capacity counters always equal the registered tickets they stand for."""
    with store.read() as s:
        for ev in s.scalars(select(Event)):
            n = s.scalar(
                select(func.count())
                .select_from(Ticket)
                .where(Ticket.event_id == ev.id, Ticket.status == "registered")
            )
            assert ev.registered_count == n, ev.slug
        for tt in s.scalars(select(TicketType)):
            n = s.scalar(
                select(func.count())
                .select_from(Ticket)
                .where(Ticket.ticket_type_id == tt.id, Ticket.status == "registered")
            )
            assert tt.registered_count == n, tt.name
        from eventdesk.models import TicketSession

        for es in s.scalars(select(EventSession)):
            n = s.scalar(
                select(func.count())
                .select_from(Ticket)
                .join(TicketSession, TicketSession.ticket_id == Ticket.id)
                .where(
                    TicketSession.session_id == es.id,
                    TicketSession.status == "registered",
                    Ticket.status == "registered",
                )
            )
            assert es.registered_count == n, es.name


def test_event_capacity_enforced_then_waitlist(store: Store) -> None:
    ev = make_event(store, capacity=3)
    add_type(store, ev, "Regular")
    emails = people(store, 5)
    results = [register(store, ev, e, "Regular").tickets[0] for e in emails]
    assert [r.status for r in results] == ["registered"] * 3 + ["waitlisted"] * 2
    assert [r.waitlist_position for r in results] == [None, None, None, 1, 2]
    assert events.show_event(store, ev).registered == 3
    assert events.show_event(store, ev).waitlisted == 2
    assert_counters_match(store)


def test_ticket_type_quantity_enforced(store: Store) -> None:
    ev = make_event(store, capacity=100)
    add_type(store, ev, "VIP", quantity=2, tier=0)
    add_type(store, ev, "Regular")
    emails = people(store, 4)
    vip = [register(store, ev, e, "vip").tickets[0].status for e in emails[:3]]
    assert vip == ["registered", "registered", "waitlisted"]
    assert register(store, ev, emails[3], "Regular").tickets[0].status == "registered"
    assert_counters_match(store)


def test_session_capacity_enforced(store: Store) -> None:
    ev = make_event(store, capacity=100)
    add_type(store, ev, "Regular")
    workshop = program.add_session(
        store, ev, name="Workshop", starts="2030-06-01T10:00", ends="2030-06-01T12:00", capacity=2
    )
    emails = people(store, 3)
    orders = [register(store, ev, e, "Regular", sessions=[workshop.id]) for e in emails]
    # The event has room: a full session waitlists the seat, never the ticket.
    assert [o.status for o in orders] == ["registered"] * 3
    assert [o.waitlisted_sessions for o in orders] == [(), (), ("Workshop",)]
    assert program.list_sessions(store, ev)[0].registered == 2
    assert show_ticket(store, register_ticket(store, ev)).sessions == ()
    assert_counters_match(store)


def register_ticket(store: Store, ev: str) -> str:
    email = people(store, 1, prefix="extra")[0]
    return register(store, ev, email, "Regular").tickets[0].ticket_id


def test_session_of_another_event_is_refused(store: Store) -> None:
    ev, other = make_event(store), make_event(store)
    add_type(store, ev, "Regular")
    foreign = program.add_session(
        store, other, name="Elsewhere", starts="2030-06-01T10:00", ends="2030-06-01T11:00"
    )
    email = people(store, 1)[0]
    with pytest.raises(NotFound, match="no session"):
        register(store, ev, email, "Regular", sessions=[foreign.id])


def test_sold_out_without_waitlist_is_refused(store: Store) -> None:
    ev = make_event(store, capacity=1, waitlist=False)
    add_type(store, ev, "Regular")
    a, b = people(store, 2)
    register(store, ev, a, "Regular")
    with pytest.raises(SoldOut):
        register(store, ev, b, "Regular")
    with store.read() as s:  # nothing of the refused registration was kept
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1


def test_vip_served_from_waitlist_before_regular_in_arrival_order(store: Store) -> None:
    ev = make_event(store, capacity=2)
    add_type(store, ev, "VIP", tier=0)
    add_type(store, ev, "Regular", tier=1)
    holders = people(store, 2, prefix="holder")
    held = [register(store, ev, e, "Regular").tickets[0].ticket_id for e in holders]
    r1, r2, v1, v2 = people(store, 4, prefix="wait")
    order = [(r1, "Regular"), (v1, "VIP"), (r2, "Regular"), (v2, "VIP")]
    tickets = {e: register(store, ev, e, t).tickets[0] for e, t in order}
    assert all(t.status == "waitlisted" for t in tickets.values())
    listed = [w.email for w in list_waitlist(store, ev)]
    assert listed == [v1, v2, r1, r2]
    assert [w.position for w in list_waitlist(store, ev)] == [1, 2, 3, 4]
    # A VIP who arrived later than a Regular is still ahead of them.
    assert show_ticket(store, tickets[v2].ticket_id).waitlist_position == 2
    first = cancel(store, held[0])
    assert first.promoted == (tickets[v1].ticket_id,)
    second = cancel(store, held[1])
    assert second.promoted == (tickets[v2].ticket_id,)
    assert [w.email for w in list_waitlist(store, ev)] == [r1, r2]
    assert_counters_match(store)


def test_cancellation_promotes_in_the_same_transaction(store: Store) -> None:
    ev = make_event(store, capacity=1)
    add_type(store, ev, "Regular")
    a, b = people(store, 2)
    held = register(store, ev, a, "Regular").tickets[0].ticket_id
    waiting = register(store, ev, b, "Regular").tickets[0].ticket_id
    result = cancel(store, held)
    assert result.cancelled == (held,) and result.promoted == (waiting,)
    assert show_ticket(store, waiting).status == "registered"
    assert show_ticket(store, held).status == "cancelled"
    with store.read() as s:
        kinds = [
            r.kind
            for r in s.scalars(
                select(TransactionLog)
                .where(TransactionLog.ticket_id.in_([held, waiting]))
                .order_by(TransactionLog.id)
            )
        ]
        cancel_at, promote_at = s.scalars(
            select(TransactionLog.at)
            .where(TransactionLog.kind.in_(["cancelled", "promoted"]))
            .order_by(TransactionLog.id)
        ).all()
    assert kinds == ["registered", "waitlisted", "cancelled", "promoted"]
    # One transaction: one timestamp for the cancellation and the promotion it caused.
    assert cancel_at == promote_at
    assert_counters_match(store)


def test_promotion_skips_entries_whose_own_type_is_still_full(store: Store) -> None:
    ev = make_event(store, capacity=10)
    add_type(store, ev, "VIP", tier=0, quantity=1)
    add_type(store, ev, "Regular", tier=1, quantity=1)
    v1, v2, r1, r2 = people(store, 4)
    register(store, ev, v1, "VIP")
    register(store, ev, v2, "VIP")  # waits for a VIP place
    regular = register(store, ev, r1, "Regular").tickets[0].ticket_id
    waiting_regular = register(store, ev, r2, "Regular").tickets[0].ticket_id
    result = cancel(store, regular)
    assert result.promoted == (waiting_regular,)
    assert [w.email for w in list_waitlist(store, ev)] == [v2]


def test_raising_capacity_promotes(store: Store) -> None:
    ev = make_event(store, capacity=1)
    add_type(store, ev, "Regular")
    emails = people(store, 3)
    for e in emails:
        register(store, ev, e, "Regular")
    events.update_event(store, ev, capacity=3)
    assert list_waitlist(store, ev) == []
    assert events.show_event(store, ev).registered == 3
    assert_counters_match(store)


def test_manual_promotion_and_force(store: Store) -> None:
    ev = make_event(store, capacity=1)
    add_type(store, ev, "Regular")
    a, b = people(store, 2)
    register(store, ev, a, "Regular")
    waiting = register(store, ev, b, "Regular").tickets[0].ticket_id
    with pytest.raises(SoldOut):
        promote(store, waiting)
    assert promote(store, waiting, force=True).status == "registered"
    assert events.show_event(store, ev).registered == 2
    with pytest.raises(NotAllowed):
        promote(store, waiting)
    assert_counters_match(store)


def test_order_of_several_tickets_and_cancel_all(store: Store) -> None:
    ev = make_event(store, capacity=3)
    add_type(store, ev, "Regular")
    buyer, other = people(store, 2)
    order = register(store, ev, buyer, "Regular", quantity=3)
    assert [t.status for t in order.tickets] == ["registered"] * 3
    assert len({t.ticket_id for t in order.tickets}) == 3
    waiting = register(store, ev, other, "Regular").tickets[0]
    assert waiting.status == "waitlisted"
    result = cancel_order(store, order.order_id)
    assert set(result.cancelled) == {t.ticket_id for t in order.tickets}
    assert result.promoted == (waiting.ticket_id,)
    with pytest.raises(NotAllowed):
        cancel_order(store, order.order_id)
    assert_counters_match(store)


def test_numbered_seats(store: Store) -> None:
    events.add_venue(store, name="Small Theatre", seats="A1-A2,B1")
    ev = make_event(store, venue="Small Theatre", capacity=3)  # seats alone cap nothing
    add_type(store, ev, "Regular")
    a, b, c, d = people(store, 4)
    first = register(store, ev, a, "Regular", seat="B1").tickets[0]
    assert first.seat == "B1"
    with pytest.raises(NotAllowed, match="taken"):
        register(store, ev, b, "Regular", seat="B1")
    with pytest.raises(NotFound, match="no seat"):
        register(store, ev, b, "Regular", seat="Z9")
    assert register(store, ev, b, "Regular").tickets[0].seat == "A1"
    assert register(store, ev, c, "Regular").tickets[0].seat == "A2"
    waiting = register(store, ev, d, "Regular").tickets[0]
    assert waiting.status == "waitlisted" and waiting.seat is None  # seats ran out
    promoted = cancel(store, first.ticket_id).promoted
    assert promoted == (waiting.ticket_id,)
    assert show_ticket(store, waiting.ticket_id).seat == "B1"


def test_seat_on_a_venue_without_seats_is_bad_input(store: Store) -> None:
    ev = make_event(store)
    add_type(store, ev, "Regular")
    with pytest.raises(InvalidInput, match="no numbered seats"):
        register(store, ev, people(store, 1)[0], "Regular", seat="A1")


def test_second_registration_of_same_attendee_refused(store: Store) -> None:
    ev = make_event(store)
    add_type(store, ev, "Regular")
    email = people(store, 1)[0]
    ticket = register(store, ev, email, "Regular").tickets[0].ticket_id
    with pytest.raises(AlreadyRegistered, match=ticket):
        register(store, ev, email.upper(), "regular")
    cancel(store, ticket)
    assert register(store, ev, email, "Regular").tickets[0].status == "registered"


def test_sales_window(store: Store) -> None:
    ev = make_event(store)
    now = utcnow()
    add_type(store, ev, "Early", sales_end=(now - timedelta(days=1)).isoformat())
    add_type(store, ev, "Late", sales_start=(now + timedelta(days=1)).isoformat())
    email = people(store, 1)[0]
    with pytest.raises(SalesClosed, match="were on sale until"):
        register(store, ev, email, "Early")
    with pytest.raises(SalesClosed, match="go on sale"):
        register(store, ev, email, "Late")
    assert (
        register(store, ev, email, "Late", now=now + timedelta(days=2)).tickets[0].status
        == "registered"
    )


def test_cancelled_event_refuses_registration(store: Store) -> None:
    ev = make_event(store)
    add_type(store, ev, "Regular")
    events.cancel_event(store, ev)
    with pytest.raises(EventCancelled):
        register(store, ev, people(store, 1)[0], "Regular")


@pytest.mark.parametrize(
    ("event", "attendee", "ticket_type", "error", "field"),
    [
        ("no-such-event", "person0@example.com", "Regular", NotFound, "event"),
        ("", "person0@example.com", "Regular", InvalidInput, "event"),
        ("EV", "nobody@example.com", "Regular", NotFound, "attendee"),
        ("EV", "", "Regular", InvalidInput, "attendee"),
        ("EV", "person0@example.com", "Platinum", NotFound, "ticket_type"),
        ("EV", "person0@example.com", "", InvalidInput, "ticket_type"),
    ],
)
def test_bad_registration_input_is_a_typed_error(
    store: Store, event: str, attendee: str, ticket_type: str, error: type[Exception], field: str
) -> None:
    ev = make_event(store)
    add_type(store, ev, "Regular")
    people(store, 1)
    with pytest.raises(error) as caught:
        register(store, ev if event == "EV" else event, attendee, ticket_type)
    assert getattr(caught.value, "field", None) == field


def test_cancel_twice_and_unknown_ticket(store: Store) -> None:
    ev = make_event(store)
    add_type(store, ev, "Regular")
    ticket = register(store, ev, people(store, 1)[0], "Regular").tickets[0].ticket_id
    cancel(store, ticket.lower())  # ticket ids are case-insensitive as typed
    with pytest.raises(NotAllowed, match="cancelled already"):
        cancel(store, ticket)
    with pytest.raises(NotFound):
        cancel(store, "NOSUCH00")


def test_quantity_bounds(store: Store) -> None:
    ev = make_event(store)
    add_type(store, ev, "Regular")
    email = people(store, 1)[0]
    for bad in (0, -1, 51):
        with pytest.raises(InvalidInput, match="quantity"):
            register(store, ev, email, "Regular", quantity=bad)


def test_door_states_say_where_each_attendee_stands_at_the_door(store: Store) -> None:
    """The desk's Status column: the best ticket of each attendee at the event (checked in,
    with the earliest check-in; then registered; then waitlisted; then cancelled; else none)."""
    from eventdesk.services.door.checkin import Checkin
    from eventdesk.services.people.attendees import door_states_among, show_attendee

    now = utcnow()
    event = make_event(
        store,
        capacity=3,
        starts=(now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        ends=(now + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M"),
    )
    add_type(store, event, "Free", price_cents=0)
    emails = people(store, 5, prefix="standing")
    ids = [show_attendee(store, email).id for email in emails]
    both = register(store, event, ids[0], "Free", quantity=2).tickets  # two tickets, one used
    register(store, event, ids[1], "Free")  # the third place: registered, not in
    register(store, event, ids[2], "Free")  # no place left: waitlisted
    gone = register(store, event, ids[3], "Free").tickets  # waitlisted too, then cancelled
    cancel(store, gone[0].ticket_id)
    door = Checkin(store, station="Door 1", event=event)
    admitted = door.checkin_ticket(both[1].ticket_id)
    assert admitted.result == "ok"

    states = door_states_among(store, event, ids)
    assert states[ids[0]].state == "in" and states[ids[0]].at == admitted.at
    assert [states[i].state for i in ids[1:]] == ["due", "waitlisted", "cancelled", "none"]
    assert all(s.state == "none" for s in door_states_among(store, None, ids).values())
