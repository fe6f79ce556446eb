"""Payments, refunds and what is due."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from eventdesk.db import Store
from eventdesk.errors import InvalidInput, NotAllowed, NotFound
from eventdesk.models import TransactionLog
from eventdesk.services.people import payments
from eventdesk.services.people.cancellation import cancel
from eventdesk.services.people.registration import register
from tests.helpers import add_type, make_event, people


def _ticket(store: Store, price_cents: int = 2500) -> str:
    ev = make_event(store)
    add_type(store, ev, "Regular", price_cents=price_cents)
    return register(store, ev, people(store, 1)[0], "Regular").tickets[0].ticket_id


def test_partial_then_full_payment_and_refund(store: Store) -> None:
    ticket = _ticket(store)
    assert payments.payment_summary(store, ticket).due_cents == 2500
    after = payments.pay(store, ticket, method="cash", amount_cents=1000)
    assert (after.paid_cents, after.due_cents) == (1000, 1500)
    after = payments.pay(store, ticket, method="card", reference="POS-7")
    assert (after.paid_cents, after.due_cents) == (2500, 0)
    with pytest.raises(InvalidInput, match="nothing is due"):
        payments.pay(store, ticket, method="cash")
    back = payments.refund(store, ticket, amount_cents=500)  # goodwill: the price drops
    assert (back.paid_cents, back.due_cents, back.status) == (2000, 0, "registered")
    with pytest.raises(InvalidInput, match=r"more than the 20\.00 EUR paid"):
        payments.refund(store, ticket, amount_cents=2001)
    back = payments.refund(store, ticket)  # all of it: the ticket is revoked
    assert (back.paid_cents, back.due_cents, back.status) == (0, 0, "cancelled")
    with pytest.raises(NotAllowed, match="nothing to refund"):
        payments.refund(store, ticket)
    kinds = [p.kind for p in payments.list_payments(store, ticket)]
    assert kinds == ["payment", "payment", "refund", "refund"]
    with store.read() as s:
        logged = s.scalars(
            select(TransactionLog.kind).where(TransactionLog.ticket_id == ticket)
        ).all()
    assert logged == ["registered", "payment", "payment", "refund", "refund", "cancelled"]


def test_overpayment_and_bad_amounts_refused(store: Store) -> None:
    ticket = _ticket(store)
    with pytest.raises(InvalidInput, match=r"more than the 25\.00 EUR due"):
        payments.pay(store, ticket, method="cash", amount_cents=2501)
    with pytest.raises(InvalidInput, match="more than zero"):
        payments.pay(store, ticket, method="cash", amount_cents=0)
    with pytest.raises(InvalidInput, match="method"):
        payments.pay(store, ticket, method="bitcoin")
    with pytest.raises(NotFound):
        payments.pay(store, "NOPE1234", method="cash")


def test_invoice_stays_unpaid_until_settled(store: Store) -> None:
    ticket = _ticket(store)
    pending = payments.pay(store, ticket, method="invoice", reference="INV-2030-17")
    assert pending.due_cents == 2500 and pending.payment_id is not None
    settled = payments.settle(store, pending.payment_id)
    assert settled.due_cents == 0
    with pytest.raises(NotAllowed, match="not pending"):
        payments.settle(store, pending.payment_id)


def test_comp_pays_what_is_due(store: Store) -> None:
    ticket = _ticket(store)
    assert payments.pay(store, ticket, method="comp").due_cents == 0


def test_free_ticket_has_nothing_due(store: Store) -> None:
    ticket = _ticket(store, price_cents=0)
    assert payments.payment_summary(store, ticket).due_cents == 0


def test_cancelled_ticket_takes_no_payment(store: Store) -> None:
    ticket = _ticket(store)
    cancel(store, ticket)
    with pytest.raises(NotAllowed, match="cancelled"):
        payments.pay(store, ticket, method="cash")
