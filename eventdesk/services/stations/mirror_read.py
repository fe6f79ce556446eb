"""What a station's copy shows while its server is away: the desk's search and card, and what a
badge prints. Read from the mirror (``services.stations.mirror``) alone, never the server; the
answers have the shapes the server's services give (``AttendeeInfo``, ``TicketInfo``,
``PaymentSummary``), with what the copy does not hold left empty: no phone, no PIN, no waitlist
position."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, or_, select

from eventdesk.errors import NotFound
from eventdesk.event_time import event_zone
from eventdesk.i18n import _
from eventdesk.services.catalogue.events import EventInfo
from eventdesk.services.catalogue.places import SeatInfo
from eventdesk.services.door.scans import Zones, zones_of
from eventdesk.services.people.attendees import AttendeeInfo
from eventdesk.services.people.payments import PaymentSummary, due_of
from eventdesk.services.people.question_answers import GivenAnswer, answers_of_tickets
from eventdesk.services.people.registration import TicketInfo, seat_name
from eventdesk.services.stations.mirror import Mirror
from eventdesk.services.stations.mirror_schema import (
    ATTENDEE,
    BADGE_LAYOUT,
    CHECKIN_LIST,
    EVENT,
    LIST_ENTRY,
    ORDER,
    PAYMENT,
    SCAN_LOG,
    SESSION,
    SESSION_CHECKIN,
    TICKET,
    TICKET_SESSION,
    TICKET_TYPE,
)
from eventdesk.services.stats.door_list import DoorList, ListReader, door_list_in
from eventdesk.services.stats.inside import RollCall, Tables, roll_call_in
from eventdesk.text import words
from eventdesk.values import utcnow


def _not_in_copy_ticket(ticket_id: str) -> str:
    return _("ticket {ticket} is not in this station's copy (the server does not answer)").format(
        ticket=ticket_id
    )


@dataclass(frozen=True)
class CopiedTicket:
    """A ticket as the copy has it, with what it has paid."""

    ticket: TicketInfo
    payment: PaymentSummary


@dataclass(frozen=True)
class CopiedEvent:
    """What a badge and a card say of an event."""

    slug: str
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return event_zone(self.timezone)


def event_in_copy(mirror: Mirror, ref: str) -> EventInfo | None:
    """The event ``ref`` (a slug or an id) as the copy has it (no counts of the waitlist, no
    category or venue), or None. A door started while its server is away shows its times in
    this event's zone."""
    e = EVENT
    which = e.c.slug == ref if not ref.isdigit() else or_(e.c.slug == ref, e.c.id == int(ref))
    with mirror.store.read() as session:
        row = session.execute(select(e).where(which)).mappings().first()
    if row is None:
        return None
    return EventInfo(
        id=row["id"],
        slug=row["slug"],
        title=row["title"],
        description=row["description"],
        category=None,
        venue=None,
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        timezone=row["timezone"] or "UTC",
        capacity=row["capacity"],
        visibility=row["visibility"],
        status=row["status"],
        waitlist_enabled=bool(row["waitlist_enabled"]),
        registered=int(row["registered_count"] or 0),
        waitlisted=0,
        unpaid_policy=row["unpaid_policy"],
        allow_reentry=bool(row["allow_reentry"]),
        checkin_opens_at=row["checkin_opens_at"],
        checkin_closes_at=row["checkin_closes_at"],
    )


def find_in_copy(mirror: Mirror, query: str, *, limit: int) -> list[AttendeeInfo]:
    """The people every typed word finds (starting a word of their name, e-mail or company, or
    of a ticket's holder or id), by name; everyone by name for an empty query."""
    a, t = ATTENDEE, TICKET
    statement = select(a.c.id, a.c.name, a.c.email, a.c.company)
    for word in words(query)[:8]:
        pattern = f"% {word}%"  # words are letters and digits: nothing to escape
        by_ticket = select(t.c.attendee_id).where(t.c.search_text.like(pattern))
        statement = statement.where(or_(a.c.search_text.like(pattern), a.c.id.in_(by_ticket)))
    statement = statement.order_by(a.c.name, a.c.id).limit(max(1, min(limit, 500)))
    with mirror.store.read() as session:
        rows = session.execute(statement).all()
    return [
        AttendeeInfo(row.id, row.name, row.email or "", row.company, None, False) for row in rows
    ]


