"""Badge layouts kept in the store, and which one an event and its ticket types print.

A layout is a small TOML file that ``badges.layout`` reads and checks; the store keeps an
imported one as its text, under its name, so that every station prints it (a door's mirror
copies them). Here a layout is only a name and a text: the badges package parses it before it
is saved. The built-in layouts are the badges package's; a caller names them in ``known``.

A ticket prints with its ticket type's layout, else its event's, else the built-in default.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from eventdesk.collation import name_key, sort_key
from eventdesk.db import Store
from eventdesk.errors import InvalidInput, NotAllowed, NotFound
from eventdesk.i18n import _
from eventdesk.import_liveness import stopped_places
from eventdesk.models import BadgeLayout, Event, TicketType
from eventdesk.names import holder_family
from eventdesk.services.catalogue.stored_texts import (
    StoredText,
    delete_text,
    keep_text,
    stored_text,
    stored_texts,
    text_key,
)
from eventdesk.services.common import get_event, log, own_badge_name
from eventdesk.values import utcnow

DEFAULT_LAYOUT = "name-company-qr"
EVENT_DEFAULT = ("default", "*")  # what ``set`` takes for "the event's own default"
SOURCE_LIMIT = 200_000  # a layout is a few hundred bytes; a logo is a file beside it


StoredLayout = StoredText


@dataclass(frozen=True)
class LayoutUse:
    """Which layout an event's tickets print with: the event's default and each ticket
    type's own (None: the one above it)."""

    event: str
    default: str | None
    ticket_types: dict[str, str | None]

    def for_type(self, ticket_type: str) -> str:
        return self.ticket_types.get(ticket_type) or self.default or DEFAULT_LAYOUT


def layout_key(name: str) -> str:
    """A layout's name as stored and looked up: trimmed, lower case, 1 to 40 characters."""
    return text_key(name, _("a layout's name is 1 to 40 characters"), "layout")


def stored_layouts(store: Store) -> list[StoredLayout]:
    return stored_texts(store, BadgeLayout)


def stored_layout(store: Store, name: str) -> StoredLayout | None:
    return stored_text(store, BadgeLayout, layout_key(name))


