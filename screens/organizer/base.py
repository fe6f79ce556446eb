"""What the organizer's tabs share: the workspace (what is worked on and what every list shows),
the tab every list-and-buttons tab is built on, and how values are written for people.

A tab's lists are DataTables filled from thread workers: a worker reads one list and posts
``Rows``; the tab's handler fills the table. A change is run in a worker or a form (each asks a
service) and posted as ``Changed``, which the screen hears: it says so and reloads every list the
change touched, on whichever tab it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import ClassVar, TypeVar, cast
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, DataTable, Static, TabPane
from textual.widgets.data_table import CellDoesNotExist

from eventdesk.errors import EventdeskError, InvalidInput
from eventdesk.event_time import UTC_ZONE, show
from eventdesk.i18n import _, ngettext
from eventdesk.services.catalogue.events import EventInfo
from eventdesk.services.people import cancellation
from eventdesk.values import MAX_COUNT
from eventdesk.values import number_text as shown_number
from screens.backend import Backend
from screens.base import StationScreen
from screens.organizer.forms import FormScreen
from screens.widgets.confirm import ConfirmScreen
from screens.widgets.forms import Field, FormValues

T = TypeVar("T")
RowList = list[tuple[str, tuple[str, ...]]]
Fetched = tuple[RowList, dict[str, object], str]  # rows, the records by row key, a caption

MAX_COLUMN = 40  # characters; wider cells are cut
# The lists of the edited event.
EVENT_TABLES = ("sessions-table", "types-table", "waitlist-table", "questions-table")


@dataclass(frozen=True)
class Change:
    """What a form or an action did: said to the organizer; the lists it touched reload."""

    text: str
    reload: tuple[str, ...] = ()
    event: str | None = None  # work on this event from now on (not the door's event)


@dataclass(frozen=True)
class ListParams:
    """What the organizer's lists depend on, read on the UI thread for the worker."""

    event: str | None
    search: str
    attendee_id: int | None
    ticket_id: str | None


# --- values written for people ------------------------------------------------------------------
def count_text(value: int | None) -> str:
    return "—" if value is None else shown_number(value)


def tab_title(key: str, title: str) -> Content:
    """A tab's label with the key that shows it in front: '1 Events'."""
    if not key:
        return Content(title)
    return Content.assemble((key, "bold $accent"), " ", title)


def number_text(value: int | None) -> str:
    return "" if value is None else str(value)


def local_time(moment: datetime | None, zone: ZoneInfo, *, iso: bool = False) -> str:
    """A stored UTC time in the event's time zone: '2026-05-14 09:00' (or ISO for a form)."""
    return show(moment, zone, "form" if iso else "minute")


def whole(text: str, field: str, *, low: int = 0, high: int = MAX_COUNT) -> int | None:
    """A whole number typed in a form; empty is None. Pure: safe on any thread."""
    value = text.strip().replace("_", "").replace(",", "")
    if not value:
        return None
    if not (value.isascii() and value.isdigit()):
        raise InvalidInput(_("{field} must be a whole number").format(field=field), field=field)
    number = int(value)
    if not low <= number <= high:
        raise InvalidInput(
            _("{field} must be between {low} and {high}").format(
                field=field, low=low, high=shown_number(high)
            ),
            field=field,
        )
    return number


# --- what the tabs share --------------------------------------------------------------------------
class Workspace:
    """What the organizer works on, shared by its tabs: the event (the door's stays as it is),
    the attendee and ticket chosen, and the records every list shows, by row key."""

    def __init__(self) -> None:
        self.event: str | None = None
        self.attendee_id: int | None = None  # whose tickets the Attendees tab shows
        self.ticket_id: str | None = None  # whose payments the Payments tab shows
        self.items: dict[str, dict[str, object]] = {}

    def records(self, target: str, kind: type[T]) -> list[T]:
        """The records a list shows that are of ``kind``."""
        return [item for item in self.items.get(target, {}).values() if isinstance(item, kind)]

    def event_info(self) -> EventInfo | None:
        info = self.items.get("events-table", {}).get(self.event or "")
        return info if isinstance(info, EventInfo) else None

    def zone_of(self, slug: str) -> ZoneInfo:
        """The time zone of the event ``slug``: its times are shown in it."""
        info = self.items.get("events-table", {}).get(slug)
        if isinstance(info, EventInfo):
            return info.zone
        chosen = self.event_info()
        return chosen.zone if chosen else UTC_ZONE

    def timezone(self) -> str:
        """The time zone form times of the event worked on are typed in."""
        info = self.event_info()
        return info.timezone if info else "UTC"


