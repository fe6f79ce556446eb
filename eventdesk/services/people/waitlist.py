"""The waitlists: tickets waiting for the event (promotion order: tier, then arrival) and seats
waiting for a full session, and a waiting ticket promoted by hand, over capacity when an
organizer forces it (services.people.registration says how places are counted and locked)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from eventdesk.db import Store
from eventdesk.errors import (
    NotAllowed,
    SoldOut,
)
from eventdesk.i18n import _
from eventdesk.models import (
    Attendee,
    EventSession,
    Ticket,
    TicketSession,
    TicketType,
)
from eventdesk.services.catalogue.places import (
    SEAT_WAITLISTED,
    free_seat,
    place_order,
    settle_seats,
    venue_has_seats,
)
from eventdesk.services.common import (
    get_event,
    get_ticket,
    log,
)
from eventdesk.services.people.registration import RegistrationResult, session_waits
from eventdesk.values import utcnow


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
class SessionWaitEntry:
    """A seat waiting for a session, its ticket registered for the event."""

    session_id: int
    session: str
    position: int
    ticket_id: str
    order_id: int
    attendee_id: int
    name: str
    email: str
    since: datetime | None  # since the ticket was registered (and its seat began to wait)


def promote(
    store: Store,
    ticket_id: str,
    *,
    force: bool = False,
    station: str | None = None,
    now: datetime | None = None,
) -> RegistrationResult:
    """Move one ticket off the waitlist now. Without ``force`` it must fit; with it, an
    organizer admits it over the event's and the ticket type's capacity. Either way a full
    session makes its seat wait on the session's waitlist (``session_waits``), not the ticket;
    more room in the session is what moves it."""
    moment = now or utcnow()
    with store.write() as session:
        ticket = get_ticket(session, ticket_id)
        event = get_event(session, ticket.event_id, lock=True)
        session.refresh(ticket)
        if ticket.status != "waitlisted":
            raise NotAllowed(
                _("ticket {ticket} is {status}, not on the waitlist").format(
                    ticket=ticket.id, status=ticket.status
                )
            )
        ticket_type = session.get(TicketType, ticket.ticket_type_id)
        assert ticket_type is not None
        seated = venue_has_seats(session, event)
        placed = place_order(session, event, [(ticket, ticket_type)], seated=seated)
        if placed is not None:
            seat_label = placed[0][0]
        else:
            if not force:
                raise SoldOut(
                    _("no free place for ticket {ticket}; an organizer can force it").format(
                        ticket=ticket.id
                    )
                )
            event.registered_count += 1
            ticket_type.registered_count += 1
            settle_seats(session, [ticket])
            seat_label = free_seat(session, event, None) if seated else None
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
            forced=force and placed is None,
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
            session_waits(session, ticket.id),
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


def list_session_waitlist(store: Store, event_ref: str | int) -> list[SessionWaitEntry]:
    """The seats waiting for each of the event's sessions, session by session, in promotion
    order (arrival; an order's seats together). Tickets waiting for the event are on
    ``list_waitlist``: their seats follow them."""
    with store.read() as session:
        event = get_event(session, event_ref)
        rows = session.execute(
            select(EventSession, Ticket, Attendee)
            .select_from(TicketSession)
            .join(EventSession, EventSession.id == TicketSession.session_id)
            .join(Ticket, Ticket.id == TicketSession.ticket_id)
            .join(Attendee, Attendee.id == Ticket.attendee_id)
            .where(
                EventSession.event_id == event.id,
                TicketSession.status == SEAT_WAITLISTED,
                Ticket.status == "registered",
            )
            .order_by(
                EventSession.starts_at, EventSession.id, TicketSession.waitlist_seq, Ticket.id
            )
        )
        entries: list[SessionWaitEntry] = []
        position: dict[int, int] = {}
        for row, ticket, attendee in rows:
            position[row.id] = position.get(row.id, 0) + 1
            entries.append(
                SessionWaitEntry(
                    session_id=row.id,
                    session=row.name,
                    position=position[row.id],
                    ticket_id=ticket.id,
                    order_id=ticket.order_id,
                    attendee_id=attendee.id,
                    name=ticket.holder_name or attendee.name,
                    email=attendee.email,
                    since=ticket.registered_at,
                )
            )
        return entries
