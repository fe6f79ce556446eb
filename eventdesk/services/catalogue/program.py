"""An event's program: its sessions (talks, workshops: a room, a time, their own capacity) and
its ticket types (price, quantity, sales window, priority tier, what the door must check)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from eventdesk.db import Store
from eventdesk.errors import Conflict, InvalidInput, NotAllowed, NotFound
from eventdesk.i18n import _
from eventdesk.ids import as_id
from eventdesk.import_liveness import NONE_STOPPED, Stopped, stopped_places
from eventdesk.models import Event, EventSession, Ticket, TicketSession, TicketType
from eventdesk.services.catalogue.places import (
    SEAT_CANCELLED,
    SEAT_REGISTERED,
    SEAT_WAITLISTED,
    SESSION_CANCELLED,
    log_seat,
    promote_waiting,
)
from eventdesk.services.common import (
    at_least_taken,
    get_event,
    log,
)
from eventdesk.values import (
    check_window,
    optional_text,
    parse_count,
    parse_currency,
    parse_time,
    require_text,
    utcnow,
)


@dataclass(frozen=True)
class SessionInfo:
    id: int
    event_id: int
    name: str
    room: str | None
    starts_at: datetime
    ends_at: datetime
    capacity: int | None
    registered: int
    status: str = "scheduled"  # or "cancelled"

    @property
    def cancelled(self) -> bool:
        return self.status == SESSION_CANCELLED


@dataclass(frozen=True)
class SessionChange:
    """A session changed, and the seats its waitlist gave a place meanwhile (tickets, in
    promotion order)."""

    session: SessionInfo
    promoted: tuple[str, ...] = ()


@dataclass(frozen=True)
class SessionCancelled:
    """A session cancelled: the tickets whose seat it freed, and those whose seat waited for it
    (their seats stay on the tickets, cancelled)."""

    session: SessionInfo
    seats_freed: tuple[str, ...]
    waitlist_dropped: tuple[str, ...]


@dataclass(frozen=True)
class TicketTypeInfo:
    id: int
    event_id: int
    name: str
    price_cents: int
    currency: str
    quantity: int | None
    sales_start: datetime | None
    sales_end: datetime | None
    priority_tier: int
    attention: str | None
    registered: int
    needs_staff: bool = False  # a self-service kiosk sends it to the desk (e.g. an ID check)
    alert: str | None = None  # its holders are awaited: the organizer is told when one arrives

    @property
    def remaining(self) -> int | None:
        return None if self.quantity is None else max(self.quantity - self.registered, 0)


# --- sessions -------------------------------------------------------------------------------
def _session_info(row: EventSession) -> SessionInfo:
    return SessionInfo(
        row.id,
        row.event_id,
        row.name,
        row.room,
        row.starts_at,
        row.ends_at,
        row.capacity,
        row.registered_count,
        row.status,
    )


def _not_cancelled(row: EventSession) -> EventSession:
    if row.status == SESSION_CANCELLED:
        raise NotAllowed(_("session {name} is cancelled").format(name=row.name))
    return row


def add_session(
    store: Store,
    event_ref: str | int,
    *,
    name: str,
    starts: str | datetime,
    ends: str | datetime,
    capacity: int | None = None,
    room: str | None = None,
) -> SessionInfo:
    title = require_text(name, "name")
    cap = parse_count(capacity, "capacity")
    with store.write() as session:
        event = get_event(session, event_ref, lock=True)
        starts_at = parse_time(starts, "starts", tz=event.timezone)
        ends_at = parse_time(ends, "ends", tz=event.timezone)
        check_window(starts_at, ends_at, _("the session"))
        row = EventSession(
            event_id=event.id,
            name=title,
            room=optional_text(room, "room", max_length=100),
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=cap,
            registered_count=0,
        )
        session.add(row)
        session.flush()
        return _session_info(row)


def _event_session(session: Session, event: Event, session_id: int) -> EventSession:
    row = session.get(EventSession, session_id) if as_id(session_id) is not None else None
    if row is None or row.event_id != event.id:
        raise NotFound(
            _("event {event!r} has no session {session}").format(
                event=event.slug, session=session_id
            ),
            field="session",
        )
    return row


def _locked_session(
    session: Session, event_ref: str | int | None, session_id: int
) -> tuple[Event, EventSession]:
    """The session and its event, the event locked (the lock every change of places takes
    first). ``event_ref`` None: the session's own event."""
    if event_ref is None:
        found = session.get(EventSession, session_id) if as_id(session_id) is not None else None
        if found is None:
            raise NotFound(_("no session {session}").format(session=session_id), field="session")
        event_ref = found.event_id
    event = get_event(session, event_ref, lock=True)
    row = _event_session(session, event, session_id)
    session.refresh(row)
    return event, row


