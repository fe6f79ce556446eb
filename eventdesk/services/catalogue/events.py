"""Venues, categories and events (their sessions and ticket types: program.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.errors import Conflict, InvalidInput, NotAllowed, NotFound
from eventdesk.event_time import event_zone, zone_of
from eventdesk.i18n import _
from eventdesk.ids import as_id
from eventdesk.import_liveness import stopped_places
from eventdesk.models import Category, Event, Seat, Venue
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
        raise InvalidInput(_("unpaid policy must be refuse or admit"), field="unpaid")
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

    @cached_property
    def zone(self) -> ZoneInfo:
        """The event's time zone: every time of it a person reads is in it (read once: a door
        shows it with every answer)."""
        return event_zone(self.timezone)

    invite_code: str | None = None  # what an invite-only event's guests register with


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
    taken = Conflict(
        _("a venue named {name!r} exists already").format(name=venue_name), field="name"
    )
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
                    raise Conflict(
                        _("a venue named {name!r} exists already").format(name=venue_name),
                        field="name",
                    )
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
            raise Conflict(
                _("a venue named {name!r} exists already").format(name=venue.name), field="name"
            ) from None
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
            _("no venue {venue!r} (add it with: eventdesk venue add --name ...)").format(venue=ref),
            field="venue",
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
            _("visibility must be one of {choices}").format(choices=", ".join(VISIBILITIES)),
            field="visibility",
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
        registered=event.registered_count - stopped_places(session, event.id).total,
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
    check_window(starts_at, ends_at, _("the event"))
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
                raise Conflict(
                    _("an event with slug {slug!r} exists already").format(slug=wanted),
                    field="slug",
                )
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
            raise Conflict(
                _("an event with slug {slug!r} exists already").format(slug=wanted), field="slug"
            ) from None
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
        check_window(event.starts_at, event.ends_at, _("the event"))
        if clear_capacity:
            event.capacity = None
        elif capacity is not None:
            event.capacity = at_least_taken(
                capacity,
                event.registered_count - stopped_places(session, event.id).total,
                "capacity",
                _("event {event!r}").format(event=event.slug),
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
            check_window(event.checkin_opens_at, event.checkin_closes_at, _("check-in"))
        session.flush()
        log(session, "event_updated", at=now, event_id=event.id, station=station)
        promote_waiting(session, event, now=now, station=station)
        return event_info(session, event)


def cancel_event(store: Store, ref: str | int, *, station: str | None = None) -> EventInfo:
    now = utcnow()
    with store.write() as session:
        event = get_event(session, ref, lock=True)
        if event.status == "cancelled":
            raise NotAllowed(_("event {event!r} is cancelled already").format(event=event.slug))
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
