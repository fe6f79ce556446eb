"""Registration with capacity, seats and the priority waitlist; cancellation and promotion.

Every change of capacity happens in one write transaction that first locks the event row
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serializes
writers). Inside it the counters on event, ticket type and sessions are read and changed, so two
stations can never sell the same last place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

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
from eventdesk.ids import as_id
from eventdesk.models import (
    Attendee,
    Event,
    EventSession,
    Order,
    SearchToken,
    Seat,
    Ticket,
    TicketSession,
    TicketType,
)
from eventdesk.services.common import get_attendee, get_event, get_ticket, get_ticket_type, log
from eventdesk.services.events import sessions_by_id
from eventdesk.text import new_id
from eventdesk.values import utcnow

ACTIVE = ("registered", "waitlisted")


@dataclass(frozen=True)
class RegistrationResult:
    status: str  # registered | waitlisted
    ticket_id: str
    order_id: int
    event: str
    ticket_type: str
    waitlist_position: int | None
    seat: str | None


@dataclass(frozen=True)
class OrderResult:
    order_id: int
    tickets: tuple[RegistrationResult, ...]


@dataclass(frozen=True)
class CancelResult:
    status: str
    cancelled: tuple[str, ...]
    promoted: tuple[str, ...]


@dataclass(frozen=True)
class WaitlistEntry:
    position: int
    ticket_id: str
    attendee_id: int
    name: str
    email: str
    ticket_type: str
    tier: int
    since: datetime


@dataclass(frozen=True)
class TicketInfo:
    id: str
    order_id: int
    event: str
    event_title: str
    attendee_id: int
    attendee: str
    email: str
    ticket_type: str
    attention: str | None
    status: str
    seat: str | None
    price_cents: int
    currency: str
    sessions: tuple[str, ...]
    waitlist_position: int | None
    created_at: datetime
    qr_payload: str | None
    checked_in_at: datetime | None
    checked_in_station: str | None


# --- capacity -------------------------------------------------------------------------------
def _has_room(limit: int | None, used: int) -> bool:
    return limit is None or used < limit


def _venue_has_seats(session: Session, event: Event) -> bool:
    if event.venue_id is None:
        return False
    return (
        session.scalar(select(Seat.id).where(Seat.venue_id == event.venue_id).limit(1)) is not None
    )


def _free_seat(session: Session, event: Event, wanted: str | None) -> str | None:
    """The requested seat if free, else the first free one in the venue's order (or None)."""
    assert event.venue_id is not None
    taken = select(Ticket.seat_label).where(
        Ticket.event_id == event.id, Ticket.seat_label.is_not(None)
    )
    query = select(Seat.label).where(Seat.venue_id == event.venue_id, Seat.label.not_in(taken))
    if wanted is not None:
        exists = session.scalar(
            select(Seat.id).where(Seat.venue_id == event.venue_id, Seat.label == wanted)
        )
        if exists is None:
            raise NotFound(f"the venue has no seat {wanted!r}", field="seat")
        if session.scalar(query.where(Seat.label == wanted)) is None:
            raise NotAllowed(f"seat {wanted!r} is taken")
        return wanted
    return session.scalar(query.order_by(Seat.position).limit(1))


def _claim(
    session: Session,
    event: Event,
    ticket_type: TicketType,
    sessions: Sequence[EventSession],
    *,
    seated: bool,
    wanted_seat: str | None = None,
) -> tuple[bool, str | None]:
    """Take one place at every level if all have room. Returns (placed, seat)."""
    if not (
        _has_room(event.capacity, event.registered_count)
        and _has_room(ticket_type.quantity, ticket_type.registered_count)
        and all(_has_room(s.capacity, s.registered_count) for s in sessions)
    ):
        return False, None
    seat = None
    if seated:
        seat = _free_seat(session, event, wanted_seat)
        if seat is None:
            return False, None
    event.registered_count += 1
    ticket_type.registered_count += 1
    for row in sessions:
        row.registered_count += 1
    return True, seat


def _release(session: Session, ticket: Ticket) -> None:
    event = session.get(Event, ticket.event_id)
    ticket_type = session.get(TicketType, ticket.ticket_type_id)
    assert event is not None and ticket_type is not None
    event.registered_count -= 1
    ticket_type.registered_count -= 1
    for row in _ticket_sessions(session, ticket.id):
        row.registered_count -= 1
    ticket.seat_label = None


def _ticket_sessions(session: Session, ticket_id: str) -> list[EventSession]:
    return list(
        session.scalars(
            select(EventSession)
            .join(TicketSession, TicketSession.session_id == EventSession.id)
            .where(TicketSession.ticket_id == ticket_id)
            .order_by(EventSession.id)
        )
    )


