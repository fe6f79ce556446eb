"""Places at an event: claiming them (the event's, a ticket type's, a session's, a seat), freeing
them, and handing freed ones to the waitlist, best tier first, then arrival, an order's tickets
together. One place for these rules: registration, cancellation, payments (a refund that
cancels) and the catalogue (a capacity raised) all promote through ``promote_waiting``, in the
caller's transaction, which holds the event lock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from eventdesk.errors import NotAllowed, NotFound
from eventdesk.models import Event, EventSession, Seat, Ticket, TicketSession, TicketType
from eventdesk.services.common import log


def has_room(limit: int | None, used: int, wanted: int = 1) -> bool:
    return limit is None or used + wanted <= limit


def venue_has_seats(session: Session, event: Event) -> bool:
    if event.venue_id is None:
        return False
    return (
        session.scalar(select(Seat.id).where(Seat.venue_id == event.venue_id).limit(1)) is not None
    )


def free_seat(session: Session, event: Event, wanted: str | None) -> str | None:
    """The requested seat if free, else the first free one in the venue's order (or None)."""
    if wanted is None:
        free = _free_seats(session, event, 1)
        return free[0] if free else None
    assert event.venue_id is not None
    exists = session.scalar(
        select(Seat.id).where(Seat.venue_id == event.venue_id, Seat.label == wanted)
    )
    if exists is None:
        raise NotFound(f"the venue has no seat {wanted!r}", field="seat")
    if session.scalar(_free_seat_query(event).where(Seat.label == wanted)) is None:
        raise NotAllowed(f"seat {wanted!r} is taken")
    return wanted


def _free_seat_query(event: Event) -> Select[str]:
    assert event.venue_id is not None
    taken = select(Ticket.seat_label).where(
        Ticket.event_id == event.id, Ticket.seat_label.is_not(None)
    )
    return select(Seat.label).where(Seat.venue_id == event.venue_id, Seat.label.not_in(taken))


def _free_seats(
    session: Session, event: Event, count: int, exclude: Sequence[str] = ()
) -> list[str]:
    """Up to ``count`` free seats in the venue's order (fewer, or none, when they run out).
    ``exclude`` names seats handed out in this transaction but not yet flushed."""
    query = _free_seat_query(event)
    if exclude:
        query = query.where(Seat.label.not_in(list(exclude)))
    return list(session.scalars(query.order_by(Seat.position).limit(count)))


def places_left(
    event: Event, ticket_types: Sequence[TicketType], sessions: Sequence[EventSession]
) -> int | None:
    """The fewest places left at any level that counts them (None: no level counts)."""
    left = [
        max(limit - used, 0)
        for limit, used in (
            (event.capacity, event.registered_count),
            *((t.quantity, t.registered_count) for t in ticket_types),
            *((s.capacity, s.registered_count) for s in sessions),
        )
        if limit is not None
    ]
    return min(left) if left else None


def claim_places(
    session: Session,
    event: Event,
    claims: Sequence[tuple[TicketType, Sequence[EventSession]]],
    *,
    seated: bool,
    wanted_seat: str | None = None,
    exclude_seats: Sequence[str] = (),
) -> list[str | None] | None:
    """Take a place at every level for each (ticket type, sessions) of ``claims``, all or none.

    Returns each ticket's seat (None: general admission), or None when any level lacks room
    for all of them. Seats are handed out while the venue has free ones; a seat asked for by
    name must be free. Runs in the caller's transaction, which holds the event lock.
    """
    count = len(claims)
    types = {t.id: t for t, _ in claims}
    per_type = Counter(t.id for t, _ in claims)
    rows = {s.id: s for _, chosen in claims for s in chosen}
    per_session = Counter(s.id for _, chosen in claims for s in chosen)
    if not (
        has_room(event.capacity, event.registered_count, count)
        and all(
            has_room(types[tid].quantity, types[tid].registered_count, n)
            for tid, n in per_type.items()
        )
        and all(
            has_room(rows[sid].capacity, rows[sid].registered_count, n)
            for sid, n in per_session.items()
        )
    ):
        return None
    seats: list[str | None] = [None] * count
    if wanted_seat is not None:
        seats[0] = free_seat(session, event, wanted_seat)
    elif seated:
        for index, label in enumerate(_free_seats(session, event, count, exclude_seats)):
            seats[index] = label
    event.registered_count += count
    for tid, n in per_type.items():
        types[tid].registered_count += n
    for sid, n in per_session.items():
        rows[sid].registered_count += n
    return seats


def claim(
    session: Session,
    event: Event,
    ticket_type: TicketType,
    sessions: Sequence[EventSession],
    *,
    seated: bool,
    wanted_seat: str | None = None,
) -> tuple[bool, str | None]:
    """Take one place at every level if all have room. Returns (placed, seat)."""
    seats = claim_places(
        session, event, [(ticket_type, sessions)], seated=seated, wanted_seat=wanted_seat
    )
    return (False, None) if seats is None else (True, seats[0])


def _release(session: Session, ticket: Ticket) -> None:
    event = session.get(Event, ticket.event_id)
    ticket_type = session.get(TicketType, ticket.ticket_type_id)
    assert event is not None and ticket_type is not None
    event.registered_count -= 1
    ticket_type.registered_count -= 1
    for row in ticket_sessions(session, ticket.id):
        row.registered_count -= 1
    ticket.seat_label = None


def ticket_sessions(session: Session, ticket_id: str) -> list[EventSession]:
    return list(
        session.scalars(
            select(EventSession)
            .join(TicketSession, TicketSession.session_id == EventSession.id)
            .where(TicketSession.ticket_id == ticket_id)
            .order_by(EventSession.id)
        )
    )


def promote_waiting(
    session: Session, event: Event, *, now: datetime, station: str | None
) -> list[str]:
    """Promote waitlisted tickets, best tier first then arrival, while places are free.

    An order's waiting tickets move together or not at all. Runs inside the caller's
    transaction, which holds the event lock. An order whose own ticket type or session is still
    full (or that needs more places than are free) is passed over for the next one that fits.
    """
    if event.status == "cancelled" or not has_room(event.capacity, event.registered_count):
        return []
    seated = venue_has_seats(session, event)
    waiting = session.execute(
        select(Ticket, TicketType)
        .join(TicketType, TicketType.id == Ticket.ticket_type_id)
        .where(Ticket.event_id == event.id, Ticket.status == "waitlisted")
        .order_by(TicketType.priority_tier, Ticket.waitlist_seq, Ticket.id)
    ).all()
    orders: dict[int, list[tuple[Ticket, TicketType]]] = {}
    for ticket, ticket_type in waiting:  # each order ranks where its best ticket does
        orders.setdefault(ticket.order_id, []).append((ticket, ticket_type))
    promoted: list[str] = []
    for group in orders.values():
        if not has_room(event.capacity, event.registered_count):
            break
        claims = [(tt, ticket_sessions(session, t.id)) for t, tt in group]
        seats = claim_places(session, event, claims, seated=seated)
        if seats is None:
            continue
        for (ticket, ticket_type), seat_label in zip(group, seats, strict=True):
            ticket.status = "registered"
            ticket.seat_label = seat_label
            ticket.registered_at = now
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
                order_id=ticket.order_id,
            )
            promoted.append(ticket.id)
        session.flush()
    return promoted


def cancel_in(
    session: Session,
    tickets: Sequence[Ticket],
    now: datetime,
    station: str | None,
    *,
    reason: str | None = None,
) -> None:
    """Cancel tickets in the caller's transaction (which holds the event lock), freeing their
    places. The caller promotes from the waitlist."""
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
            reason=reason,
        )
