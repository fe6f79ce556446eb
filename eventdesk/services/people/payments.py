"""Payment records and refunds. Money is recorded, never processed: there is no gateway.

A refund is one of two things (docs/architecture.md#money-and-orders). A full refund (all that was
paid, or one marked ``cancel``) revokes the ticket: it is cancelled, its place freed and the
waitlist promoted in the same transaction. A partial refund is goodwill: it lowers the ticket's
price by as much, so what was paid still covers what is due and the ticket stays valid at the door.
The door, the card and the revenue report all read the same two numbers: the ticket's price and what
was paid.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import get_args

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.errors import InvalidInput, NotAllowed, NotFound
from eventdesk.i18n import _
from eventdesk.ids import as_id
from eventdesk.models import (
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentStatus,
    Ticket,
    TicketStatus,
)
from eventdesk.services.catalogue.places import cancel_in, promote_waiting
from eventdesk.services.common import get_event, get_ticket, log
from eventdesk.values import format_cents, optional_text, utcnow

METHODS: tuple[PaymentMethod, ...] = get_args(PaymentMethod)
STATUSES: tuple[PaymentStatus, ...] = ("completed", "pending")  # what a new record may be


@dataclass(frozen=True)
class PaymentRecord:
    id: int
    ticket_id: str
    kind: PaymentKind
    method: PaymentMethod
    amount_cents: int
    currency: str
    reference: str | None
    status: PaymentStatus
    created_at: datetime


@dataclass(frozen=True)
class PaymentSummary:
    """What a ticket costs (after goodwill), what was paid, what is still due, and its status."""

    ticket_id: str
    price_cents: int
    paid_cents: int
    due_cents: int
    currency: str
    payment_id: int | None = None
    status: TicketStatus = "registered"


@dataclass(frozen=True)
class RefundResult(PaymentSummary):
    """A refund's outcome: ``cancelled`` when it revoked the ticket (a full refund or one marked
    cancel), and the waitlisted tickets its freed place promoted."""

    cancelled: bool = False
    goodwill_cents: int = 0  # how much the price was lowered (a partial refund)
    promoted: tuple[str, ...] = ()


def paid_cents(session: Session, ticket_id: str) -> int:
    total = 0
    for kind, amount in session.execute(
        select(Payment.kind, Payment.amount_cents).where(
            Payment.ticket_id == ticket_id, Payment.status == "completed"
        )
    ):
        total += amount if kind == "payment" else -amount
    return total


def pending_cents(session: Session, ticket_id: str) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
            Payment.ticket_id == ticket_id, Payment.status == "pending", Payment.kind == "payment"
        )
    )
    return int(total or 0)


def due_cents(ticket: Ticket, paid: int) -> int:
    """What is still to pay: nothing on a cancelled ticket."""
    return due_of(ticket.status, ticket.price_cents, paid)


def due_of(status: str, price_cents: int, paid: int) -> int:
    """What a ticket of ``status`` and price still owes, ``paid`` paid: nothing once it is
    cancelled (a refund in full cancels it), never below nothing."""
    return 0 if status == "cancelled" else max(price_cents - paid, 0)


def summary(session: Session, ticket: Ticket, payment_id: int | None = None) -> PaymentSummary:
    paid = paid_cents(session, ticket.id)
    return PaymentSummary(
        ticket.id,
        ticket.price_cents,
        paid,
        due_cents(ticket, paid),
        ticket.currency,
        payment_id,
        ticket.status,
    )


def _method(value: str) -> str:
    method = value.strip().lower()
    if method not in METHODS:
        raise InvalidInput(
            _("method must be one of {choices}").format(choices=", ".join(METHODS)), field="method"
        )
    return method


def pay(
    store: Store,
    ticket_id: str,
    *,
    method: str,
    amount_cents: int | None = None,
    reference: str | None = None,
    status: str | None = None,
    station: str | None = None,
) -> PaymentSummary:
    """Record a payment. Without an amount it pays what is due. An invoice stays pending
    (unpaid at the door) until it is settled."""
    pay_method = _method(method)
    pay_status = (status or ("pending" if pay_method == "invoice" else "completed")).strip().lower()
    if pay_status not in STATUSES:
        raise InvalidInput(
            _("status must be one of {choices}").format(choices=", ".join(STATUSES)), field="status"
        )
    ref = optional_text(reference, "reference")
    now = utcnow()
    with store.write() as session:
        ticket = get_ticket(session, ticket_id)
        get_event(session, ticket.event_id, lock=True)
        session.refresh(ticket)
        if ticket.status == "cancelled":
            raise NotAllowed(
                _("ticket {ticket} is cancelled: no payment can be taken for it").format(
                    ticket=ticket.id
                )
            )
        current = summary(session, ticket)
        pending = pending_cents(session, ticket.id)
        open_cents = max(current.due_cents - pending, 0)  # a pending invoice will pay its part
        amount = open_cents if amount_cents is None else amount_cents
        if amount_cents is None and pending and not open_cents:
            raise NotAllowed(
                _(
                    "an invoice of {amount} is pending on ticket {ticket}: settle it (eventdesk "
                    "payment settle) rather than pay twice"
                ).format(amount=format_cents(pending, ticket.currency), ticket=ticket.id)
            )
        if amount <= 0:
            raise InvalidInput(
                _("nothing is due on ticket {ticket}").format(ticket=ticket.id)
                if amount_cents is None
                else _("amount must be more than zero"),
                field="amount",
            )
        if amount > open_cents:
            if pending:
                too_much = _(
                    "amount {amount} is more than the {due} due on ticket {ticket} (an invoice of "
                    "{pending} is pending)"
                )
            else:
                too_much = _("amount {amount} is more than the {due} due on ticket {ticket}")
            raise InvalidInput(
                too_much.format(
                    amount=format_cents(amount, ticket.currency),
                    due=format_cents(open_cents, ticket.currency),
                    ticket=ticket.id,
                    pending=format_cents(pending, ticket.currency),
                ),
                field="amount",
            )
        row = Payment(
            ticket_id=ticket.id,
            event_id=ticket.event_id,
            kind="payment",
            method=pay_method,
            amount_cents=amount,
            currency=ticket.currency,
            reference=ref,
            status=pay_status,
            created_at=now,
            station=station,
        )
        session.add(row)
        session.flush()
        log(
            session,
            "payment",
            at=now,
            event_id=ticket.event_id,
            ticket_id=ticket.id,
            attendee_id=ticket.attendee_id,
            amount_cents=amount,
            currency=ticket.currency,
            station=station,
            method=pay_method,
            status=pay_status,
            reference=ref,
            payment_id=row.id,
        )
        return summary(session, ticket, row.id)


def settle(store: Store, payment_id: int, *, station: str | None = None) -> PaymentSummary:
    """Mark a pending payment (an invoice) as completed."""
    now = utcnow()
    with store.write() as session:
        row = session.get(Payment, payment_id) if as_id(payment_id) is not None else None
        if row is None:
            raise NotFound(_("no payment {payment}").format(payment=payment_id), field="payment")
        ticket = get_ticket(session, row.ticket_id)
        get_event(session, ticket.event_id, lock=True)
        session.refresh(row)
        session.refresh(ticket)
        if row.status != "pending":
            raise NotAllowed(
                # TRANSLATORS: {status} is the payment's status: completed, refunded...
                _("payment {payment} is {status}, not pending").format(
                    payment=payment_id, status=row.status
                )
            )
        if ticket.status == "cancelled":
            raise NotAllowed(
                _("ticket {ticket} is cancelled: refund or void the invoice instead").format(
                    ticket=ticket.id
                )
            )
        paid = paid_cents(session, ticket.id)
        if paid + row.amount_cents > ticket.price_cents:
            price = format_cents(ticket.price_cents, ticket.currency)
            raise NotAllowed(
                _(
                    "ticket {ticket} has been paid meanwhile ({paid} of {price}): settling this "
                    "invoice would charge twice"
                ).format(ticket=ticket.id, paid=format_cents(paid, ticket.currency), price=price)
            )
        row.status = "completed"
        log(
            session,
            "payment_settled",
            at=now,
            event_id=ticket.event_id,
            ticket_id=ticket.id,
            attendee_id=ticket.attendee_id,
            amount_cents=row.amount_cents,
            currency=row.currency,
            station=station,
            payment_id=row.id,
        )
        return summary(session, ticket, row.id)


def refund(
    store: Store,
    ticket_id: str,
    *,
    amount_cents: int | None = None,
    cancel: bool = False,
    method: str | None = None,
    reference: str | None = None,
    station: str | None = None,
    now: datetime | None = None,
) -> RefundResult:
    """Record a refund, at most what was paid; without an amount, all of it.

    All that was paid, or ``cancel``, revokes the ticket: cancelled, its place freed and the
    waitlist promoted in this transaction. Less than that is goodwill: the price is lowered by
    the amount, so nothing more is due and the ticket stays valid. On a ticket cancelled already
    a refund only returns money.
    """

    ref = optional_text(reference, "reference")
    moment = now or utcnow()
    with store.write() as session:
        ticket = get_ticket(session, ticket_id)
        event = get_event(session, ticket.event_id, lock=True)
        session.refresh(ticket)
        paid = paid_cents(session, ticket.id)
        amount = paid if amount_cents is None else amount_cents
        if paid <= 0:
            if ticket.status == "cancelled" or not cancel:
                nothing = _("nothing was paid on ticket {ticket}: nothing to refund")
            else:
                nothing = _(
                    "nothing was paid on ticket {ticket}: nothing to refund (cancel it instead)"
                )
            raise NotAllowed(nothing.format(ticket=ticket.id))
        if amount <= 0:
            raise InvalidInput(_("amount must be more than zero"), field="amount")
        if amount > paid:
            raise InvalidInput(
                _("refund {amount} is more than the {paid} paid on ticket {ticket}").format(
                    amount=format_cents(amount, ticket.currency),
                    paid=format_cents(paid, ticket.currency),
                    ticket=ticket.id,
                ),
                field="amount",
            )
        last_method = session.scalar(
            select(Payment.method)
            .where(Payment.ticket_id == ticket.id, Payment.kind == "payment")
            .order_by(Payment.id.desc())
            .limit(1)
        )
        refund_method = _method(method) if method else (last_method or "cash")
        was_active = ticket.status != "cancelled"
        revokes = was_active and (cancel or amount == paid)
        goodwill = amount if was_active and not revokes else 0
        price_before = ticket.price_cents
        if goodwill:
            ticket.price_cents -= goodwill
        row = Payment(
            ticket_id=ticket.id,
            event_id=ticket.event_id,
            kind="refund",
            method=refund_method,
            amount_cents=amount,
            currency=ticket.currency,
            reference=ref,
            status="completed",
            created_at=moment,
            station=station,
        )
        session.add(row)
        session.flush()
        log(
            session,
            "refund",
            at=moment,
            event_id=ticket.event_id,
            ticket_id=ticket.id,
            attendee_id=ticket.attendee_id,
            amount_cents=amount,
            currency=ticket.currency,
            station=station,
            method=refund_method,
            reference=ref,
            payment_id=row.id,
            goodwill=bool(goodwill),
            cancels=revokes,
            price_before=price_before,
            price_after=ticket.price_cents,
        )
        promoted: list[str] = []
        if revokes:
            cancel_in(session, [ticket], moment, station, reason="refund")
            promoted = promote_waiting(session, event, now=moment, station=station)
        after = summary(session, ticket, row.id)
        return RefundResult(
            **{f.name: getattr(after, f.name) for f in fields(PaymentSummary)},
            cancelled=revokes,
            goodwill_cents=goodwill,
            promoted=tuple(promoted),
        )


def payment_summary(store: Store, ticket_id: str) -> PaymentSummary:
    with store.read() as session:
        return summary(session, get_ticket(session, ticket_id))


def list_payments(store: Store, ticket_id: str) -> list[PaymentRecord]:
    with store.read() as session:
        ticket = get_ticket(session, ticket_id)
        rows = session.scalars(
            select(Payment).where(Payment.ticket_id == ticket.id).order_by(Payment.id)
        )
        return [
            PaymentRecord(
                r.id,
                r.ticket_id,
                r.kind,
                r.method,
                r.amount_cents,
                r.currency,
                r.reference,
                r.status,
                r.created_at,
            )
            for r in rows
        ]