def _waiting_seats(session: Session, session_id: int) -> list[str]:
    """The tickets whose seat waits for the session, in its waitlist's order."""
    return list(
        session.scalars(
            select(TicketSession.ticket_id)
            .join(Ticket, Ticket.id == TicketSession.ticket_id)
            .where(
                TicketSession.session_id == session_id,
                TicketSession.status == SEAT_WAITLISTED,
                Ticket.status == "registered",
            )
            .order_by(TicketSession.waitlist_seq, Ticket.id)
        )
    )


def update_session(
    store: Store,
    event_ref: str | int | None,
    session_id: int,
    *,
    name: str | None = None,
    starts: str | None = None,
    ends: str | None = None,
    capacity: int | None = None,
    clear_capacity: bool = False,
    room: str | None = None,
    station: str | None = None,
) -> SessionInfo:
    """Change a session (``change_session``): the session as it is now."""
    return change_session(
        store,
        event_ref,
        session_id,
        name=name,
        starts=starts,
        ends=ends,
        capacity=capacity,
        clear_capacity=clear_capacity,
        room=room,
        station=station,
    ).session


def change_session(
    store: Store,
    event_ref: str | int | None,
    session_id: int,
    *,
    name: str | None = None,
    starts: str | None = None,
    ends: str | None = None,
    capacity: int | None = None,
    clear_capacity: bool = False,
    room: str | None = None,
    station: str | None = None,
) -> SessionChange:
    """Change a session (``event_ref`` None: of whichever event it is); more room promotes from
    the waitlist in the same transaction: the seats waiting for this session, in arrival order
    (``places.promote_seats``, an order's seats together), and tickets waiting for the event.

    An empty ``room`` clears it. A capacity below the seats registered is refused, and so is
    any change to a cancelled session.
    """

    now = utcnow()
    with store.write() as session:
        event, row = _locked_session(session, event_ref, session_id)
        _not_cancelled(row)
        if name is not None:
            row.name = require_text(name, "name")
        if room is not None:
            row.room = optional_text(room, "room", max_length=100)
        if starts is not None:
            row.starts_at = parse_time(starts, "starts", tz=event.timezone)
        if ends is not None:
            row.ends_at = parse_time(ends, "ends", tz=event.timezone)
        check_window(row.starts_at, row.ends_at, _("the session"))
        if clear_capacity:
            row.capacity = None
        elif capacity is not None:
            row.capacity = at_least_taken(
                capacity,
                row.registered_count,
                "capacity",
                _("session {name!r}").format(name=row.name),
            )
        session.flush()
        log(
            session,
            "session_updated",
            at=now,
            event_id=event.id,
            station=station,
            session_id=row.id,
        )
        waiting = _waiting_seats(session, row.id)
        promote_waiting(session, event, now=now, station=station)
        still = set(_waiting_seats(session, row.id))
        return SessionChange(_session_info(row), tuple(t for t in waiting if t not in still))


def cancel_session(
    store: Store,
    session_id: int,
    *,
    station: str | None = None,
    now: datetime | None = None,
) -> SessionCancelled:
    """Cancel a session: its seats are freed (the session counts none), kept on their tickets
    as cancelled (the desk's card shows it to whoever holds them), its waitlist is dropped, and
    its door admits nobody from now on (a door admits only a registered seat). A ticket waiting
    for the event keeps its seat there cancelled when it is placed (``places.settle_seats``).
    Each seat's change is in the transaction log, for its ticket."""
    moment = now or utcnow()
    with store.write() as session:
        event, row = _locked_session(session, None, session_id)
        _not_cancelled(row)
        seats = session.execute(
            select(TicketSession, Ticket)
            .join(Ticket, Ticket.id == TicketSession.ticket_id)
            .where(TicketSession.session_id == row.id)
            .order_by(  # the seats held first, then the waitlist's, each in arrival order
                TicketSession.waitlist_seq.is_not(None),
                TicketSession.waitlist_seq,
                Ticket.created_at,
                Ticket.id,
            )
        ).all()
        freed: list[str] = []
        dropped: list[str] = []
        for seat, ticket in seats:
            if ticket.status == "registered" and seat.status == SEAT_REGISTERED:
                freed.append(ticket.id)
            elif ticket.status == "registered" and seat.status == SEAT_WAITLISTED:
                dropped.append(ticket.id)
            previous = seat.status
            seat.status, seat.waitlist_seq = SEAT_CANCELLED, None
            if ticket.status != "cancelled":
                log_seat(
                    session,
                    "session_seat_cancelled",
                    ticket,
                    row,
                    at=moment,
                    station=station,
                    previous_status=previous,
                )
        row.registered_count -= len(freed)
        row.status = SESSION_CANCELLED
        session.flush()
        log(
            session,
            "session_cancelled",
            at=moment,
            event_id=event.id,
            station=station,
            session_id=row.id,
            session_name=row.name,
            seats_freed=len(freed),
            waitlist_dropped=len(dropped),
        )
        return SessionCancelled(_session_info(row), tuple(freed), tuple(dropped))