def attendee_of_ticket(mirror: Mirror, ticket_id: str) -> int:
    """Whose ticket ``ticket_id`` is (its buyer), as the copy knows it."""
    with mirror.store.read() as session:
        found = session.execute(
            select(TICKET.c.attendee_id).where(TICKET.c.id == ticket_id.strip().upper())
        ).scalar()
    if found is None:
        raise NotFound(_not_in_copy_ticket(ticket_id), field="ticket")
    return int(found)


def person_in_copy(mirror: Mirror, attendee_id: int) -> tuple[AttendeeInfo, list[CopiedTicket]]:
    """An attendee and their tickets (every event's), as the copy has them."""
    a = ATTENDEE
    with mirror.store.read() as session:
        conn = session.connection()
        row = conn.execute(
            select(a.c.id, a.c.name, a.c.email, a.c.company, a.c.badge_name, a.c.note).where(
                a.c.id == attendee_id
            )
        ).first()
        if row is None:
            raise NotFound(
                _(
                    "attendee {attendee} is not in this station's copy (the server does not answer)"
                ).format(attendee=attendee_id),
                field="attendee",
            )
        person = _person(row)
        tickets = _tickets(conn, TICKET.c.attendee_id == attendee_id, person)
    return person, tickets


def person_of_ref(mirror: Mirror, ref: str) -> tuple[AttendeeInfo, list[CopiedTicket]]:
    """An attendee given by id or e-mail (as ``attendee show`` takes them), and their tickets,
    as the copy has them."""
    wanted = ref.strip()
    if wanted.isdigit():
        return person_in_copy(mirror, int(wanted))
    with mirror.store.read() as session:
        found = session.execute(
            select(ATTENDEE.c.id).where(func.lower(ATTENDEE.c.email) == wanted.lower())
        ).scalar()
    if found is None:
        raise NotFound(
            _(
                "attendee {attendee} is not in this station's copy (the server does not answer)"
            ).format(attendee=wanted),
            field="attendee",
        )
    return person_in_copy(mirror, int(found))


def zones_in_copy(mirror: Mirror, door_event: str | int | None = None) -> Zones:
    """Each event's time zone as the copy has them (services.door.scans.event_zones)."""
    with mirror.store.read() as session:
        events = session.execute(select(EVENT.c.id, EVENT.c.slug, EVENT.c.timezone)).all()
    return zones_of(events, station_event=door_event)


def _person(row: Any) -> AttendeeInfo:
    """A person as the copy has them: no phone, no PIN, no language said."""
    return AttendeeInfo(
        row.id,
        row.name,
        row.email or "",
        row.company,
        None,
        False,
        badge_name=row.badge_name,
        note=row.note,
    )


def order_notes_in_copy(mirror: Mirror, order_ids: Iterable[int]) -> dict[int, str]:
    """The staff's notes on these orders, as the copy has them (services.people.notes)."""
    ids = sorted(set(order_ids))
    if not ids:
        return {}
    with mirror.store.read() as session:
        rows = session.execute(
            select(ORDER.c.id, ORDER.c.note).where(ORDER.c.id.in_(ids), ORDER.c.note.is_not(None))
        ).all()
    return {int(order_id): str(note) for order_id, note in rows}


def answers_in_copy(mirror: Mirror, ticket_ids: Sequence[str]) -> dict[str, list[GivenAnswer]]:
    """Each ticket's answers to the registration questions (its holder's, and its order's), as
    the copy has them: read as on the server (``answers_of_tickets``), the copy's tables having
    the server's names and columns."""
    return answers_of_tickets(mirror.store, ticket_ids)


