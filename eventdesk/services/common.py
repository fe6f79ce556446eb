"""Look-ups and the transaction log, shared by the services."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from eventdesk.errors import InvalidInput, NotFound
from eventdesk.ids import as_id
from eventdesk.models import Attendee, Event, Ticket, TicketType, TransactionLog


def get_event(session: Session, ref: str | int, *, lock: bool = False) -> Event:
    """An event by id or slug. ``lock`` takes the row lock (PostgreSQL) that serializes
    every capacity change of the event; SQLite's BEGIN IMMEDIATE already serializes writers."""
    text = str(ref).strip()
    if not text:
        raise InvalidInput("event is required", field="event")
    number = as_id(text)
    if number is None and not text.isprintable():
        raise NotFound(f"no event {text!r}", field="event")
    query = select(Event)
    query = (
        query.where(Event.id == number) if number is not None else query.where(Event.slug == text)
    )
    if lock:
        query = query.with_for_update()
    found = session.scalars(query).first()
    if found is None:
        raise NotFound(f"no event {text!r}", field="event")
    return found


def get_attendee(session: Session, ref: str | int) -> Attendee:
    """An attendee by id or email (email case-insensitive)."""
    text = str(ref).strip()
    if not text:
        raise InvalidInput("attendee is required", field="attendee")
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
        raise NotFound(f"no attendee {text!r}", field="attendee")
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
        raise InvalidInput("ticket is required", field="ticket")
    if len(text) > 16 or not (text.isascii() and text.isalnum()):
        raise NotFound(f"no ticket {ticket_id!r}", field="ticket")
    query = select(Ticket).where(Ticket.id == text)
    if lock:
        query = query.with_for_update()
    found = session.scalars(query).first()
    if found is None:
        raise NotFound(f"no ticket {ticket_id!r}", field="ticket")
    return found


def get_ticket_type(session: Session, event: Event, ref: str | int) -> TicketType:
    text = str(ref).strip()
    if not text:
        raise InvalidInput("ticket type is required", field="ticket_type")
    query = select(TicketType).where(TicketType.event_id == event.id)
    types = session.scalars(query).all()
    for candidate in types:
        if candidate.name.casefold() == text.casefold() or str(candidate.id) == text:
            return candidate
    known = ", ".join(sorted(t.name for t in types)) or "none yet"
    raise NotFound(
        f"event {event.slug!r} has no ticket type {text!r} (known: {known})", field="ticket_type"
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
