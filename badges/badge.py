"""What a badge shows, read from the store."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from eventdesk.errors import InvalidInput, NotAllowed
from eventdesk.event_time import event_zone, in_zone, show
from eventdesk.i18n import _

if TYPE_CHECKING:
    from datetime import datetime

    from eventdesk.db import Store
    from eventdesk.services.catalogue.events import EventInfo
    from eventdesk.services.people.attendees import AttendeeInfo
    from eventdesk.services.people.registration import TicketInfo
    from eventdesk.services.stations.mirror import Mirror
    from eventdesk.services.stations.mirror_read import CopiedEvent

MM_PER_INCH = 25.4


@dataclass(frozen=True)
class LabelSize:
    """A label: width and height in millimetres, printer resolution in dots per inch."""

    width_mm: float = 62.0
    height_mm: float = 100.0
    dpi: int = 300

    def __post_init__(self) -> None:
        if not (20 <= self.width_mm <= 300 and 20 <= self.height_mm <= 500):
            raise InvalidInput(
                _("label size must be 20-300 mm wide and 20-500 mm high"), field="label"
            )
        if self.dpi not in (150, 200, 203, 300, 600):
            raise InvalidInput(_("dpi must be one of 150, 200, 203, 300, 600"), field="dpi")

    @property
    def width_dots(self) -> int:
        return round(self.width_mm / MM_PER_INCH * self.dpi)

    @property
    def height_dots(self) -> int:
        return round(self.height_mm / MM_PER_INCH * self.dpi)


@dataclass(frozen=True)
class Badge:
    ticket_id: str
    name: str
    company: str | None
    ticket_type: str
    ribbon: str | None  # a VIP band across the top (never a staff note)
    event: str
    date: str
    payload: str | None  # the ticket's QR payload
    seat: str | None = None  # a numbered seat, shown with the ticket type
    layout: str = "name-company-qr"  # the layout it prints with (badges.layout)
    layout_source: str | None = None  # that layout's TOML when it is a stored one
    label_mm: tuple[float, float] | None = None  # the printer's labels: the layout fitted to them
    # The person's answers to the registration questions, (key, value): never a staff note.
    answers: tuple[tuple[str, str], ...] = ()

    def answer(self, key: str) -> str | None:
        """The answer to the question ``key`` ("" and None: not answered)."""
        wanted = key.strip().lower()
        return next((value for k, value in self.answers if k == wanted), None)

    @property
    def lines_below_name(self) -> list[str]:
        kind = seated(self.ticket_type, self.seat) if self.seat else self.ticket_type
        return [x for x in (self.company, kind, self.event, self.date) if x]


def seated(ticket_type: str, seat: str) -> str:
    """A ticket type with its numbered seat, as a badge prints it ("Regular - Seat A12")."""
    # TRANSLATORS: printed on a badge: the ticket type, then the seat's label (A12)
    return _("{ticket_type} - Seat {seat}").format(ticket_type=ticket_type, seat=seat)


def ribbon_for(ticket_type: str) -> str | None:
    """The band across the top: VIP for a VIP ticket type, else none. A ticket type's
    attention note ("Check student ID") is for staff screens and is never printed."""
    # TRANSLATORS: printed in the band across the top of a VIP's badge
    return _("VIP") if re.search(r"\bvip\b", ticket_type.casefold()) else None


def load_badge(store: Store, ticket_id: str) -> Badge:
    # The services load with the first badge: a station's printer settings (LabelSize) come
    # up without them.
    from eventdesk.services.catalogue.badge_layouts import layout_for
    from eventdesk.services.catalogue.events import show_event
    from eventdesk.services.people.attendees import show_attendee
    from eventdesk.services.people.question_answers import ticket_answers
    from eventdesk.services.people.registration import show_ticket

    ticket = show_ticket(store, ticket_id)
    _printable(ticket)
    event = show_event(store, ticket.event)
    made = _of_buyer(ticket, event, show_attendee(store, ticket.attendee_id))
    name, source = layout_for(store, ticket.event, ticket.ticket_type)
    answers = tuple(ticket_answers(store, ticket.id).items())
    return replace(made, layout=name, layout_source=source, answers=answers)


def badge_from_copy(mirror: Mirror, ticket_id: str) -> Badge:
    """The same badge from a station's copy (services.stations.mirror_read): a check-in decided
    offline prints it while the server is away."""
    from eventdesk.services.stations.mirror_read import (
        answers_in_copy,
        layout_in_copy,
        ticket_in_copy,
    )

    copied, event, buyer = ticket_in_copy(mirror, ticket_id)
    ticket = copied.ticket
    _printable(ticket)
    made = _of_buyer(ticket, event, buyer)
    name, source = layout_in_copy(mirror, ticket.event, ticket.ticket_type)
    given = answers_in_copy(mirror, [ticket.id]).get(ticket.id, [])
    answers = tuple({a.key: a.value for a in given}.items())
    return replace(made, layout=name, layout_source=source, answers=answers)


def _printable(ticket: TicketInfo) -> None:
    if ticket.status != "registered":
        raise NotAllowed(
            # TRANSLATORS: {status} is the ticket's status code (waitlisted, cancelled)
            _("ticket {ticket} is {status}: no badge").format(
                ticket=ticket.id, status=ticket.status
            )
        )


def _of_buyer(ticket: TicketInfo, event: EventInfo | CopiedEvent, buyer: AttendeeInfo) -> Badge:
    """``ticket``'s badge at ``event``: a ticket bought for someone else prints its holder,
    without the buyer's company or badge name."""
    company = None if ticket.holder_name else buyer.company
    return badge_of(
        ticket,
        event.title,
        event.starts_at,
        event.ends_at,
        event.zone,
        company,
        badge_name=buyer.badge_name,
    )