def ticket_in_copy(
    mirror: Mirror, ticket_id: str
) -> tuple[CopiedTicket, CopiedEvent, AttendeeInfo]:
    """A ticket, its event and its buyer (their company and badge name), as the copy has them
    (what a badge prints)."""
    wanted = ticket_id.strip().upper()
    a = ATTENDEE
    with mirror.store.read() as session:
        conn = session.connection()
        owner = conn.execute(
            select(a.c.id, a.c.name, a.c.email, a.c.company, a.c.badge_name, a.c.note)
            .join(TICKET, TICKET.c.attendee_id == a.c.id)
            .where(TICKET.c.id == wanted)
        ).first()
        if owner is None:
            raise NotFound(_not_in_copy_ticket(ticket_id), field="ticket")
        person = _person(owner)
        found = _tickets(conn, TICKET.c.id == wanted, person)
        event = conn.execute(
            select(
                EVENT.c.slug, EVENT.c.title, EVENT.c.starts_at, EVENT.c.ends_at, EVENT.c.timezone
            )
            .join(TICKET, TICKET.c.event_id == EVENT.c.id)
            .where(TICKET.c.id == wanted)
        ).first()
    if not found or event is None:
        raise NotFound(_not_in_copy_ticket(ticket_id), field="ticket")
    copied_event = CopiedEvent(
        event.slug, event.title, event.starts_at, event.ends_at, event.timezone or "UTC"
    )
    return found[0], copied_event, person


def layout_in_copy(mirror: Mirror, event_slug: str, ticket_type: str) -> tuple[str, str | None]:
    """The badge layout a ticket prints with, as the copy has it (services.catalogue.
    badge_layouts.layout_for, from the mirror): its name, and its text when it is stored."""
    from eventdesk.services.catalogue.badge_layouts import DEFAULT_LAYOUT

    with mirror.store.read() as session:
        conn = session.connection()
        row = conn.execute(
            select(TICKET_TYPE.c.badge_layout, EVENT.c.badge_layout)
            .select_from(EVENT)
            .outerjoin(
                TICKET_TYPE,
                (TICKET_TYPE.c.event_id == EVENT.c.id) & (TICKET_TYPE.c.name == ticket_type),
            )
            .where(EVENT.c.slug == event_slug)
        ).first()
        name = (row[0] or row[1] if row is not None else None) or DEFAULT_LAYOUT
        source = conn.scalar(select(BADGE_LAYOUT.c.source).where(BADGE_LAYOUT.c.name == name))
        return name, source


# The copy's tables, read as the server's are by the roll call (services.stats.inside).
COPY_TABLES = Tables(
    event=EVENT,
    ticket=TICKET,
    attendee=ATTENDEE,
    ticket_type=TICKET_TYPE,
    checkin_list=CHECKIN_LIST,
    list_entry=LIST_ENTRY,
    event_session=SESSION,
    session_checkin=SESSION_CHECKIN,
    scan_log=SCAN_LOG,
    payment=PAYMENT,
)


def roll_call_in_copy(
    mirror: Mirror,
    event: str | int,
    *,
    checkin_list: str | None = None,
    session: str | None = None,
    now: datetime | None = None,
) -> RollCall:
    """Who is inside now as the copy has it: the server's doors as of the copy's last refresh
    (when each came in last, where this station did not see it, is their first entry), and
    this station's own scans since (services.stats.inside)."""
    refreshed = mirror.refreshed_at()
    with mirror.store.read() as session_:
        return roll_call_in(
            session_.connection(),
            COPY_TABLES,
            event,
            checkin_list=checkin_list,
            session=session,
            now=now or utcnow(),
            copy_refreshed_at=refreshed,
            from_copy=True,
        )


