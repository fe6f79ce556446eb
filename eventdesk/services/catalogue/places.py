"""Places at an event: claiming them (the event's, a ticket type's, a session's, a seat), freeing
them, and handing freed ones to the waitlist, best tier first, then arrival, an order's tickets
together. One place for these rules: registration, cancellation, payments (a refund that
cancels) and the catalogue (a capacity raised) all promote through ``promote_waiting``, in the
caller's transaction, which holds the event lock.

A session has its own waitlist, of seats (``ticket_session.status``): a full session makes a
registered ticket's seat in it wait, never the ticket itself. Only registered seats of
registered tickets count in ``event_session.registered_count``. A seat of a ticket that waits
for the event follows its ticket: it is neither counted nor on the session's list until the
ticket is registered (``settle_seats``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from eventdesk.errors import NotAllowed, NotFound
from eventdesk.i18n import _
from eventdesk.import_liveness import NONE_STOPPED, Stopped
from eventdesk.models import Event, EventSession, Seat, Ticket, TicketSession, TicketType
from eventdesk.services.catalogue.held import room_counted
from eventdesk.services.common import log

# A ticket's seat in a session (ticket_session.status); a cancelled session's seats are kept,
# cancelled, on their tickets (the card shows them), counted nowhere and admitted nowhere.
SEAT_REGISTERED = "registered"
SEAT_WAITLISTED = "waitlisted"
SEAT_CANCELLED = "cancelled"
SESSION_CANCELLED = "cancelled"  # event_session.status


@dataclass(frozen=True)
class SeatInfo:
    """A ticket's seat in a session: registered, waitlisted (``position`` on the session's
    waitlist) or cancelled (with its session). A seat of a ticket waiting for the event
    follows its ticket: registered, uncounted, until the ticket is placed."""

    session_id: int
    name: str
    status: str
    position: int | None = None


def has_room(limit: int | None, used: int, wanted: int = 1) -> bool:
    return limit is None or used + wanted <= limit


def _waiting(query: Select[Any], session_id: int) -> Select[Any]:
    """``query`` over the seats waiting for session ``session_id``: of registered tickets (a
    cancelled ticket's seat waits no more; one of a ticket waiting for the event follows its
    ticket)."""
    return (
        query.select_from(TicketSession)
        .join(Ticket, Ticket.id == TicketSession.ticket_id)
        .where(
            TicketSession.session_id == session_id,
            TicketSession.status == SEAT_WAITLISTED,
            Ticket.status == "registered",
        )
    )


def fits_ever(row: EventSession, seats: int) -> bool:
    """An order of ``seats`` could fit the session as it is, once seats free: not more than
    its whole capacity."""
    return row.capacity is None or seats <= row.capacity


def session_open(session: Session, row: EventSession, wanted: int) -> bool:
    """The session takes ``wanted`` more seats now: it has room for all of them and no order
    that could fit it waits for it (a newcomer never passes the session's waitlist; an order
    larger than the whole session blocks nobody)."""
    if not has_room(row.capacity, row.registered_count, wanted):
        return False
    orders = _waiting(select(Ticket.order_id), row.id).group_by(Ticket.order_id)
    if row.capacity is not None:
        orders = orders.having(func.count() <= row.capacity)
    return session.scalar(orders.limit(1)) is None


def next_seat_seq(session: Session, session_id: int) -> int:
    """The next place at the end of a session's waitlist."""
    current = session.scalar(
        select(func.max(TicketSession.waitlist_seq)).where(TicketSession.session_id == session_id)
    )
    return int(current or 0) + 1


