"""The desk's search results: one row per attendee with where they stand at this door ("✔ in
09:14" in the event's zone, "not yet", "waitlisted", "cancelled", "no ticket"); Enter asks for
the row to be acted on."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from eventdesk.db import Store
from eventdesk.event_time import UTC_ZONE, show
from eventdesk.i18n import N_, _
from eventdesk.services.people.attendees import (
    AttendeeInfo,
    DoorState,
    door_states_among,
    door_states_at,
    find_attendees,
)
from eventdesk.services.stations.mirror_read import find_in_copy
from eventdesk.services.stations.offline import Station
from eventdesk.text import fold
from screens.desk.card import clock
from screens.terminal import fit, for_screen

# (label, key, widest, widest when the table is narrow): a longer value is cut; the table
# scrolls sideways for what does not fit. The status comes second: it is read at 80 columns.
# The labels are translated where the table is filled.
COLUMNS = (
    (N_("Name"), "name", 30, 20),
    # TRANSLATORS: a column heading of the desk's results: where the person stands at the door
    (N_("Status"), "status", 16, 11),
    (N_("Company"), "company", 22, 12),
    (N_("Email"), "email", 36, 28),
)
# Where a person stands at the door, as the status column says it (at most 11 characters
# fit at 80 columns).
DOOR_STATES = {
    # TRANSLATORS: the status column: registered, not checked in yet (at most 11 characters)
    "due": N_("not yet"),
    # TRANSLATORS: the status column: let in on this door's check-in list, then out again
    # (at most 11 characters)
    "out": N_("out"),
    # TRANSLATORS: the status column (at most 11 characters)
    "waitlisted": N_("waitlisted"),
    # TRANSLATORS: the status column (at most 11 characters)
    "cancelled": N_("cancelled"),
}
NARROW = 60
EVENT_WIDTH = 12  # a status column naming the ticket's event is as much wider
NONE = DoorState("none")


def status_text(state: DoorState, zone: ZoneInfo, today: datetime | None) -> str:
    """What the status column says for ``state``; a check-in time in the event's zone."""
    if state.state == "in":
        when = clock(state.at, zone, today=today)
        if state.at is not None and len(when) > 5:  # another day: the day, short
            when = show(state.at, zone, "day")
        # TRANSLATORS: the status column: checked in at a time ("✔ in 09:14")
        return _("✔ in {when}").format(when=when)
    if state.state == "out" and state.at is not None:
        # TRANSLATORS: the status column: gone out after an entry at a time ("out 09:14")
        return _("out {when}").format(when=clock(state.at, zone, today=today))
    if state.state in DOOR_STATES:
        return _(DOOR_STATES[state.state])
    # TRANSLATORS: the status column: the person has no ticket for this event
    return _("no ticket")


def _status_cell(status: str) -> Text:
    """A status as its cell holds it, whole; drawn in a narrower column it ends in "…" (only
    a ticket's event is ever cut: the column holds every status's own words and time)."""
    return Text(status, no_wrap=True, overflow="ellipsis")


def _later_states() -> list[str]:
    """The statuses a row may be marked with after the table was filled, at their widest."""
    at = datetime.now(UTC_ZONE).replace(hour=23, minute=59)  # today: the clock, no day
    return [status_text(DoorState(state, at=at), UTC_ZONE, at) for state in ("in", "out")]


# A door for several events: each event and the check-in list of its own admissions the door
# decides its tickets on (None: the event's default list).
DoorEvents = tuple[tuple[str, int | None], ...]


def find_at_door(
    store: Callable[[], Store],
    station: Station | None,
    event: str | None,
    query: str,
    limit: int,
    list_id: int | None = None,
    *,
    several: DoorEvents = (),
) -> tuple[list[AttendeeInfo], dict[int, DoorState]]:
    """The people ``query`` finds and where they stand at ``event``'s door (on its check-in
    list ``list_id``, one that keeps its own admissions), or at a door for ``several`` events
    at each one's: on the server, or (a ``station`` on a server that does not answer within
    its threshold) in the station's mirror (call it from a thread worker)."""

    def found(on: Store, people: list[AttendeeInfo]) -> tuple[list[AttendeeInfo], Any]:
        return people, _states(on, event, [p.id for p in people], list_id, several)

    def on_server() -> tuple[list[AttendeeInfo], Any]:
        return found(store(), find_attendees(store(), query, limit=limit))

    if station is None:
        return on_server()
    return station.read(
        on_server, lambda copy: found(copy.store, find_in_copy(copy, query, limit=limit))
    )


def states_at_door(
    store: Callable[[], Store],
    station: Station | None,
    event: str | None,
    ids: tuple[int, ...],
    list_id: int | None = None,
    *,
    several: DoorEvents = (),
) -> dict[int, DoorState]:
    """Where ``ids`` stand at ``event``'s door, as ``find_at_door`` reads it."""
    if station is None:
        return _states(store(), event, ids, list_id, several)
    return station.read(
        lambda: _states(store(), event, ids, list_id, several),
        lambda copy: _states(copy.store, event, ids, list_id, several),
    )


def _states(
    store: Store,
    event: str | None,
    ids: Collection[int],
    list_id: int | None,
    several: DoorEvents,
) -> dict[int, DoorState]:
    if several:
        return door_states_at(store, several, ids)
    return door_states_among(store, event, ids, list_id)


