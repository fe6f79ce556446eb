"""Venues, categories, events, sessions and ticket types."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.errors import Conflict, InvalidInput, NotAllowed, NotFound
from eventdesk.event_time import event_zone, zone_of
from eventdesk.ids import as_id
from eventdesk.models import Category, Event, EventSession, Seat, TicketType, Venue
from eventdesk.services.catalogue.places import promote_waiting
from eventdesk.services.common import (
    at_least_taken,
    current_event_id,
    get_event,
    log,
    parse_invite_code,
    parse_seat_spec,
)
from eventdesk.services.stats import tallies
from eventdesk.text import new_id, slugify
from eventdesk.values import (
    check_window,
    optional_text,
    parse_count,
    parse_currency,
    parse_time,
    require_text,
    utcnow,
)

VISIBILITIES = ("public", "private", "invite")
HIDDEN = ("private",)  # not listed unless asked for (an invite-only event is listed)
INVITE_CODE_LENGTH = 8
UNPAID_POLICIES = ("refuse", "admit")


def _unpaid_policy(value: str) -> str:
    policy = value.strip().lower()
    if policy not in UNPAID_POLICIES:
        raise InvalidInput("unpaid policy must be refuse or admit", field="unpaid")
    return policy


@dataclass(frozen=True)
class VenueInfo:
    id: int
    name: str
    address: str | None
    capacity: int | None
    seats: int


@dataclass(frozen=True)
class EventInfo:
    id: int
    slug: str
    title: str
    description: str | None
    category: str | None
    venue: str | None
    starts_at: datetime
    ends_at: datetime
    timezone: str
    capacity: int | None
    visibility: str
    status: str
    waitlist_enabled: bool
    registered: int
    waitlisted: int
    unpaid_policy: str
    allow_reentry: bool
    checkin_opens_at: datetime | None
    checkin_closes_at: datetime | None

    @property
    def zone(self) -> ZoneInfo:
        """The event's time zone: every time of it a person reads is in it."""
        return event_zone(self.timezone)

    invite_code: str | None = None  # what an invite-only event's guests register with


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

    @property
    def remaining(self) -> int | None:
        return None if self.quantity is None else max(self.quantity - self.registered, 0)


# --- venues ---------------------------------------------------------------------------------
def add_venue(
    store: Store,
    *,
    name: str,
    address: str | None = None,
    capacity: int | None = None,
    seats: str | None = None,
) -> VenueInfo:
    venue_name = require_text(name, "name")
    cap = parse_count(capacity, "capacity")
    labels = parse_seat_spec(seats) if seats else []
    taken = Conflict(f"a venue named {venue_name!r} exists already", field="name")
    with store.write() as session:
        if any(v.name.casefold() == venue_name.casefold() for v in session.scalars(select(Venue))):
            raise taken
        venue = Venue(
            name=venue_name, address=optional_text(address, "address", max_length=400), capacity=cap
        )
        session.add(venue)
        try:
            session.flush()
        except IntegrityError:
            raise taken from None
        session.add_all(
            Seat(venue_id=venue.id, label=label, position=i) for i, label in enumerate(labels)
        )
        return VenueInfo(venue.id, venue.name, venue.address, venue.capacity, len(labels))


def update_venue(
    store: Store,
    ref: str | int,
    *,
    name: str | None = None,
    address: str | None = None,
    capacity: int | None = None,
    clear_capacity: bool = False,
) -> VenueInfo:
    """Change a venue's name, address or capacity (its seats stay as they are).

    An empty ``address`` clears it. The capacity of events already at the venue is their own.
    """
    with store.write() as session:
        venue = _venue(session, str(ref))
        if name is not None:
            venue_name = require_text(name, "name")
            key = venue_name.casefold()
            for other in session.scalars(select(Venue).where(Venue.id != venue.id)):
                if other.name.casefold() == key:
                    raise Conflict(f"a venue named {venue_name!r} exists already", field="name")
            venue.name = venue_name
        if address is not None:
            venue.address = optional_text(address, "address", max_length=400)
        if clear_capacity:
            venue.capacity = None
        elif capacity is not None:
            venue.capacity = parse_count(capacity, "capacity")
        try:
            session.flush()
        except IntegrityError:
            raise Conflict(f"a venue named {venue.name!r} exists already", field="name") from None
        seats = session.scalar(
            select(func.count()).select_from(Seat).where(Seat.venue_id == venue.id)
        )
        return VenueInfo(venue.id, venue.name, venue.address, venue.capacity, int(seats or 0))


def list_venues(store: Store) -> list[VenueInfo]:
    with store.read() as session:
        seat_counts = dict(
            session.execute(select(Seat.venue_id, func.count()).group_by(Seat.venue_id)).all()
        )
        return [
            VenueInfo(v.id, v.name, v.address, v.capacity, seat_counts.get(v.id, 0))
            for v in session.scalars(select(Venue).order_by(Venue.name))
        ]