def save_layout(
    store: Store, name: str, source: str, *, station: str | None = None
) -> StoredLayout:
    """Keep a checked layout's text under its name (a new one, or in place of the same
    name's)."""
    key = layout_key(name)
    if len(source) > SOURCE_LIMIT:
        raise InvalidInput(
            _("a layout file is at most {size} kB of text").format(size=SOURCE_LIMIT // 1000),
            field="layout",
        )
    return keep_text(
        store, BadgeLayout, key, source, action="badge_layout_saved", station=station, layout=key
    )


def delete_layout(store: Store, name: str, *, station: str | None = None) -> None:
    """Forget a stored layout no event or ticket type prints with."""
    key = layout_key(name)
    with store.write() as session:
        if session.get(BadgeLayout, key) is None:
            raise NotFound(_("no stored badge layout {name!r}").format(name=key), field="layout")
        users = _users(session, key)
        if users:
            raise NotAllowed(
                _("layout {name!r} is in use by {users}: set another first").format(
                    name=key, users=", ".join(users)
                ),
                field="layout",
            )
        delete_text(session, BadgeLayout, key)
        log(session, "badge_layout_deleted", at=utcnow(), station=station, layout=key)


def _users(session: Session, key: str) -> list[str]:
    events = session.scalars(select(Event.slug).where(Event.badge_layout == key)).all()
    types = session.execute(
        select(Event.slug, TicketType.name)
        .join(Event, Event.id == TicketType.event_id)
        .where(TicketType.badge_layout == key)
    ).all()
    return [_("event {event}").format(event=e) for e in events] + [
        f"{slug}/{name}" for slug, name in types
    ]


def layout_use(store: Store, event_ref: str | int) -> LayoutUse:
    with store.read() as session:
        event = get_event(session, event_ref)
        rows = session.execute(
            select(TicketType.name, TicketType.badge_layout)
            .where(TicketType.event_id == event.id)
            .order_by(TicketType.priority_tier, TicketType.name)
        ).all()
        return LayoutUse(event.slug, event.badge_layout, {n: lay for n, lay in rows})


def assign_layout(
    store: Store,
    event_ref: str | int,
    ticket_type: str,
    name: str | None,
    *,
    known: Collection[str],
    station: str | None = None,
) -> LayoutUse:
    """Print ``ticket_type``'s badges (or, for "default", the event's) with layout ``name``:
    a stored layout or one of ``known`` (the built-in ones); None goes back to the one above
    it."""
    key = None if name is None else layout_key(name)
    with store.write() as session:
        event = get_event(session, event_ref, lock=True)
        if key is not None and key not in known and session.get(BadgeLayout, key) is None:
            raise NotFound(
                _("no badge layout {name!r} (built in: {known}; or import one first)").format(
                    name=key, known=", ".join(sorted(known))
                ),
                field="layout",
            )
        chosen = ticket_type.strip()
        if chosen.lower() in EVENT_DEFAULT:
            event.badge_layout = key
        else:
            found = session.execute(
                update(TicketType)
                .where(TicketType.event_id == event.id, TicketType.name == chosen)
                .values(badge_layout=key)
            )
            if not found.rowcount:  # type: ignore[attr-defined]
                names = session.scalars(
                    select(TicketType.name).where(TicketType.event_id == event.id)
                ).all()
                raise NotFound(
                    _(
                        "event {event!r} has no ticket type {name!r} (it has {names}; or "
                        "'default' for the event's own)"
                    ).format(event=event.slug, name=chosen, names=", ".join(names) or _("none")),
                    field="ticket_type",
                )
        log(
            session,
            "badge_layout_assigned",
            at=utcnow(),
            event_id=event.id,
            station=station,
            ticket_type=chosen,
            layout=key,
        )
    return layout_use(store, event_ref)


def layout_for(store: Store, event_slug: str, ticket_type: str) -> tuple[str, str | None]:
    """The layout a ticket of ``ticket_type`` at event ``event_slug`` prints with: its name,
    and its text when it is a stored one (None: a built-in name)."""
    with store.read() as session:
        row = session.execute(
            select(TicketType.badge_layout, Event.badge_layout)
            .select_from(Event)
            .outerjoin(
                TicketType,
                (TicketType.event_id == Event.id) & (TicketType.name == ticket_type),
            )
            .where(Event.slug == event_slug)
        ).first()
        name = (row[0] or row[1] if row is not None else None) or DEFAULT_LAYOUT
        stored = session.get(BadgeLayout, name)
        return name, None if stored is None else stored.source


SORTS = ("surname", "company", "ticket", "none")


@dataclass(frozen=True)
class BadgeRow:
    """What one badge of a sheet shows (badges.badge makes a Badge of it)."""

    ticket_id: str
    name: str  # the holder's full name (what a sheet is sorted by)
    company: str | None  # the buyer's, when the ticket is their own
    ticket_type: str
    seat: str | None
    payload: str | None
    layout: str
    # The buyer's badge name, when the ticket is their own: printed instead of ``name``.
    badge_name: str | None = None
    # The family part of ``name`` where it was given apart (eventdesk.names): sorted under it.
    family: str | None = None


@dataclass(frozen=True)
class EventBadges:
    slug: str
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    rows: list[BadgeRow]


def badge_rows(
    store: Store,
    event_ref: str | int,
    *,
    ticket_type: str | None = None,
    not_checked_in: bool = False,
    tickets: Collection[str] | None = None,
    sort: str = "surname",
) -> EventBadges:
    """The badges of an event's registered tickets, in one read: of one ticket type, not yet
    checked in, or of the tickets named, sorted by surname, company or ticket type."""
    from eventdesk.models import Attendee, Ticket

    if sort not in SORTS:
        raise InvalidInput(
            _("sort must be one of {choices}").format(choices=", ".join(SORTS)), field="sort"
        )
    with store.read() as session:
        event = get_event(session, event_ref)
        query = (
            select(
                Ticket.id,
                Ticket.holder_name,
                Ticket.holder_family_name,
                Attendee.name,
                Attendee.family_name,
                Attendee.company,
                Attendee.badge_name,
                TicketType.name.label("type_name"),
                Ticket.seat_label,
                Ticket.qr_payload,
                TicketType.badge_layout,
            )
            .join(Attendee, Attendee.id == Ticket.attendee_id)
            .join(TicketType, TicketType.id == Ticket.ticket_type_id)
            .where(
                Ticket.event_id == event.id,
                Ticket.status == "registered",
                stopped_places(session, event.id).keeps(Ticket.import_run_id),
            )
        )
        if ticket_type is not None:
            names = session.scalars(
                select(TicketType.name).where(TicketType.event_id == event.id)
            ).all()
            if ticket_type not in names:
                raise NotFound(
                    _("event {event!r} has no ticket type {name!r} (it has {names})").format(
                        event=event.slug, name=ticket_type, names=", ".join(names) or _("none")
                    ),
                    field="ticket_type",
                )
            query = query.where(TicketType.name == ticket_type)
        if not_checked_in:
            query = query.where(Ticket.checked_in_at.is_(None))
        wanted: set[str] | None = None
        if tickets is not None:
            wanted = {t.strip().upper() for t in tickets if t.strip()}
            query = query.where(Ticket.id.in_(sorted(wanted)))
        default = event.badge_layout or DEFAULT_LAYOUT
        rows = [
            BadgeRow(
                ticket_id=r.id,
                name=r.holder_name or r.name,
                company=None if r.holder_name else r.company,
                ticket_type=r.type_name,
                seat=r.seat_label,
                payload=r.qr_payload,
                layout=r.badge_layout or default,
                badge_name=own_badge_name(r.holder_name, r.name, r.badge_name),
                family=holder_family(r.holder_name, r.holder_family_name, r.name, r.family_name),
            )
            for r in session.execute(query.order_by(Ticket.id))
        ]
        if wanted is not None:
            missing = wanted - {r.ticket_id for r in rows}
            if missing:
                if ticket_type is not None and not_checked_in:
                    why = _(
                        "no badge for {tickets}: not a registered ticket of {event!r} of that "
                        "ticket type, or checked in already"
                    )
                elif ticket_type is not None:
                    why = _(
                        "no badge for {tickets}: not a registered ticket of {event!r} of that "
                        "ticket type"
                    )
                elif not_checked_in:
                    why = _(
                        "no badge for {tickets}: not a registered ticket of {event!r}, or checked "
                        "in already"
                    )
                else:
                    why = _("no badge for {tickets}: not a registered ticket of {event!r}")
                raise NotFound(
                    why.format(tickets=", ".join(sorted(missing)), event=event.slug),
                    field="tickets",
                )
            if sort == "none":  # the order asked for
                place = {t.strip().upper(): n for n, t in enumerate(tickets or ())}
                rows.sort(key=lambda r: place.get(r.ticket_id, 0))
        if sort == "surname":  # by family name, in the sort language (eventdesk.collation)
            rows.sort(key=lambda r: name_key(r.name, family=r.family))
        elif sort == "company":
            rows.sort(key=lambda r: (sort_key(r.company or ""), *name_key(r.name, family=r.family)))
        elif sort == "ticket":
            rows.sort(key=lambda r: (sort_key(r.ticket_type), *name_key(r.name, family=r.family)))
        return EventBadges(
            event.slug, event.title, event.starts_at, event.ends_at, event.timezone, rows
        )
