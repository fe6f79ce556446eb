"""The desk's Sessions dialog: the sessions of the event of a ticket someone holds, with where
the ticket stands in each (a seat, a place on the session's waitlist, cancelled), and the one
chosen added to the ticket or taken off it (Enter). The change itself is the desk's job
(``DeskJobs.change_seat``: eventdesk.services.people.ticket_sessions keeps the places right);
the dialog only says which session, and whether it is added or taken off."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Static

from eventdesk.errors import EventdeskError
from eventdesk.event_time import show
from eventdesk.i18n import N_, _
from eventdesk.services.catalogue.places import SeatInfo
from eventdesk.services.catalogue.program import SessionInfo, list_sessions
from screens.backend import Backend
from screens.desk.card import TicketLine
from screens.terminal import for_screen


@dataclass(frozen=True)
class SeatWish:
    """What the dialog was closed with: add the session to the ticket, or take it off."""

    session_id: int
    session: str
    add: bool


def seat_said(seat: SeatInfo | None) -> str:
    """Where a ticket stands in a session, in a cell."""
    if seat is None:
        return ""
    if seat.status == "waitlisted":
        # TRANSLATORS: in the desk's Sessions dialog: the ticket waits for a seat, at a place
        return _("waiting, place {place}").format(place=seat.position or "?")
    if seat.status == "cancelled":
        # TRANSLATORS: in the desk's Sessions dialog: the organizer cancelled the session
        return _("✘ session cancelled")
    # TRANSLATORS: in the desk's Sessions dialog: the ticket has a seat in the session
    return _("✔ seat")


def places_said(info: SessionInfo) -> str:
    """How full a session is: "12/25", or "12" when it has no limit."""
    if info.capacity is None:
        return str(info.registered)
    return f"{info.registered}/{info.capacity}"


def headings() -> list[str]:
    # TRANSLATORS: headings of the desk's Sessions dialog
    return [_("Session"), _("Starts"), _("Room"), _("Places"), _("This ticket")]


PADDING = 2  # a DataTable cell's padding, both sides
SHRINKS = (0, 2)  # the columns that give way when all do not fit: the session's, the room's


def fitted_widths(heads: list[str], rows: list[list[str]], room_for: int) -> list[int]:
    """Each column's width: as wide as its widest cell, unless the table would be wider than
    ``room_for``; then the session's and the room's names give way, the wider of the two a
    cell at a time (never below its heading), each cut with "…" where it is longer."""
    natural = [
        max([cell_len(head)] + [cell_len(row[n]) for row in rows]) for n, head in enumerate(heads)
    ]
    widths = list(natural)
    floors = {n: min(max(cell_len(heads[n]), 4), natural[n]) for n in SHRINKS}
    over = sum(widths) + PADDING * len(widths) - room_for
    while over > 0:
        can = [n for n in SHRINKS if widths[n] > floors[n]]
        if not can:
            break
        widest = max(can, key=lambda n: widths[n])
        widths[widest] -= 1
        over -= 1
    return widths


class SessionsScreen(ModalScreen[SeatWish | None]):
    """Dismissed with a ``SeatWish``, or None (escape: nothing changes)."""

    CSS_PATH = "desk.tcss"
    BINDINGS = [
        # TRANSLATORS: a key of the desk's Sessions dialog: close it, changing nothing
        Binding("escape", "close", N_("Close"), id="desk.sessions.close"),
    ]

    class Read(Message):
        """The event's sessions, read in a worker (or why they could not be)."""

        def __init__(self, sessions: list[SessionInfo], problem: str | None = None) -> None:
            super().__init__()
            self.sessions, self.problem = sessions, problem

    def __init__(self, backend: Backend, line: TicketLine, zone: ZoneInfo) -> None:
        super().__init__()
        self.backend, self.line, self.zone = backend, line, zone
        self.sessions: dict[int, SessionInfo] = {}
        self.seats = {seat.session_id: seat for seat in line.ticket.session_seats}

    def compose(self) -> ComposeResult:
        ticket = self.line.ticket
        # TRANSLATORS: {name} holds the ticket; {type} its type ("Standard")
        what = _(
            "{name}'s {type} ticket {ticket}: Enter adds the session chosen, or takes it off. A "
            "full session puts the seat on its waitlist; a seat taken off goes to the next one "
            "waiting."
        ).format(name=for_screen(ticket.holder), type=ticket.ticket_type, ticket=ticket.id)
        with Vertical(id="sessions-box", classes="desk-dialog"):
            yield Static(_("Sessions"), classes="dialog-title")
            yield Static(what, id="sessions-what", markup=False)
            yield DataTable(id="sessions-list", cursor_type="row", zebra_stripes=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Add"), variant="primary", id="sessions-change", compact=True)
                # TRANSLATORS: a button of the desk's Sessions dialog: change nothing
                yield Button(_("Close"), id="sessions-close", compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#sessions-list", DataTable)
        table.add_columns(*headings())
        table.loading = True
        self.read_sessions(self.line.ticket.event)

    @work(thread=True, exclusive=True, group="desk-sessions", exit_on_error=False)
    def read_sessions(self, event: str) -> None:
        try:
            found = list_sessions(self.backend.store, event)
        except EventdeskError as exc:
            self.post_message(self.Read([], exc.message))
            return
        self.post_message(self.Read(found))

    @on(Read)
    def sessions_read(self, message: Read) -> None:
        table = self.query_one("#sessions-list", DataTable)
        table.loading = False
        if message.problem is not None:
            self.notify(message.problem, title=_("Sessions"), severity="error", markup=False)
        if not message.sessions and message.problem is None:
            self.query_one("#sessions-what", Static).update(
                _("This event has no sessions: nothing to add.")
            )
        self.sessions = {info.id: info for info in message.sessions}
        rows = []
        for info in message.sessions:
            name = for_screen(info.name)
            if info.cancelled:
                name = _("{session} (cancelled)").format(session=name)
            rows.append(
                (
                    str(info.id),
                    [
                        name,
                        show(info.starts_at, self.zone, "minute"),
                        for_screen(info.room or ""),
                        places_said(info),
                        seat_said(self.seats.get(info.id)),
                    ],
                )
            )
        # Every column in the dialog's width: a long session or room name ends in "…".
        room_for = self.query_one("#sessions-box").content_region.width
        widths = fitted_widths(headings(), [cells for _key, cells in rows], room_for)
        table.clear(columns=True)
        for heading, width in zip(headings(), widths, strict=True):
            table.add_column(Text(heading, overflow="ellipsis", no_wrap=True), width=width)
        for key, cells in rows:
            table.add_row(*(Text(c, overflow="ellipsis", no_wrap=True) for c in cells), key=key)
        table.focus()
        self._follow()

    def _chosen(self) -> SessionInfo | None:
        table = self.query_one("#sessions-list", DataTable)
        if not self.sessions or not table.is_valid_row_index(table.cursor_row):
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.sessions.get(int(key)) if key is not None else None

    @on(DataTable.RowHighlighted, "#sessions-list")
    def _follow(self) -> None:
        """The button says what Enter does on the row under the cursor."""
        chosen = self._chosen()
        button = self.query_one("#sessions-change", Button)
        held = chosen is not None and chosen.id in self.seats
        # TRANSLATORS: buttons of the desk's Sessions dialog: add the session to the ticket, or
        # take it off the ticket
        button.label = _("Take off") if held else _("Add")
        button.disabled = chosen is None

    @on(DataTable.RowSelected, "#sessions-list")
    @on(Button.Pressed, "#sessions-change")
    def change(self) -> None:
        chosen = self._chosen()
        if chosen is None:
            return
        held = chosen.id in self.seats
        if chosen.cancelled and not held:
            self.notify(
                _("{session} is cancelled: it takes no one.").format(session=chosen.name),
                title=_("Sessions"),
                severity="warning",
                markup=False,
            )
            return
        self.dismiss(SeatWish(chosen.id, chosen.name, add=not held))

    @on(Button.Pressed, "#sessions-close")
    def action_close(self) -> None:
        self.dismiss(None)