def _venue(session: Session, ref: str) -> Venue:
    text = ref.strip()
    number = as_id(text)
    venue = session.get(Venue, number) if number is not None else None
    if venue is None:  # names compared in Python: SQLite's lower() knows only ASCII
        key = text.casefold()
        venue = next((v for v in session.scalars(select(Venue)) if v.name.casefold() == key), None)
    if venue is None:
        raise NotFound(
            f"no venue {ref!r} (add it with: eventdesk venue add --name ...)", field="venue"
        )
    return venue


def _category(session: Session, name: str) -> Category:
    text = require_text(name, "category", max_length=100)
    key = text.casefold()
    found = next((c for c in session.scalars(select(Category)) if c.name.casefold() == key), None)
    if found is None:
        found = Category(name=text)
        try:
            with session.begin_nested():  # another station may add the same category at once
                session.add(found)
        except IntegrityError:
            found = session.scalars(select(Category).where(Category.name == text)).one()
    return found


def list_categories(store: Store) -> list[str]:
    with store.read() as session:
        return list(session.scalars(select(Category.name).order_by(Category.name)))


# --- events ---------------------------------------------------------------------------------
def _unique_slug(session: Session, title: str) -> str:
    base = slugify(title)
    taken = set(session.scalars(select(Event.slug).where(Event.slug.like(f"{base}%"))))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _visibility(value: str) -> str:
    text = value.strip().lower()
    if text not in VISIBILITIES:
        raise InvalidInput(
            f"visibility must be one of {', '.join(VISIBILITIES)}", field="visibility"
        )
    return text


def event_info(session: Session, event: Event) -> EventInfo:
    waitlisted = tallies.waiting(session, event.id)  # a few rows, however long the waitlist
    category = session.get(Category, event.category_id) if event.category_id else None
    venue = session.get(Venue, event.venue_id) if event.venue_id else None
    return EventInfo(
        id=event.id,
        slug=event.slug,
        title=event.title,
        description=event.description,
        category=category.name if category else None,
        venue=venue.name if venue else None,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        capacity=event.capacity,
        visibility=event.visibility,
        status=event.status,
        waitlist_enabled=event.waitlist_enabled,
        registered=event.registered_count,
        waitlisted=waitlisted,
        unpaid_policy=event.unpaid_policy,
        allow_reentry=event.allow_reentry,
        checkin_opens_at=event.checkin_opens_at,
        checkin_closes_at=event.checkin_closes_at,
        invite_code=event.invite_code,
    )


def create_event(
    store: Store,
    *,
    name: str,
    starts: str | datetime,
    ends: str | datetime,
    capacity: int | None = None,
    venue: str | None = None,
    category: str | None = None,
    visibility: str = "public",
    timezone: str = "UTC",
    description: str | None = None,
    waitlist: bool = True,
    slug: str | None = None,
    station: str | None = None,
    unpaid_policy: str = "refuse",
    allow_reentry: bool = False,
    invite_code: str | None = None,
) -> EventInfo:
    """Create an event. An invite-only event gets a random invite code unless one is given."""
    title = require_text(name, "name")
    policy = _unpaid_policy(unpaid_policy)
    zone_of(timezone)
    starts_at = parse_time(starts, "starts", tz=timezone)
    ends_at = parse_time(ends, "ends", tz=timezone)
    check_window(starts_at, ends_at, "the event")
    cap = parse_count(capacity, "capacity")
    vis = _visibility(visibility)
    code = parse_invite_code(invite_code) if invite_code and invite_code.strip() else None
    if code is None and vis == "invite":
        code = new_id(INVITE_CODE_LENGTH)
    now = utcnow()
    with store.write() as session:
        venue_row = _venue(session, venue) if venue else None
        if cap is None and venue_row is not None:
            cap = venue_row.capacity
        if slug:
            wanted = slugify(slug)
            if session.scalars(select(Event).where(Event.slug == wanted)).first():
                raise Conflict(f"an event with slug {wanted!r} exists already", field="slug")
        else:
            wanted = _unique_slug(session, title)
        event = Event(
            slug=wanted,
            title=title,
            description=optional_text(description, "description", max_length=5000),
            category_id=_category(session, category).id if category else None,
            venue_id=venue_row.id if venue_row else None,
            starts_at=starts_at,
            ends_at=ends_at,
            timezone=timezone,
            capacity=cap,
            visibility=vis,
            status="scheduled",
            waitlist_enabled=waitlist,
            registered_count=0,
            created_at=now,
            unpaid_policy=policy,
            allow_reentry=allow_reentry,
            invite_code=code,
        )
        session.add(event)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict(f"an event with slug {wanted!r} exists already", field="slug") from None
        log(session, "event_created", at=now, event_id=event.id, station=station, slug=event.slug)
        return event_info(session, event)


