"""The desk's search results: one row per attendee, a ✔ before the name of whoever is checked in
at this door; Enter asks for the row to be acted on."""

from __future__ import annotations

from collections.abc import Collection

from rich.cells import cell_len
from textual.message import Message
from textual.widgets import DataTable

from eventdesk.services.attendees import AttendeeInfo
from eventdesk.text import fold

# (label, key, widest, widest when the table is narrow): a longer value is cut; the table
# scrolls sideways for what does not fit.
COLUMNS = (
    ("Name", "name", 30, 24),
    ("Company", "company", 22, 14),
    ("Email", "email", 36, 30),
)
NARROW = 60
IN, OUT = "✔ ", "  "  # before the name: checked in at this door's event, or not


class ResultsTable(DataTable[str]):
    """Attendees found by the search. Enter posts ``Chosen``; a mouse click only highlights."""

    class Chosen(Message):
        """Enter was pressed on a row."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.names: dict[int, str] = {}  # attendee id -> name, for the rows shown
        self.checked_in: set[int] = set()  # the attendee ids shown with a ✔

    def action_select_cursor(self) -> None:
        self.post_message(self.Chosen())

    def fill(
        self, people: list[AttendeeInfo], keep: int | None, checked_in: Collection[int] = ()
    ) -> int | None:
        """Show ``people``; the cursor stays on ``keep`` when it is among them. Returns the
        attendee id under the cursor, or None when the table is empty."""
        people = sorted(people, key=lambda p: (fold(p.name), p.email))
        self.names = {p.id: p.name for p in people}
        self.checked_in = {p.id for p in people if p.id in checked_in}
        rows = [(self._label(p.id), p.company or "", p.email) for p in people]
        narrow = 0 < self.size.width < NARROW
        self.clear(columns=True)
        # Widths are measured here: auto-sized columns are re-measured only after a first
        # narrow paint of the new rows, which then stays cached.
        for index, (label, key, widest, narrow_widest) in enumerate(COLUMNS):
            width = max([cell_len(label), *(cell_len(row[index]) for row in rows)])
            self.add_column(label, key=key, width=min(width, narrow_widest if narrow else widest))
        for person, row in zip(people, rows, strict=True):
            self.add_row(*row, key=str(person.id))
        if not people:
            return None
        ids = [p.id for p in people]
        row_index = ids.index(keep) if keep in ids else 0
        self.move_cursor(row=row_index, animate=False)
        return ids[row_index]

    def mark(self, checked_in: Collection[int]) -> None:
        """Another look at who is checked in (this station or another one did something)."""
        now_in = {attendee for attendee in self.names if attendee in checked_in}
        changed, self.checked_in = now_in ^ self.checked_in, now_in
        for attendee in changed:
            self.update_cell(str(attendee), "name", self._label(attendee))

    def _label(self, attendee: int) -> str:
        return (IN if attendee in self.checked_in else OUT) + self.names[attendee]
