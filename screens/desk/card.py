"""The desk's attendee card: who they are, their tickets, sessions, money, check-in, waitlist.

``CardData`` is a plain value built in a thread worker (``load_card``); ``AttendeeCard`` only
draws it. ``CardData.pick`` says which of the attendee's tickets an action works on: only the
tickets of this station's event count for actions, but the card shows every ticket.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from eventdesk.db import Store
from eventdesk.event_time import in_zone, show
from eventdesk.i18n import _, ngettext
from eventdesk.labels import label
from eventdesk.services.door.answers import OnList, on_lists
from eventdesk.services.people.attendees import AttendeeInfo, show_attendee
from eventdesk.services.people.notes import order_notes
from eventdesk.services.people.payments import PaymentSummary, payment_summary
from eventdesk.services.people.question_answers import GivenAnswer, answers_of_tickets
from eventdesk.services.people.registration import (
    TicketInfo,
    seat_name,
    show_ticket,
    tickets_of_attendee,
)
from eventdesk.services.stations.mirror import Mirror
from eventdesk.services.stations.mirror_read import (
    answers_in_copy,
    attendee_of_ticket,
    order_notes_in_copy,
    person_in_copy,
)
from eventdesk.services.stations.offline import Station
from eventdesk.values import money_text
from screens.terminal import for_screen
from screens.widgets.key_bar import keys_in

ACTIVE = ("registered", "waitlisted")
# A door for several events: their slugs, and the one whose tickets the door's check-in list
# (one that keeps its own admissions) is of.
DoorEvents = tuple[tuple[str, ...], str | None]
ACTIONS = ("check_in", "undo", "reprint", "pay", "cancel", "promote", "sessions")


@dataclass(frozen=True)
class TicketLine:
    ticket: TicketInfo
    payment: PaymentSummary
    # What the check-in lists know of it: its admissions on them and the answers given.
    lists: tuple[OnList, ...] = ()
    # The answers to the event's registration questions: its holder's and its order's.
    answers: tuple[GivenAnswer, ...] = ()

    @property
    def due_cents(self) -> int:
        return self.payment.due_cents


@dataclass(frozen=True)
class CardData:
    attendee: AttendeeInfo
    tickets: tuple[TicketLine, ...]
    event: str | None  # the slug of this station's event
    read_at: datetime | None = None  # the station's clock when it was read: what "today" is
    # Read from the station's copy while the server does not answer: when it was refreshed
    # (None: read from the server).
    copied_at: datetime | None = None
    # The name of the check-in list this door decides on, when it keeps its own admissions:
    # a ticket's line then says where it stands on that list.
    door_list: str | None = None
    # The staff's notes on the orders of the tickets shown, by order (services.people.notes).
    order_notes: tuple[tuple[int, str], ...] = ()
    # A door for several events: their slugs (``event`` is the first), and the one whose
    # tickets ``door_list`` is of (None: ``event``).
    events: tuple[str, ...] = ()
    list_event: str | None = None

    @property
    def admitted(self) -> tuple[str | None, ...]:
        """The events this station's door admits."""
        return self.events or (self.event,)

    def order_here(self) -> tuple[int, str | None] | None:
        """The order of their first ticket of this station's event, and its note (None: no
        ticket here): the order the desk's Note dialog writes on."""
        here = self.here()
        if not here:
            return None
        order = here[0].ticket.order_id
        return order, dict(self.order_notes).get(order)

    def here(self) -> list[TicketLine]:
        """The tickets of this station's event(s) (the only ones the desk acts on)."""
        return [line for line in self.tickets if line.ticket.event in self.admitted]

    def pick(self, action: str, *, prefer: str | None = None) -> TicketLine | None:
        """The ticket an action works on, or None when it makes no sense for this attendee.
        The ticket ``prefer`` (the one just scanned) comes first when the action fits it."""
        here = sorted(self.here(), key=lambda line: line.ticket.id != prefer)
        registered = [t for t in here if t.ticket.status == "registered"]
        if action == "check_in":
            waiting = [t for t in registered if t.ticket.checked_in_at is None]
            return _first(waiting) or _first(registered) or _first(_active(here))
        if action == "undo":
            return _first([t for t in registered if t.ticket.checked_in_at is not None])
        if action == "reprint":  # a badge is printed at check-in: reprinted after it only
            return _first([t for t in registered if t.ticket.checked_in_at is not None])
        if action == "pay":
            return _first([t for t in _active(here) if t.due_cents > 0])
        if action == "cancel":
            active = _active(here)
            return _first([t for t in active if t.ticket.checked_in_at is None]) or _first(active)
        if action == "promote":
            return _first([t for t in here if t.ticket.status == "waitlisted"])
        if action == "sessions":  # the sessions of a ticket someone holds, or waits for
            return _first(registered) or _first(_active(here))
        return None


