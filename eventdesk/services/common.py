"""Look-ups, the transaction log and a few rules, shared by the services."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, select
from sqlalchemy.orm import Session

from eventdesk.errors import InvalidInput, NotAllowed, NotFound
from eventdesk.i18n import _, ngettext
from eventdesk.ids import as_id
from eventdesk.models import Attendee, Event, Ticket, TicketType, TransactionLog
from eventdesk.values import number_text, parse_count


def get_event(session: Session, ref: str | int, *, lock: bool = False) -> Event:
    """An event by id or slug. ``lock`` takes the row lock (PostgreSQL) that serializes
    every capacity change of the event; SQLite's BEGIN IMMEDIATE already serializes writers."""
    text = str(ref).strip()
    if not text:
        raise InvalidInput(_("event is required"), field="event")
    number = as_id(text)
    if number is None and not text.isprintable():
        raise NotFound(_("no event {event!r}").format(event=text), field="event")
    query = select(Event)
    query = (
        query.where(Event.id == number) if number is not None else query.where(Event.slug == text)
    )
    if lock:
        query = query.with_for_update()
    found = session.scalars(query).first()
    if found is None:
        raise NotFound(_("no event {event!r}").format(event=text), field="event")
    return found


def get_attendee(session: Session, ref: str | int) -> Attendee:
    """An attendee by id or email (email case-insensitive)."""
    text = str(ref).strip()
    if not text:
        raise InvalidInput(_("attendee is required"), field="attendee")
    number = as_id(text)
    if number is not None:
        found = session.get(Attendee, number)
    elif not searchable(text):
        found = None
    else:
        found = session.scalars(
            select(Attendee).where(Attendee.email_key == email_key(text))
        ).first()
    if found is None:
        raise NotFound(_("no attendee {attendee!r}").format(attendee=text), field="attendee")
    return found


def email_key(email: str) -> str:
    return email.strip().casefold()


def searchable(text: str, max_length: int = 254) -> bool:
    """Whether a typed look-up can match anything stored (no NUL, no broken UTF-16, not huge):
    anything else is simply not found, and never reaches the database driver."""
    return 0 < len(text) <= max_length and text.isprintable()


def get_ticket(session: Session, ticket_id: str, *, lock: bool = False) -> Ticket:
    text = ticket_id.strip().upper()
    if not text:
        raise InvalidInput(_("ticket is required"), field="ticket")
    if len(text) > 16 or not (text.isascii() and text.isalnum()):
        raise NotFound(_("no ticket {ticket!r}").format(ticket=ticket_id), field="ticket")
    query = select(Ticket).where(Ticket.id == text)
    if lock:
        query = query.with_for_update()
    found = session.scalars(query).first()
    if found is None:
        raise NotFound(_("no ticket {ticket!r}").format(ticket=ticket_id), field="ticket")
    return found


def get_ticket_type(session: Session, event: Event, ref: str | int) -> TicketType:
    text = str(ref).strip()
    if not text:
        raise InvalidInput(_("ticket type is required"), field="ticket_type")
    query = select(TicketType).where(TicketType.event_id == event.id)
    types = session.scalars(query).all()
    for candidate in types:
        if candidate.name.casefold() == text.casefold() or str(candidate.id) == text:
            return candidate
    known = ", ".join(sorted(t.name for t in types)) or _("none yet")
    raise NotFound(
        _("event {event!r} has no ticket type {name!r} (known: {known})").format(
            event=event.slug, name=text, known=known
        ),
        field="ticket_type",
    )


def log(
    session: Session,
    kind: str,
    *,
    at: datetime,
    event_id: int | None = None,
    ticket_id: str | None = None,
    attendee_id: int | None = None,
    amount_cents: int | None = None,
    currency: str | None = None,
    station: str | None = None,
    **detail: Any,
) -> None:
    """Append to the transaction log, in the caller's transaction."""
    session.add(
        TransactionLog(
            at=at,
            kind=kind,
            event_id=event_id,
            ticket_id=ticket_id,
            attendee_id=attendee_id,
            amount_cents=amount_cents,
            currency=currency,
            station=station,
            detail=json.dumps(detail, sort_keys=True, default=str) if detail else None,
        )
    )


# --- rules shared by events and registration ---------------------------------------------
def parse_invite_code(value: str) -> str:
    """An invite code as stored and compared: letters and digits, upper case."""
    code = "".join(ch for ch in value.strip().upper() if ch not in " -")
    if not (4 <= len(code) <= 32 and code.isascii() and code.isalnum()):
        raise InvalidInput(
            _("invite code must be 4 to 32 letters or digits (spaces and dashes are ignored)"),
            field="invite_code",
        )
    return code