class OrganizerTab(TabPane):
    """A tab of buttons and lists. ``COLUMNS`` names its lists; ``read`` reads one (in a
    thread worker); ``new`` and ``edit`` are what the n and e keys do on it. Its ``TITLE`` and
    the headings of ``COLUMNS`` are marked with ``N_`` and translated where they are shown."""

    TITLE: ClassVar[str] = ""
    COLUMNS: ClassVar[dict[str, tuple[str, ...]]] = {}
    CAPTIONS: ClassVar[dict[str, str]] = {}  # list -> the caption above it
    CAN_NEW: ClassVar[bool] = False
    CAN_EDIT: ClassVar[bool] = False

    @dataclass
    class Rows(Message):
        """A list read by a worker, ready for its table."""

        target: str
        serial: int
        rows: RowList
        items: dict[str, object]
        caption: str | None = None

    @dataclass
    class Changed(Message):
        """A change went through: the screen says so and reloads what it touched."""

        change: Change

    @dataclass
    class Failed(Message):
        """A worker met an error a person can act on."""

        text: str

    def __init__(self, workspace: Workspace, *, id: str, key: str = "") -> None:
        super().__init__(tab_title(key, _(self.TITLE)), id=id)
        self.workspace = workspace
        self.serials: dict[str, int] = dict.fromkeys(self.COLUMNS, 0)
        for target in self.COLUMNS:
            workspace.items.setdefault(target, {})

    @property
    def backend(self) -> Backend:
        return cast(StationScreen, self.screen).backend

    @property
    def items(self) -> dict[str, dict[str, object]]:
        return self.workspace.items

    # --- layout -----------------------------------------------------------------------------
    @staticmethod
    def buttons(*buttons: tuple[str, str]) -> Horizontal:
        return Horizontal(
            *[Button(label, id=bid, compact=True) for label, bid in buttons],
            classes="org-buttons",
        )

    def table(self, table_id: str) -> DataTable[Text]:
        table: DataTable[Text] = DataTable(id=table_id, cursor_type="row", zebra_stripes=True)
        table.add_columns(*(_(heading) for heading in self.COLUMNS[table_id]))
        return table

    def new(self) -> None:
        """What n does on this tab."""

    def edit(self) -> None:
        """What e does on this tab."""

    # --- loading ----------------------------------------------------------------------------
    def params(self) -> ListParams:
        ws = self.workspace
        return ListParams(ws.event, "", ws.attendee_id, ws.ticket_id)

    def wants(self, target: str, params: ListParams) -> bool:
        """Whether the list has something to show (else it is left as it is)."""
        return True

    def reload(self, *targets: str) -> None:
        """Read these lists of this tab again, each in its own thread worker."""
        params = self.params()
        for target in targets:
            if target in EVENT_TABLES and params.event is None:
                self.fill(target, [], {}, _("Create an event first."))
                continue
            if not self.wants(target, params):
                continue
            self.serials[target] += 1
            self.run_worker(
                partial(self._load, target, self.serials[target], params),
                thread=True,
                group=f"load-{target}",
                exclusive=True,
            )

    def read(self, target: str, params: ListParams) -> Fetched:
        """In a thread worker: one list as table rows, the records by row key, a caption."""
        return [], {}, ""

    def _load(self, target: str, serial: int, params: ListParams) -> None:
        try:
            rows, items, caption = self.read(target, params)
        except EventdeskError as exc:
            self.post_message(self.Failed(exc.message))
            return
        self.post_message(self.Rows(target, serial, rows, items, caption))

    @on(Rows)
    def rows_read(self, message: Rows) -> None:
        message.stop()
        if message.serial != self.serials[message.target]:
            return  # an older read finished after a newer one began
        self.fill(message.target, message.rows, message.items, message.caption)

    def fill(
        self, target: str, rows: RowList, items: dict[str, object], caption: str | None
    ) -> None:
        table = self.query_one(f"#{target}", DataTable)
        was = self.key(target)
        # Columns are measured here: auto-sized ones can keep the width of a first, narrow
        # paint of new rows (Textual 8.2), which cuts every cell short.
        table.clear(columns=True)
        for index, heading in enumerate(self.COLUMNS[target]):
            label = _(heading)
            lengths = [cell_len(str(row[index])) for _key, row in rows if index < len(row)]
            table.add_column(label, width=min(MAX_COLUMN, max([cell_len(label), *lengths])))
        for key, cells in rows:
            # Text, not markup: a cell holds whatever was typed or imported ("Ann [/i] Lee").
            table.add_row(*(Text(cell) for cell in cells), key=key)
        self.items[target] = items
        if was is not None and was in items:
            table.move_cursor(row=table.get_row_index(was))
        if caption and target in self.CAPTIONS:
            self.query_one(f"#{self.CAPTIONS[target]}", Static).update(Content(caption))

    # --- what is chosen -----------------------------------------------------------------------
    def key(self, target: str) -> str | None:
        table = self.query_one(f"#{target}", DataTable)
        if table.row_count == 0:
            return None
        try:
            return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except CellDoesNotExist:  # the cursor is past the rows while they refill
            return None

    def chosen(self, target: str, kind: type[T], unchosen: str) -> T | None:
        """The record of ``kind`` chosen in the list ``target``; else ``unchosen`` is said (a
        whole sentence: 'Choose an event in the list first.') and None returned."""
        key = self.key(target)
        item = self.items[target].get(key) if key is not None else None
        if not isinstance(item, kind):
            self.notify(unchosen, severity="warning")
            return None
        return item

    def need_event(self) -> str | None:
        if self.workspace.event is None:
            self.notify(_("Create an event first (Events tab)."), severity="warning")
        return self.workspace.event

    # --- running changes ----------------------------------------------------------------------
    def act(self, job: Callable[[], str], *reload: str) -> None:
        """Run a change in a thread worker; Changed or Failed comes back."""
        self.run_worker(partial(self._act_thread, job, reload), thread=True, group="act")

    def _act_thread(self, job: Callable[[], str], reload: tuple[str, ...]) -> None:
        try:
            text = job()
        except EventdeskError as exc:
            self.post_message(self.Failed(exc.message))
            return
        self.post_message(self.Changed(Change(text, reload)))

    def form(
        self,
        title: str,
        fields: list[Field],
        action: Callable[[FormValues], Change],
        *,
        submit: str | None = None,
        note: str = "",
    ) -> None:
        """Open a form; the change its action returns is posted as Changed. ``submit`` is its
        button's label (None: Save)."""
        self.app.push_screen(
            FormScreen(title, fields, action, submit=submit, note=note), self._form_closed
        )

    def _form_closed(self, result: Change | None) -> None:
        if result is not None:
            self.post_message(self.Changed(result))

    def confirm(self, question: str, yes: str, then: Callable[[], object]) -> None:
        def answered(answer: bool | None) -> None:
            if answer:
                then()

        self.app.push_screen(ConfirmScreen(question, yes=yes), answered)

    def cancel_ticket(self, ticket_id: str, question: str) -> None:
        """Cancel a ticket (registered or waitlisted), once ``question`` is answered yes."""
        store, station = self.backend.store, self.backend.station

        def job() -> str:
            result = cancellation.cancel(store, ticket_id, station=station)
            if not result.promoted:
                return _("Ticket {ticket} cancelled").format(ticket=ticket_id)
            return ngettext(
                "Ticket {ticket} cancelled; promoted {tickets}",
                "Ticket {ticket} cancelled; promoted {tickets}",
                len(result.promoted),
            ).format(ticket=ticket_id, tickets=", ".join(result.promoted))

        self.confirm(
            question,
            _("Cancel ticket"),
            lambda: self.act(
                job,
                "regs-table",
                "waitlist-table",
                "types-table",
                "sessions-table",
                "events-table",
                "payments-table",
            ),
        )

    @on(Failed)
    def failed(self, message: Failed) -> None:
        message.stop()
        self.notify(message.text, severity="error")