def _active(lines: list[TicketLine]) -> list[TicketLine]:
    return [t for t in lines if t.ticket.status in ACTIVE]


def _first(lines: list[TicketLine]) -> TicketLine | None:
    return lines[0] if lines else None


def load_card(
    store: Store,
    attendee_id: int,
    event: str | None,
    now: datetime | None = None,
    door_list: str | None = None,
    door: DoorEvents = ((), None),
) -> CardData:
    """Read an attendee's card at the station's ``now``, at a door on the check-in list named
    ``door_list`` (one that keeps its own admissions; at a door for several events, ``door``:
    their slugs and that list's event) (call it from a thread worker)."""
    attendee = show_attendee(store, attendee_id)
    tickets = tickets_of_attendee(store, attendee_id)
    noted = on_lists(store, [t.id for t in tickets])
    answered = answers_of_tickets(store, [t.id for t in tickets])
    lines = tuple(
        TicketLine(
            t,
            payment_summary(store, t.id),
            tuple(noted.get(t.id, ())),
            tuple(answered.get(t.id, ())),
        )
        for t in tickets
    )
    notes = order_notes(store, [t.order_id for t in tickets])
    return CardData(
        attendee,
        lines,
        event,
        now,
        door_list=door_list,
        order_notes=tuple(sorted(notes.items())),
        events=door[0],
        list_event=door[1],
    )


def card_at_door(
    store: Callable[[], Store],
    station: Station | None,
    attendee_id: int | None,
    ticket_id: str | None,
    event: str | None,
    now: datetime | None = None,
    door_list: str | None = None,
    door: DoorEvents = ((), None),
) -> CardData:
    """The card of an attendee, or of a ticket's buyer: from the server, or (a ``station`` on
    a server that does not answer within its threshold) from the station's mirror, marked so
    (call it from a thread worker). ``door``: as ``load_card`` takes it."""

    def from_server() -> CardData:
        person = attendee_id
        if person is None:
            assert ticket_id is not None
            person = show_ticket(store(), ticket_id).attendee_id
        return load_card(store(), person, event, now, door_list, door)

    def from_copy(copy: Mirror) -> CardData:
        person = attendee_id
        if person is None:
            assert ticket_id is not None
            person = attendee_of_ticket(copy, ticket_id)
        return load_copy_card(copy, person, event, now, door[0])

    return from_server() if station is None else station.read(from_server, from_copy)


def load_copy_card(
    mirror: Mirror,
    attendee_id: int,
    event: str | None,
    now: datetime | None = None,
    events: tuple[str, ...] = (),
) -> CardData:
    """The same card from the station's copy (the server does not answer): marked as the copy,
    with when it was refreshed (call it from a thread worker)."""
    attendee, tickets = person_in_copy(mirror, attendee_id)
    answered = answers_in_copy(mirror, [copied.ticket.id for copied in tickets])
    lines = tuple(
        TicketLine(copied.ticket, copied.payment, answers=tuple(answered.get(copied.ticket.id, ())))
        for copied in tickets
    )
    refreshed = mirror.refreshed_at()
    notes = order_notes_in_copy(mirror, [line.ticket.order_id for line in lines])
    return CardData(
        attendee,
        lines,
        event,
        now,
        copied_at=refreshed or now,
        order_notes=tuple(sorted(notes.items())),
        events=events,
    )


def clock(moment: datetime | None, zone: ZoneInfo, *, today: datetime | None = None) -> str:
    """A time as the door sees it, in the event's zone; with the date when it is not today."""
    if moment is None:
        return "?"
    now = in_zone(today or datetime.now(zone), zone)
    return show(moment, zone, "clock" if in_zone(moment, zone).date() == now.date() else "minute")


def render_card(data: CardData, zone: ZoneInfo) -> Content:
    """The card as styled text. Attendee-typed text is never read as markup."""
    person = data.attendee
    parts: list[Content] = []
    if data.copied_at is not None:
        when = clock(data.copied_at, zone, today=data.read_at)
        parts.append(
            Content.styled(
                _("STATION'S COPY (refreshed {when}): the server does not answer").format(
                    when=when
                ),
                "bold $warning",
            )
        )
    parts.append(Content.styled(for_screen(person.name), "bold"))
    if person.badge_name:
        # TRANSLATORS: on the desk's card, under a person's name: the name their badges print
        said = _("badge name: {name}").format(name=for_screen(person.badge_name))
        parts.append(Content.styled(said, "italic"))
    contact = person.email + (f" · {for_screen(person.company)}" if person.company else "")
    parts.append(Content.styled(contact, "dim"))
    parts.extend(_note_lines(data))
    if not data.tickets:
        parts.append(
            Content.styled(keys_in(_("No tickets yet: register them with ^N (walk-in).")), "italic")
        )
    for line in data.tickets:
        parts.append(Content(""))
        parts.extend(_ticket_lines(line, data, zone))
    return Content("\n").join(parts)


