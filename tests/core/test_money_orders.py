"""Money and orders (docs/architecture.md#money-and-orders): refunds that cancel or are goodwill,
orders placed or waitlisted whole, and tickets that name their holders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from badges.badge import load_badge
from badges.render import render_text
from eventdesk.db import Store
from eventdesk.errors import InvalidInput, NotAllowed, SoldOut
from eventdesk.models import Ticket, TransactionLog
from eventdesk.services.catalogue import events, program
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.people import attendees, payments
from eventdesk.services.people.cancellation import cancel, cancel_order
from eventdesk.services.people.registration import register, show_ticket
from eventdesk.services.people.waitlist import list_waitlist
from eventdesk.services.stats.reports import report
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from tests.core.test_registration import assert_counters_match
from tests.helpers import migrate, people

CLOCK = utcnow().replace(second=0, microsecond=0)  # the door's "now" in these tests


def _event(
    store: Store, *, capacity: int | None = None, waitlist: bool = True, **kw: object
) -> str:
    """An event running now (an hour in, eight to go) with a 100.00 ticket type."""
    made = events.create_event(
        store,
        name=str(kw.pop("name", "Money Test")),
        starts=CLOCK - timedelta(hours=1),
        ends=CLOCK + timedelta(hours=8),
        capacity=capacity,
        waitlist=waitlist,
        **kw,  # type: ignore[arg-type]
    )
    program.add_ticket_type(store, made.slug, name="Regular", price_cents=10000)
    return made.slug


def _paid_ticket(store: Store, ev: str, email: str) -> str:
    ticket = register(store, ev, email, "Regular").tickets[0].ticket_id
    payments.pay(store, ticket, method="card")
    return ticket


def _payload(store: Store, ticket_id: str) -> str:
    payload = show_ticket(store, ticket_id).qr_payload
    assert payload is not None
    return payload


# --- refunds ----------------------------------------------------------------------------------
def test_partial_refund_is_goodwill_and_the_ticket_stays_valid(
    store: Store, signer: Signer
) -> None:
    ev = _event(store)
    ticket = _paid_ticket(store, ev, people(store, 1)[0])
    made = payments.refund(store, ticket, amount_cents=1000)
    # The door, the card and the revenue report read the same numbers.
    answer = Checkin(store, station="Door").scan(_payload(store, ticket), now=CLOCK)
    assert answer.result == "ok", answer.message
    card = payments.payment_summary(store, ticket)
    assert (card.price_cents, card.paid_cents, card.due_cents) == (9000, 9000, 0)
    assert show_ticket(store, ticket).price_cents == 9000
    assert (made.paid_cents, made.due_cents, made.status) == (9000, 0, "registered")
    assert not made.cancelled and made.goodwill_cents == 1000
    revenue = report(store, "revenue", ev).as_dicts()
    assert revenue[-1]["net_cents"] == 9000


def test_full_refund_revokes_frees_the_place_and_promotes_at_once(
    store: Store, signer: Signer
) -> None:
    ev = _event(store, capacity=1)
    first, second = people(store, 2)
    ticket = _paid_ticket(store, ev, first)
    waiting = register(store, ev, second, "Regular").tickets[0]
    assert waiting.status == "waitlisted"
    made = payments.refund(store, ticket)
    assert show_ticket(store, ticket).status == "cancelled"
    assert show_ticket(store, waiting.ticket_id).status == "registered"
    assert events.show_event(store, ev).registered == 1
    assert (made.paid_cents, made.due_cents, made.status) == (0, 0, "cancelled")
    assert made.cancelled and made.promoted == (waiting.ticket_id,)
    answer = Checkin(store, station="Door").scan(_payload(store, ticket), now=CLOCK)
    assert (answer.result, answer.message) == ("revoked", "This ticket was refunded.")
    assert report(store, "revenue", ev).as_dicts()[-1]["net_cents"] == 0
    assert_counters_match(store)


def test_refund_of_all_that_was_paid_by_amount_also_revokes(store: Store) -> None:
    ev = _event(store)
    ticket = register(store, ev, people(store, 1)[0], "Regular").tickets[0].ticket_id
    payments.pay(store, ticket, method="cash", amount_cents=4000)
    made = payments.refund(store, ticket, amount_cents=4000)
    assert (made.status, made.cancelled, made.paid_cents, made.due_cents) == (
        "cancelled",
        True,
        0,
        0,
    )
    assert events.show_event(store, ev).registered == 0


def test_refund_with_cancel_keeps_a_fee_and_revokes(store: Store) -> None:
    ev = _event(store, capacity=1)
    first, second = people(store, 2)
    ticket = _paid_ticket(store, ev, first)
    waiting = register(store, ev, second, "Regular").tickets[0]
    made = payments.refund(store, ticket, amount_cents=8000, cancel=True)
    assert (made.paid_cents, made.due_cents, made.status) == (2000, 0, "cancelled")
    assert made.cancelled and made.goodwill_cents == 0
    assert made.promoted == (waiting.ticket_id,)
    assert show_ticket(store, ticket).price_cents == 10000  # no goodwill on a cancellation
    assert report(store, "revenue", ev).as_dicts()[-1]["net_cents"] == 2000  # the fee stays
    assert_counters_match(store)


def test_cancelling_a_paid_ticket_offers_the_refund(store: Store) -> None:
    ev = _event(store)
    payer, free_rider = people(store, 2)
    ticket = _paid_ticket(store, ev, payer)
    made = cancel(store, ticket)
    assert (made.paid_cents, made.currency, made.refundable) == (10000, "EUR", (ticket,))
    # The refund offered afterwards returns the money; the ticket stays cancelled.
    back = payments.refund(store, ticket)
    assert (back.status, back.paid_cents, back.due_cents, back.promoted) == ("cancelled", 0, 0, ())
    assert events.show_event(store, ev).registered == 0
    unpaid = register(store, ev, free_rider, "Regular").tickets[0].ticket_id
    nothing = cancel(store, unpaid)
    assert (nothing.paid_cents, nothing.refundable) == (0, ())


def test_refund_and_cancel_are_logged(store: Store) -> None:
    ev = _event(store)
    ticket = _paid_ticket(store, ev, people(store, 1)[0])
    payments.refund(store, ticket, amount_cents=500)
    payments.refund(store, ticket)
    with store.read() as s:
        kinds = s.scalars(
            select(TransactionLog.kind)
            .where(TransactionLog.ticket_id == ticket)
            .order_by(TransactionLog.id)
        ).all()
    assert kinds == ["registered", "payment", "refund", "refund", "cancelled"]


# --- orders -----------------------------------------------------------------------------------
def test_an_order_too_big_for_the_places_left_waits_whole(store: Store) -> None:
    ev = _event(store, capacity=3)
    one, buyer, later = people(store, 3)
    register(store, ev, one, "Regular")
    order = register(store, ev, buyer, "Regular", quantity=3)
    assert [t.status for t in order.tickets] == ["waitlisted"] * 3
    assert (order.status, order.places_left) == ("waitlisted", 2)
    assert events.show_event(store, ev).registered == 1
    # One freed place is not enough for the order: a single later registrant takes it.
    single = register(store, ev, later, "Regular").tickets[0]
    assert single.status == "registered"
    assert_counters_match(store)


def test_an_order_is_promoted_whole_when_it_fits(store: Store) -> None:
    ev = _event(store, capacity=2)
    a, b, buyer = people(store, 3)
    first = register(store, ev, a, "Regular").tickets[0]
    second = register(store, ev, b, "Regular").tickets[0]
    order = register(store, ev, buyer, "Regular", quantity=2)
    assert order.status == "waitlisted"
    assert cancel(store, first.ticket_id).promoted == ()  # one place for two: it waits
    promoted = cancel(store, second.ticket_id).promoted
    assert set(promoted) == {t.ticket_id for t in order.tickets}
    assert {show_ticket(store, t.ticket_id).status for t in order.tickets} == {"registered"}
    assert_counters_match(store)


def test_an_order_is_refused_whole_without_a_waitlist(store: Store) -> None:
    ev = _event(store, capacity=2, waitlist=False)
    buyer = people(store, 1)[0]
    with pytest.raises(SoldOut, match="only 2 place"):
        register(store, ev, buyer, "Regular", quantity=3)
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 0
    assert len(register(store, ev, buyer, "Regular", quantity=2).tickets) == 2


def test_ticket_type_quantity_counts_the_whole_order(store: Store) -> None:
    ev = _event(store)
    program.add_ticket_type(store, ev, name="Workshop pass", price_cents=0, quantity=2)
    order = register(store, ev, people(store, 1)[0], "Workshop pass", quantity=3)
    assert order.status == "waitlisted" and order.places_left == 2


def test_each_ticket_names_its_holder_at_the_door_and_on_the_badge(
    store: Store, signer: Signer
) -> None:
    ev = _event(store)
    buyer = attendees.add_attendee(store, name="Alice Buyer", email="alice@example.com")
    order = register(store, ev, buyer.email, "Regular", holders=["Bob Guest", None, "Chloé Day"])
    assert [t.holder for t in order.tickets] == ["Bob Guest", None, "Chloé Day"]
    bob, alice, chloe = (show_ticket(store, t.ticket_id) for t in order.tickets)
    assert (bob.holder, alice.holder, chloe.holder) == ("Bob Guest", "Alice Buyer", "Chloé Day")
    assert bob.attendee_id == buyer.id  # the buyer still owns the order
    door = Checkin(store, station="Door")
    assert door.scan(_payload(store, bob.id), now=CLOCK).attendee == "Bob Guest"
    assert door.scan(_payload(store, alice.id), now=CLOCK).attendee == "Alice Buyer"
    badge = load_badge(store, chloe.id)
    assert badge.name == "Chloé Day"
    assert "CHLOÉ DAY" in render_text(badge).decode()
    assert "ALICE" not in render_text(badge).decode()
    # The desk finds the buyer's card by a holder's name.
    assert [a.id for a in attendees.find_attendees(store, "chloe")] == [buyer.id]
    assert [a.id for a in attendees.find_attendees(store, "bob gue")] == [buyer.id]
    attendees.update_attendee(store, buyer.id, company="Acme")  # tokens rebuilt: still found
    assert [a.id for a in attendees.find_attendees(store, "chloe")] == [buyer.id]


def test_holder_names_are_checked(store: Store) -> None:
    ev = _event(store)
    buyer = people(store, 1)[0]
    with pytest.raises(InvalidInput, match="holder"):
        register(store, ev, buyer, "Regular", quantity=1, holders=["A", "B"])
    with pytest.raises(InvalidInput, match="holder"):
        register(store, ev, buyer, "Regular", holders=["Bad\x00Name"])
    # A ticket for someone else does not count as the buyer's own.
    register(store, ev, buyer, "Regular")
    other = register(store, ev, buyer, "Regular", holders=["Dana Friend"]).tickets[0]
    assert other.status == "registered"
    assert [w.name for w in list_waitlist(store, ev)] == []


def test_cancel_one_ticket_of_an_order_or_all(store: Store) -> None:
    ev = _event(store)
    order = register(store, ev, people(store, 1)[0], "Regular", quantity=3)
    assert cancel(store, order.tickets[0].ticket_id).cancelled == (order.tickets[0].ticket_id,)
    rest = cancel_order(store, order.order_id)
    assert set(rest.cancelled) == {t.ticket_id for t in order.tickets[1:]}
    with pytest.raises(NotAllowed):
        cancel_order(store, order.order_id)
    assert_counters_match(store)


# --- the migration: refunds recorded before goodwill existed ---------------------------------
def test_old_partial_refunds_become_goodwill_on_upgrade(empty_db_url: str) -> None:
    store = Store(empty_db_url)
    try:
        migrate(store.engine, "0004")
        now = utcnow()
        if store.dialect == "sqlite":  # as UTCDateTime stores it there
            now = now.replace(tzinfo=None)
        with store.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO event (id, slug, title, starts_at, ends_at, timezone, visibility,"
                    " status, waitlist_enabled, registered_count, created_at, unpaid_policy,"
                    " allow_reentry) VALUES (1, 'old', 'Old', :t, :t, 'UTC', 'public',"
                    " 'scheduled', true, 3, :t, 'refuse', false)"
                ),
                {"t": now},
            )
            conn.execute(
                text(
                    "INSERT INTO attendee (id, name, email, email_key, failed_pin_attempts,"
                    " created_at) VALUES (1, 'A', 'a@example.com', 'a@example.com', 0, :t)"
                ),
                {"t": now},
            )
            conn.execute(
                text(
                    "INSERT INTO ticket_type (id, event_id, name, price_cents, currency,"
                    " priority_tier, registered_count) VALUES (1, 1, 'R', 10000, 'EUR', 1, 3)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO ticket_order (id, event_id, buyer_id, created_at)"
                    " VALUES (1, 1, 1, :t)"
                ),
                {"t": now},
            )
            for ticket_id in ("PART", "FULL", "NONE"):
                conn.execute(
                    text(
                        "INSERT INTO ticket (id, order_id, event_id, ticket_type_id, attendee_id,"
                        " status, price_cents, currency, created_at, inside) VALUES"
                        " (:id, 1, 1, 1, 1, 'registered', 10000, 'EUR', :t, false)"
                    ),
                    {"id": ticket_id, "t": now},
                )
            for ticket_id, kind, amount in (
                ("PART", "payment", 10000),
                ("PART", "refund", 1500),
                ("FULL", "payment", 10000),
                ("FULL", "refund", 10000),
            ):
                conn.execute(
                    text(
                        "INSERT INTO payment (ticket_id, event_id, kind, method, amount_cents,"
                        " currency, status, created_at) VALUES (:id, 1, :kind, 'card', :amount,"
                        " 'EUR', 'completed', :t)"
                    ),
                    {"id": ticket_id, "kind": kind, "amount": amount, "t": now},
                )
        migrate(store.engine, "head")
        with store.read() as s:
            prices = {t: p for t, p in s.execute(select(Ticket.id, Ticket.price_cents))}
        assert prices == {"PART": 8500, "FULL": 10000, "NONE": 10000}
        assert payments.payment_summary(store, "PART").due_cents == 0
    finally:
        store.dispose()
