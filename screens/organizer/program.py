"""The Program tab: the sessions, the ticket types (prices) and the registration questions
(screens.organizer.questions) of the event worked on."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, DataTable

from eventdesk.event_time import event_zone
from eventdesk.i18n import N_, _, ngettext
from eventdesk.services.catalogue import events, program
from eventdesk.services.catalogue.program import SessionInfo, TicketTypeInfo
from eventdesk.services.door.alerts import REASON_LENGTH, parse_reason, set_ticket_type_alert
from eventdesk.values import format_cents, money_text, parse_amount
from screens.organizer import questions as asked
from screens.organizer import quotas
from screens.organizer.base import (
    Change,
    Fetched,
    ListParams,
    OrganizerTab,
    RowList,
    count_text,
    local_time,
    number_text,
    whole,
)
from screens.widgets.forms import Field, FormValues


class ProgramTab(OrganizerTab):
    """Sessions (rooms, times, capacity; edit, cancel), ticket types (price, quantity, tier,
    sales) and registration questions (new, edit, remove)."""

    TITLE = N_("Program")
    COLUMNS = {
        "sessions-table": (
            "#",
            N_("Session"),
            N_("Room"),
            N_("Starts"),
            N_("Ends"),
            # TRANSLATORS: a table heading: the session's capacity, short
            N_("Cap"),
            # TRANSLATORS: a table heading: how many are registered, short
            N_("Reg"),
        ),
        "types-table": (
            "#",
            N_("Ticket type"),
            N_("Price"),
            # TRANSLATORS: a table heading: how many tickets of the type there are, short
            N_("Qty"),
            N_("Sold"),
            # TRANSLATORS: a table heading: the ticket type's priority tier
            N_("Tier"),
            # TRANSLATORS: a table heading: when the ticket type is on sale
            N_("Sales"),
            # TRANSLATORS: a table heading: what the door is to look out for (VIP, ID check)
            N_("Attention"),
            # TRANSLATORS: a table heading: the places stations may sell while offline
            N_("Offline quotas"),
        ),
        asked.TABLE: asked.COLUMNS,
    }
    CAN_NEW = CAN_EDIT = True

    def compose(self) -> ComposeResult:
        # Each list's buttons above it (five in one row would not fit 80 columns).
        yield self.buttons(
            (_("New session"), "session-new"),
            (_("Edit session"), "session-edit"),
            (_("Cancel session"), "session-cancel"),
        )
        yield self.table("sessions-table")
        yield self.buttons(
            (_("New ticket type"), "type-new"),
            (_("Edit ticket type"), "type-edit"),
            # TRANSLATORS: a button: let a station sell places of a ticket type offline
            (_("Give quota"), "type-quota"),
        )
        yield self.table("types-table")
        yield self.buttons(
            (_("New question"), "question-new"),
            (_("Edit question"), "question-edit"),
            (_("Remove question"), "question-remove"),
        )
        yield self.table(asked.TABLE)

    def _types_focused(self) -> bool:
        return self.query_one("#types-table", DataTable).has_focus

    def _questions_focused(self) -> bool:
        return self.query_one(f"#{asked.TABLE}", DataTable).has_focus

    def new(self) -> None:
        if self._types_focused():
            self.type_new()
        elif self._questions_focused():
            asked.question_new(self)
        else:
            self.session_new()

    def edit(self) -> None:
        if self._types_focused():
            self.type_edit()
        elif self._questions_focused():
            asked.question_edit(self)
        else:
            self.session_edit()

    @on(Button.Pressed, "#type-quota")
    def give_quota(self) -> None:
        quotas.give_quota(self)

    @on(Button.Pressed, "#question-new")
    def new_question(self) -> None:
        asked.question_new(self)

    @on(Button.Pressed, "#question-edit")
    def edit_question(self) -> None:
        asked.question_edit(self)

    @on(Button.Pressed, "#question-remove")
    def remove_question(self) -> None:
        asked.question_remove(self)

    # --- the lists --------------------------------------------------------------------------
    def read(self, target: str, params: ListParams) -> Fetched:
        if params.event is None:
            return [], {}, ""
        if target == asked.TABLE:
            return asked.read_questions(self, params.event)
        tz = events.show_event(self.backend.store, params.event).zone
        if target == "sessions-table":
            return self._read_sessions(params.event, tz)
        return self._read_types(params.event, tz)

    def _read_sessions(self, event: str, tz: ZoneInfo) -> Fetched:
        found = program.list_sessions(self.backend.store, event)
        rows: RowList = [
            (
                str(s.id),
                (
                    str(s.id),
                    # TRANSLATORS: a session in the organizer's list of sessions, cancelled
                    _("{session} (cancelled)").format(session=s.name) if s.cancelled else s.name,
                    s.room or "",
                    local_time(s.starts_at, tz),
                    local_time(s.ends_at, tz),
                    count_text(s.capacity),
                    str(s.registered),
                ),
            )
            for s in found
        ]
        return rows, {str(s.id): s for s in found}, ""

    def _read_types(self, event: str, tz: ZoneInfo) -> Fetched:
        found = program.list_ticket_types(self.backend.store, event)
        offline = quotas.quota_texts(self.backend.store, event)
        rows: RowList = []
        for t in found:
            # TRANSLATORS: a ticket type's sales window: on sale at any time
            window = _("always")
            if t.sales_start or t.sales_end:
                window = f"{local_time(t.sales_start, tz)}–{local_time(t.sales_end, tz)}"
            cells = (
                str(t.id),
                t.name,
                money_text(t.price_cents, t.currency),
                count_text(t.quantity),
                str(t.registered),
                str(t.priority_tier),
                window,
                t.attention or "",
                offline.get(t.name, ""),
            )
            rows.append((str(t.id), cells))
        return rows, {str(t.id): t for t in found}, ""

    # --- sessions -----------------------------------------------------------------------------
    def _session_fields(self, info: SessionInfo | None, tz: str) -> list[Field]:
        event = self.workspace.event_info()
        starts = info.starts_at if info else (event.starts_at if event else None)
        ends = info.ends_at if info else (event.ends_at if event else None)
        return [
            Field("name", _("Name"), info.name if info else "", required=True),
            Field("room", _("Room"), (info.room or "") if info else ""),
            Field(
                "starts", _("Starts"), local_time(starts, event_zone(tz), iso=True), required=True
            ),
            Field("ends", _("Ends"), local_time(ends, event_zone(tz), iso=True), required=True),
            Field(
                "capacity",
                _("Capacity"),
                number_text(info.capacity) if info else "",
                placeholder=_("empty: no limit"),
            ),
        ]

    @on(Button.Pressed, "#session-new")
    def session_new(self) -> None:
        event = self.need_event()
        if event is None:
            return
        store = self.backend.store
        tz = self.workspace.timezone()

        def create(values: FormValues) -> Change:
            made = program.add_session(
                store,
                event,
                name=values.text("name"),
                room=values.optional("room"),
                starts=values.text("starts"),
                ends=values.text("ends"),
                capacity=whole(values.text("capacity"), "capacity"),
            )
            return Change(_("Session {name} added").format(name=made.name), ("sessions-table",))

        self.form(
            _("New session of {event}").format(event=event),
            self._session_fields(None, tz),
            create,
            submit=_("Add"),
            note=_("Times in {zone}.").format(zone=tz),
        )

    def _live_session(self, cancelled: str) -> tuple[str, SessionInfo] | None:
        """The event and the session chosen in its list; None, and it is said, when there is
        none or the session is cancelled (``cancelled`` says so, with its {name})."""
        event = self.need_event()
        chosen = (
            self.chosen("sessions-table", SessionInfo, _("Choose a session in the list first."))
            if event
            else None
        )
        if event is None or chosen is None:
            return None
        if chosen.cancelled:
            self.notify(cancelled.format(name=chosen.name), severity="warning")
            return None
        return event, chosen

    @on(Button.Pressed, "#session-edit")
    def session_edit(self) -> None:
        found = self._live_session(_("Session {name} is cancelled: nothing to edit."))
        if found is None:
            return
        event, chosen = found
        store, station = self.backend.store, self.backend.station
        tz = self.workspace.timezone()

        def change(values: FormValues) -> Change:
            capacity = whole(values.text("capacity"), "capacity")
            made = program.update_session(
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
                _("Session {name} saved").format(name=made.name),
                ("sessions-table", "waitlist-table", "events-table"),
            )

        self.form(
            _("Edit session {name}").format(name=chosen.name),
            self._session_fields(chosen, tz),
            change,
            note=_("Times in {zone}.").format(zone=tz),
        )

    @on(Button.Pressed, "#session-cancel")
    def session_cancel(self) -> None:
        """Cancel the chosen session, once confirmed: its seats are freed, its waitlist
        dropped, its door admits nobody; the desk's card shows it on its holders' tickets."""
        found = self._live_session(_("Session {name} is cancelled already."))
        if found is None:
            return
        _event, chosen = found
        store, station = self.backend.store, self.backend.station

        def job() -> str:
            made = program.cancel_session(store, chosen.id, station=station)
            return ngettext(
                "Session {name} cancelled: {count} seat freed",
                "Session {name} cancelled: {count} seats freed",
                len(made.seats_freed),
            ).format(name=made.session.name, count=len(made.seats_freed))

        question = ngettext(
            "Cancel session {name}? Its {count} seat is freed and its door admits nobody; the "
            "desk shows it cancelled on the ticket.",
            "Cancel session {name}? Its {count} seats are freed and its door admits nobody; the "
            "desk shows it cancelled on their tickets.",
            chosen.registered,
        ).format(name=chosen.name, count=chosen.registered)
        self.confirm(
            question,
            _("Cancel session"),
            lambda: self.act(job, "sessions-table", "waitlist-table"),
        )

    # --- ticket types -------------------------------------------------------------------------
    def _type_fields(self, info: TicketTypeInfo | None, tz: str) -> list[Field]:
        attention, staff = ((info.attention or ""), info.needs_staff) if info else ("", False)
        return [
            Field("name", _("Name"), info.name if info else "", required=True),
            Field(
                "price",
                _("Price"),
                format_cents(info.price_cents) if info else "",
                placeholder=_("25.00 (0 for free)"),
                required=True,
            ),
            Field("currency", _("Currency"), info.currency if info else "EUR"),
            Field(
                "quantity",
                _("Quantity"),
                number_text(info.quantity) if info else "",
                placeholder=_("empty: no limit"),
            ),
            Field(
                "tier",
                _("Priority tier"),
                str(info.priority_tier) if info else "1",
                placeholder=_("0-99, lower is served first"),
            ),
            Field("attention", _("Attention"), attention, placeholder=_("VIP, ID check…")),
            Field(
                "alert",
                _("Awaited"),
                (info.alert or "") if info else "",
                # TRANSLATORS: the ticket type form: why the organizer is told of each arrival
                placeholder=_("optional: be told when one arrives (speakers…)"),
                max_length=REASON_LENGTH,
            ),
            Field(
                "staff", _("Needs staff"), kind="check", checked=staff, placeholder=_("ID check")
            ),
            Field(
                "sales-start",
                _("Sales start"),
                local_time(info.sales_start, event_zone(tz), iso=True) if info else "",
                placeholder=_("empty: now"),
            ),
            Field(
                "sales-end",
                _("Sales end"),
                local_time(info.sales_end, event_zone(tz), iso=True) if info else "",
                placeholder=_("empty: until the event"),
            ),
        ]

    @on(Button.Pressed, "#type-new")
    def type_new(self) -> None:
        event = self.need_event()
        if event is None:
            return
        store = self.backend.store
        tz = self.workspace.timezone()

        def create(values: FormValues) -> Change:
            parse_reason(values.text("alert"))  # checked before anything is written
            made = program.add_ticket_type(
                store,
                event,
                name=values.text("name"),
                price_cents=parse_amount(values.text("price"), "price"),
                currency=values.text("currency") or "EUR",
                quantity=whole(values.text("quantity"), "quantity"),
                tier=whole(values.text("tier"), "tier", high=99) or 0,
                attention=values.optional("attention"),
                needs_staff=values.flag("staff"),
                sales_start=values.optional("sales-start"),
                sales_end=values.optional("sales-end"),
            )
            if values.optional("alert"):
                set_ticket_type_alert(store, event, made.id, values.text("alert"))
            price = money_text(made.price_cents, made.currency)
            return Change(
                _("Ticket type {name} ({price}) added").format(name=made.name, price=price),
                ("types-table",),
            )

        self.form(
            _("New ticket type of {event}").format(event=event),
            self._type_fields(None, tz),
            create,
            submit=_("Add"),
            note=_("Times in {zone}.").format(zone=tz),
        )

    @on(Button.Pressed, "#type-edit")
    def type_edit(self) -> None:
        event = self.need_event()
        chosen = (
            self.chosen("types-table", TicketTypeInfo, _("Choose a ticket type in the list first."))
            if event
            else None
        )
        if event is None or chosen is None:
            return
        store, station = self.backend.store, self.backend.station
        tz = self.workspace.timezone()

        def change(values: FormValues) -> Change:
            parse_reason(values.text("alert"))  # checked before anything is written
            quantity = whole(values.text("quantity"), "quantity")
            made = program.update_ticket_type(
                store,
                event,
                chosen.id,
                name=values.text("name"),
                price_cents=parse_amount(values.text("price"), "price"),
                currency=values.text("currency") or None,
                quantity=quantity,
                clear_quantity=quantity is None,
                tier=whole(values.text("tier"), "tier", high=99),
                attention=values.text("attention"),
                needs_staff=values.flag("staff"),
                clear_sales_window=True,
                sales_start=values.optional("sales-start"),
                sales_end=values.optional("sales-end"),
                station=station,
            )
            if (chosen.alert or "") != values.text("alert").strip():
                set_ticket_type_alert(store, event, made.id, values.text("alert"))
            return Change(
                _("Ticket type {name} saved").format(name=made.name),
                ("types-table", "waitlist-table", "events-table", asked.TABLE),
            )

        self.form(
            _("Edit ticket type {name}").format(name=chosen.name),
            self._type_fields(chosen, tz),
            change,
            note=_("Tickets sold keep the price they were sold at."),
        )