def _check_sales_window(ticket_type: TicketType, now: datetime) -> None:
    if ticket_type.sales_start is not None and now < ticket_type.sales_start:
        raise SalesClosed(
            f"{ticket_type.name} tickets go on sale at {ticket_type.sales_start:%Y-%m-%d %H:%M} UTC"
        )
    if ticket_type.sales_end is not None and now > ticket_type.sales_end:
        raise SalesClosed(
            f"{ticket_type.name} tickets were on sale until "
            f"{ticket_type.sales_end:%Y-%m-%d %H:%M} UTC"
        )


def waitlist_position(session: Session, ticket: Ticket) -> int | None:
    if ticket.status != "waitlisted" or ticket.waitlist_seq is None:
        return None
    tier = session.scalar(
        select(TicketType.priority_tier).where(TicketType.id == ticket.ticket_type_id)
    )
    ahead = session.scalar(
        select(func.count())
        .select_from(Ticket)
        .join(TicketType, TicketType.id == Ticket.ticket_type_id)
        .where(
            Ticket.event_id == ticket.event_id,
            Ticket.status == "waitlisted",
            or_(
                TicketType.priority_tier < tier,
                and_(TicketType.priority_tier == tier, Ticket.waitlist_seq < ticket.waitlist_seq),
            ),
        )
    )
    return int(ahead or 0) + 1


def _next_waitlist_seq(session: Session, event: Event) -> int:
    current = session.scalar(
        select(func.max(Ticket.waitlist_seq)).where(Ticket.event_id == event.id)
    )
    return int(current or 0) + 1


def _new_ticket_id(session: Session) -> str:
    while True:
        candidate = new_id()
        if session.get(Ticket, candidate) is None:
            return candidate


# --- register -------------------------------------------------------------------------------
def register(
    store: Store,
    event_ref: str | int,
    attendee_ref: str | int,
    ticket_type_ref: str | int,
    *,
    sessions: Sequence[int] = (),
    seat: str | None = None,
    quantity: int = 1,
    allow_waitlist: bool = True,
    station: str | None = None,
    now: datetime | None = None,
) -> OrderResult:
    """Register (or waitlist) ``quantity`` tickets in one order, atomically."""
    if quantity < 1 or quantity > 50:
        raise InvalidInput("quantity must be between 1 and 50", field="quantity")
    if seat is not None and quantity != 1:
        raise InvalidInput("a seat can be chosen only for a single ticket", field="seat")
    moment = now or utcnow()
    with store.write() as session:
        event = get_event(session, event_ref, lock=True)
        if event.status == "cancelled":
            raise EventCancelled(f"event {event.slug!r} is cancelled")
        attendee = get_attendee(session, attendee_ref)
        ticket_type = get_ticket_type(session, event, ticket_type_ref)
        _check_sales_window(ticket_type, moment)
        chosen_sessions = sessions_by_id(session, event, sessions)
        if quantity == 1:
            held = session.scalars(
                select(Ticket).where(
                    Ticket.attendee_id == attendee.id,
                    Ticket.event_id == event.id,
                    Ticket.status.in_(ACTIVE),
                )
            ).first()
            if held is not None:
                raise AlreadyRegistered(
                    f"{attendee.name} already holds ticket {held.id} ({held.status}) "
                    f"for {event.slug!r}"
                )
        seated = _venue_has_seats(session, event)
        if seat is not None and not seated:
            raise InvalidInput("this event's venue has no numbered seats", field="seat")
        order = Order(event_id=event.id, buyer_id=attendee.id, created_at=moment)
        session.add(order)
        session.flush()
        results = []
        for _ in range(quantity):
            placed, seat_label = _claim(
                session, event, ticket_type, chosen_sessions, seated=seated, wanted_seat=seat
            )
            if not placed and not (allow_waitlist and event.waitlist_enabled):
                raise SoldOut(
                    f"{ticket_type.name} for {event.slug!r} is sold out and there is no waitlist"
                )
            ticket_id = _new_ticket_id(session)
            ticket = Ticket(
                id=ticket_id,
                qr_payload=store.signer.payload(ticket_id) if store.signer else None,
                order_id=order.id,
                event_id=event.id,
                ticket_type_id=ticket_type.id,
                attendee_id=attendee.id,
                status="registered" if placed else "waitlisted",
                price_cents=ticket_type.price_cents,
                currency=ticket_type.currency,
                seat_label=seat_label,
                waitlist_seq=None if placed else _next_waitlist_seq(session, event),
                created_at=moment,
                registered_at=moment if placed else None,
            )
            session.add(ticket)
            session.flush()
            session.add_all(
                TicketSession(ticket_id=ticket.id, session_id=s.id) for s in chosen_sessions
            )
            session.add(SearchToken(token=ticket.id.lower(), attendee_id=attendee.id))
            log(
                session,
                ticket.status,
                at=moment,
                event_id=event.id,
                ticket_id=ticket.id,
                attendee_id=attendee.id,
                amount_cents=ticket.price_cents,
                currency=ticket.currency,
                station=station,
                ticket_type=ticket_type.name,
                order_id=order.id,
                seat=seat_label,
                sessions=[s.id for s in chosen_sessions],
            )
            session.flush()
            results.append(
                RegistrationResult(
                    status=ticket.status,
                    ticket_id=ticket.id,
                    order_id=order.id,
                    event=event.slug,
                    ticket_type=ticket_type.name,
                    waitlist_position=waitlist_position(session, ticket),
                    seat=seat_label,
                )
            )
        return OrderResult(order_id=order.id, tickets=tuple(results))