def check_invite(event: Event, code: str | None) -> None:
    """Refuse a registration for an invite-only event without its invite code."""
    if event.visibility != "invite":
        return
    if not event.invite_code:
        raise NotAllowed(
            _(
                "event {event!r} is invite-only and has no invite code yet: an organizer sets "
                "one (or registers the guest as staff)"
            ).format(event=event.slug)
        )
    if code is None or not code.strip():
        raise NotAllowed(
            _("event {event!r} is invite-only: give the invite code").format(event=event.slug)
        )
    try:
        given = parse_invite_code(code)
    except InvalidInput:
        given = ""
    if given != event.invite_code:
        raise NotAllowed(
            _("that is not the invite code of {event!r}: check it and try again").format(
                event=event.slug
            )
        )


def at_least_taken(value: int | None, taken: int, field: str, what: str) -> int | None:
    """A new capacity, refused when it is below the places already taken."""
    limit = parse_count(value, field)
    if limit is not None and limit < taken:
        raise NotAllowed(
            # TRANSLATORS: {what} is "event 'summit'", "session 'Keynote'"...; {field} is
            # capacity or quantity
            _(
                "{what} has {taken} registered: a {field} of {limit} is too small "
                "(set at least {taken}, or cancel tickets first)"
            ).format(what=what, taken=taken, field=field, limit=limit)
        )
    return limit


def current_event_id(db: Session | Connection, now: datetime) -> int | None:
    """The event a station serves at ``now``: the one running, else the next to start, else the
    last one (cancelled events never). Private events count: a door serves them too."""
    live = Event.status != "cancelled"
    queries: tuple[Select[int], ...] = (
        select(Event.id)
        .where(live, Event.starts_at <= now, Event.ends_at >= now)
        .order_by(Event.starts_at, Event.id),
        select(Event.id).where(live, Event.starts_at > now).order_by(Event.starts_at, Event.id),
        select(Event.id).where(live).order_by(Event.starts_at.desc(), Event.id.desc()),
    )
    for query in queries:
        found = db.execute(query.limit(1)).scalar()
        if found is not None:
            return int(found)
    return None


MAX_SEATS = 100_000


def parse_seat_spec(spec: str) -> list[str]:
    """'A1-A20,B1-B10,Box 1' -> the seat labels, in order."""
    labels: list[str] = []
    for raw_part in spec.split(","):
        part = raw_part.strip()
        if not part:
            continue
        if "-" in part:
            first, _dash, last = part.partition("-")
            row_a, num_a = _split_seat(first.strip(), spec)
            row_b, num_b = _split_seat(last.strip(), spec)
            if row_a != row_b or num_b < num_a:
                raise InvalidInput(
                    _("seat range {range!r} must run within one row, low to high").format(
                        range=part
                    ),
                    field="seats",
                )
            if len(labels) + num_b - num_a + 1 > MAX_SEATS:
                raise InvalidInput(
                    ngettext("more than {count} seat", "more than {count} seats", MAX_SEATS).format(
                        count=number_text(MAX_SEATS)
                    ),
                    field="seats",
                )
            labels.extend(f"{row_a}{n}" for n in range(num_a, num_b + 1))
        else:
            labels.append(part)
        if len(labels) > MAX_SEATS:
            raise InvalidInput(
                ngettext("more than {count} seat", "more than {count} seats", MAX_SEATS).format(
                    count=number_text(MAX_SEATS)
                ),
                field="seats",
            )
    if any(len(label) > 20 for label in labels):
        raise InvalidInput(_("a seat label is longer than 20 characters"), field="seats")
    if len(set(labels)) != len(labels):
        raise InvalidInput(_("seat list names a seat twice"), field="seats")
    return labels


def _split_seat(label: str, spec: str) -> tuple[str, int]:
    digits = len(label) - len(label.rstrip("0123456789"))
    if digits == 0:
        raise InvalidInput(
            _("seat {seat!r} in {seats!r} has no number").format(seat=label, seats=spec),
            field="seats",
        )
    return label[:-digits], int(label[-digits:])


def own_badge_name(holder_name: str | None, name: str, badge_name: str | None) -> str | None:
    """A buyer's badge name (attendee.badge_name) on a ticket: only when the ticket is their
    own (one bought for someone else, ``holder_name``, prints that person's name)."""
    return badge_name if holder_name is None or holder_name == name else None


def printed_name(holder_name: str | None, name: str, badge_name: str | None) -> str:
    """The name a ticket's badge prints: its holder's when the buyer named someone else, else
    the buyer's badge name when they have one, else their name."""
    return own_badge_name(holder_name, name, badge_name) or holder_name or name