def badge_of(
    ticket: TicketInfo,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    zone: ZoneInfo,
    company: str | None,
    *,
    badge_name: str | None = None,
) -> Badge:
    """What ``ticket``'s badge shows, at its event (the dates in the event's zone). A ticket
    bought for someone else shows that person: the buyer's company is not theirs (the caller
    passes None then), nor is their ``badge_name`` (printed instead of their name on a ticket
    of their own)."""
    from eventdesk.services.common import printed_name

    return Badge(
        ticket_id=ticket.id,
        name=printed_name(ticket.holder_name, ticket.attendee, badge_name),
        company=company,
        ticket_type=ticket.ticket_type,
        ribbon=ribbon_for(ticket.ticket_type),
        event=title,
        date=dates(starts_at, ends_at, zone),
        payload=ticket.qr_payload,
        seat=ticket.seat,
    )


def dates(starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> str:
    """An event's dates as a badge prints them, in its zone: one day, or the first to the last."""
    start, end = in_zone(starts_at, zone), in_zone(ends_at, zone)
    if start.date() == end.date():
        return show(start, zone, "date")
    return f"{show(start, zone, 'day')} - {show(end, zone, 'date')}"


def event_badges(
    store: Store,
    event_ref: str | int,
    *,
    ticket_type: str | None = None,
    not_checked_in: bool = False,
    tickets: list[str] | None = None,
    sort: str = "surname",
) -> list[Badge]:
    """An event's badges for a sheet, read at once (services.catalogue.badge_layouts.
    badge_rows): each with its ticket type's layout."""
    from eventdesk.services.catalogue.badge_layouts import badge_rows, stored_layouts
    from eventdesk.services.people.question_answers import answers_of_tickets

    found = badge_rows(
        store,
        event_ref,
        ticket_type=ticket_type,
        not_checked_in=not_checked_in,
        tickets=tickets,
        sort=sort,
    )
    date = dates(found.starts_at, found.ends_at, event_zone(found.timezone or "UTC"))
    sources = {s.name: s.source for s in stored_layouts(store)}
    given = answers_of_tickets(store, [row.ticket_id for row in found.rows])
    return [
        Badge(
            ticket_id=row.ticket_id,
            name=row.badge_name or row.name,
            company=row.company,
            ticket_type=row.ticket_type,
            ribbon=ribbon_for(row.ticket_type),
            event=found.title,
            date=date,
            payload=row.payload,
            seat=row.seat,
            layout=row.layout,
            layout_source=sources.get(row.layout),
            answers=tuple((a.key, a.value) for a in given.get(row.ticket_id, [])),
        )
        for row in found.rows
    ]