def list_sessions(store: Store, event_ref: str | int) -> list[SessionInfo]:
    with store.read() as session:
        event = get_event(session, event_ref)
        rows = session.scalars(
            select(EventSession)
            .where(EventSession.event_id == event.id)
            .order_by(EventSession.starts_at, EventSession.id)
        )
        return [_session_info(r) for r in rows]


# --- ticket types ---------------------------------------------------------------------------
def ticket_type_info(row: TicketType, stopped: Stopped | None = None) -> TicketTypeInfo:
    """A ticket type as read; its registered count leaves out a killed import's tickets
    (``stopped``: the event's stopped runs, read once for many types; else read here)."""
    if stopped is None:
        found = object_session(row)
        stopped = stopped_places(found, row.event_id) if found is not None else NONE_STOPPED
    return TicketTypeInfo(
        id=row.id,
        event_id=row.event_id,
        name=row.name,
        price_cents=row.price_cents,
        currency=row.currency,
        quantity=row.quantity,
        sales_start=row.sales_start,
        sales_end=row.sales_end,
        priority_tier=row.priority_tier,
        attention=row.attention,
        registered=row.registered_count - stopped.of_type(row.id),
        needs_staff=row.needs_staff,
        alert=row.alert,
    )


def add_ticket_type(
    store: Store,
    event_ref: str | int,
    *,
    name: str,
    price_cents: int,
    currency: str | None = "EUR",
    quantity: int | None = None,
    tier: int = 1,
    attention: str | None = None,
    sales_start: str | datetime | None = None,
    sales_end: str | datetime | None = None,
    needs_staff: bool = False,
) -> TicketTypeInfo:
    """Add a ticket type. ``needs_staff``: a self-service kiosk sends its holders to the desk
    (an ID check) instead of admitting them."""
    type_name = require_text(name, "name", max_length=100)
    if price_cents < 0:
        raise InvalidInput(_("price cannot be negative"), field="price")
    code = parse_currency(currency)
    qty = parse_count(quantity, "quantity")
    if tier < 0 or tier > 99:
        raise InvalidInput(_("tier must be between 0 and 99 (lower is served first)"), field="tier")
    with store.write() as session:
        event = get_event(session, event_ref, lock=True)
        start_at = (
            parse_time(sales_start, "sales-start", tz=event.timezone) if sales_start else None
        )
        end_at = parse_time(sales_end, "sales-end", tz=event.timezone) if sales_end else None
        if start_at and end_at:
            check_window(start_at, end_at, _("the sales window"))
        for existing in session.scalars(select(TicketType).where(TicketType.event_id == event.id)):
            if existing.name.casefold() == type_name.casefold():
                raise Conflict(
                    _("event {event!r} has a ticket type {name!r} already").format(
                        event=event.slug, name=type_name
                    ),
                    field="name",
                )
        row = TicketType(
            event_id=event.id,
            name=type_name,
            price_cents=price_cents,
            currency=code,
            quantity=qty,
            sales_start=start_at,
            sales_end=end_at,
            priority_tier=tier,
            attention=optional_text(attention, "attention"),
            registered_count=0,
            needs_staff=needs_staff,
        )
        session.add(row)
        session.flush()
        return ticket_type_info(row)


