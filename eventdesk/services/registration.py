"""Registration with capacity, seats and the priority waitlist; cancellation and promotion.

Every change of capacity happens in one write transaction that first locks the event row
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serializes
writers). Inside it the counters on event, ticket type and sessions are read and changed, so two
stations can never sell the same last place.

An order of several tickets is placed whole or waitlisted whole, never split: registering checks
room for all of its tickets at once, and promotion moves an order's waiting tickets together.
Numbered seats are handed out while the venue has free ones; they never cap an event by
themselves (only a seat asked for by name, or the event's capacity, does).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, or_, select
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
from eventdesk.event_time import show
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
    TicketStatus,
    TicketType,
)
from eventdesk.services.attendees import holder_tokens
from eventdesk.services.common import (
    check_invite,
    get_attendee,
    get_event,
    get_ticket,
    get_ticket_type,
    log,
)
from eventdesk.services.events import sessions_by_id
from eventdesk.services.payments import paid_cents
from eventdesk.text import new_id
from eventdesk.values import optional_text, utcnow

ACTIVE = ("registered", "waitlisted")


@dataclass(frozen=True)
class RegistrationResult:
    status: TicketStatus
    ticket_id: str
    order_id: int
    event: str
    ticket_type: str
    waitlist_position: int | None
    seat: str | None
    holder: str | None = None  # the name the ticket is for, when not the buyer's


@dataclass(frozen=True)
class OrderResult:
    """The tickets of one order: all registered, or all waitlisted (never split)."""

    order_id: int
    tickets: tuple[RegistrationResult, ...]
    # When the order was waitlisted: the places that were free (fewer than it needed); None
    # when the order was placed, or when no level of the event counts places.
    places_left: int | None = None
    # The sessions asked for but left out because they were full (``full_sessions="skip"``).
    full_sessions: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        return self.tickets[0].status


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
    status: TicketStatus
    seat: str | None
    price_cents: int
    currency: str
    sessions: tuple[str, ...]
    waitlist_position: int | None
    created_at: datetime
    qr_payload: str | None
    checked_in_at: datetime | None
    checked_in_station: str | None
    holder_name: str | None = None  # who the ticket is for, when the buyer named someone else

    @property
    def holder(self) -> str:
        """The name on the badge and at the door: the named holder, else the buyer."""
        return self.holder_name or self.attendee


# --- capacity -------------------------------------------------------------------------------
def _has_room(limit: int | None, used: int, wanted: int = 1) -> bool:
    return limit is None or used + wanted <= limit


def _venue_has_seats(session: Session, event: Event) -> bool:
    if event.venue_id is None:
        return False
    return (
        session.scalar(select(Seat.id).where(Seat.venue_id == event.venue_id).limit(1)) is not None
    )


def _free_seat(session: Session, event: Event, wanted: str | None) -> str | None:
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


def _places_left(
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
        _has_room(event.capacity, event.registered_count, count)
        and all(
            _has_room(types[tid].quantity, types[tid].registered_count, n)
            for tid, n in per_type.items()
        )
        and all(
            _has_room(rows[sid].capacity, rows[sid].registered_count, n)
            for sid, n in per_session.items()
        )
    ):
        return None
    seats: list[str | None] = [None] * count
    if wanted_seat is not None:
        seats[0] = _free_seat(session, event, wanted_seat)
    elif seated:
        for index, label in enumerate(_free_seats(session, event, count, exclude_seats)):
            seats[index] = label
    event.registered_count += count
    for tid, n in per_type.items():
        types[tid].registered_count += n
    for sid, n in per_session.items():
        rows[sid].registered_count += n
    return seats


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


def _check_sales_window(ticket_type: TicketType, now: datetime, zone: ZoneInfo) -> None:
    """Sales are open at ``now``; the refusal names the window in the event's zone."""
    if ticket_type.sales_start is not None and now < ticket_type.sales_start:
        raise SalesClosed(
            f"{ticket_type.name} tickets go on sale at {show(ticket_type.sales_start, zone)}"
        )
    if ticket_type.sales_end is not None and now > ticket_type.sales_end:
        raise SalesClosed(
            f"{ticket_type.name} tickets were on sale until {show(ticket_type.sales_end, zone)}"
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
def _holder_names(holders: Sequence[str | None], quantity: int) -> list[str | None]:
    if len(holders) > quantity:
        raise InvalidInput(
            f"{len(holders)} holder names for {quantity} ticket(s): one name per ticket at most",
            field="holders",
        )
    names = [optional_text(name, "holder") for name in holders]
    return names + [None] * (quantity - len(names))


def register(
    store: Store,
    event_ref: str | int,
    attendee_ref: str | int,
    ticket_type_ref: str | int,
    *,
    sessions: Sequence[int] = (),
    seat: str | None = None,
    quantity: int | None = None,
    holders: Sequence[str | None] = (),
    allow_waitlist: bool = True,
    invite_code: str | None = None,
    staff_override: bool = False,
    station: str | None = None,
    now: datetime | None = None,
    full_sessions: Literal["wait", "skip"] = "wait",
) -> OrderResult:
    """Register ``quantity`` tickets in one order for the buyer ``attendee_ref``, atomically.

    The order is placed whole or waitlisted whole: when there is not room for all of its
    tickets they all wait together (or, with no waitlist, it is refused as sold out). Each
    ticket may name its holder (``holders[i]``; missing, None or blank: the buyer); without
    ``quantity`` there is one ticket per holder name, or one. An invite-only event needs its
    ``invite_code`` unless ``staff_override`` (an organizer or the desk admitting a guest).
    A full session makes the order wait too, unless ``full_sessions="skip"`` (the desk's
    walk-in): then it is left out, named in the result, and never holds the ticket back.
    """
    count = quantity if quantity is not None else max(len(holders), 1)
    if count < 1 or count > 50:
        raise InvalidInput("quantity must be between 1 and 50", field="quantity")
    if seat is not None and count != 1:
        raise InvalidInput("a seat can be chosen only for a single ticket", field="seat")
    holder_names = _holder_names(holders, count)
    moment = now or utcnow()
    with store.write() as session:
        event = get_event(session, event_ref, lock=True)
        if event.status == "cancelled":
            raise EventCancelled(f"event {event.slug!r} is cancelled")
        if not staff_override:
            check_invite(event, invite_code)
        attendee = get_attendee(session, attendee_ref)
        ticket_type = get_ticket_type(session, event, ticket_type_ref)
        _check_sales_window(ticket_type, moment, event.zone)
        chosen_sessions = sessions_by_id(session, event, sessions)
        full = [
            s
            for s in chosen_sessions
            if full_sessions == "skip" and not _has_room(s.capacity, s.registered_count, count)
        ]
        chosen_sessions = [s for s in chosen_sessions if s not in full]
        if count == 1 and holder_names[0] is None:
            held = session.scalars(
                select(Ticket).where(
                    Ticket.attendee_id == attendee.id,
                    Ticket.event_id == event.id,
                    Ticket.status.in_(ACTIVE),
                    Ticket.holder_name.is_(None),
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
        places_left = _places_left(event, [ticket_type], chosen_sessions)
        seats = claim_places(
            session,
            event,
            [(ticket_type, chosen_sessions)] * count,
            seated=seated,
            wanted_seat=seat,
        )
        placed = seats is not None
        if not placed and not (allow_waitlist and event.waitlist_enabled):
            what = (
                f"only {places_left} place(s) are left for an order of {count}"
                if count > 1 and places_left
                else "is sold out"
            )
            raise SoldOut(
                f"{ticket_type.name} for {event.slug!r} {what} and there is no waitlist"
                + (": an order is never split" if count > 1 and places_left else "")
            )
        order = Order(event_id=event.id, buyer_id=attendee.id, created_at=moment)
        session.add(order)
        session.flush()
        first_seq = None if placed else _next_waitlist_seq(session, event)
        tickets = []
        for index, holder in enumerate(holder_names):
            ticket_id = _new_ticket_id(session)
            ticket = Ticket(
                id=ticket_id,
                qr_payload=store.signer.payload(ticket_id) if store.signer else None,
                order_id=order.id,
                event_id=event.id,
                ticket_type_id=ticket_type.id,
                attendee_id=attendee.id,
                holder_name=holder,
                status="registered" if placed else "waitlisted",
                price_cents=ticket_type.price_cents,
                currency=ticket_type.currency,
                seat_label=seats[index] if seats is not None else None,
                waitlist_seq=None if first_seq is None else first_seq + index,
                created_at=moment,
                registered_at=moment if placed else None,
            )
            session.add(ticket)
            session.flush()
            session.add_all(
                TicketSession(ticket_id=ticket.id, session_id=s.id) for s in chosen_sessions
            )
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
                seat=ticket.seat_label,
                sessions=[s.id for s in chosen_sessions],
                holder=holder,
                invite_override=staff_override and event.visibility == "invite",
            )
            tickets.append(ticket)
        tokens = {t.id.lower() for t in tickets}
        for holder in {h for h in holder_names if h}:
            tokens |= holder_tokens(holder)
        known = set(
            session.scalars(
                select(SearchToken.token).where(
                    SearchToken.attendee_id == attendee.id, SearchToken.token.in_(sorted(tokens))
                )
            )
        )
        session.add_all(
            SearchToken(token=t, attendee_id=attendee.id) for t in sorted(tokens - known)
        )
        session.flush()
        results = tuple(
            RegistrationResult(
                status=t.status,
                ticket_id=t.id,
                order_id=order.id,
                event=event.slug,
                ticket_type=ticket_type.name,
                waitlist_position=waitlist_position(session, t),
                seat=t.seat_label,
                holder=t.holder_name,
            )
            for t in tickets
        )
        return OrderResult(
            order.id, results, None if placed else places_left, tuple(s.name for s in full)
        )


# --- waitlist and promotion -----------------------------------------------------------------
def promote_waiting(
    session: Session, event: Event, *, now: datetime, station: str | None
) -> list[str]:
    """Promote waitlisted tickets, best tier first then arrival, while places are free.

    An order's waiting tickets move together or not at all. Runs inside the caller's
    transaction, which holds the event lock. An order whose own ticket type or session is still
    full (or that needs more places than are free) is passed over for the next one that fits.
    """
    if event.status == "cancelled" or not _has_room(event.capacity, event.registered_count):
        return []
    seated = _venue_has_seats(session, event)
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
        if not _has_room(event.capacity, event.registered_count):
            break
        claims = [(tt, _ticket_sessions(session, t.id)) for t, tt in group]
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
            "registered",
            ticket.id,
            ticket.order_id,
            event.slug,
            ticket_type.name,
            None,
            seat_label,
            ticket.holder_name,
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
                name=t.holder_name or a.name,
                email=a.email,
                ticket_type=tt.name,
                tier=tt.priority_tier,
                since=t.created_at,
            )
            for i, (t, tt, a) in enumerate(rows, start=1)
        ]


# --- cancel ---------------------------------------------------------------------------------
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
            raise NotAllowed(f"ticket {ticket.id} is cancelled already")
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
        cancel_in(session, tickets, moment, station)
        promoted = promote_waiting(session, event, now=moment, station=station)
        return _cancelled(session, tickets, promoted)


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
        holder_name=ticket.holder_name,
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
