"""Registration with capacity, seats and the priority waitlist (promotion and the waitlists:
services.people.waitlist; cancellation: services.people.cancellation).

Every change of capacity happens in one write transaction that first locks the event row
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serializes
writers). Inside it the counters on event, ticket type and sessions are read and changed, so two
stations can never sell the same last place.

An order of several tickets is placed whole or waitlisted whole, never split: registering checks
room for all of its tickets at once, and promotion moves an order's waiting tickets together.
Numbered seats are handed out while the venue has free ones; they never cap an event by
themselves (only a seat asked for by name, or the event's capacity, does).

A full session never holds a ticket back while the event has room: the ticket is registered
and its seat in that session waits on the session's own waitlist (``ticket_session.status``),
the order's seats together, promoted in arrival order when a seat frees or the session grows
(``places.promote_seats``: an earlier order whose seats do not all fit yet blocks the later
ones). The session's door admits only a registered seat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.errors import (
    AlreadyRegistered,
    EventCancelled,
    InvalidInput,
    SalesClosed,
    SoldOut,
)
from eventdesk.event_time import show
from eventdesk.i18n import _, ngettext
from eventdesk.models import (
    Attendee,
    Event,
    EventSession,
    Order,
    SearchToken,
    Ticket,
    TicketSession,
    TicketStatus,
    TicketType,
)
from eventdesk.services.catalogue.held import room_counted
from eventdesk.services.catalogue.places import (
    SEAT_CANCELLED,
    SEAT_REGISTERED,
    SEAT_WAITLISTED,
    SeatInfo,
    claim_places,
    next_seat_seq,
    places_left,
    seat_position,
    session_open,
    ticket_seats,
    venue_has_seats,
)
from eventdesk.services.catalogue.program import sessions_by_id
from eventdesk.services.common import (
    check_invite,
    get_attendee,
    get_event,
    get_ticket,
    get_ticket_type,
    log,
)
from eventdesk.services.people.attendees import holder_tokens
from eventdesk.services.people.questions import TypedAnswer, answers_for_order, store_answers
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
    # A registered ticket's seats waiting for a full session: (session, position on its list).
    session_waits: tuple[tuple[str, int], ...] = ()
    # The family part of the name the ticket is for, where it was given apart (eventdesk.names).
    holder_family_name: str | None = None


@dataclass(frozen=True)
class OrderResult:
    """The tickets of one order: all registered, or all waitlisted (never split). A registered
    order's seats in a full session wait for it, the order's seats together
    (``waitlisted_sessions``)."""

    order_id: int
    tickets: tuple[RegistrationResult, ...]
    # When the order was waitlisted: the places that were free (fewer than it needed); None
    # when the order was placed, or when no level of the event counts places.
    places_left: int | None = None
    # The sessions asked for but left out because they were full (``full_sessions="skip"``).
    full_sessions: tuple[str, ...] = ()
    # The sessions whose seats wait (the tickets are registered; the sessions were full).
    waitlisted_sessions: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        return self.tickets[0].status


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
    sessions: tuple[str, ...]  # a seat waiting for a full session: "NAME (waitlisted)"
    waitlist_position: int | None
    created_at: datetime
    qr_payload: str | None
    checked_in_at: datetime | None
    checked_in_station: str | None
    holder_name: str | None = None  # who the ticket is for, when the buyer named someone else
    # Its seats, session by session (id, name, registered/waitlisted/cancelled, position).
    session_seats: tuple[SeatInfo, ...] = ()
    # Sold in a shop (services.data.shop_export): the shop and its order's code there.
    shop_order: tuple[str, str] | None = None
    add_on_to: str | None = None  # an add-on's ticket: the ticket it was bought with
    shop_hold: str | None = None  # the shop holds it back: "blocked", "approval" (Ticket's)

    @property
    def holder(self) -> str:
        """The name on the badge and at the door: the named holder, else the buyer."""
        return self.holder_name or self.attendee


# --- capacity -------------------------------------------------------------------------------
def _check_sales_window(ticket_type: TicketType, now: datetime, zone: ZoneInfo) -> None:
    """Sales are open at ``now``; the refusal names the window in the event's zone."""
    if ticket_type.sales_start is not None and now < ticket_type.sales_start:
        raise SalesClosed(
            _("{ticket_type} tickets go on sale at {time}").format(
                ticket_type=ticket_type.name, time=show(ticket_type.sales_start, zone)
            )
        )
    if ticket_type.sales_end is not None and now > ticket_type.sales_end:
        raise SalesClosed(
            _("{ticket_type} tickets were on sale until {time}").format(
                ticket_type=ticket_type.name, time=show(ticket_type.sales_end, zone)
            )
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
            ngettext(
                "{names} holder names for {count} ticket(s): one name per ticket at most",
                "{names} holder names for {count} ticket(s): one name per ticket at most",
                quantity,
            ).format(names=len(holders), count=quantity),
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
    holder_families: Sequence[str | None] = (),
    allow_waitlist: bool = True,
    invite_code: str | None = None,
    staff_override: bool = False,
    station: str | None = None,
    now: datetime | None = None,
    full_sessions: Literal["wait", "skip"] = "wait",
    answers: Sequence[TypedAnswer] | None = None,
) -> OrderResult:
    """Register ``quantity`` tickets in one order for the buyer ``attendee_ref``, atomically.

    The order is placed whole or waitlisted whole: when there is not room for all of its
    tickets they all wait together (or, with no waitlist, it is refused as sold out). Each
    ticket may name its holder (``holders[i]``; missing, None or blank: the buyer); without
    ``quantity`` there is one ticket per holder name, or one; ``holder_families[i]`` is the
    family part of the name the i-th ticket is for (its holder's, else the buyer's), which
    lists sort under (eventdesk.names). An invite-only event needs its
    ``invite_code`` unless ``staff_override`` (an organizer or the desk admitting a guest).

    A full session (no room for all the order's seats, or seats waiting for it already) never
    makes the order wait while the event has room: the tickets are registered and their seats
    in it wait on the session's own waitlist, one after the other (``waitlisted_sessions``;
    refused as sold out when there is no waitlist). With ``full_sessions="skip"`` (the desk's
    walk-in) it is left out instead and named in ``full_sessions``. When the event or the
    ticket type is full, the order waits whole, its seats with it.

    ``answers`` answer the event's registration questions (services.people.questions), each
    checked, a required one left out refused, before anything is stored; None: the caller
    does not ask them (nothing is checked).
    """
    count = quantity if quantity is not None else max(len(holders), len(holder_families), 1)
    if count < 1 or count > 50:
        raise InvalidInput(_("quantity must be between 1 and 50"), field="quantity")
    if seat is not None and count != 1:
        raise InvalidInput(_("a seat can be chosen only for a single ticket"), field="seat")
    holder_names = _holder_names(holders, count)
    families = _holder_names(holder_families, count)
    moment = now or utcnow()
    with store.write() as session:
        event = get_event(session, event_ref, lock=True)
        if event.status == "cancelled":
            raise EventCancelled(_("event {event!r} is cancelled").format(event=event.slug))
        if not staff_override:
            check_invite(event, invite_code)
        attendee = get_attendee(session, attendee_ref)
        ticket_type = get_ticket_type(session, event, ticket_type_ref)
        _check_sales_window(ticket_type, moment, event.zone)
        given = None
        if answers is not None:
            given = answers_for_order(session, event, ticket_type, answers, count)
        chosen_sessions = sessions_by_id(session, event, sessions)
        open_sessions = [s for s in chosen_sessions if session_open(session, s, count)]
        closed = [s for s in chosen_sessions if s not in open_sessions]
        full = closed if full_sessions == "skip" else []
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
                # TRANSLATORS: {status} is the ticket's status: registered or waitlisted
                said = _("{attendee} already holds ticket {ticket} ({status}) for {event!r}")
                if chosen_sessions:
                    said += "; " + _(
                        # TRANSLATORS: after "... already holds ticket T": a session asked for
                        "add the session to that ticket instead (the desk's Sessions key, or "
                        "eventdesk ticket session add {ticket} {session})"
                    )
                raise AlreadyRegistered(
                    said.format(
                        attendee=attendee.name,
                        ticket=held.id,
                        status=held.status,
                        event=event.slug,
                        session=chosen_sessions[0].id if chosen_sessions else "",
                    )
                )
        seated = venue_has_seats(session, event)
        if seat is not None and not seated:
            raise InvalidInput(_("this event's venue has no numbered seats"), field="seat")
        stopped = room_counted(session, event.id)  # a quota's held places are taken
        room = places_left(event, [ticket_type], open_sessions, stopped)
        seats = claim_places(
            session,
            event,
            [(ticket_type, open_sessions)] * count,
            seated=seated,
            wanted_seat=seat,
            stopped=stopped,
        )
        placed = seats is not None
        # The sessions whose seats wait (a ticket waiting for the event: its seats follow it).
        waiting = [s for s in closed if s not in full] if placed else []
        if waiting and not (allow_waitlist and event.waitlist_enabled):
            names = ", ".join(s.name for s in waiting)
            if count > 1:
                full_up = ngettext(
                    "{sessions} is full for an order of {count} and there is no waitlist",
                    "{sessions} are full for an order of {count} and there is no waitlist",
                    len(waiting),
                )
            else:
                full_up = ngettext(
                    "{sessions} is full and there is no waitlist",
                    "{sessions} are full and there is no waitlist",
                    len(waiting),
                )
            raise SoldOut(full_up.format(sessions=names, count=count))
        seat_seq = {s.id: next_seat_seq(session, s.id) for s in waiting}
        if not placed and not (allow_waitlist and event.waitlist_enabled):
            if count > 1 and room:
                sold_out = ngettext(
                    "{ticket_type} for {event!r} only {room} place(s) are left for an order of "
                    "{count} and there is no waitlist: an order is never split",
                    "{ticket_type} for {event!r} only {room} place(s) are left for an order of "
                    "{count} and there is no waitlist: an order is never split",
                    room,
                )
            else:
                sold_out = _("{ticket_type} for {event!r} is sold out and there is no waitlist")
            raise SoldOut(
                sold_out.format(
                    ticket_type=ticket_type.name, event=event.slug, room=room, count=count
                )
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
                holder_family_name=families[index],
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
                TicketSession(ticket_id=ticket.id, session_id=s.id, status=SEAT_REGISTERED)
                for s in chosen_sessions
                if s not in waiting
            )
            session.add_all(
                TicketSession(
                    ticket_id=ticket.id,
                    session_id=s.id,
                    status=SEAT_WAITLISTED,
                    waitlist_seq=seat_seq[s.id] + index,
                )
                for s in waiting
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
                **({"waiting_sessions": [s.id for s in waiting]} if waiting else {}),
            )
            tickets.append(ticket)
        if given:
            store_answers(session, given, order.id, [t.id for t in tickets], moment)
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
                session_waits=session_waits(session, t.id),
                holder_family_name=t.holder_family_name,
            )
            for t in tickets
        )
        return OrderResult(
            order.id,
            results,
            None if placed else room,
            tuple(s.name for s in full),
            tuple(s.name for s in waiting),
        )