def update_ticket_type(
    store: Store,
    event_ref: str | int,
    ticket_type_id: int,
    *,
    name: str | None = None,
    price_cents: int | None = None,
    currency: str | None = None,
    quantity: int | None = None,
    clear_quantity: bool = False,
    tier: int | None = None,
    attention: str | None = None,
    sales_start: str | None = None,
    sales_end: str | None = None,
    clear_sales_window: bool = False,
    station: str | None = None,
    needs_staff: bool | None = None,
) -> TicketTypeInfo:
    """Change a ticket type. Tickets sold keep the price they were sold at; more quantity
    promotes from the waitlist in the same transaction, less than is sold is refused. An empty
    ``attention`` clears it."""

    if price_cents is not None and price_cents < 0:
        raise InvalidInput(_("price cannot be negative"), field="price")
    if tier is not None and (tier < 0 or tier > 99):
        raise InvalidInput(_("tier must be between 0 and 99 (lower is served first)"), field="tier")
    now = utcnow()
    with store.write() as session:
        event = get_event(session, event_ref, lock=True)
        row = session.get(TicketType, ticket_type_id) if as_id(ticket_type_id) is not None else None
        if row is None or row.event_id != event.id:
            raise NotFound(
                _("event {event!r} has no ticket type {ticket_type}").format(
                    event=event.slug, ticket_type=ticket_type_id
                ),
                field="ticket_type",
            )
        if name is not None:
            type_name = require_text(name, "name", max_length=100)
            others = session.scalars(
                select(TicketType).where(TicketType.event_id == event.id, TicketType.id != row.id)
            )
            if any(t.name.casefold() == type_name.casefold() for t in others):
                raise Conflict(
                    _("event {event!r} has a ticket type {name!r} already").format(
                        event=event.slug, name=type_name
                    ),
                    field="name",
                )
            row.name = type_name
        if price_cents is not None:
            row.price_cents = price_cents
        if currency is not None:
            row.currency = parse_currency(currency)
        if clear_quantity:
            row.quantity = None
        elif quantity is not None:
            row.quantity = at_least_taken(
                quantity,
                row.registered_count - stopped_places(session, event.id).of_type(row.id),
                "quantity",
                _("ticket type {name!r}").format(name=row.name),
            )
        if tier is not None:
            row.priority_tier = tier
        if attention is not None:
            row.attention = optional_text(attention, "attention")
        if needs_staff is not None:
            row.needs_staff = needs_staff
        if clear_sales_window:
            row.sales_start = row.sales_end = None
        if sales_start is not None:
            row.sales_start = parse_time(sales_start, "sales-start", tz=event.timezone)
        if sales_end is not None:
            row.sales_end = parse_time(sales_end, "sales-end", tz=event.timezone)
        if row.sales_start and row.sales_end:
            check_window(row.sales_start, row.sales_end, _("the sales window"))
        try:
            session.flush()
        except IntegrityError:
            raise Conflict(
                _("event {event!r} has a ticket type {name!r} already").format(
                    event=event.slug, name=row.name
                ),
                field="name",
            ) from None
        log(
            session,
            "ticket_type_updated",
            at=now,
            event_id=event.id,
            station=station,
            ticket_type_id=row.id,
        )
        promote_waiting(session, event, now=now, station=station)
        return ticket_type_info(row)


def list_ticket_types(store: Store, event_ref: str | int) -> list[TicketTypeInfo]:
    with store.read() as session:
        event = get_event(session, event_ref)
        rows = session.scalars(
            select(TicketType)
            .where(TicketType.event_id == event.id)
            .order_by(TicketType.priority_tier, TicketType.id)
        )
        stopped = stopped_places(session, event.id)
        return [ticket_type_info(r, stopped) for r in rows]


def sessions_by_id(session: Session, event: Event, ids: Sequence[int]) -> list[EventSession]:
    """The event's sessions named by id, in id order (the lock order), each checked: of the
    event, and not cancelled."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    for sid in wanted:
        if as_id(sid) is None:
            raise NotFound(
                _("event {event!r} has no session {session}").format(event=event.slug, session=sid),
                field="session",
            )
    rows = {
        r.id: r for r in session.scalars(select(EventSession).where(EventSession.id.in_(wanted)))
    }
    for sid in wanted:
        row = rows.get(sid)
        if row is None or row.event_id != event.id:
            raise NotFound(
                _("event {event!r} has no session {session}").format(event=event.slug, session=sid),
                field="session",
            )
    return [_not_cancelled(rows[sid]) for sid in wanted]