def _note_lines(data: CardData) -> list[Content]:
    """The staff's notes on the person and on their orders (never printed on a badge)."""
    lines = []
    if data.attendee.note:
        # TRANSLATORS: on the desk's card: the staff's note on the person
        said = _("✎ note: {note}").format(note=for_screen(data.attendee.note))
        lines.append(Content.styled(said, "bold $warning"))
    for order, note in data.order_notes:
        # TRANSLATORS: on the desk's card: the staff's note on one of the person's orders
        said = _("✎ order {order}: {note}").format(order=order, note=for_screen(note))
        lines.append(Content.styled(said, "bold $warning"))
    return lines


def _on_door_list(line: TicketLine, data: CardData, zone: ZoneInfo) -> Content | None:
    """A registered ticket's status at a door on a check-in list that keeps its own
    admissions: in, out or not yet on that list (None: the door is on no such list)."""
    if data.door_list is None or line.ticket.event != (data.list_event or data.event):
        return None
    note = next((n for n in line.lists if n.answer is None and n.list == data.door_list), None)
    if note is None:
        # TRANSLATORS: a ticket's status at a door on a check-in list: not let in on it yet
        return Content("  " + _("{list}: not yet").format(list=data.door_list))
    when = clock(note.last_at, zone, today=data.read_at)
    where = note.station or _("another station")
    if note.inside:
        # TRANSLATORS: a ticket's status at a door on a check-in list: let in on it
        said = _("✔ {list}: in since {when} at {station}")
        return Content.styled(
            "  " + said.format(list=data.door_list, when=when, station=where), "$success"
        )
    # TRANSLATORS: a ticket's status at a door on a check-in list: let in, then out again
    said = _("{list}: out (last entry {when} at {station})")
    return Content("  " + said.format(list=data.door_list, when=when, station=where))