def session_waits(session: Session, ticket_id: str) -> tuple[tuple[str, int], ...]:
    """A ticket's seats waiting for a session: (session name, position on its waitlist)."""
    rows = session.execute(
        select(TicketSession, EventSession.name)
        .join(EventSession, EventSession.id == TicketSession.session_id)
        .where(TicketSession.ticket_id == ticket_id, TicketSession.status == SEAT_WAITLISTED)
        .order_by(EventSession.id)
    )
    waits = []
    for seat, name in rows:
        position = seat_position(session, seat)
        if position is not None:
            waits.append((name, position))
    return tuple(waits)


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
        sessions=_session_names(session, ticket),
        waitlist_position=waitlist_position(session, ticket),
        created_at=ticket.created_at,
        qr_payload=ticket.qr_payload,
        checked_in_at=ticket.checked_in_at,
        checked_in_station=ticket.checked_in_station,
        holder_name=ticket.holder_name,
        session_seats=ticket_seats(session, ticket.id),
        shop_order=shop_order_of(session.get(Order, ticket.order_id)),
        add_on_to=ticket.parent_id,
        shop_hold=ticket.shop_hold,
    )


def shop_order_of(order: Order | None) -> tuple[str, str] | None:
    """The shop an order was sold in and its code there (None: sold here)."""
    if order is None or not order.shop or not order.shop_ref:
        return None
    return (order.shop, order.shop_ref)


def _session_names(session: Session, ticket: Ticket) -> tuple[str, ...]:
    """The sessions of a ticket, a seat waiting for a full one named "NAME (waitlisted)", one
    of a cancelled session "NAME (cancelled)" (a ticket waiting for the event: its seats
    follow it, named as they are)."""
    rows = session.execute(
        select(EventSession.name, TicketSession.status)
        .join(TicketSession, TicketSession.session_id == EventSession.id)
        .where(TicketSession.ticket_id == ticket.id)
        .order_by(EventSession.id)
    )
    return tuple(seat_name(name, status) for name, status in rows)


def seat_name(name: str, status: str) -> str:
    """A session as a ticket's seat in it is said: "NAME", "NAME (waitlisted)", "NAME
    (cancelled)"."""
    if status == SEAT_WAITLISTED:
        return _("{session} (waitlisted)").format(session=name)
    if status == SEAT_CANCELLED:
        # TRANSLATORS: a session of a ticket, cancelled by the organizer
        return _("{session} (cancelled)").format(session=name)
    return name


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