def seat_position(session: Session, seat: TicketSession) -> int | None:
    """Where a waiting seat stands on its session's waitlist (1: next), None when it does not
    wait."""
    if seat.status != SEAT_WAITLISTED or seat.waitlist_seq is None:
        return None
    ahead = session.scalar(
        _waiting(select(func.count()), seat.session_id).where(
            TicketSession.waitlist_seq < seat.waitlist_seq
        )
    )
    return int(ahead or 0) + 1


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
        raise NotFound(_("the venue has no seat {seat!r}").format(seat=wanted), field="seat")
    if session.scalar(_free_seat_query(event).where(Seat.label == wanted)) is None:
        raise NotAllowed(_("seat {seat!r} is taken").format(seat=wanted))
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
    event: Event,
    ticket_types: Sequence[TicketType],
    sessions: Sequence[EventSession],
    stopped: Stopped = NONE_STOPPED,
) -> int | None:
    """The fewest places left at any level that counts them (None: no level counts); the
    places a stopped import's rows hold are free (eventdesk.import_liveness)."""
    left = [
        max(limit - used, 0)
        for limit, used in (
            (event.capacity, event.registered_count - stopped.total),
            *((t.quantity, t.registered_count - stopped.of_type(t.id)) for t in ticket_types),
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
    stopped: Stopped | None = None,
) -> list[str | None] | None:
    """Take a place at every level for each (ticket type, sessions) of ``claims``, all or none.

    Returns each ticket's seat (None: general admission), or None when any level lacks room
    for all of them. Seats are handed out while the venue has free ones; a seat asked for by
    name must be free. Runs in the caller's transaction, which holds the event lock.
    ``stopped``: the places a killed import's rows hold (read here when not given).
    """
    count = len(claims)
    if stopped is None:  # an import's rows left by a killed process count for no one
        stopped = room_counted(session, event.id)
    types = {t.id: t for t, _chosen in claims}
    per_type = Counter(t.id for t, _chosen in claims)
    rows = {s.id: s for _type, chosen in claims for s in chosen}
    per_session = Counter(s.id for _type, chosen in claims for s in chosen)
    if not (
        has_room(event.capacity, event.registered_count - stopped.total, count)
        and all(
            has_room(types[tid].quantity, types[tid].registered_count - stopped.of_type(tid), n)
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


def _release(session: Session, ticket: Ticket) -> None:
    event = session.get(Event, ticket.event_id)
    ticket_type = session.get(TicketType, ticket.ticket_type_id)
    assert event is not None and ticket_type is not None
    event.registered_count -= 1
    ticket_type.registered_count -= 1
    for row in ticket_sessions(session, ticket.id, status=SEAT_REGISTERED):
        row.registered_count -= 1
    ticket.seat_label = None


def ticket_sessions(
    session: Session, ticket_id: str, *, status: str | None = None
) -> list[EventSession]:
    """The sessions a ticket has a seat in (only those whose seat is ``status``, when given)."""
    query = (
        select(EventSession)
        .join(TicketSession, TicketSession.session_id == EventSession.id)
        .where(TicketSession.ticket_id == ticket_id)
        .order_by(EventSession.id)
    )
    if status is not None:
        query = query.where(TicketSession.status == status)
    return list(session.scalars(query))


def ticket_seats(session: Session, ticket_id: str) -> tuple[SeatInfo, ...]:
    """A ticket's seats, session by session (in id order)."""
    rows = session.execute(
        select(TicketSession, EventSession.name)
        .join(EventSession, EventSession.id == TicketSession.session_id)
        .where(TicketSession.ticket_id == ticket_id)
        .order_by(EventSession.id)
    )
    return tuple(
        SeatInfo(seat.session_id, name, seat.status, seat_position(session, seat))
        for seat, name in rows
    )


def settle_seats(session: Session, tickets: Sequence[Ticket]) -> list[str]:
    """The session seats of ``tickets``, an order's tickets just registered (placed or
    promoted off the event's waitlist): in a session open to all of them (``session_open``)
    they are registered and counted; in any other they wait, together, at the end of that
    session's waitlist. Returns the names of the sessions they wait for. A seat in a cancelled
    session stays cancelled. Runs in the caller's transaction, which holds the event lock."""
    ids = [t.id for t in tickets]
    rank = {ticket_id: i for i, ticket_id in enumerate(ids)}
    by_session: dict[int, tuple[EventSession, list[TicketSession]]] = {}
    for seat, row in session.execute(
        select(TicketSession, EventSession)
        .join(EventSession, EventSession.id == TicketSession.session_id)
        .where(TicketSession.ticket_id.in_(ids), TicketSession.status != SEAT_CANCELLED)
        .order_by(EventSession.id)
    ):
        by_session.setdefault(row.id, (row, []))[1].append(seat)
    waiting: list[str] = []
    for row, seats in by_session.values():
        seats.sort(key=lambda seat: rank[seat.ticket_id])
        if session_open(session, row, len(seats)):
            for seat in seats:
                seat.status, seat.waitlist_seq = SEAT_REGISTERED, None
            row.registered_count += len(seats)
        else:
            first = next_seat_seq(session, row.id)
            for index, seat in enumerate(seats):
                seat.status, seat.waitlist_seq = SEAT_WAITLISTED, first + index
            waiting.append(row.name)
        session.flush()
    return waiting


def place_order(
    session: Session,
    event: Event,
    group: Sequence[tuple[Ticket, TicketType]],
    *,
    seated: bool,
    stopped: Stopped | None = None,
) -> tuple[list[str | None], list[str]] | None:
    """Place an order's waiting tickets, all or none: the event's and each ticket type's
    places (``claim_places``), then their session seats (``settle_seats``: a full session
    makes a seat wait, never the ticket). Returns (each ticket's numbered seat, the sessions
    whose seats wait), or None when the event or a ticket type lacks room for them all."""
    claims = [(tt, ()) for _ticket, tt in group]
    seats = claim_places(session, event, claims, seated=seated, stopped=stopped)
    if seats is None:
        return None
    return seats, settle_seats(session, [t for t, _type in group])


def promote_waiting(
    session: Session, event: Event, *, now: datetime, station: str | None
) -> list[str]:
    """Promote waitlisted tickets, best tier first then arrival, while places are free, then
    the seats waiting for the event's sessions (``promote_seats``). Returns the tickets
    promoted off the event's waitlist.

    An order's waiting tickets move together or not at all. Runs inside the caller's
    transaction, which holds the event lock. An order whose own ticket type is still full (or
    that needs more places than are free) is passed over for the next one that fits. A full
    session holds no ticket back: the promoted ticket's seat in it waits on the session's own
    waitlist.
    """
    if event.status == "cancelled":
        return []
    promoted: list[str] = []
    stopped = room_counted(session, event.id)
    if has_room(event.capacity, event.registered_count - stopped.total):
        promoted = _promote_tickets(session, event, stopped, now=now, station=station)
    promote_seats(session, event, now=now, station=station)
    return promoted


def _promote_tickets(
    session: Session, event: Event, stopped: Stopped, *, now: datetime, station: str | None
) -> list[str]:
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
        if not has_room(event.capacity, event.registered_count - stopped.total):
            break
        placed = place_order(session, event, group, seated=seated, stopped=stopped)
        if placed is None:
            continue
        seats, waiting_sessions = placed
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
                **_waiting_detail(waiting_sessions),
            )
            promoted.append(ticket.id)
        session.flush()
    return promoted


def _waiting_detail(sessions: Sequence[str | int]) -> dict[str, Any]:
    """The log's detail naming the sessions whose seats wait (nothing when none)."""
    return {"waiting_sessions": list(sessions)} if sessions else {}


def promote_seats(
    session: Session, event: Event, *, now: datetime, station: str | None
) -> list[tuple[str, int]]:
    """Promote the seats waiting for the event's sessions, each session's in its waitlist
    order (``waitlist_seq``, arrival), while the session has room. Returns (ticket, session)
    of each seat promoted.

    The rule for an order: its waiting seats in a session move together, and an earlier order
    whose seats do not all fit yet blocks the later ones (first come, first served: nobody
    passes an order that waits, even one smaller that would fit). Only an order larger than
    the session's whole capacity is passed over (it could never fit; it keeps its place, and
    moves in once the capacity grows enough). Only seats of registered tickets wait here; a
    seat of a ticket waiting for the event follows its ticket. Runs in the caller's
    transaction, which holds the event lock.
    """
    if event.status == "cancelled":
        return []
    rows = session.execute(
        select(TicketSession, Ticket, EventSession)
        .join(Ticket, Ticket.id == TicketSession.ticket_id)
        .join(EventSession, EventSession.id == TicketSession.session_id)
        .where(
            EventSession.event_id == event.id,
            EventSession.status != SESSION_CANCELLED,
            TicketSession.status == SEAT_WAITLISTED,
            Ticket.status == "registered",
        )
        .order_by(EventSession.id, TicketSession.waitlist_seq, Ticket.id)
    )
    queues: dict[int, tuple[EventSession, dict[int, list[tuple[TicketSession, Ticket]]]]] = {}
    for seat, ticket, row in rows:  # each session's orders, ranked by their first seat
        queues.setdefault(row.id, (row, {}))[1].setdefault(ticket.order_id, []).append(
            (seat, ticket)
        )
    promoted: list[tuple[str, int]] = []
    for row, orders in queues.values():
        for group in orders.values():
            if not fits_ever(row, len(group)):
                continue  # larger than the whole session: it would block everyone for good
            if not has_room(row.capacity, row.registered_count, len(group)):
                break  # this order waits on, and every order behind it
            row.registered_count += len(group)
            for seat, ticket in group:
                seat.status, seat.waitlist_seq = SEAT_REGISTERED, None
                log_seat(
                    session,
                    "session_seat_promoted",
                    ticket,
                    row,
                    at=now,
                    station=station,
                    order_id=ticket.order_id,
                )
                promoted.append((ticket.id, row.id))
        session.flush()
    return promoted


def log_seat(
    session: Session,
    kind: str,
    ticket: Ticket,
    row: EventSession,
    *,
    at: datetime,
    station: str | None,
    **detail: Any,
) -> None:
    """A change to ``ticket``'s seat in the session ``row``, in the transaction log (its
    ticket, holder and session, and ``detail``), in the caller's transaction."""
    log(
        session,
        kind,
        at=at,
        event_id=ticket.event_id,
        ticket_id=ticket.id,
        attendee_id=ticket.attendee_id,
        station=station,
        session_id=row.id,
        session_name=row.name,
        **detail,
    )


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
