"""Staff notes: what the staff wrote about a person ("Press: escort to the press room") or about
an order ("paid by invoice, collect PO").

A note is shown at the door with the answer to a ticket's scan (``ScanResult.note`` and
``order_note``: the desk's answer, its recent answers, ``checkin``/``scan``, the scan log), on the
desk's card and by ``attendee show`` and ``order show``. It is never printed on a badge, and a
kiosk never shows it to the person scanning. The person's own note comes with the tickets they
hold themselves (not with one they bought for someone else); an order's note comes with each of
its tickets. Forgetting a person erases their note and the notes of their orders.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.errors import InvalidInput, NotFound
from eventdesk.i18n import _
from eventdesk.ids import as_id
from eventdesk.models import Attendee, Event, Order, Ticket
from eventdesk.values import optional_text

NOTE_LENGTH = 500  # the columns' (attendee.note, ticket_order.note)


def parse_note(value: str | None) -> str | None:
    """A note as given: trimmed, at most NOTE_LENGTH characters, one line with no control
    characters; None for nothing or blanks ("" clears it)."""
    try:
        # TRANSLATORS: the field a refusal names: "note is longer than 500 characters"
        return optional_text(value, _("note"), max_length=NOTE_LENGTH)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="note") from None


@dataclass(frozen=True)
class OrderInfo:
    """An order: its event, its buyer, its tickets and the staff's note on it."""

    id: int
    event: str
    buyer_id: int
    buyer: str
    email: str
    created_at: datetime
    tickets: tuple[str, ...]
    note: str | None = None


def _order(session: Session, ref: str | int) -> Order:
    number = as_id(str(ref).strip())
    found = session.get(Order, number) if number is not None else None
    if found is None:
        raise NotFound(_("no order {order}").format(order=ref), field="order")
    return found


def _info(session: Session, order: Order) -> OrderInfo:
    slug = session.scalar(select(Event.slug).where(Event.id == order.event_id)) or ""
    buyer = session.get(Attendee, order.buyer_id)
    tickets = session.scalars(
        select(Ticket.id).where(Ticket.order_id == order.id).order_by(Ticket.created_at, Ticket.id)
    ).all()
    return OrderInfo(
        order.id,
        slug,
        order.buyer_id,
        buyer.name if buyer is not None else "",
        buyer.email if buyer is not None else "",
        order.created_at,
        tuple(tickets),
        order.note,
    )


def show_order(store: Store, ref: str | int) -> OrderInfo:
    with store.read() as session:
        return _info(session, _order(session, ref))


def set_order_note(store: Store, ref: str | int, note: str | None) -> OrderInfo:
    """Write the staff's note on an order, or take it away (None or ""): shown at the door with
    each of its tickets' answers, never printed; a desk's own login may write it
    (eventdesk.grants)."""
    noted = parse_note(note)
    with store.write() as session:
        order = _order(session, ref)
        order.note = noted
        session.flush()
        return _info(session, order)


def order_notes(store: Store, order_ids: Iterable[int]) -> dict[int, str]:
    """The notes of these orders, by order (orders without one left out)."""
    ids = sorted(set(order_ids))
    if not ids:
        return {}
    with store.read() as session:
        rows = session.execute(
            select(Order.id, Order.note).where(Order.id.in_(ids), Order.note.is_not(None))
        ).all()
    return {int(order_id): str(note) for order_id, note in rows}
