"""The Attendees tab: find and edit attendees, set their kiosk PIN, register them for the
event worked on, and see (and cancel) their tickets."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, DataTable, Input, Static

from eventdesk.services.catalogue.program import SessionInfo, TicketTypeInfo
from eventdesk.services.people import attendees, registration
from eventdesk.services.people.attendees import AttendeeInfo
from eventdesk.services.people.registration import TicketInfo
from eventdesk.values import format_cents
from screens.organizer.base import (
    Change,
    Fetched,
    ListParams,
    OrganizerTab,
    RowList,
    local_time,
    whole,
)
from screens.widgets.forms import Field, FormValues


class AttendeesTab(OrganizerTab):
    """Attendees found by what is typed; the highlighted one's tickets below them."""

    TITLE = "Attendees"
    COLUMNS = {
        "attendees-table": ("#", "Name", "Email", "Company", "Phone", "PIN"),
        "regs-table": ("Ticket", "Event", "Type", "Status", "Seat", "Price", "Checked in"),
    }
    CAPTIONS = {"regs-table": "regs-caption"}
    CAN_NEW = CAN_EDIT = True

    @dataclass
    class TicketChosen(Message):
        """A ticket was highlighted: the Payments tab shows its payments."""

        ticket_id: str

    def compose(self) -> ComposeResult:
        with Horizontal(classes="org-buttons"):
            yield Input(
                placeholder="search name, email, company, ticket", id="att-find", compact=True
            )
            yield Button("New", id="att-new", compact=True)
            yield Button("Edit", id="att-edit", compact=True)
            yield Button("PIN", id="att-pin", compact=True)
            yield Button("Register", id="att-register", compact=True)
            yield Button("Cancel ticket", id="ticket-cancel", compact=True)
            yield Button("Forget", id="att-forget", compact=True)
        yield self.table("attendees-table")
        yield Static("Tickets: choose an attendee", id="regs-caption", classes="caption")
        yield self.table("regs-table")

    def new(self) -> None:
        self.attendee_new()

    def edit(self) -> None:
        self.attendee_edit()

    # --- the lists --------------------------------------------------------------------------
    def params(self) -> ListParams:
        ws = self.workspace
        search = self.query_one("#att-find", Input).value
        return ListParams(ws.event, search, ws.attendee_id, ws.ticket_id)

    def wants(self, target: str, params: ListParams) -> bool:
        return target != "regs-table" or params.attendee_id is not None

    def read(self, target: str, params: ListParams) -> Fetched:
        if target == "regs-table":
            return self._read_tickets(params)
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
            status: str = t.status
            if t.waitlist_position is not None:
                status += f" #{t.waitlist_position}"
            zone = self.workspace.zone_of(t.event)
            cells = (
                t.id,
                t.event,
                t.ticket_type,
                status,
                t.seat or "",
                format_cents(t.price_cents, t.currency),
                local_time(t.checked_in_at, zone) if t.checked_in_at else "",
            )
            rows.append((t.id, cells))
        caption = f"Tickets of {person.name} <{person.email}>: {len(found)}"
        return rows, {t.id: t for t in found}, caption

    @on(Input.Changed, "#att-find")
    def attendee_search(self) -> None:
        self.reload("attendees-table")

    @on(DataTable.RowHighlighted, "#attendees-table")
    def attendee_highlighted(self, message: DataTable.RowHighlighted) -> None:
        key = message.row_key.value
        item = self.items["attendees-table"].get(key) if key is not None else None
        if isinstance(item, AttendeeInfo) and item.id != self.workspace.attendee_id:
            self.workspace.attendee_id = item.id
            self.reload("regs-table")

    @on(DataTable.RowHighlighted, "#regs-table")
    def ticket_highlighted(self, message: DataTable.RowHighlighted) -> None:
        key = message.row_key.value
        if key is not None and key != self.workspace.ticket_id:
            self.post_message(self.TicketChosen(key))

    # --- attendees ----------------------------------------------------------------------------
    @staticmethod
    def _attendee_fields(info: AttendeeInfo | None) -> list[Field]:
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

        self.form("New attendee", self._attendee_fields(None), create, submit="Add")

    @on(Button.Pressed, "#att-edit")
    def attendee_edit(self) -> None:
        info = self.chosen("attendees-table", AttendeeInfo, "an attendee")
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

        self.form(f"Edit {info.name}", self._attendee_fields(info), change)

    @on(Button.Pressed, "#att-pin")
    def attendee_pin(self) -> None:
        info = self.chosen("attendees-table", AttendeeInfo, "an attendee")
        if info is None:
            return
        store = self.backend.store

        def change(values: FormValues) -> Change:
            made = attendees.set_attendee_pin(store, info.id, values.text("pin"))
            return Change(f"New kiosk PIN set for {made.name}", ("attendees-table",))

        self.form(
            f"Kiosk PIN of {info.name}",
            [Field("pin", "New PIN", kind="password", placeholder="4-12 digits", required=True)],
            change,
            note="The attendee types it at the kiosk with their email.",
        )

    @on(Button.Pressed, "#att-forget")
    def attendee_forget(self) -> None:
        """Forget a person who asks (GDPR article 17), once the organizer has read what it
        does."""
        info = self.chosen("attendees-table", AttendeeInfo, "an attendee")
        if info is None:
            return
        from eventdesk.services.people.forget import forget_attendee, forget_files, tickets_of

        store, station = self.backend.store, self.backend.station
        data_dir = self.backend.config.data_dir

        def job() -> str:
            made = forget_attendee(store, info.id, station=station)
            forget_files(made, tickets_of(store, info.id), data_dir)
            held = len(made.backups_still_holding)
            kept = f"; {held} backups taken before still hold them until pruned" if held else ""
            return f"{info.name} forgotten: now {made.pseudonym}{kept}"

        self.confirm(
            f"Forget {info.name} <{info.email}>? Their name, e-mail, company, phone, PIN, the "
            "names on their tickets and their answers are erased everywhere, for good (a "
            "pseudonym takes their place); their tickets, payments and check-ins stay counted.",
            "Forget",
            lambda: self.act(job, "attendees-table", "regs-table"),
        )

    # --- registrations ------------------------------------------------------------------------
    @on(Button.Pressed, "#att-register")
    def attendee_register(self) -> None:
        event = self.need_event()
        info = self.chosen("attendees-table", AttendeeInfo, "an attendee") if event else None
        if event is None or info is None:
            return
        types = self.workspace.records("types-table", TicketTypeInfo)
        sessions = self.workspace.records("sessions-table", SessionInfo)
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
                staff_override=True,  # an organizer may register without the invite code
                station=station,
            )
            said = ", ".join(f"{t.ticket_id} {t.status}" for t in order.tickets)
            return Change(
                f"{info.name}: {said}",
                ("regs-table", "types-table", "sessions-table", "waitlist-table", "events-table"),
            )

        self.form(f"Register {info.name} for {event}", fields, create, submit="Register")

    @on(Button.Pressed, "#ticket-cancel")
    def ticket_cancel(self) -> None:
        ticket = self.chosen("regs-table", TicketInfo, "a ticket of the attendee")
        if ticket is not None:
            self.cancel_ticket(ticket.id, f"{ticket.attendee}'s {ticket.ticket_type} ticket")