def _ticket_lines(line: TicketLine, data: CardData, zone: ZoneInfo) -> list[Content]:
    ticket, money = line.ticket, line.payment
    elsewhere = ticket.event != data.event or len(data.events) > 1  # its event named
    title = Content.assemble(
        (f"{ticket.ticket_type} ", "bold"),
        (ticket.id, "$accent"),
        (f"  {ticket.event_title}", "dim") if elsewhere else "",
    )
    rows = [title]
    # Each row after the title is indented by two spaces (not part of the messages).
    if ticket.shop_order:
        shop, ref = ticket.shop_order
        # TRANSLATORS: a ticket sold in a shop: "eventbrite order 1001"
        rows.append(Content("  " + _("{shop} order {ref}").format(shop=shop, ref=ref)))
    if ticket.add_on_to:
        # TRANSLATORS: an add-on bought with another ticket: "add-on to 7KQ2M4XD"
        rows.append(Content("  " + _("add-on to {ticket}").format(ticket=ticket.add_on_to)))
    if ticket.holder_name:
        # TRANSLATORS: a ticket's holder: "for Ann Lee"
        rows.append(Content("  " + _("for {holder}").format(holder=ticket.holder_name)))
    status = ticket.status
    if status == "waitlisted":
        place = ticket.waitlist_position
        said = (
            _("waitlisted, place {place}").format(place=place)
            if place
            else label("ticket_status", status)
        )
        rows.append(Content.styled("  " + said, "$warning"))
    elif status == "cancelled":
        rows.append(Content.styled("  " + label("ticket_status", status), "$error"))
    elif ticket.shop_hold == "blocked":
        rows.append(Content.styled("  " + _("blocked by the shop"), "$error"))
    elif ticket.shop_hold == "approval":
        rows.append(Content.styled("  " + _("awaiting the shop's approval"), "$warning"))
    elif (door := _on_door_list(line, data, zone)) is not None:
        rows.append(door)
    elif ticket.checked_in_at is not None:
        when = clock(ticket.checked_in_at, zone, today=data.read_at)
        where = ticket.checked_in_station or _("another station")
        rows.append(
            Content.styled(
                "  " + _("✔ checked in {when} at {station}").format(when=when, station=where),
                "$success",
            )
        )
    else:
        rows.append(Content("  " + _("registered, not checked in yet")))
    if ticket.seat:
        rows.append(Content("  " + _("seat {seat}").format(seat=ticket.seat)))
    if ticket.price_cents == 0 and ticket.shop_order:
        # TRANSLATORS: a ticket the shop it was sold in was paid for: "paid in eventbrite"
        rows.append(Content("  " + _("paid in {shop}").format(shop=ticket.shop_order[0])))
    elif ticket.price_cents == 0:
        rows.append(Content("  " + _("free ticket")))
    elif money.due_cents == 0:
        paid = money_text(money.paid_cents, money.currency)
        rows.append(Content("  " + _("paid {amount}").format(amount=paid)))
    elif status != "cancelled":
        rows.append(
            Content.styled(
                "  "
                + _("due {due} (paid {paid})").format(
                    due=money_text(money.due_cents, money.currency),
                    paid=money_text(money.paid_cents, money.currency),
                ),
                "bold $error",
            )
        )
    rows.extend(_session_lines(ticket))
    if line.answers:
        said = " · ".join(f"{_short(a.text)}: {_short(a.value)}" for a in line.answers)
        rows.append(Content.styled("  " + for_screen(said), "dim"))
    for note in line.lists:
        if note.answer is None and note.list == data.door_list:
            continue  # said as the ticket's status, above
        if note.answer is not None:
            # TRANSLATORS: on the desk's card: a check-in list and the answer given there
            said = _("{list}: {answer}").format(list=note.list, answer=note.answer)
            rows.append(Content.styled(f"  {said}", "dim"))
            continue
        when = clock(note.last_at, zone, today=data.read_at)
        # TRANSLATORS: on a check-in list: inside now, or gone out
        state = _("✔ in") if note.inside else _("out")
        said = _("{list}: {state} (last entry {when} at {station})").format(
            list=note.list, state=state, when=when, station=note.station or "?"
        )
        if note.days > 1:
            # TRANSLATORS: after a check-in list's line: on how many days the ticket came in
            said += " · " + ngettext("{count} day", "{count} days", note.days).format(
                count=note.days
            )
        rows.append(Content("  " + said))
    if ticket.attention and status != "cancelled":
        rows.append(Content.styled(f"  ⚑ {ticket.attention}", "bold $warning"))
    return rows


SHORT = 24  # the characters of a question or an answer the card shows


def _short(text: str) -> str:
    """A question or an answer as the card shows it: on one line, cut short."""
    flat = " ".join(text.split())
    return flat if len(flat) <= SHORT else flat[: SHORT - 1].rstrip() + "…"


def _session_lines(ticket: TicketInfo) -> list[Content]:
    """A ticket's sessions; those the organizer cancelled on a line of their own, in red: the
    desk tells whoever holds them."""
    seats = ticket.session_seats
    rows = []
    live = [seat_name(seat.name, seat.status) for seat in seats if seat.status != "cancelled"]
    if not seats:  # named only
        live = list(ticket.sessions)
    if live:
        sessions = ", ".join(live)
        rows.append(
            Content.styled("  " + _("sessions: {sessions}").format(sessions=sessions), "dim")
        )
    cancelled = ", ".join(seat.name for seat in seats if seat.status == "cancelled")
    if cancelled:
        # TRANSLATORS: on the desk's card: sessions of the ticket the organizer cancelled
        said = _("✘ session cancelled: {sessions}").format(sessions=cancelled)
        rows.append(Content.styled("  " + said, "bold $error"))
    return rows


class AttendeeCard(VerticalScroll):
    """Shows one attendee's card, or a hint when nobody is selected."""

    DEFAULT_CSS = """
    AttendeeCard { height: 1fr; padding: 0 1; border: round $primary-darken-1; }
    AttendeeCard > #card-text { width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.data: CardData | None = None
        self.border_title = _("Attendee")

    def compose(self) -> ComposeResult:
        yield Static(_("Type a name, an email, a company or a ticket id."), id="card-text")

    def show(self, data: CardData | None, zone: ZoneInfo, *, hint: str = "") -> None:
        self.data = data
        text = self.query_one("#card-text", Static)
        if data is None:
            style = "italic dim"  # not for translation: a style
            text.update(Content.styled(hint or _("Nobody selected."), style))
        else:
            text.update(render_card(data, zone))
        self.scroll_home(animate=False)

    @property
    def text(self) -> str:
        """What the card says, as plain text."""
        return str(self.query_one("#card-text", Static).render())
