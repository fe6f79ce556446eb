"""Cancellation: a ticket or a whole order cancelled, its place given to the waitlist in the same
transaction, and what was paid said (so the desk can offer the refund)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.errors import (
    NotAllowed,
    NotFound,
)
from eventdesk.i18n import _
from eventdesk.ids import as_id
from eventdesk.models import (
    Order,
    Ticket,
)
from eventdesk.services.catalogue.places import (
    cancel_in,
    promote_waiting,
)
from eventdesk.services.common import (
    get_event,
    get_ticket,
)
from eventdesk.services.people.payments import paid_cents
from eventdesk.services.people.registration import ACTIVE
from eventdesk.values import utcnow


@dataclass(frozen=True)
class CancelResult:
    """What a cancellation did. ``paid_cents`` is what was paid on the cancelled tickets and is
    not refunded yet: the desk offers the refund (``refundable`` names those tickets)."""

    status: str
    cancelled: tuple[str, ...]
    promoted: tuple[str, ...]
    paid_cents: int = 0
    currency: str | None = None
    refundable: tuple[str, ...] = ()


def _cancelled(
    session: Session, tickets: Sequence[Ticket], promoted: Sequence[str]
) -> CancelResult:
    """The result, with what was paid on the cancelled tickets (to offer the refund)."""
    paid = {t.id: paid_cents(session, t.id) for t in tickets}
    refundable = tuple(t.id for t in tickets if paid[t.id] > 0)
    return CancelResult(
        "cancelled",
        tuple(t.id for t in tickets),
        tuple(promoted),
        paid_cents=sum(paid[t] for t in refundable),
        currency=tickets[0].currency if tickets else None,
        refundable=refundable,
    )


def cancel(
    store: Store, ticket_id: str, *, station: str | None = None, now: datetime | None = None
) -> CancelResult:
    """Cancel one ticket; the freed place goes to the waitlist in the same transaction. What
    was paid is not returned here: the result says how much, so the desk can offer a refund."""
    moment = now or utcnow()
    with store.write() as session:
        ticket = get_ticket(session, ticket_id)
        event = get_event(session, ticket.event_id, lock=True)
        session.refresh(ticket)
        if ticket.status == "cancelled":
            raise NotAllowed(_("ticket {ticket} is cancelled already").format(ticket=ticket.id))
        cancel_in(session, [ticket], moment, station)
        promoted = promote_waiting(session, event, now=moment, station=station)
        return _cancelled(session, [ticket], promoted)


def cancel_order(
    store: Store, order_id: int, *, station: str | None = None, now: datetime | None = None
) -> CancelResult:
    """Cancel every active ticket of an order at once."""
    moment = now or utcnow()
    with store.write() as session:
        order = session.get(Order, order_id) if as_id(order_id) is not None else None
        if order is None:
            raise NotFound(_("no order {order}").format(order=order_id), field="order")
        event = get_event(session, order.event_id, lock=True)
        tickets = list(
            session.scalars(
                select(Ticket)
                .where(Ticket.order_id == order.id, Ticket.status.in_(ACTIVE))
                .order_by(Ticket.id)
            )
        )
        if not tickets:
            raise NotAllowed(_("order {order} has no active tickets").format(order=order_id))
        cancel_in(session, tickets, moment, station)
        promoted = promote_waiting(session, event, now=moment, station=station)
        return _cancelled(session, tickets, promoted)