# --- waitlist and promotion -----------------------------------------------------------------
def promote_waiting(
    session: Session, event: Event, *, now: datetime, station: str | None
) -> list[str]:
    """Promote waitlisted tickets, best tier first then arrival, while places are free.

    Runs inside the caller's transaction, which holds the event lock. A waiting ticket whose own
    ticket type or session is still full is passed over for the next one that fits.
    """
    if event.status == "cancelled" or not _has_room(event.capacity, event.registered_count):
        return []
    seated = _venue_has_seats(session, event)
    waiting = session.execute(
        select(Ticket, TicketType)
        .join(TicketType, TicketType.id == Ticket.ticket_type_id)
        .where(Ticket.event_id == event.id, Ticket.status == "waitlisted")
        .order_by(TicketType.priority_tier, Ticket.waitlist_seq)
    ).all()
    promoted: list[str] = []
    for ticket, ticket_type in waiting:
        if not _has_room(event.capacity, event.registered_count):
            break
        placed, seat_label = _claim(
            session, event, ticket_type, _ticket_sessions(session, ticket.id), seated=seated
        )
        if not placed:
            continue
        ticket.status = "registered"
        ticket.seat_label = seat_label
        ticket.registered_at = now
        session.flush()
        log(
            session,
            "promoted",
            at=now,
            event_id=event.id,
            ticket_id=ticket.id,
            attendee_id=ticket.attendee_id,
            station=station,
            ticket_type=ticket_type.name,
            seat=seat_label,
        )
        promoted.append(ticket.id)
    return promoted


def promote(
    store: Store,
    ticket_id: str,
    *,
    force: bool = False,
    station: str | None = None,
    now: datetime | None = None,
) -> RegistrationResult:
    """Move one ticket off the waitlist now. Without ``force`` it must fit; with it, an
    organizer admits it over capacity."""
    moment = now or utcnow()
    with store.write() as session:
        ticket = get_ticket(session, ticket_id)
        event = get_event(session, ticket.event_id, lock=True)
        session.refresh(ticket)
        if ticket.status != "waitlisted":
            raise NotAllowed(f"ticket {ticket.id} is {ticket.status}, not on the waitlist")
        ticket_type = session.get(TicketType, ticket.ticket_type_id)
        assert ticket_type is not None
        seated = _venue_has_seats(session, event)
        placed, seat_label = _claim(
            session, event, ticket_type, _ticket_sessions(session, ticket.id), seated=seated
        )
        if not placed:
            if not force:
                raise SoldOut(f"no free place for ticket {ticket.id}; an organizer can force it")
            event.registered_count += 1
            ticket_type.registered_count += 1
            for row in _ticket_sessions(session, ticket.id):
                row.registered_count += 1
            seat_label = _free_seat(session, event, None) if seated else None
        ticket.status = "registered"
        ticket.seat_label = seat_label
        ticket.registered_at = moment
        session.flush()
        log(
            session,
            "promoted",
            at=moment,
            event_id=event.id,
            ticket_id=ticket.id,
            attendee_id=ticket.attendee_id,
            station=station,
            manual=True,
            forced=force and not placed,
        )
        return RegistrationResult(
            "registered", ticket.id, ticket.order_id, event.slug, ticket_type.name, None, seat_label
        )


