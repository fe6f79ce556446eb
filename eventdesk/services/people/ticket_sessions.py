"""A session added to, or taken off, a ticket someone already holds (``ticket session add|remove``,
the desk's Sessions dialog). The places stay right as at registration
(eventdesk.services.catalogue.places): a seat is taken when the session is open to it (room, and
nobody waiting before it), else it waits at the end of the session's own waitlist (refused when
the event has no waitlist); a seat of a ticket that waits for the event follows its ticket. A
seat taken off frees its place for the next seat waiting, in the same transaction, which holds
the event lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.errors import AlreadyRegistered, EventCancelled, NotAllowed, NotFound, SoldOut
from eventdesk.i18n import _, ngettext
from eventdesk.ids import as_id
from eventdesk.labels import label
from eventdesk.models import Event, EventSession, Ticket, TicketSession
from eventdesk.services.catalogue.places import (
    SEAT_REGISTERED,
    SEAT_WAITLISTED,
    log_seat,
    next_seat_seq,
    promote_seats,
    seat_position,
    session_open,
)
from eventdesk.services.catalogue.program import sessions_by_id
from eventdesk.services.common import get_event, get_ticket
from eventdesk.values import utcnow

# What became of the seat: taken, waiting on the session's waitlist, following a ticket that
# waits for the event, or taken off.
SeatStatus = Literal["registered", "waitlisted", "with_ticket", "removed"]


@dataclass(frozen=True)
class SeatChange:
    ticket_id: str
    session_id: int
    session: str
    status: SeatStatus
    waitlist_position: int | None = None  # on the session's waitlist
    promoted: tuple[str, ...] = ()  # the tickets whose waiting seat took the place freed


def _ticket_and_event(session: Session, ticket_id: str) -> tuple[Ticket, Event]:
    ticket = get_ticket(session, ticket_id)
    event = get_event(session, ticket.event_id, lock=True)
    session.refresh(ticket)
    return ticket, event


def add_seat(
    store: Store,
    ticket_id: str,
    session_id: int,
    *,
    station: str | None = None,
    now: datetime | None = None,
) -> SeatChange:
    """Give ``ticket_id`` a seat in the session ``session_id`` of its event."""
    moment = now or utcnow()
    with store.write() as session:
        ticket, event = _ticket_and_event(session, ticket_id)
        if ticket.status == "cancelled":
            raise NotAllowed(_("ticket {ticket} is cancelled").format(ticket=ticket.id))
        if event.status == "cancelled":
            raise EventCancelled(_("event {event!r} is cancelled").format(event=event.slug))
        (row,) = sessions_by_id(session, event, [session_id])
        held = session.get(TicketSession, (ticket.id, row.id))
        if held is not None:
            raise AlreadyRegistered(
                # TRANSLATORS: {status} is the seat's: registered, waitlisted or cancelled
                _("ticket {ticket} has a seat in {session} already ({status})").format(
                    ticket=ticket.id,
                    session=row.name,
                    status=label("ticket_status", held.status),
                )
            )
        status: SeatStatus
        seat = TicketSession(ticket_id=ticket.id, session_id=row.id, status=SEAT_REGISTERED)
        if ticket.status == "waitlisted":
            status = "with_ticket"  # counted once the ticket is placed (places.settle_seats)
        elif session_open(session, row, 1):
            status = "registered"
            row.registered_count += 1
        elif event.waitlist_enabled:
            status = "waitlisted"
            seat.status, seat.waitlist_seq = SEAT_WAITLISTED, next_seat_seq(session, row.id)
        else:
            raise SoldOut(
                ngettext(
                    "{sessions} is full and there is no waitlist",
                    "{sessions} are full and there is no waitlist",
                    1,
                ).format(sessions=row.name)
            )
        session.add(seat)
        session.flush()
        log_seat(
            session, "session_seat_added", ticket, row, at=moment, station=station, seat=status
        )
        return SeatChange(ticket.id, row.id, row.name, status, seat_position(session, seat))


def remove_seat(
    store: Store,
    ticket_id: str,
    session_id: int,
    *,
    station: str | None = None,
    now: datetime | None = None,
) -> SeatChange:
    """Take ``ticket_id``'s seat in the session ``session_id`` off it: a seat it held goes to
    the next seat waiting for the session, in the same transaction."""
    moment = now or utcnow()
    with store.write() as session:
        ticket, event = _ticket_and_event(session, ticket_id)
        row = session.get(EventSession, session_id) if as_id(session_id) is not None else None
        if row is None or row.event_id != event.id:
            raise NotFound(
                _("event {event!r} has no session {session}").format(
                    event=event.slug, session=session_id
                ),
                field="session",
            )
        seat = session.get(TicketSession, (ticket.id, row.id))
        if seat is None:
            raise NotFound(
                _("ticket {ticket} has no seat in {session}").format(
                    ticket=ticket.id, session=row.name
                ),
                field="session",
            )
        held = ticket.status == "registered" and seat.status == SEAT_REGISTERED
        previous = seat.status
        session.delete(seat)
        if held:
            row.registered_count -= 1
        session.flush()
        log_seat(
            session, "session_seat_removed", ticket, row, at=moment, station=station, seat=previous
        )
        promoted = tuple(
            promoted_ticket
            for promoted_ticket, promoted_session in promote_seats(
                session, event, now=moment, station=station
            )
            if promoted_session == row.id
        )
        return SeatChange(ticket.id, row.id, row.name, "removed", None, promoted)
