"""The desk's dialogs: register a walk-in, take a payment, confirm a cancellation.

Each checks what was typed before anything is written (inline messages under the fields) and
does its database work in a thread worker; a service's refusal is shown inline too.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, SelectionList, Static

from eventdesk.errors import EventdeskError
from eventdesk.services.attendees import AttendeeInfo, add_attendee
from eventdesk.services.events import (
    SessionInfo,
    TicketTypeInfo,
    list_sessions,
    list_ticket_types,
)
from eventdesk.services.payments import METHODS, PaymentSummary, pay
from eventdesk.services.registration import RegistrationResult, TicketInfo, register
from eventdesk.values import (
    format_cents,
    optional_text,
    parse_amount,
    parse_email,
    parse_pin,
    require_text,
)
from screens.backend import Backend

DESK_CSS = "../desk.tcss"


def field_error(name: str) -> Label:
    """The inline message under a field; hidden while it is empty."""
    label = Label("", id=f"{name}-error", classes="field-error")
    label.display = False
    return label


def say(label: Static, text: str) -> None:
    """Show a message in ``label``, or hide it when the message is empty."""
    label.update(Content(text))
    label.display = bool(text)


def plain_amount(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


# --- walk-in --------------------------------------------------------------------------------
@dataclass(frozen=True)
class WalkInDone:
    """A walk-in was added; ``registration`` is None when the registration itself failed."""

    attendee: AttendeeInfo
    registration: RegistrationResult | None
    problem: str | None = None


FIELDS = ("name", "email", "company", "ticket_type", "pin")


class WalkInScreen(ModalScreen[WalkInDone | None]):
    """Name, email, company, ticket type, sessions and an optional PIN; validated first."""

    CSS_PATH = DESK_CSS
    BINDINGS = [Binding("escape", "cancel", "Back", id="desk.walkin.back")]

    class Loaded(Message):
        def __init__(self, types: list[TicketTypeInfo], sessions: list[SessionInfo]) -> None:
            super().__init__()
            self.types, self.sessions = types, sessions

    class Refused(Message):
        def __init__(self, field: str | None, message: str) -> None:
            super().__init__()
            self.field, self.message = field, message

    class Finished(Message):
        def __init__(self, done: WalkInDone) -> None:
            super().__init__()
            self.done = done

    def __init__(self, backend: Backend) -> None:
        super().__init__()
        self.backend = backend
        self.busy = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="walkin-box", classes="desk-dialog"):
            yield Label("Register a walk-in", classes="dialog-title")
            with Horizontal(classes="form-row"):
                yield Label("Name", classes="field")
                yield Input(placeholder="Full name", max_length=200, id="walkin-name", compact=True)
            yield field_error("name")
            with Horizontal(classes="form-row"):
                yield Label("Email", classes="field")
                yield Input(
                    placeholder="name@example.com", max_length=254, id="walkin-email", compact=True
                )
            yield field_error("email")
            with Horizontal(classes="form-row"):
                yield Label("Company", classes="field")
                yield Input(
                    placeholder="optional", max_length=200, id="walkin-company", compact=True
                )
            yield field_error("company")
            with Horizontal(classes="form-row"):
                yield Label("Ticket type", classes="field")
                yield Select[int]([], prompt="Loading…", id="walkin-type", compact=True)
            yield field_error("ticket_type")
            with Horizontal(classes="form-row", id="walkin-sessions-row"):
                yield Label("Sessions", classes="field")
                yield SelectionList[int](id="walkin-sessions", compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Kiosk PIN", classes="field")
                yield Input(
                    placeholder="optional, 4-12 digits",
                    password=True,
                    max_length=12,
                    id="walkin-pin",
                    compact=True,
                )
            yield field_error("pin")
            yield Static("", id="walkin-problem", classes="form-problem")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Register", variant="primary", id="walkin-register", compact=True)
                yield Button("Back", id="walkin-back", compact=True)

    def on_mount(self) -> None:
        say(self.query_one("#walkin-problem", Static), "")
        self.query_one("#walkin-name", Input).focus()
        self.load_choices(self.backend.event)

    @work(thread=True, exclusive=True, group="walkin-load", exit_on_error=False)
    def load_choices(self, event: str | None) -> None:
        if event is None:
            self.post_message(self.Refused(None, "This station has no event to register for."))
            return
        try:
            types = list_ticket_types(self.backend.store, event)
            sessions = list_sessions(self.backend.store, event)
        except EventdeskError as exc:
            self.post_message(self.Refused(None, exc.message))
            return
        self.post_message(self.Loaded(types, sessions))

    @on(Loaded)
    def fill(self, message: Loaded) -> None:
        select = self.query_one("#walkin-type", Select)
        select.prompt = "Choose a ticket type"
        select.set_options((self._type_label(t), t.id) for t in message.types)
        if len(message.types) == 1:
            select.value = message.types[0].id
        if not message.types:
            self._refused_field("ticket_type", "This event has no ticket types yet.")
        sessions = self.query_one("#walkin-sessions", SelectionList)
        sessions.add_options(
            (s.name + (f" ({s.room})" if s.room else ""), s.id) for s in message.sessions
        )
        self.query_one("#walkin-sessions-row").display = bool(message.sessions)

    @staticmethod
    def _type_label(info: TicketTypeInfo) -> str:
        price = format_cents(info.price_cents, info.currency) if info.price_cents else "free"
        if info.quantity is None:
            return f"{info.name} · {price}"
        left = max(info.quantity - info.registered, 0)
        return f"{info.name} · {price} · {left} left" if left else f"{info.name} · {price} · full"

    def _value(self, name: str) -> str:
        return self.query_one(f"#walkin-{name}", Input).value

    @staticmethod
    def _clean(name: str, value: str) -> str:
        if name == "name":
            return require_text(value, "name")
        if name == "email":
            return parse_email(value)
        if name == "pin":
            return parse_pin(value) if value.strip() else ""
        return optional_text(value, name) or ""

    def validate(self) -> dict[str, str] | None:
        """The cleaned values, or None after showing what is wrong under each field."""
        problems: dict[str, str] = {}
        clean: dict[str, str] = {}
        for name in ("name", "email", "company", "pin"):
            try:
                clean[name] = self._clean(name, self._value(name))
            except EventdeskError as exc:
                problems[name] = exc.message
        chosen = self.query_one("#walkin-type", Select).value
        if isinstance(chosen, int):
            clean["ticket_type"] = str(chosen)
        else:
            problems["ticket_type"] = "Choose a ticket type."
        for name in FIELDS:
            say(self.query_one(f"#{name}-error", Label), problems.get(name, ""))
        if problems:
            first = next(n for n in FIELDS if n in problems)
            target = "#walkin-type" if first == "ticket_type" else f"#walkin-{first}"
            self.query_one(target).focus()
            return None
        return clean

    @on(Input.Submitted)
    @on(Button.Pressed, "#walkin-register")
    def submit(self) -> None:
        if self.busy:
            return
        say(self.query_one("#walkin-problem", Static), "")
        values = self.validate()
        if values is None:
            return
        sessions = list(self.query_one("#walkin-sessions", SelectionList).selected)
        self.busy = True
        say(self.query_one("#walkin-problem", Static), "Registering…")
        self.save(values, [int(s) for s in sessions])

    @work(thread=True, exclusive=True, group="walkin-save", exit_on_error=False)
    def save(self, values: dict[str, str], sessions: list[int]) -> None:
        backend = self.backend
        if backend.event is None:
            self.post_message(self.Refused(None, "This station has no event to register for."))
            return
        try:
            person = add_attendee(
                backend.store,
                name=values["name"],
                email=values["email"],
                company=values["company"] or None,
                pin=values["pin"] or None,
            )
        except EventdeskError as exc:
            self.post_message(self.Refused(exc.field, exc.message))
            return
        try:
            order = register(
                backend.store,
                backend.event,
                person.id,
                values["ticket_type"],
                sessions=sessions,
                station=backend.station,
            )
        except EventdeskError as exc:
            self.post_message(self.Finished(WalkInDone(person, None, exc.message)))
            return
        self.post_message(self.Finished(WalkInDone(person, order.tickets[0])))

    @on(Refused)
    def refused(self, message: Refused) -> None:
        self.busy = False
        field = message.field if message.field in FIELDS else None
        say(self.query_one("#walkin-problem", Static), "" if field else message.message)
        if field:
            self._refused_field(field, message.message)

    def _refused_field(self, field: str, text: str) -> None:
        say(self.query_one(f"#{field}-error", Label), text)

    @on(Finished)
    def finished(self, message: Finished) -> None:
        self.dismiss(message.done)

    @on(Button.Pressed, "#walkin-back")
    def action_cancel(self) -> None:
        self.dismiss(None)


# --- payment --------------------------------------------------------------------------------
class PaymentScreen(ModalScreen[PaymentSummary | None]):
    """Amount (what is due, prefilled), method and reference; records the payment."""

    CSS_PATH = DESK_CSS
    BINDINGS = [Binding("escape", "cancel", "Back", id="desk.pay.back")]

    class Refused(Message):
        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    class Paid(Message):
        def __init__(self, summary: PaymentSummary) -> None:
            super().__init__()
            self.summary = summary

    def __init__(self, backend: Backend, ticket: TicketInfo, due: PaymentSummary) -> None:
        super().__init__()
        self.backend, self.ticket, self.due = backend, ticket, due
        self.busy = False

    def compose(self) -> ComposeResult:
        ticket, due = self.ticket, self.due
        with VerticalScroll(id="pay-box", classes="desk-dialog"):
            yield Label("Take a payment", classes="dialog-title")
            yield Static(
                f"{ticket.attendee} · {ticket.ticket_type} {ticket.id}\n"
                f"price {format_cents(due.price_cents, due.currency)}, "
                f"paid {format_cents(due.paid_cents, due.currency)}, "
                f"due {format_cents(due.due_cents, due.currency)}",
                id="pay-what",
                markup=False,
            )
            with Horizontal(classes="form-row"):
                yield Label(f"Amount {due.currency}", classes="field")
                yield Input(
                    plain_amount(due.due_cents), max_length=20, id="pay-amount", compact=True
                )
            yield field_error("amount")
            with Horizontal(classes="form-row"):
                yield Label("Method", classes="field")
                yield Select[str](
                    [(m, m) for m in METHODS],
                    value="cash",
                    allow_blank=False,
                    id="pay-method",
                    compact=True,
                )
            with Horizontal(classes="form-row"):
                yield Label("Reference", classes="field")
                yield Input(
                    placeholder="optional", max_length=200, id="pay-reference", compact=True
                )
            yield field_error("reference")
            yield Static("", id="pay-problem", classes="form-problem")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Record payment", variant="primary", id="pay-ok", compact=True)
                yield Button("Back", id="pay-back", compact=True)

    def on_mount(self) -> None:
        say(self.query_one("#pay-problem", Static), "")
        self.query_one("#pay-amount", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#pay-ok")
    def submit(self) -> None:
        if self.busy:
            return
        problems: dict[str, str] = {}
        amount = 0
        reference: str | None = None
        try:
            amount = parse_amount(self.query_one("#pay-amount", Input).value)
            if amount == 0:
                problems["amount"] = "amount must be more than zero"
        except EventdeskError as exc:
            problems["amount"] = exc.message
        try:
            reference = optional_text(self.query_one("#pay-reference", Input).value, "reference")
        except EventdeskError as exc:
            problems["reference"] = exc.message
        for name in ("amount", "reference"):
            say(self.query_one(f"#{name}-error", Label), problems.get(name, ""))
        if problems:
            return
        method = self.query_one("#pay-method", Select).value
        self.busy = True
        say(self.query_one("#pay-problem", Static), "Recording…")
        self.record(amount, str(method), reference)

    @work(thread=True, exclusive=True, group="pay", exit_on_error=False)
    def record(self, amount: int, method: str, reference: str | None) -> None:
        try:
            summary = pay(
                self.backend.store,
                self.ticket.id,
                method=method,
                amount_cents=amount,
                reference=reference,
                station=self.backend.station,
            )
        except EventdeskError as exc:
            self.post_message(self.Refused(exc.message))
            return
        self.post_message(self.Paid(summary))

    @on(Refused)
    def refused(self, message: Refused) -> None:
        self.busy = False
        say(self.query_one("#pay-problem", Static), message.message)

    @on(Paid)
    def paid(self, message: Paid) -> None:
        self.dismiss(message.summary)

    @on(Button.Pressed, "#pay-back")
    def action_cancel(self) -> None:
        self.dismiss(None)