def door_list_in_copy(
    mirror: Mirror,
    event: str | int,
    *,
    now: datetime | None = None,
    on_list: ListReader | None = None,
) -> DoorList:
    """The paper door list as the copy has it: every valid ticket as of the copy's last
    refresh, with its holder, type and notes (services.stats.door_list); of a check-in list,
    ``on_list``."""
    refreshed = mirror.refreshed_at()
    with mirror.store.read() as session_:
        return door_list_in(
            session_.connection(),
            COPY_TABLES,
            event,
            now=now or utcnow(),
            copy_refreshed_at=refreshed,
            from_copy=True,
            on_list=on_list,
        )


def _tickets(conn: Connection, which: Any, person: AttendeeInfo) -> list[CopiedTicket]:
    t, e, tt = TICKET, EVENT, TICKET_TYPE
    rows = conn.execute(
        select(
            t,
            e.c.slug.label("event_slug"),
            e.c.title.label("event_title"),
            tt.c.name.label("type_name"),
            tt.c.attention.label("attention"),
            ORDER.c.shop.label("order_shop"),
            ORDER.c.shop_ref.label("order_shop_ref"),
        )
        .join(e, e.c.id == t.c.event_id)
        .join(tt, tt.c.id == t.c.ticket_type_id)
        .outerjoin(ORDER, ORDER.c.id == t.c.order_id)
        .where(which)
        .order_by(t.c.created_at, t.c.id)
    ).all()
    ids = [row.id for row in rows]
    sessions = _sessions(conn, ids)
    paid = _paid(conn, ids)
    copied = []
    for row in rows:
        info = TicketInfo(
            id=row.id,
            order_id=int(row.order_id or 0),
            event=row.event_slug,
            event_title=row.event_title,
            attendee_id=person.id,
            attendee=person.name,
            email=person.email,
            ticket_type=row.type_name,
            attention=row.attention,
            status=row.status,
            seat=row.seat_label,
            price_cents=int(row.price_cents or 0),
            currency=row.currency,
            sessions=tuple(seat_name(seat.name, seat.status) for seat in sessions.get(row.id, ())),
            waitlist_position=None,
            created_at=row.created_at or utcnow(),  # copies made before it was copied
            qr_payload=row.qr_payload,
            checked_in_at=row.checked_in_at,
            checked_in_station=row.checked_in_station,
            holder_name=row.holder_name,
            session_seats=tuple(sessions.get(row.id, ())),
            shop_order=(row.order_shop, row.order_shop_ref) if row.order_shop_ref else None,
            add_on_to=row.parent_id,
            shop_hold=row.shop_hold,
        )
        net = paid.get(row.id, 0)
        due = due_of(row.status, info.price_cents, net)
        payment = PaymentSummary(
            row.id, info.price_cents, net, due, row.currency, status=row.status
        )
        copied.append(CopiedTicket(info, payment))
    return copied


def _sessions(conn: Connection, ids: Sequence[str]) -> dict[str, list[SeatInfo]]:
    """Each ticket's seats (a seat waiting for a full session, or of a cancelled one, is said
    as online: registration.seat_name)."""
    found: dict[str, list[SeatInfo]] = {}
    if not ids:
        return found
    rows = conn.execute(
        select(
            TICKET_SESSION.c.ticket_id,
            TICKET_SESSION.c.session_id,
            SESSION.c.name,
            TICKET_SESSION.c.status,
        )
        .join(SESSION, SESSION.c.id == TICKET_SESSION.c.session_id)
        .where(TICKET_SESSION.c.ticket_id.in_(ids))
        .order_by(SESSION.c.starts_at)
    )
    for ticket_id, session_id, name, status in rows:
        found.setdefault(ticket_id, []).append(SeatInfo(session_id, name, status))
    return found


def _paid(conn: Connection, ids: Sequence[str]) -> dict[str, int]:
    """What each ticket has paid, net of refunds (the copy keeps it as one sum a ticket)."""
    if not ids:
        return {}
    rows = conn.execute(
        select(PAYMENT.c.ticket_id, PAYMENT.c.amount_cents).where(
            PAYMENT.c.ticket_id.in_(ids), PAYMENT.c.kind == "payment"
        )
    )
    return {ticket_id: int(amount or 0) for ticket_id, amount in rows}