def list_waitlist(store: Store, event_ref: str | int) -> list[WaitlistEntry]:
    with store.read() as session:
        event = get_event(session, event_ref)
        rows = session.execute(
            select(Ticket, TicketType, Attendee)
            .join(TicketType, TicketType.id == Ticket.ticket_type_id)
            .join(Attendee, Attendee.id == Ticket.attendee_id)
            .where(Ticket.event_id == event.id, Ticket.status == "waitlisted")
            .order_by(TicketType.priority_tier, Ticket.waitlist_seq)
        )
        return [
            WaitlistEntry(
                position=i,
                ticket_id=t.id,
                attendee_id=a.id,
                name=a.name,
                email=a.email,
                ticket_type=tt.name,
                tier=tt.priority_tier,
                since=t.created_at,
            )
            for i, (t, tt, a) in enumerate(rows, start=1)
        ]


# --- cancel ---------------------------------------------------------------------------------
def _cancel_rows(
    session: Session, tickets: Sequence[Ticket], now: datetime, station: str | None
) -> None:
    for ticket in tickets:
        previous = ticket.status
        if previous == "registered":
            _release(session, ticket)
        ticket.status = "cancelled"
        ticket.cancelled_at = now
        session.flush()
        log(
            session,
            "cancelled",
            at=now,
            event_id=ticket.event_id,
            ticket_id=ticket.id,
            attendee_id=ticket.attendee_id,
            station=station,
            previous_status=previous,
        )


def cancel(
    store: Store, ticket_id: str, *, station: str | None = None, now: datetime | None = None
) -> CancelResult:
    """Cancel one ticket; the freed place goes to the waitlist in the same transaction."""
    moment = now or utcnow()
    with store.write() as session:
        ticket = get_ticket(session, ticket_id)
        event = get_event(session, ticket.event_id, lock=True)
        session.refresh(ticket)
        if ticket.status == "cancelled":
            raise NotAllowed(f"ticket {ticket.id} is cancelled already")
        _cancel_rows(session, [ticket], moment, station)
        promoted = promote_waiting(session, event, now=moment, station=station)
        return CancelResult("cancelled", (ticket.id,), tuple(promoted))


def cancel_order(
    store: Store, order_id: int, *, station: str | None = None, now: datetime | None = None
) -> CancelResult:
    """Cancel every active ticket of an order at once."""
    moment = now or utcnow()
    with store.write() as session:
        order = session.get(Order, order_id) if as_id(order_id) is not None else None
        if order is None:
            raise NotFound(f"no order {order_id}", field="order")
        event = get_event(session, order.event_id, lock=True)
        tickets = list(
            session.scalars(
                select(Ticket)
                .where(Ticket.order_id == order.id, Ticket.status.in_(ACTIVE))
                .order_by(Ticket.id)
            )
        )
        if not tickets:
            raise NotAllowed(f"order {order_id} has no active tickets")
        _cancel_rows(session, tickets, moment, station)
        promoted = promote_waiting(session, event, now=moment, station=station)
        return CancelResult("cancelled", tuple(t.id for t in tickets), tuple(promoted))


# --- reading tickets ------------------------------------------------------------------------
def ticket_info(session: Session, ticket: Ticket) -> TicketInfo:
    event = session.get(Event, ticket.event_id)
    attendee = session.get(Attendee, ticket.attendee_id)
    ticket_type = session.get(TicketType, ticket.ticket_type_id)
    assert event is not None and attendee is not None and ticket_type is not None
    return TicketInfo(
        id=ticket.id,
        order_id=ticket.order_id,
        event=event.slug,
        event_title=event.title,
        attendee_id=attendee.id,
        attendee=attendee.name,
        email=attendee.email,
        ticket_type=ticket_type.name,
        attention=ticket_type.attention,
        status=ticket.status,
        seat=ticket.seat_label,
        price_cents=ticket.price_cents,
        currency=ticket.currency,
        sessions=tuple(s.name for s in _ticket_sessions(session, ticket.id)),
        waitlist_position=waitlist_position(session, ticket),
        created_at=ticket.created_at,
        qr_payload=ticket.qr_payload,
        checked_in_at=ticket.checked_in_at,
        checked_in_station=ticket.checked_in_station,
    )


def show_ticket(store: Store, ticket_id: str) -> TicketInfo:
    with store.read() as session:
        return ticket_info(session, get_ticket(session, ticket_id))


def tickets_of_attendee(store: Store, attendee_ref: str | int) -> list[TicketInfo]:
    with store.read() as session:
        attendee = get_attendee(session, attendee_ref)
        rows = session.scalars(
            select(Ticket)
            .where(Ticket.attendee_id == attendee.id)
            .order_by(Ticket.created_at, Ticket.id)
        )
        return [ticket_info(session, t) for t in rows]
