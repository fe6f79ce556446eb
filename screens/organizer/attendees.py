"""The Attendees tab: find and edit attendees, set their kiosk PIN, register them for the
event worked on, and see (and cancel) their tickets."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, DataTable, Input, Static

from eventdesk.i18n import N_, _, ngettext
from eventdesk.labels import label
from eventdesk.services.catalogue.program import SessionInfo, TicketTypeInfo
from eventdesk.services.door.alerts import REASON_LENGTH, parse_reason, set_attendee_alert
from eventdesk.services.people import attendees, registration
from eventdesk.services.people.attendees import AttendeeInfo
from eventdesk.services.people.notes import NOTE_LENGTH
from eventdesk.services.people.registration import TicketInfo
from eventdesk.values import money_text
from screens.organizer.base import (
    Change,
    Fetched,
    ListParams,
    OrganizerTab,
    RowList,
    local_time,
    whole,
)
from screens.terminal import for_screen
from screens.widgets.forms import Field, FormValues


class AttendeesTab(OrganizerTab):
    """Attendees found by what is typed; the highlighted one's tickets below them."""

    TITLE = N_("Attendees")
    COLUMNS = {
        "attendees-table": ("#", N_("Name"), N_("Email"), N_("Company"), N_("Phone"), N_("PIN")),
        "regs-table": (
            N_("Ticket"),
            N_("Event"),
            # TRANSLATORS: a table heading: the ticket type
            N_("Type"),
            N_("Status"),
            N_("Seat"),
            N_("Price"),
            N_("Checked in"),
        ),
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
                placeholder=_("search name, email, company, ticket"), id="att-find", compact=True
            )
            yield Button(_("New"), id="att-new", compact=True)
            yield Button(_("Edit"), id="att-edit", compact=True)
            # TRANSLATORS: a button: set the attendee's kiosk PIN
            yield Button(_("PIN"), id="att-pin", compact=True)
            # TRANSLATORS: a button: register the attendee for the event
            yield Button(_("Register"), id="att-register", compact=True)
            yield Button(_("Cancel ticket"), id="ticket-cancel", compact=True)
            # TRANSLATORS: a button: erase the attendee's personal data (GDPR)
            yield Button(_("Forget"), id="att-forget", compact=True)
        yield self.table("attendees-table")
        yield Static(_("Tickets: choose an attendee"), id="regs-caption", classes="caption")
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
                    for_screen(a.name),
                    a.email,
                    for_screen(a.company),
                    a.phone or "",
                    _("yes") if a.has_pin else "",
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
            status = label("ticket_status", t.status)
            if t.waitlist_position is not None:
                status += f" #{t.waitlist_position}"
            zone = self.workspace.zone_of(t.event)
            cells = (
                t.id,
                t.event,
                t.ticket_type,
                status,
                t.seat or "",
                money_text(t.price_cents, t.currency),
                local_time(t.checked_in_at, zone) if t.checked_in_at else "",
            )
            rows.append((t.id, cells))
        caption = ngettext(
            "Tickets of {name} <{email}>: {count}",
            "Tickets of {name} <{email}>: {count}",
            len(found),
        ).format(name=person.name, email=person.email, count=len(found))
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
            Field("name", _("Name"), info.name if info else "", required=True),
            Field("email", _("Email"), info.email if info else "", required=True),
            Field("company", _("Company"), (info.company or "") if info else ""),
            Field("phone", _("Phone"), (info.phone or "") if info else ""),
            Field(
                "note",
                _("Note"),
                (info.note or "") if info else "",
                placeholder=_("optional: shown at the door, never printed"),
                max_length=NOTE_LENGTH,
            ),
            Field(
                "alert",
                _("Awaited"),
                (info.alert or "") if info else "",
                # TRANSLATORS: the organizer's attendee form: why they are told of the arrival
                placeholder=_("optional: why to be told when they arrive (speaker…)"),
                max_length=REASON_LENGTH,
            ),
        ]
        if info is None:
            fields.append(
                Field(
                    "pin", _("Kiosk PIN"), kind="password", placeholder=_("4-12 digits (optional)")
                )
            )
        return fields

    @on(Button.Pressed, "#att-new")
    def attendee_new(self) -> None:
        store = self.backend.store

        def create(values: FormValues) -> Change:
            parse_reason(values.text("alert"))  # checked before anything is written
            made = attendees.add_attendee(
                store,
                name=values.text("name"),
                email=values.text("email"),
                company=values.optional("company"),
                phone=values.optional("phone"),
                pin=values.optional("pin"),
                note=values.optional("note"),
            )
            if values.optional("alert"):
                set_attendee_alert(store, made.id, values.text("alert"))
            return Change(_("Attendee {name} added").format(name=made.name), ("attendees-table",))

        self.form(_("New attendee"), self._attendee_fields(None), create, submit=_("Add"))

    @on(Button.Pressed, "#att-edit")
    def attendee_edit(self) -> None:
        found = self._attendee()
        if found is None:
            return
        store = self.backend.store
        info = attendees.show_attendee(store, found.id)  # the search's rows hold no note

        def change(values: FormValues) -> Change:
            parse_reason(values.text("alert"))  # checked before anything is written
            made = attendees.update_attendee(
                store,
                info.id,
                name=values.text("name"),
                email=values.text("email"),
                company=values.text("company"),
                phone=values.text("phone"),
                note=values.text("note"),
            )
            if (info.alert or "") != values.text("alert").strip():
                set_attendee_alert(store, info.id, values.text("alert"))
            return Change(
                _("Attendee {name} saved").format(name=made.name),
                ("attendees-table", "regs-table"),
            )

        self.form(_("Edit {name}").format(name=info.name), self._attendee_fields(info), change)

    @on(Button.Pressed, "#att-pin")
    def attendee_pin(self) -> None:
        info = self._attendee()
        if info is None:
            return
        store = self.backend.store

        def change(values: FormValues) -> Change:
            made = attendees.set_attendee_pin(store, info.id, values.text("pin"))
            return Change(
                _("New kiosk PIN set for {name}").format(name=made.name), ("attendees-table",)
            )

        self.form(
            _("Kiosk PIN of {name}").format(name=info.name),
            [
                Field(
                    "pin",
                    _("New PIN"),
                    kind="password",
                    placeholder=_("4-12 digits"),
                    required=True,
                )
            ],
            change,
            note=_("The attendee types it at the kiosk with their email."),
        )

    @on(Button.Pressed, "#att-forget")
    def attendee_forget(self) -> None:
        """Forget a person who asks (GDPR article 17), once the organizer has read what it
        does."""
        info = self._attendee()
        if info is None:
            return
        from eventdesk.services.people.forget import forget_attendee, forget_files, tickets_of

        store, station = self.backend.store, self.backend.station
        data_dir = self.backend.config.data_dir

        def job() -> str:
            made = forget_attendee(store, info.id, station=station)
            forget_files(made, tickets_of(store, info.id), data_dir)
            held = len(made.backups_still_holding)
            if not held:
                return _("{name} forgotten: now {pseudonym}").format(
                    name=info.name, pseudonym=made.pseudonym
                )
            return ngettext(
                "{name} forgotten: now {pseudonym}; {count} backup taken before still holds them "
                "until pruned",
                "{name} forgotten: now {pseudonym}; {count} backups taken before still hold them "
                "until pruned",
                held,
            ).format(name=info.name, pseudonym=made.pseudonym, count=held)

        self.confirm(
            _(
                "Forget {name} <{email}>? Their name, e-mail, company, phone, PIN, the names on "
                "their tickets and their answers are erased everywhere, for good (a pseudonym "
                "takes their place); their tickets, payments and check-ins stay counted."
            ).format(name=info.name, email=info.email),
            # TRANSLATORS: a button: erase the attendee's personal data (GDPR)
            _("Forget"),
            lambda: self.act(job, "attendees-table", "regs-table"),
        )

    # --- registrations ------------------------------------------------------------------------
    @on(Button.Pressed, "#att-register")
    def attendee_register(self) -> None:
        event = self.need_event()
        info = self._attendee() if event else None
        if event is None or info is None:
            return
        types = self.workspace.records("types-table", TicketTypeInfo)
        sessions = self.workspace.records("sessions-table", SessionInfo)
        if not types:
            self.notify(
                _("{event} has no ticket type yet: add one first.").format(event=event),
                severity="warning",
            )
            return
        store, station = self.backend.store, self.backend.station
        fields = [
            Field(
                "ticket_type",
                _("Ticket type"),
                str(types[0].id),
                kind="select",
                options=tuple(
                    (f"{t.name} · {money_text(t.price_cents, t.currency)}", str(t.id))
                    for t in types
                ),
                required=True,
            ),
            Field("quantity", _("How many"), "1", placeholder=_("1-50 in one order")),
            Field("seat", _("Seat"), placeholder=_("empty: the first free one, if seated")),
            Field(
                "waitlist",
                _("When full"),
                kind="check",
                checked=True,
                placeholder=_("put on the waitlist"),
            ),
        ]
        if sessions:
            fields.append(
                Field(
                    "session",
                    _("Sessions"),
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
            said = ", ".join(
                f"{t.ticket_id} {label('ticket_status', t.status)}" for t in order.tickets
            )
            return Change(
                # TRANSLATORS: an attendee just registered, and their tickets
                _("{attendee}: {tickets}").format(attendee=info.name, tickets=said),
                ("regs-table", "types-table", "sessions-table", "waitlist-table", "events-table"),
            )

        self.form(
            _("Register {name} for {event}").format(name=info.name, event=event),
            fields,
            create,
            # TRANSLATORS: a button: register the attendee for the event
            submit=_("Register"),
        )

    @on(Button.Pressed, "#ticket-cancel")
    def ticket_cancel(self) -> None:
        ticket = self.chosen(
            "regs-table", TicketInfo, _("Choose a ticket of the attendee in the list first.")
        )
        if ticket is not None:
            self.cancel_ticket(
                ticket.id,
                _(
                    "Cancel {name}'s {type} ticket ({ticket})? The place goes to the waitlist."
                ).format(name=ticket.attendee, type=ticket.ticket_type, ticket=ticket.id),
            )

    def _attendee(self) -> AttendeeInfo | None:
        return self.chosen(
            "attendees-table", AttendeeInfo, _("Choose an attendee in the list first.")
        )