class ResultsTable(DataTable[Text]):
    """Attendees found by the search. Enter posts ``Chosen``; a mouse click only highlights."""

    class Chosen(Message):
        """Enter was pressed on a row."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.names: dict[int, str] = {}  # attendee id -> name, for the rows shown
        self.states: dict[int, DoorState] = {}  # attendee id -> where they stand at the door
        self.zone = UTC_ZONE
        self.today: datetime | None = None
        self.status_width = COLUMNS[1][2]  # the status column's, once filled
        self.people: list[AttendeeInfo] = []  # the rows shown, for a new width
        self._filled_width = 0

    @property
    def checked_in(self) -> set[int]:
        """The attendee ids shown as checked in."""
        return {a for a, state in self.states.items() if state.state == "in"}

    def action_select_cursor(self) -> None:
        self.post_message(self.Chosen())

    def fill(
        self,
        people: list[AttendeeInfo],
        keep: int | None,
        states: Mapping[int, DoorState] | None = None,
        *,
        zone: ZoneInfo = UTC_ZONE,
        today: datetime | None = None,
    ) -> int | None:
        """Show ``people``; the cursor stays on ``keep`` when it is among them. Returns the
        attendee id under the cursor, or None when the table is empty."""
        people = sorted(people, key=lambda p: (fold(p.name), p.email))
        self.people = people
        known = states or {}
        self.zone, self.today = zone, today
        self.names = {p.id: p.name for p in people}
        self.states = {p.id: known.get(p.id, NONE) for p in people}
        rows = [(p.name, self._status(p.id), p.company or "", p.email) for p in people]
        narrow = 0 < self.size.width < NARROW
        self.clear(columns=True)
        # Widths are measured here: auto-sized columns are re-measured only after a first
        # narrow paint of the new rows, which then stays cached.
        labels = [_(heading) for heading, *_rest in COLUMNS]
        widths = []
        for index, (_heading, key, widest, narrow_widest) in enumerate(COLUMNS):
            width = max([cell_len(labels[index]), *(cell_len(row[index]) for row in rows)])
            if key == "status":  # never cut: "✔ dentro 11:10" loses no minute, and a row
                # marked in later (update_cell keeps the column's width) has room for its time
                extra = EVENT_WIDTH if any(state.event for state in self.states.values()) else 0
                width = max(width, *(cell_len(said) for said in _later_states()))
                widths.append(min(width, widest + extra))
            else:
                widths.append(min(width, narrow_widest if narrow else widest))
        widths = self._in_sight(widths, labels)
        self._filled_width = self.size.width
        self.status_width = widths[1]
        for label, (_heading, key, *_widths), width in zip(labels, COLUMNS, widths, strict=True):
            self.add_column(label, key=key, width=width)
        for person, row in zip(people, rows, strict=True):
            # Text, not markup: a name is whatever was typed ("Ann [/i] Lee"). A name or a
            # company is cut where it ends, then drawn as the terminal should (a right-to-left
            # one in display order: cut after, it would lose its first word instead).
            name, status, company, email = row
            shown_name = Text(for_screen(fit(name, widths[0])))
            shown_company = Text(for_screen(fit(company, widths[2])))
            cells = (shown_name, _status_cell(status), shown_company, Text(email))
            self.add_row(*cells, key=str(person.id))
        if not people:
            return None
        ids = [p.id for p in people]
        row_index = ids.index(keep) if keep in ids else 0
        self.move_cursor(row=row_index, animate=False)
        return ids[row_index]

    def on_resize(self) -> None:
        """A new width (the terminal's): the columns are measured for it again, the cursor
        staying on its person."""
        if not self.people or self.size.width == self._filled_width:
            return
        keep = None
        if 0 <= self.cursor_row < self.row_count:
            keep = int(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value or 0)
        self.fill(self.people, keep, self.states, zone=self.zone, today=self.today)

    def _in_sight(self, widths: list[int], labels: list[str]) -> list[int]:
        """The name, the status and the company in sight, each whole or cut with "…" (the
        email may go past the edge, the table scrolls to it): the company, then the name,
        gives up what the table's width does not hold, down to their headings' width."""
        if not self.size.width:
            return widths
        # The rows are not in yet: the room their scroll bar will take is left to it.
        room = self.size.width - self.styles.scrollbar_size_vertical
        pad = 2 * self.cell_padding
        over = sum(widths[:3]) + 3 * pad - room
        for index in (2, 0):  # company, then name
            if over <= 0:
                break
            least = min(widths[index], max(cell_len(labels[index]), 6))
            given = min(over, widths[index] - least)
            widths[index] -= given
            over -= given
        return widths

    def mark(
        self,
        states: Mapping[int, DoorState],
        today: datetime | None = None,
        asked: Collection[int] | None = None,
    ) -> None:
        """Another look at where each one stands (this station or another one did something),
        for the people ``asked`` about (all shown when None): a row shown after the look began
        (the first results landing while it read) keeps its own state, never "no ticket"."""
        self.today = today or self.today
        for attendee in self.names:
            if asked is not None and attendee not in asked:
                continue
            state = states.get(attendee, NONE)
            if state != self.states.get(attendee):
                self.states[attendee] = state
                self.update_cell(str(attendee), "status", _status_cell(self._status(attendee)))

    def _status(self, attendee: int) -> str:
        state = self.states.get(attendee, NONE)
        said = status_text(state, self.zone, self.today)
        # At a door for several events: the event of the ticket the row speaks of.
        return f"{said} · {state.event}" if state.event else said
