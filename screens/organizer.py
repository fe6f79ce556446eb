"""The organizer screen: events, sessions, ticket types, venues, attendees and registrations,
payments and refunds, the waitlist, staff accounts, and import/export/backup.

Each tab is a list (a DataTable filled from a thread worker) with buttons and keys that open
forms (screens/organizer_forms.py). Workers post ``Rows``, ``Done`` and ``Failed``; the handlers
here fill the tables and say what happened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    Select,
    Static,
    TabbedContent,
    TabPane,
)
from textual.widgets.data_table import CellDoesNotExist

from eventdesk.errors import EventdeskError
from eventdesk.services import attendees, auth, events, payments, registration
from eventdesk.services.attendees import AttendeeInfo
from eventdesk.services.auth import StaffInfo
from eventdesk.services.events import EventInfo, SessionInfo, TicketTypeInfo, VenueInfo
from eventdesk.services.payments import METHODS, PaymentRecord
from eventdesk.services.registration import TicketInfo, WaitlistEntry
from eventdesk.values import format_cents
from screens.base import StationScreen
from screens.organizer_data import DataPane
from screens.organizer_forms import (
    Field,
    FormScreen,
    FormValues,
    local_time,
    money,
    whole,
)
from screens.widgets.confirm import ConfirmScreen

T = TypeVar("T")
RowList = list[tuple[str, tuple[str, ...]]]
Fetched = tuple[RowList, dict[str, object], str]

MAX_COLUMN = 40  # characters; wider cells are cut
COLUMNS: dict[str, tuple[str, ...]] = {
    "events-table": ("Title", "Starts", "Cap", "Reg", "Wait", "Status", "Ends", "Vis", "Slug"),
    "sessions-table": ("#", "Session", "Room", "Starts", "Ends", "Cap", "Reg"),
    "types-table": ("#", "Ticket type", "Price", "Qty", "Sold", "Tier", "Sales", "Attention"),
    "venues-table": ("#", "Venue", "Address", "Cap", "Seats"),
    "attendees-table": ("#", "Name", "Email", "Company", "Phone", "PIN"),
    "regs-table": ("Ticket", "Event", "Type", "Status", "Seat", "Price", "Checked in"),
    "payments-table": ("#", "Kind", "Method", "Amount", "Status", "Reference", "When"),
    "waitlist-table": ("Pos", "Ticket", "Name", "Email", "Type", "Tier", "Since"),
    "staff-table": ("#", "Name", "Role", "Active"),
}
EVENT_TABLES = ("sessions-table", "types-table", "waitlist-table")
VISIBILITIES = tuple((v, v) for v in events.VISIBILITIES)
POLICIES = tuple((p, p) for p in events.UNPAID_POLICIES)
ROLES = (("organizer", "organizer"), ("staff", "staff"), ("kiosk", "kiosk"))
TABS = (
    "tab-events",
    "tab-program",
    "tab-venues",
    "tab-attendees",
    "tab-payments",
    "tab-waitlist",
    "tab-staff",
    "tab-data",
)  # keys 1-8 show them
# what n / e do on each tab, and which of them have something to edit
NEW_ON = ("tab-events", "tab-program", "tab-venues", "tab-attendees", "tab-payments", "tab-staff")
EDIT_ON = ("tab-events", "tab-program", "tab-venues", "tab-attendees", "tab-staff")


@dataclass(frozen=True)
class Change:
    """What a form or an action did: said to the organizer; the lists it touched reload."""

    text: str
    reload: tuple[str, ...] = ()
    event: str | None = None  # work on this event from now on


@dataclass(frozen=True)
class ListParams:
    """What the lists depend on, read on the UI thread for the worker."""

    event: str | None
    search: str
    attendee_id: int | None
    ticket_id: str | None


def _count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _number(value: int | None) -> str:
    return "" if value is None else str(value)


def _amount(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


class OrganizerScreen(StationScreen):
    """Everything an organizer sets up and looks after, one tab per kind of record."""

    CSS_PATH = "organizer.tcss"
    BINDINGS = [
        Binding("n", "new", "New", id="organizer.new"),
        Binding("e", "edit", "Edit", id="organizer.edit"),
        Binding("ctrl+r", "reload", "Reload", id="organizer.reload", show=False),
        *[
            Binding(str(number), f"show_tab('{tab}')", tab, id=f"organizer.{tab}", show=False)
            for number, tab in enumerate(TABS, start=1)
        ],
    ]

    @dataclass
    class Rows(Message):
        """A list read by a worker, ready for its table."""

        target: str
        serial: int
        rows: RowList
        items: dict[str, object]
        caption: str | None = None

    @dataclass
    class Done(Message):
        """A change went through: say so and reload what it touched."""

        change: Change

    @dataclass
    class Failed(Message):
        """A worker met an error a person can act on."""

        text: str

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[str, dict[str, object]] = {name: {} for name in COLUMNS}
        self.serials: dict[str, int] = dict.fromkeys(COLUMNS, 0)
        self.attendee_id: int | None = None  # whose tickets the Attendees tab shows
        self.ticket_id: str | None = None  # whose payments the Payments tab shows

    # --- layout -------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="org-bar"):
            yield Label("Event", id="org-event-label")
            yield Select[str]([], prompt="no event", id="org-event", compact=True)
            yield Static("", id="org-event-info")
        with TabbedContent(id="org-tabs"):
            with TabPane("Events", id="tab-events"):
                yield self._buttons(
                    ("New", "event-new"),
                    ("Edit", "event-edit"),
                    ("Work on it", "event-use"),
                    ("Cancel event", "event-cancel"),
                )
                yield self._table("events-table")
            with TabPane("Sessions+tickets", id="tab-program"):
                yield self._buttons(
                    ("New session", "session-new"),
                    ("Edit session", "session-edit"),
                    ("New ticket type", "type-new"),
                    ("Edit ticket type", "type-edit"),
                )
                yield self._table("sessions-table")
                yield self._table("types-table")
            with TabPane("Venues", id="tab-venues"):
                yield self._buttons(("New", "venue-new"), ("Edit", "venue-edit"))
                yield self._table("venues-table")
            with TabPane("Attendees", id="tab-attendees"):
                with Horizontal(classes="org-buttons"):
                    yield Input(
                        placeholder="search name, email, company, ticket",
                        id="att-find",
                        compact=True,
                    )
                    yield Button("New", id="att-new", compact=True)
                    yield Button("Edit", id="att-edit", compact=True)
                    yield Button("PIN", id="att-pin", compact=True)
                    yield Button("Register", id="att-register", compact=True)
                    yield Button("Cancel ticket", id="ticket-cancel", compact=True)
                yield self._table("attendees-table")
                yield Static("Tickets: choose an attendee", id="regs-caption", classes="caption")
                yield self._table("regs-table")
            with TabPane("Payments", id="tab-payments"):
                with Horizontal(classes="org-buttons"):
                    yield Input(placeholder="ticket id", id="pay-ticket", compact=True)
                    yield Button("Show", id="pay-show", compact=True)
                    yield Button("Take payment", id="pay-new", compact=True)
                    yield Button("Refund", id="pay-refund", compact=True)
                    yield Button("Settle invoice", id="pay-settle", compact=True)
                yield Static(
                    "Choose a ticket on the Attendees tab or type its id.",
                    id="payments-caption",
                    classes="caption",
                )
                yield self._table("payments-table")
            with TabPane("Waitlist", id="tab-waitlist"):
                yield self._buttons(
                    ("Promote", "wait-promote"),
                    ("Promote over capacity", "wait-force"),
                    ("Remove", "wait-remove"),
                )
                yield self._table("waitlist-table")
            with TabPane("Staff", id="tab-staff"):
                yield self._buttons(
                    ("New", "staff-new"),
                    ("Reset PIN", "staff-pin"),
                    ("Disable/enable", "staff-toggle"),
                )
                yield self._table("staff-table")
            with TabPane("Data", id="tab-data"):
                yield DataPane(self.backend, keep=self.station_app.backup_keep, id="data-pane")
        yield Footer()

    @staticmethod
    def _buttons(*buttons: tuple[str, str]) -> Horizontal:
        return Horizontal(
            *[Button(label, id=bid, compact=True) for label, bid in buttons],
            classes="org-buttons",
        )

    @staticmethod
    def _table(table_id: str) -> DataTable[str]:
        table: DataTable[str] = DataTable(id=table_id, cursor_type="row", zebra_stripes=True)
        table.add_columns(*COLUMNS[table_id])
        return table

    def on_mount(self) -> None:
        self.reload(*COLUMNS)

    def on_screen_resume(self) -> None:
        self.reload("events-table")  # another mode may have changed counts

    # --- loading ------------------------------------------------------------------------------
    def reload(self, *targets: str) -> None:
        """Read these lists again, each in its own thread worker."""
        event = self.backend.event
        params = ListParams(
            event,
            self.query_one("#att-find", Input).value,
            self.attendee_id,
            self.ticket_id,
        )
        for target in targets:
            if target in EVENT_TABLES and event is None:
                self._fill(target, [], {}, "Create an event first.")
                continue
            if target == "regs-table" and self.attendee_id is None:
                continue
            if target == "payments-table" and self.ticket_id is None:
                continue
            self.serials[target] += 1
            self.run_worker(
                partial(self._load, target, self.serials[target], params),
                thread=True,
                group=f"load-{target}",
                exclusive=True,
            )

    def _load(self, target: str, serial: int, params: ListParams) -> None:
        """In a thread worker: read one list and post it."""
        try:
            rows, items, caption = self._fetch(target, params)
        except EventdeskError as exc:
            self.post_message(self.Failed(exc.message))
            return
        self.post_message(self.Rows(target, serial, rows, items, caption))

    def _fetch(self, target: str, params: ListParams) -> Fetched:
        """In a thread worker: one list as table rows, the records by row key, a caption."""
        readers: dict[str, Callable[[ListParams], Fetched]] = {
            "events-table": self._read_events,
            "sessions-table": self._read_sessions,
            "types-table": self._read_types,
            "venues-table": self._read_venues,
            "attendees-table": self._read_attendees,
            "regs-table": self._read_tickets,
            "payments-table": self._read_payments,
            "waitlist-table": self._read_waitlist,
            "staff-table": self._read_staff,
        }
        return readers[target](params)

    def _read_events(self, params: ListParams) -> Fetched:
        found = events.list_events(self.backend.store)
        return [(e.slug, self._event_row(e)) for e in found], {e.slug: e for e in found}, ""

    def _read_sessions(self, params: ListParams) -> Fetched:
        if params.event is None:
            return [], {}, ""
        tz = events.show_event(self.backend.store, params.event).timezone
        found = events.list_sessions(self.backend.store, params.event)
        rows: RowList = [
            (
                str(s.id),
                (
                    str(s.id),
                    s.name,
                    s.room or "",
                    local_time(s.starts_at, tz),
                    local_time(s.ends_at, tz),
                    _count(s.capacity),
                    str(s.registered),
                ),
            )
            for s in found
        ]
        return rows, {str(s.id): s for s in found}, ""

    def _read_types(self, params: ListParams) -> Fetched:
        if params.event is None:
            return [], {}, ""
        tz = events.show_event(self.backend.store, params.event).timezone
        found = events.list_ticket_types(self.backend.store, params.event)
        rows: RowList = []
        for t in found:
            window = "always"
            if t.sales_start or t.sales_end:
                window = f"{local_time(t.sales_start, tz)}–{local_time(t.sales_end, tz)}"
            cells = (
                str(t.id),
                t.name,
                format_cents(t.price_cents, t.currency),
                _count(t.quantity),
                str(t.registered),
                str(t.priority_tier),
                window,
                t.attention or "",
            )
            rows.append((str(t.id), cells))
        return rows, {str(t.id): t for t in found}, ""

    def _read_venues(self, params: ListParams) -> Fetched:
        found = events.list_venues(self.backend.store)
        rows: RowList = [
            (str(v.id), (str(v.id), v.name, v.address or "", _count(v.capacity), str(v.seats)))
            for v in found
        ]
        return rows, {str(v.id): v for v in found}, ""

    def _read_attendees(self, params: ListParams) -> Fetched:
        found = attendees.find_attendees(self.backend.store, params.search, limit=200)
        rows: RowList = [
            (
                str(a.id),
                (
                    str(a.id),
                    a.name,
                    a.email,
                    a.company or "",
                    a.phone or "",
                    "yes" if a.has_pin else "",
                ),
            )
            for a in found
        ]
        return rows, {str(a.id): a for a in found}, ""

    def _read_tickets(self, params: ListParams) -> Fetched:
        if params.attendee_id is None:
            return [], {}, ""
        person = attendees.show_attendee(self.backend.store, params.attendee_id)
        found = registration.tickets_of_attendee(self.backend.store, params.attendee_id)
        rows: RowList = []
        for t in found:
            status = t.status
            if t.waitlist_position is not None:
                status += f" #{t.waitlist_position}"
            cells = (
                t.id,
                t.event,
                t.ticket_type,
                status,
                t.seat or "",
                format_cents(t.price_cents, t.currency),
                local_time(t.checked_in_at, "UTC") if t.checked_in_at else "",
            )
            rows.append((t.id, cells))
        caption = f"Tickets of {person.name} <{person.email}>: {len(found)}"
        return rows, {t.id: t for t in found}, caption

    def _read_payments(self, params: ListParams) -> Fetched:
        if params.ticket_id is None:
            return [], {}, ""
        store = self.backend.store
        ticket = registration.show_ticket(store, params.ticket_id)
        sums = payments.payment_summary(store, ticket.id)
        found = payments.list_payments(store, ticket.id)
        rows: RowList = [
            (
                str(p.id),
                (
                    str(p.id),
                    p.kind,
                    p.method,
                    format_cents(p.amount_cents, p.currency),
                    p.status,
                    p.reference or "",
                    local_time(p.created_at, "UTC"),
                ),
            )
            for p in found
        ]
        items: dict[str, object] = {str(p.id): p for p in found}
        items[""] = ticket  # the ticket itself, under a key no row has
        cur = sums.currency
        caption = (
            f"{ticket.id} · {ticket.attendee} · {ticket.ticket_type} · {ticket.status}\n"
            f"price {format_cents(sums.price_cents, cur)} · paid "
            f"{format_cents(sums.paid_cents, cur)} · due {format_cents(sums.due_cents, cur)}"
        )
        return rows, items, caption

    def _read_waitlist(self, params: ListParams) -> Fetched:
        if params.event is None:
            return [], {}, ""
        tz = events.show_event(self.backend.store, params.event).timezone
        found = registration.list_waitlist(self.backend.store, params.event)
        rows: RowList = [
            (
                w.ticket_id,
                (
                    str(w.position),
                    w.ticket_id,
                    w.name,
                    w.email,
                    w.ticket_type,
                    str(w.tier),
                    local_time(w.since, tz),
                ),
            )
            for w in found
        ]
        return rows, {w.ticket_id: w for w in found}, ""

    def _read_staff(self, params: ListParams) -> Fetched:
        found = auth.list_staff(self.backend.store)
        rows: RowList = [
            (str(s.id), (str(s.id), s.name, s.role, "yes" if s.active else "disabled"))
            for s in found
        ]
        return rows, {str(s.id): s for s in found}, ""

    @staticmethod
    def _event_row(e: EventInfo) -> tuple[str, ...]:
        return (
            e.title,
            local_time(e.starts_at, e.timezone),
            _count(e.capacity),
            str(e.registered),
            str(e.waitlisted),
            e.status,
            local_time(e.ends_at, e.timezone),
            e.visibility,
            e.slug,
        )

    @on(Rows)
    def rows_read(self, message: Rows) -> None:
        if message.serial != self.serials[message.target]:
            return  # an older read finished after a newer one began
        self._fill(message.target, message.rows, message.items, message.caption)

    def _fill(
        self, target: str, rows: RowList, items: dict[str, object], caption: str | None
    ) -> None:
        table = self.query_one(f"#{target}", DataTable)
        was = self._key(target)
        # Columns are measured here: auto-sized ones can keep the width of a first, narrow
        # paint of new rows (Textual 8.2), which cuts every cell short.
        table.clear(columns=True)
        for index, label in enumerate(COLUMNS[target]):
            lengths = [cell_len(str(row[index])) for _key, row in rows if index < len(row)]
            table.add_column(label, width=min(MAX_COLUMN, max([cell_len(label), *lengths])))
        for key, cells in rows:
            table.add_row(*cells, key=key)
        self.items[target] = items
        if was is not None and was in items:
            table.move_cursor(row=table.get_row_index(was))
        caption_id = {"regs-table": "#regs-caption", "payments-table": "#payments-caption"}
        if caption and target in caption_id:
            self.query_one(caption_id[target], Static).update(caption)
        if target == "events-table":
            self._fill_events()

    def _fill_events(self) -> None:
        select = self.query_one("#org-event", Select)
        found = [e for e in self.items["events-table"].values() if isinstance(e, EventInfo)]
        with select.prevent(Select.Changed):
            select.set_options((e.title, e.slug) for e in found)
            if self.backend.event in {e.slug for e in found}:
                select.value = self.backend.event
        self._show_event_info()

    def _show_event_info(self) -> None:
        info = self.items["events-table"].get(self.backend.event or "")
        text = "no event yet: create one on the Events tab"
        if isinstance(info, EventInfo):
            text = (
                f"{info.registered}/{_count(info.capacity)} in · "
                f"{info.waitlisted} waiting · {info.status}"
            )
        self.query_one("#org-event-info", Static).update(text)

    # --- what is chosen -----------------------------------------------------------------------
    def _key(self, target: str) -> str | None:
        table = self.query_one(f"#{target}", DataTable)
        if table.row_count == 0:
            return None
        try:
            return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except CellDoesNotExist:  # the cursor is past the rows while they refill
            return None

    def _chosen(self, target: str, kind: type[T], what: str) -> T | None:
        key = self._key(target)
        item = self.items[target].get(key) if key is not None else None
        if not isinstance(item, kind):
            self.notify(f"Choose {what} in the list first.", severity="warning")
            return None
        return item

    def _need_event(self) -> str | None:
        if self.backend.event is None:
            self.notify("Create an event first (Events tab).", severity="warning")
        return self.backend.event

    # --- events: the one worked on ------------------------------------------------------------
    @on(Select.Changed, "#org-event")
    def event_chosen(self, message: Select.Changed) -> None:
        if isinstance(message.value, str) and message.value != self.backend.event:
            self.use_event(message.value)

    def use_event(self, slug: str) -> None:
        """Work on this event from now on (the other modes read backend.event too)."""
        self.backend.event = slug
        self.station_app.show_who()
        select = self.query_one("#org-event", Select)
        if select.value != slug and slug in self.items["events-table"]:
            with select.prevent(Select.Changed):  # a new event: set when the list comes back
                select.value = slug
        self._show_event_info()
        self.query_one(DataPane).event_changed()
        self.reload(*EVENT_TABLES)

    @on(DataTable.RowSelected, "#events-table")
    @on(Button.Pressed, "#event-use")
    def event_use(self) -> None:
        chosen = self._chosen("events-table", EventInfo, "an event")
        if chosen is not None and chosen.slug != self.backend.event:
            self.use_event(chosen.slug)
            self.notify(f"Working on {chosen.title} ({chosen.slug}).")

    # --- running changes ----------------------------------------------------------------------
    def _act(self, job: Callable[[], str], *reload: str) -> None:
        """Run a change in a thread worker; Done or Failed comes back."""
        self.run_worker(partial(self._act_thread, job, reload), thread=True, group="act")

    def _act_thread(self, job: Callable[[], str], reload: tuple[str, ...]) -> None:
        try:
            text = job()
        except EventdeskError as exc:
            self.post_message(self.Failed(exc.message))
            return
        self.post_message(self.Done(Change(text, reload)))

    def _form(
        self,
        title: str,
        fields: list[Field],
        action: Callable[[FormValues], Change],
        *,
        submit: str = "Save",
        note: str = "",
    ) -> None:
        """Open a form; what its action returns (a Done) is handled as a change."""
        self.app.push_screen(
            FormScreen(title, fields, action, submit=submit, note=note), self._form_closed
        )

    def _form_closed(self, result: Change | None) -> None:
        if result is not None:
            self.changed(result)

    def _confirm(self, question: str, yes: str, then: Callable[[], None]) -> None:
        def answered(answer: bool | None) -> None:
            if answer:
                then()

        self.app.push_screen(ConfirmScreen(question, yes=yes), answered)

    @on(Done)
    def done(self, message: Done) -> None:
        self.changed(message.change)

    def changed(self, change: Change) -> None:
        self.notify(change.text)
        if change.event is not None:
            self.use_event(change.event)
        self.reload(*change.reload)

    @on(Failed)
    def failed(self, message: Failed) -> None:
        self.notify(message.text, severity="error")

    @on(DataPane.Finished)
    def data_changed(self) -> None:
        self.reload("events-table", "attendees-table", "regs-table", "waitlist-table")

    # --- keys ---------------------------------------------------------------------------------
    def _tab(self) -> str:
        tabs = self.query("#org-tabs").results(TabbedContent)
        return next((t.active for t in tabs), "")

    @on(TabbedContent.TabActivated)
    def tab_changed(self) -> None:
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "new":
            return self._tab() in NEW_ON or None
        if action == "edit":
            return self._tab() in EDIT_ON or None
        return True

    def action_new(self) -> None:
        tab = self._tab()
        if tab == "tab-events":
            self.event_new()
        elif tab == "tab-program":
            if self.query_one("#types-table", DataTable).has_focus:
                self.type_new()
            else:
                self.session_new()
        elif tab == "tab-venues":
            self.venue_new()
        elif tab == "tab-attendees":
            self.attendee_new()
        elif tab == "tab-payments":
            self.pay_new()
        elif tab == "tab-staff":
            self.staff_new()

    def action_edit(self) -> None:
        tab = self._tab()
        if tab == "tab-events":
            self.event_edit()
        elif tab == "tab-program":
            if self.query_one("#types-table", DataTable).has_focus:
                self.type_edit()
            else:
                self.session_edit()
        elif tab == "tab-venues":
            self.venue_edit()
        elif tab == "tab-attendees":
            self.attendee_edit()
        elif tab == "tab-staff":
            self.staff_pin()

    def action_show_tab(self, tab: str) -> None:
        self.query_one("#org-tabs", TabbedContent).active = tab
        self.call_after_refresh(self._focus_pane, tab)

    def _focus_pane(self, tab: str) -> None:
        """Keys go to the tab shown: its first list (or the Data tab's file field)."""
        pane = self.query_one(f"#{tab}", TabPane)
        first = next(iter(pane.query("DataTable, #import-path")), None)
        if first is not None and self._tab() == tab:
            first.focus()

    def action_reload(self) -> None:
        self.reload(*COLUMNS)

    # --- events -------------------------------------------------------------------------------
    def _venue_options(self) -> tuple[tuple[str, str], ...]:
        found = [v for v in self.items["venues-table"].values() if isinstance(v, VenueInfo)]
        return tuple((v.name, v.name) for v in found)

    @on(Button.Pressed, "#event-new")
    def event_new(self) -> None:
        store, station = self.backend.store, self.backend.station
        fields = [
            Field("name", "Title", required=True),
            Field("starts", "Starts", placeholder="2026-05-14T09:00", required=True),
            Field("ends", "Ends", placeholder="2026-05-14T18:00", required=True),
            Field("timezone", "Time zone", "UTC", placeholder="Europe/Berlin"),
            Field("capacity", "Capacity", placeholder="empty: the venue's, or no limit"),
            Field("venue", "Venue", kind="select", options=self._venue_options()),
            Field("category", "Category", placeholder="Conference, Meetup…"),
            Field("visibility", "Visibility", "public", kind="select", options=VISIBILITIES),
            Field("description", "Description"),
            Field("waitlist", "Waitlist", kind="check", checked=True, placeholder="when full"),
            Field("unpaid", "Unpaid at door", "refuse", kind="select", options=POLICIES),
            Field("reentry", "Re-entry", kind="check", placeholder="allow exit and re-entry"),
        ]

        def create(values: FormValues) -> Change:
            made = events.create_event(
                store,
                name=values.text("name"),
                starts=values.text("starts"),
                ends=values.text("ends"),
                timezone=values.text("timezone") or "UTC",
                capacity=whole(values.text("capacity"), "capacity"),
                venue=values.optional("venue"),
                category=values.optional("category"),
                visibility=values.text("visibility") or "public",
                description=values.optional("description"),
                waitlist=values.flag("waitlist"),
                unpaid_policy=values.text("unpaid") or "refuse",
                allow_reentry=values.flag("reentry"),
                station=station,
            )
            return Change(f"Event {made.title} ({made.slug}) created", ("events-table",), made.slug)

        self._form("New event", fields, create, submit="Create")

    @on(Button.Pressed, "#event-edit")
    def event_edit(self) -> None:
        info = self._chosen("events-table", EventInfo, "an event")
        if info is None:
            return
        store, station, tz = self.backend.store, self.backend.station, info.timezone
        fields = [
            Field("name", "Title", info.title, required=True),
            Field("starts", "Starts", local_time(info.starts_at, tz, iso=True), required=True),
            Field("ends", "Ends", local_time(info.ends_at, tz, iso=True), required=True),
            Field("timezone", "Time zone", tz, disabled=True),
            Field("capacity", "Capacity", _number(info.capacity), placeholder="empty: no limit"),
            Field("venue", "Venue", info.venue or "", kind="select", options=self._venue_options()),
            Field("category", "Category", info.category or ""),
            Field("visibility", "Visibility", info.visibility, kind="select", options=VISIBILITIES),
            Field("description", "Description", info.description or ""),
            Field(
                "waitlist",
                "Waitlist",
                kind="check",
                checked=info.waitlist_enabled,
                placeholder="when full",
            ),
            Field("unpaid", "Unpaid at door", info.unpaid_policy, kind="select", options=POLICIES),
            Field(
                "reentry",
                "Re-entry",
                kind="check",
                checked=info.allow_reentry,
                placeholder="allow exit and re-entry",
            ),
            Field(
                "checkin-opens",
                "Check-in opens",
                local_time(info.checkin_opens_at, tz, iso=True),
                placeholder="empty: any time",
            ),
            Field(
                "checkin-closes",
                "Check-in closes",
                local_time(info.checkin_closes_at, tz, iso=True),
                placeholder="empty: any time",
            ),
        ]

        def change(values: FormValues) -> Change:
            capacity = whole(values.text("capacity"), "capacity")
            made = events.update_event(
                store,
                info.id,
                name=values.text("name"),
                starts=values.text("starts"),
                ends=values.text("ends"),
                capacity=capacity,
                clear_capacity=capacity is None,
                venue=values.optional("venue"),
                category=values.optional("category"),
                visibility=values.text("visibility") or None,
                description=values.text("description"),
                waitlist=values.flag("waitlist"),
                unpaid_policy=values.text("unpaid") or None,
                allow_reentry=values.flag("reentry"),
                checkin_opens=values.optional("checkin-opens"),
                checkin_closes=values.optional("checkin-closes"),
                station=station,
            )
            return Change(f"Event {made.title} saved", ("events-table", *EVENT_TABLES))

        self._form(f"Edit event {info.slug}", fields, change)

    @on(Button.Pressed, "#event-cancel")
    def event_cancel(self) -> None:
        info = self._chosen("events-table", EventInfo, "an event")
        if info is None:
            return
        store, station = self.backend.store, self.backend.station

        def job() -> str:
            made = events.cancel_event(store, info.id, station=station)
            return f"Event {made.title} is cancelled"

        self._confirm(
            f"Cancel the event {info.title} ({info.slug})? Its tickets no longer admit anyone.",
            "Cancel event",
            lambda: self._act(job, "events-table"),
        )

    # --- sessions and ticket types --------------------------------------------------------------
    def _event_info(self) -> EventInfo | None:
        info = self.items["events-table"].get(self.backend.event or "")
        return info if isinstance(info, EventInfo) else None

    def _event_timezone(self) -> str:
        """The time zone form times of the event worked on are typed in."""
        info = self._event_info()
        return info.timezone if info else "UTC"

    def _session_fields(self, info: SessionInfo | None, tz: str) -> list[Field]:
        event = self._event_info()
        starts = info.starts_at if info else (event.starts_at if event else None)
        ends = info.ends_at if info else (event.ends_at if event else None)
        return [
            Field("name", "Name", info.name if info else "", required=True),
            Field("room", "Room", (info.room or "") if info else ""),
            Field("starts", "Starts", local_time(starts, tz, iso=True), required=True),
            Field("ends", "Ends", local_time(ends, tz, iso=True), required=True),
            Field(
                "capacity",
                "Capacity",
                _number(info.capacity) if info else "",
                placeholder="empty: no limit",
            ),
        ]

    @on(Button.Pressed, "#session-new")
    def session_new(self) -> None:
        event = self._need_event()
        if event is None:
            return
        store = self.backend.store
        tz = self._event_timezone()

        def create(values: FormValues) -> Change:
            made = events.add_session(
                store,
                event,
                name=values.text("name"),
                room=values.optional("room"),
                starts=values.text("starts"),
                ends=values.text("ends"),
                capacity=whole(values.text("capacity"), "capacity"),
            )
            return Change(f"Session {made.name} added", ("sessions-table",))

        self._form(
            f"New session of {event}",
            self._session_fields(None, tz),
            create,
            submit="Add",
            note=f"Times in {tz}.",
        )

    @on(Button.Pressed, "#session-edit")
    def session_edit(self) -> None:
        event = self._need_event()
        chosen = self._chosen("sessions-table", SessionInfo, "a session") if event else None
        if event is None or chosen is None:
            return
        store, station = self.backend.store, self.backend.station
        tz = self._event_timezone()

        def change(values: FormValues) -> Change:
            capacity = whole(values.text("capacity"), "capacity")
            made = events.update_session(
                store,
                event,
                chosen.id,
                name=values.text("name"),
                room=values.text("room"),
                starts=values.text("starts"),
                ends=values.text("ends"),
                capacity=capacity,
                clear_capacity=capacity is None,
                station=station,
            )
            return Change(
                f"Session {made.name} saved", ("sessions-table", "waitlist-table", "events-table")
            )

        self._form(
            f"Edit session {chosen.name}",
            self._session_fields(chosen, tz),
            change,
            note=f"Times in {tz}.",
        )

    def _type_fields(self, info: TicketTypeInfo | None, tz: str) -> list[Field]:
        return [
            Field("name", "Name", info.name if info else "", required=True),
            Field(
                "price",
                "Price",
                _amount(info.price_cents) if info else "",
                placeholder="25.00 (0 for free)",
                required=True,
            ),
            Field("currency", "Currency", info.currency if info else "EUR"),
            Field(
                "quantity",
                "Quantity",
                _number(info.quantity) if info else "",
                placeholder="empty: no limit",
            ),
            Field(
                "tier",
                "Priority tier",
                str(info.priority_tier) if info else "1",
                placeholder="0-99, lower is served first",
            ),
            Field(
                "attention",
                "Attention",
                (info.attention or "") if info else "",
                placeholder="VIP, ID check…",
            ),
            Field(
                "sales-start",
                "Sales start",
                local_time(info.sales_start, tz, iso=True) if info else "",
                placeholder="empty: now",
            ),
            Field(
                "sales-end",
                "Sales end",
                local_time(info.sales_end, tz, iso=True) if info else "",
                placeholder="empty: until the event",
            ),
        ]

    @on(Button.Pressed, "#type-new")
    def type_new(self) -> None:
        event = self._need_event()
        if event is None:
            return
        store = self.backend.store
        tz = self._event_timezone()

        def create(values: FormValues) -> Change:
            made = events.add_ticket_type(
                store,
                event,
                name=values.text("name"),
                price_cents=money(values.text("price"), "price"),
                currency=values.text("currency") or "EUR",
                quantity=whole(values.text("quantity"), "quantity"),
                tier=whole(values.text("tier"), "tier", high=99) or 0,
                attention=values.optional("attention"),
                sales_start=values.optional("sales-start"),
                sales_end=values.optional("sales-end"),
            )
            price = format_cents(made.price_cents, made.currency)
            return Change(f"Ticket type {made.name} ({price}) added", ("types-table",))

        self._form(
            f"New ticket type of {event}",
            self._type_fields(None, tz),
            create,
            submit="Add",
            note=f"Times in {tz}.",
        )

    @on(Button.Pressed, "#type-edit")
    def type_edit(self) -> None:
        event = self._need_event()
        chosen = self._chosen("types-table", TicketTypeInfo, "a ticket type") if event else None
        if event is None or chosen is None:
            return
        store, station = self.backend.store, self.backend.station
        tz = self._event_timezone()

        def change(values: FormValues) -> Change:
            quantity = whole(values.text("quantity"), "quantity")
            made = events.update_ticket_type(
                store,
                event,
                chosen.id,
                name=values.text("name"),
                price_cents=money(values.text("price"), "price"),
                currency=values.text("currency") or None,
                quantity=quantity,
                clear_quantity=quantity is None,
                tier=whole(values.text("tier"), "tier", high=99),
                attention=values.text("attention"),
                clear_sales_window=True,
                sales_start=values.optional("sales-start"),
                sales_end=values.optional("sales-end"),
                station=station,
            )
            return Change(
                f"Ticket type {made.name} saved", ("types-table", "waitlist-table", "events-table")
            )

        self._form(
            f"Edit ticket type {chosen.name}",
            self._type_fields(chosen, tz),
            change,
            note="Tickets sold keep the price they were sold at.",
        )

    # --- venues -------------------------------------------------------------------------------
    @on(Button.Pressed, "#venue-new")
    def venue_new(self) -> None:
        store = self.backend.store
        fields = [
            Field("name", "Name", required=True),
            Field("address", "Address"),
            Field("capacity", "Capacity", placeholder="empty: no limit"),
            Field("seats", "Numbered seats", placeholder="A1-A20,B1-B20 (empty: none)"),
        ]

        def create(values: FormValues) -> Change:
            made = events.add_venue(
                store,
                name=values.text("name"),
                address=values.optional("address"),
                capacity=whole(values.text("capacity"), "capacity"),
                seats=values.optional("seats"),
            )
            return Change(f"Venue {made.name} added ({made.seats} seats)", ("venues-table",))

        self._form("New venue", fields, create, submit="Add")

    @on(Button.Pressed, "#venue-edit")
    def venue_edit(self) -> None:
        info = self._chosen("venues-table", VenueInfo, "a venue")
        if info is None:
            return
        store = self.backend.store
        fields = [
            Field("name", "Name", info.name, required=True),
            Field("address", "Address", info.address or ""),
            Field("capacity", "Capacity", _number(info.capacity), placeholder="empty: no limit"),
        ]

        def change(values: FormValues) -> Change:
            capacity = whole(values.text("capacity"), "capacity")
            made = events.update_venue(
                store,
                info.id,
                name=values.text("name"),
                address=values.text("address"),
                capacity=capacity,
                clear_capacity=capacity is None,
            )
            return Change(f"Venue {made.name} saved", ("venues-table", "events-table"))

        self._form(
            f"Edit venue {info.name}",
            fields,
            change,
            note="Events keep their own capacity; seats stay as they are.",
        )

    # --- attendees and registrations ----------------------------------------------------------
    @on(Input.Changed, "#att-find")
    def attendee_search(self) -> None:
        self.reload("attendees-table")

    @on(DataTable.RowHighlighted, "#attendees-table")
    def attendee_highlighted(self, message: DataTable.RowHighlighted) -> None:
        key = message.row_key.value
        item = self.items["attendees-table"].get(key) if key is not None else None
        if isinstance(item, AttendeeInfo) and item.id != self.attendee_id:
            self.attendee_id = item.id
            self.reload("regs-table")

    @on(DataTable.RowHighlighted, "#regs-table")
    def ticket_highlighted(self, message: DataTable.RowHighlighted) -> None:
        key = message.row_key.value
        if key is not None and key != self.ticket_id:
            self.show_payments(key)

    def show_payments(self, ticket_id: str) -> None:
        self.ticket_id = ticket_id
        field = self.query_one("#pay-ticket", Input)
        if field.value != ticket_id:
            field.value = ticket_id
        self.reload("payments-table")

    def _attendee_fields(self, info: AttendeeInfo | None) -> list[Field]:
        fields = [
            Field("name", "Name", info.name if info else "", required=True),
            Field("email", "Email", info.email if info else "", required=True),
            Field("company", "Company", (info.company or "") if info else ""),
            Field("phone", "Phone", (info.phone or "") if info else ""),
        ]
        if info is None:
            fields.append(
                Field("pin", "Kiosk PIN", kind="password", placeholder="4-12 digits (optional)")
            )
        return fields

    @on(Button.Pressed, "#att-new")
    def attendee_new(self) -> None:
        store = self.backend.store

        def create(values: FormValues) -> Change:
            made = attendees.add_attendee(
                store,
                name=values.text("name"),
                email=values.text("email"),
                company=values.optional("company"),
                phone=values.optional("phone"),
                pin=values.optional("pin"),
            )
            return Change(f"Attendee {made.name} added", ("attendees-table",))

        self._form("New attendee", self._attendee_fields(None), create, submit="Add")

    @on(Button.Pressed, "#att-edit")
    def attendee_edit(self) -> None:
        info = self._chosen("attendees-table", AttendeeInfo, "an attendee")
        if info is None:
            return
        store = self.backend.store

        def change(values: FormValues) -> Change:
            made = attendees.update_attendee(
                store,
                info.id,
                name=values.text("name"),
                email=values.text("email"),
                company=values.text("company"),
                phone=values.text("phone"),
            )
            return Change(f"Attendee {made.name} saved", ("attendees-table", "regs-table"))

        self._form(f"Edit {info.name}", self._attendee_fields(info), change)

    @on(Button.Pressed, "#att-pin")
    def attendee_pin(self) -> None:
        info = self._chosen("attendees-table", AttendeeInfo, "an attendee")
        if info is None:
            return
        store = self.backend.store

        def change(values: FormValues) -> Change:
            made = attendees.set_attendee_pin(store, info.id, values.text("pin"))
            return Change(f"New kiosk PIN set for {made.name}", ("attendees-table",))

        self._form(
            f"Kiosk PIN of {info.name}",
            [Field("pin", "New PIN", kind="password", placeholder="4-12 digits", required=True)],
            change,
            note="The attendee types it at the kiosk with their email.",
        )

    @on(Button.Pressed, "#att-register")
    def attendee_register(self) -> None:
        event = self._need_event()
        info = self._chosen("attendees-table", AttendeeInfo, "an attendee") if event else None
        if event is None or info is None:
            return
        types = [t for t in self.items["types-table"].values() if isinstance(t, TicketTypeInfo)]
        sessions = [s for s in self.items["sessions-table"].values() if isinstance(s, SessionInfo)]
        if not types:
            self.notify(f"{event} has no ticket type yet: add one first.", severity="warning")
            return
        store, station = self.backend.store, self.backend.station
        fields = [
            Field(
                "ticket_type",
                "Ticket type",
                str(types[0].id),
                kind="select",
                options=tuple(
                    (f"{t.name} · {format_cents(t.price_cents, t.currency)}", str(t.id))
                    for t in types
                ),
                required=True,
            ),
            Field("quantity", "How many", "1", placeholder="1-50 in one order"),
            Field("seat", "Seat", placeholder="empty: the first free one, if seated"),
            Field(
                "waitlist",
                "When full",
                kind="check",
                checked=True,
                placeholder="put on the waitlist",
            ),
        ]
        if sessions:
            fields.append(
                Field(
                    "session",
                    "Sessions",
                    kind="multi",
                    options=tuple((f"{s.name} ({s.room or '-'})", str(s.id)) for s in sessions),
                )
            )

        def create(values: FormValues) -> Change:
            order = registration.register(
                store,
                event,
                info.id,
                int(values.text("ticket_type")),
                sessions=[int(s) for s in values.chosen("session")],
                seat=values.optional("seat"),
                quantity=whole(values.text("quantity"), "quantity", low=1, high=50) or 1,
                allow_waitlist=values.flag("waitlist"),
                station=station,
            )
            said = ", ".join(f"{t.ticket_id} {t.status}" for t in order.tickets)
            return Change(
                f"{info.name}: {said}",
                ("regs-table", "types-table", "sessions-table", "waitlist-table", "events-table"),
            )

        self._form(f"Register {info.name} for {event}", fields, create, submit="Register")

    @on(Button.Pressed, "#ticket-cancel")
    def ticket_cancel(self) -> None:
        ticket = self._chosen("regs-table", TicketInfo, "a ticket of the attendee")
        if ticket is None:
            return
        self._cancel_ticket(ticket.id, f"{ticket.attendee}'s {ticket.ticket_type} ticket")

    def _cancel_ticket(self, ticket_id: str, what: str) -> None:
        store, station = self.backend.store, self.backend.station

        def job() -> str:
            result = registration.cancel(store, ticket_id, station=station)
            promoted = f"; promoted {', '.join(result.promoted)}" if result.promoted else ""
            return f"Ticket {ticket_id} cancelled{promoted}"

        self._confirm(
            f"Cancel {what} ({ticket_id})? The place goes to the waitlist.",
            "Cancel ticket",
            lambda: self._act(
                job,
                "regs-table",
                "waitlist-table",
                "types-table",
                "sessions-table",
                "events-table",
                "payments-table",
            ),
        )

    # --- payments -----------------------------------------------------------------------------
    @on(Input.Submitted, "#pay-ticket")
    @on(Button.Pressed, "#pay-show")
    def pay_show(self) -> None:
        ticket_id = self.query_one("#pay-ticket", Input).value.strip().upper()
        if not ticket_id:
            self.notify("Type a ticket id.", severity="warning")
            return
        self.show_payments(ticket_id)

    def _ticket(self) -> TicketInfo | None:
        ticket = self.items["payments-table"].get("")
        if not isinstance(ticket, TicketInfo) or ticket.id != self.ticket_id:
            self.notify(
                "Choose a ticket first (Attendees tab, or type its id).", severity="warning"
            )
            return None
        return ticket

    def _paid_due(self) -> tuple[int, int]:
        """Paid and due of the shown ticket, from its payments list."""
        ticket = self._ticket()
        paid = 0
        for record in self.items["payments-table"].values():
            if isinstance(record, PaymentRecord) and record.status == "completed":
                paid += record.amount_cents if record.kind == "payment" else -record.amount_cents
        price = ticket.price_cents if ticket else 0
        return paid, max(price - paid, 0)

    @on(Button.Pressed, "#pay-new")
    def pay_new(self) -> None:
        ticket = self._ticket()
        if ticket is None:
            return
        _, due = self._paid_due()
        store, station = self.backend.store, self.backend.station
        fields = [
            Field(
                "method",
                "Method",
                "cash",
                kind="select",
                options=tuple((m, m) for m in METHODS),
                required=True,
            ),
            Field("amount", "Amount", _amount(due), placeholder="empty: all that is due"),
            Field("reference", "Reference", placeholder="receipt, invoice number…"),
        ]

        def create(values: FormValues) -> Change:
            text = values.text("amount")
            made = payments.pay(
                store,
                ticket.id,
                method=values.text("method"),
                amount_cents=money(text, "amount") if text else None,
                reference=values.optional("reference"),
                station=station,
            )
            return Change(
                f"Payment on {made.ticket_id}: paid {format_cents(made.paid_cents, made.currency)},"
                f" due {format_cents(made.due_cents, made.currency)}",
                ("payments-table",),
            )

        self._form(
            f"Payment for {ticket.id} ({ticket.attendee})",
            fields,
            create,
            submit="Record payment",
            note=f"Price {format_cents(ticket.price_cents, ticket.currency)}; an invoice stays "
            "pending until settled.",
        )

    @on(Button.Pressed, "#pay-refund")
    def pay_refund(self) -> None:
        ticket = self._ticket()
        if ticket is None:
            return
        paid, _ = self._paid_due()
        store, station = self.backend.store, self.backend.station
        fields = [
            Field("amount", "Amount", _amount(max(paid, 0)), placeholder="empty: all paid"),
            Field(
                "method",
                "Method",
                kind="select",
                options=tuple((m, m) for m in METHODS),
                placeholder="as it was paid",
            ),
            Field("reference", "Reference"),
        ]

        def create(values: FormValues) -> Change:
            text = values.text("amount")
            made = payments.refund(
                store,
                ticket.id,
                amount_cents=money(text, "amount") if text else None,
                method=values.optional("method"),
                reference=values.optional("reference"),
                station=station,
            )
            return Change(
                f"Refund on {made.ticket_id}: paid {format_cents(made.paid_cents, made.currency)},"
                f" due {format_cents(made.due_cents, made.currency)}",
                ("payments-table",),
            )

        self._form(
            f"Refund for {ticket.id} ({ticket.attendee})",
            fields,
            create,
            submit="Record refund",
            note="The ticket stays valid: cancel it on the Attendees tab if it should not.",
        )

    @on(Button.Pressed, "#pay-settle")
    def pay_settle(self) -> None:
        record = self._chosen("payments-table", PaymentRecord, "a pending invoice")
        if record is None:
            return
        if record.status != "pending":
            self.notify(f"Payment {record.id} is {record.status}, not pending.", severity="warning")
            return
        store, station = self.backend.store, self.backend.station

        def job() -> str:
            made = payments.settle(store, record.id, station=station)
            return f"Invoice {record.id} settled: due {format_cents(made.due_cents, made.currency)}"

        self._act(job, "payments-table")

    # --- waitlist -----------------------------------------------------------------------------
    @on(Button.Pressed, "#wait-promote")
    def wait_promote(self) -> None:
        entry = self._chosen("waitlist-table", WaitlistEntry, "someone on the waitlist")
        if entry is not None:
            self._promote(entry, force=False)

    @on(Button.Pressed, "#wait-force")
    def wait_force(self) -> None:
        entry = self._chosen("waitlist-table", WaitlistEntry, "someone on the waitlist")
        if entry is not None:
            self._confirm(
                f"Admit {entry.name} ({entry.ticket_type}) even though it is full?",
                "Promote over capacity",
                lambda: self._promote(entry, force=True),
            )

    def _promote(self, entry: WaitlistEntry, *, force: bool) -> None:
        store, station = self.backend.store, self.backend.station

        def job() -> str:
            made = registration.promote(store, entry.ticket_id, force=force, station=station)
            seat = f", seat {made.seat}" if made.seat else ""
            return f"{entry.name} is registered ({made.ticket_id}{seat})"

        self._act(
            job, "waitlist-table", "types-table", "sessions-table", "events-table", "regs-table"
        )

    @on(Button.Pressed, "#wait-remove")
    def wait_remove(self) -> None:
        entry = self._chosen("waitlist-table", WaitlistEntry, "someone on the waitlist")
        if entry is not None:
            self._cancel_ticket(entry.ticket_id, f"{entry.name}'s waitlisted ticket")

    # --- staff --------------------------------------------------------------------------------
    @on(Button.Pressed, "#staff-new")
    def staff_new(self) -> None:
        store = self.backend.store
        fields = [
            Field("name", "Name", required=True),
            Field("role", "Role", "staff", kind="select", options=ROLES, required=True),
            Field("pin", "PIN", kind="password", placeholder="4-12 digits", required=True),
        ]

        def create(values: FormValues) -> Change:
            made = auth.add_staff(
                store, name=values.text("name"), role=values.text("role"), pin=values.text("pin")
            )
            return Change(f"Staff account {made.name} ({made.role}) added", ("staff-table",))

        self._form("New staff account", fields, create, submit="Add")

    @on(Button.Pressed, "#staff-pin")
    def staff_pin(self) -> None:
        info = self._chosen("staff-table", StaffInfo, "a staff account")
        if info is None:
            return
        store = self.backend.store

        def change(values: FormValues) -> Change:
            made = auth.reset_staff_pin(store, info.id, values.text("pin"))
            return Change(f"New PIN set for {made.name}", ("staff-table",))

        self._form(
            f"Reset the PIN of {info.name}",
            [Field("pin", "New PIN", kind="password", placeholder="4-12 digits", required=True)],
            change,
            note="This also lifts a lockout after wrong PINs.",
        )

    @on(Button.Pressed, "#staff-toggle")
    def staff_toggle(self) -> None:
        info = self._chosen("staff-table", StaffInfo, "a staff account")
        if info is None:
            return
        me = self.backend.staff
        if info.active and me is not None and me.id == info.id:
            self.notify("You cannot disable the account you are signed in with.", severity="error")
            return
        store = self.backend.store

        def job() -> str:
            made = auth.set_staff_active(store, info.id, not info.active)
            return f"{made.name} is {'enabled' if made.active else 'disabled'}"

        if info.active:
            self._confirm(
                f"Disable {info.name} ({info.role})? They can no longer sign in.",
                "Disable",
                lambda: self._act(job, "staff-table"),
            )
        else:
            self._act(job, "staff-table")