def update_event(
    store: Store,
    ref: str | int,
    *,
    name: str | None = None,
    starts: str | None = None,
    ends: str | None = None,
    capacity: int | None = None,
    clear_capacity: bool = False,
    venue: str | None = None,
    category: str | None = None,
    visibility: str | None = None,
    description: str | None = None,
    waitlist: bool | None = None,
    station: str | None = None,
    unpaid_policy: str | None = None,
    allow_reentry: bool | None = None,
    checkin_opens: str | None = None,
    checkin_closes: str | None = None,
    invite_code: str | None = None,
    new_invite_code: bool = False,
) -> EventInfo:
    """Change an event; raising the capacity promotes from the waitlist in the same transaction.

    A capacity below the tickets registered is refused. ``invite_code`` sets the code,
    ``new_invite_code`` draws a new one (the old one stops working); an event made invite-only
    without a code gets one."""

    now = utcnow()
    with store.write() as session:
        event = get_event(session, ref, lock=True)
        if name is not None:
            event.title = require_text(name, "name")
        if starts is not None:
            event.starts_at = parse_time(starts, "starts", tz=event.timezone)
        if ends is not None:
            event.ends_at = parse_time(ends, "ends", tz=event.timezone)
        check_window(event.starts_at, event.ends_at, "the event")
        if clear_capacity:
            event.capacity = None
        elif capacity is not None:
            event.capacity = at_least_taken(
                capacity, event.registered_count, "capacity", f"event {event.slug!r}"
            )
        if venue is not None:
            event.venue_id = _venue(session, venue).id
        if category is not None:
            event.category_id = _category(session, category).id
        if visibility is not None:
            event.visibility = _visibility(visibility)
        if invite_code is not None and invite_code.strip():
            event.invite_code = parse_invite_code(invite_code)
        if new_invite_code or (event.visibility == "invite" and not event.invite_code):
            event.invite_code = new_id(INVITE_CODE_LENGTH)
        if description is not None:
            event.description = optional_text(description, "description", max_length=5000)
        if waitlist is not None:
            event.waitlist_enabled = waitlist
        if unpaid_policy is not None:
            event.unpaid_policy = _unpaid_policy(unpaid_policy)
        if allow_reentry is not None:
            event.allow_reentry = allow_reentry
        if checkin_opens is not None:
            event.checkin_opens_at = parse_time(checkin_opens, "checkin-opens", tz=event.timezone)
        if checkin_closes is not None:
            event.checkin_closes_at = parse_time(
                checkin_closes, "checkin-closes", tz=event.timezone
            )
        if event.checkin_opens_at and event.checkin_closes_at:
            check_window(event.checkin_opens_at, event.checkin_closes_at, "check-in")
        session.flush()
        log(session, "event_updated", at=now, event_id=event.id, station=station)
        promote_waiting(session, event, now=now, station=station)
        return event_info(session, event)


def cancel_event(store: Store, ref: str | int, *, station: str | None = None) -> EventInfo:
    now = utcnow()
    with store.write() as session:
        event = get_event(session, ref, lock=True)
        if event.status == "cancelled":
            raise NotAllowed(f"event {event.slug!r} is cancelled already")
        event.status = "cancelled"
        log(session, "event_cancelled", at=now, event_id=event.id, station=station)
        return event_info(session, event)


def show_event(store: Store, ref: str | int) -> EventInfo:
    with store.read() as session:
        return event_info(session, get_event(session, ref))


def list_events(
    store: Store,
    *,
    category: str | None = None,
    venue: str | None = None,
    starts_from: str | None = None,
    starts_until: str | None = None,
    include_cancelled: bool = True,
    include_hidden: bool = False,
) -> list[EventInfo]:
    """Browse events, filtered by category, venue (name contains) and start date range.

    A private event is listed only with ``include_hidden`` (staff screens, ``event list --all``);
    without it the list is the public view, which carries no invite codes.
    """
    with store.read() as session:
        query = select(Event).order_by(Event.starts_at, Event.id)
        if not include_hidden:
            query = query.where(Event.visibility.not_in(HIDDEN))
        # Names are matched in Python (casefold): SQLite's lower() knows only ASCII.
        if category:
            key = category.strip().casefold()
            ids = [c.id for c in session.scalars(select(Category)) if c.name.casefold() == key]
            query = query.where(Event.category_id.in_(ids))
        if venue:
            part = venue.strip().casefold()
            ids = [v.id for v in session.scalars(select(Venue)) if part in v.name.casefold()]
            query = query.where(Event.venue_id.in_(ids))
        if starts_from:
            query = query.where(Event.starts_at >= parse_time(starts_from, "from"))
        if starts_until:
            query = query.where(Event.starts_at <= parse_time(starts_until, "until"))
        if not include_cancelled:
            query = query.where(Event.status != "cancelled")
        found = [event_info(session, e) for e in session.scalars(query)]
        return found if include_hidden else [replace(e, invite_code=None) for e in found]


def current_event(store: Store, now: datetime | None = None) -> EventInfo | None:
    """The event this station serves now (see ``current_event_id``), or None when there is none."""
    with store.read() as session:
        found = current_event_id(session, now or utcnow())
        return None if found is None else event_info(session, get_event(session, found))


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
    )


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
        check_window(starts_at, ends_at, "the session")
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
        raise NotFound(f"event {event.slug!r} has no session {session_id}", field="session")
    return row


def update_session(
    store: Store,
    event_ref: str | int,
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
    """Change a session; more room promotes from the waitlist in the same transaction.

    An empty ``room`` clears it. A capacity below the tickets registered is refused.
    """

    now = utcnow()
    with store.write() as session:
        event = get_event(session, event_ref, lock=True)
        row = _event_session(session, event, session_id)
        if name is not None:
            row.name = require_text(name, "name")
        if room is not None:
            row.room = optional_text(room, "room", max_length=100)
        if starts is not None:
            row.starts_at = parse_time(starts, "starts", tz=event.timezone)
        if ends is not None:
            row.ends_at = parse_time(ends, "ends", tz=event.timezone)
        check_window(row.starts_at, row.ends_at, "the session")
        if clear_capacity:
            row.capacity = None
        elif capacity is not None:
            row.capacity = at_least_taken(
                capacity, row.registered_count, "capacity", f"session {row.name!r}"
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
        promote_waiting(session, event, now=now, station=station)
        return _session_info(row)


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
def ticket_type_info(row: TicketType) -> TicketTypeInfo:
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
        registered=row.registered_count,
        needs_staff=row.needs_staff,
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
        raise InvalidInput("price cannot be negative", field="price")
    code = parse_currency(currency)
    qty = parse_count(quantity, "quantity")
    if tier < 0 or tier > 99:
        raise InvalidInput("tier must be between 0 and 99 (lower is served first)", field="tier")
    with store.write() as session:
        event = get_event(session, event_ref, lock=True)
        start_at = (
            parse_time(sales_start, "sales-start", tz=event.timezone) if sales_start else None
        )
        end_at = parse_time(sales_end, "sales-end", tz=event.timezone) if sales_end else None
        if start_at and end_at:
            check_window(start_at, end_at, "the sales window")
        for existing in session.scalars(select(TicketType).where(TicketType.event_id == event.id)):
            if existing.name.casefold() == type_name.casefold():
                raise Conflict(
                    f"event {event.slug!r} has a ticket type {type_name!r} already", field="name"
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
        raise InvalidInput("price cannot be negative", field="price")
    if tier is not None and (tier < 0 or tier > 99):
        raise InvalidInput("tier must be between 0 and 99 (lower is served first)", field="tier")
    now = utcnow()
    with store.write() as session:
        event = get_event(session, event_ref, lock=True)
        row = session.get(TicketType, ticket_type_id) if as_id(ticket_type_id) is not None else None
        if row is None or row.event_id != event.id:
            raise NotFound(
                f"event {event.slug!r} has no ticket type {ticket_type_id}", field="ticket_type"
            )
        if name is not None:
            type_name = require_text(name, "name", max_length=100)
            others = session.scalars(
                select(TicketType).where(TicketType.event_id == event.id, TicketType.id != row.id)
            )
            if any(t.name.casefold() == type_name.casefold() for t in others):
                raise Conflict(
                    f"event {event.slug!r} has a ticket type {type_name!r} already", field="name"
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
                quantity, row.registered_count, "quantity", f"ticket type {row.name!r}"
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
            check_window(row.sales_start, row.sales_end, "the sales window")
        try:
            session.flush()
        except IntegrityError:
            raise Conflict(
                f"event {event.slug!r} has a ticket type {row.name!r} already", field="name"
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
        return [ticket_type_info(r) for r in rows]


def sessions_by_id(session: Session, event: Event, ids: Sequence[int]) -> list[EventSession]:
    """The event's sessions named by id, in id order (the lock order), each checked."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    for sid in wanted:
        if as_id(sid) is None:
            raise NotFound(f"event {event.slug!r} has no session {sid}", field="session")
    rows = {
        r.id: r for r in session.scalars(select(EventSession).where(EventSession.id.in_(wanted)))
    }
    for sid in wanted:
        row = rows.get(sid)
        if row is None or row.event_id != event.id:
            raise NotFound(f"event {event.slug!r} has no session {sid}", field="session")
    return [rows[sid] for sid in wanted]
