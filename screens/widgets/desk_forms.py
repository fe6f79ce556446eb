"""The desk's dialogs: register a walk-in, take a payment (on the shared form engine).

Each checks what was typed before anything is written (inline messages under the fields) and
does its database work in a thread worker; a service's refusal is shown inline too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.widgets import Label, Select, SelectionList, Static

from eventdesk.errors import EventdeskError, InvalidInput, NotAllowed
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
from screens.widgets.forms import Field, FormDialog, FormLook, FormValues

DESK_CSS = "../desk.tcss"
DESK_LOOK = FormLook(
    label_classes="field",
    error_id="{name}-error",
    error_classes="field-error",
    required_mark="",
    multi_classes="",
    compact_multi=True,
    problem_classes="form-problem",
    problem_hides=True,
    buttons_id=None,
    buttons_classes="dialog-buttons",
    fix_hint="",
)
NO_EVENT = "This station has no event to register for."


# --- checks of what was typed (on the UI thread, before anything is written) ----------------
def _name(text: str) -> object:
    return require_text(text, "name")


def _company(text: str) -> object:
    return optional_text(text, "company")


def _pin(text: str) -> object:
    return parse_pin(text) if text.strip() else ""


def _ticket_type(text: str) -> object:
    if not text:
        raise InvalidInput("Choose a ticket type.", field="ticket_type")
    return text


def _amount(text: str) -> object:
    if parse_amount(text) == 0:
        raise InvalidInput("amount must be more than zero", field="amount")
    return text


def _reference(text: str) -> object:
    return optional_text(text, "reference")


# --- walk-in --------------------------------------------------------------------------------
@dataclass(frozen=True)
class WalkInDone:
    """A walk-in was added; ``registration`` is None when the registration itself failed."""

    attendee: AttendeeInfo
    registration: RegistrationResult | None
    problem: str | None = None

    def notice(self) -> tuple[str, str, SeverityLevel]:
        """What the desk says about it: the text, a title and how loud."""
        person, placed = self.attendee, self.registration
        if placed is None:
            text = f"{person.name} was added, but not registered: {self.problem}"
            return text, "Walk-in", "error"
        ticket = f"{placed.ticket_type}, ticket {placed.ticket_id}"
        if placed.status == "waitlisted":
            text = (
                f"{person.name} is on the waitlist at place {placed.waitlist_position} ({ticket})."
            )
            return text, "Walk-in waitlisted", "warning"
        return f"{person.name} is registered ({ticket}).", "Walk-in registered", "information"


class WalkInScreen(FormDialog[WalkInDone]):
    """Name, email, company, ticket type, sessions and an optional PIN; validated first."""

    CSS_PATH = DESK_CSS
    LOOK = replace(
        DESK_LOOK,
        field_id="walkin-{name}",
        problem_id="walkin-problem",
        save_id="walkin-register",
        cancel_id="walkin-back",
        working="Registering…",
    )
    BINDINGS = [Binding("escape", "cancel", "Back", id="desk.walkin.back")]

    class Loaded(Message):
        def __init__(self, types: list[TicketTypeInfo], sessions: list[SessionInfo]) -> None:
            super().__init__()
            self.types, self.sessions = types, sessions

    class Unready(Message):
        """The choices could not be read: nothing can be registered."""

        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    def __init__(self, backend: Backend) -> None:
        fields = [
            Field("name", "Name", placeholder="Full name", max_length=200, check=_name),
            Field(
                "email", "Email", placeholder="name@example.com", max_length=254, check=parse_email
            ),
            Field("company", "Company", placeholder="optional", max_length=200, check=_company),
            Field(
                "ticket_type",
                "Ticket type",
                kind="select",
                placeholder="Loading…",
                check=_ticket_type,
                widget_id="walkin-type",
            ),
            Field(
                "sessions",
                "Sessions",
                kind="multi",
                widget_id="walkin-sessions",
                row_id="walkin-sessions-row",
            ),
            Field(
                "pin",
                "Kiosk PIN",
                kind="password",
                placeholder="optional, 4-12 digits",
                max_length=12,
                check=_pin,
            ),
        ]
        super().__init__(fields, self.add_and_register)
        self.backend = backend

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="walkin-box", classes="desk-dialog"):
            yield Label("Register a walk-in", classes="dialog-title")
            yield from self.compose_fields()
            yield self.problem_line()
            yield self.buttons("Register", "Back")

    def on_mount(self) -> None:
        self.load_choices(self.backend.event)

    @work(thread=True, exclusive=True, group="walkin-load", exit_on_error=False)
    def load_choices(self, event: str | None) -> None:
        if event is None:
            self.post_message(self.Unready(NO_EVENT))
            return
        try:
            types = list_ticket_types(self.backend.store, event)
            sessions = list_sessions(self.backend.store, event)
        except EventdeskError as exc:
            self.post_message(self.Unready(exc.message))
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
            self.show_error("ticket_type", "This event has no ticket types yet.")
        sessions = self.query_one("#walkin-sessions", SelectionList)
        sessions.add_options(
            (s.name + (f" ({s.room})" if s.room else ""), s.id) for s in message.sessions
        )
        self.query_one("#walkin-sessions-row").display = bool(message.sessions)

    @on(Unready)
    def unready(self, message: Unready) -> None:
        self.show_problem(message.message)

    @staticmethod
    def _type_label(info: TicketTypeInfo) -> str:
        price = format_cents(info.price_cents, info.currency) if info.price_cents else "free"
        if info.quantity is None:
            return f"{info.name} · {price}"
        left = max(info.quantity - info.registered, 0)
        return f"{info.name} · {price} · {left} left" if left else f"{info.name} · {price} · full"

    def add_and_register(self, values: FormValues) -> WalkInDone:
        """In the form's thread worker: add the attendee, then register them."""
        backend = self.backend
        if backend.event is None:
            raise NotAllowed(NO_EVENT)
        person = add_attendee(
            backend.store,
            name=values.text("name"),
            email=values.text("email"),
            company=values.optional("company"),
            pin=values.optional("pin"),
        )
        try:
            order = register(
                backend.store,
                backend.event,
                person.id,
                int(values.text("ticket_type")),
                sessions=[int(s) for s in values.chosen("sessions")],
                staff_override=True,  # a walk-in at the desk needs no invite code
                station=backend.station,
            )
        except EventdeskError as exc:
            return WalkInDone(person, None, exc.message)
        return WalkInDone(person, order.tickets[0])


# --- payment --------------------------------------------------------------------------------
class PaymentScreen(FormDialog[PaymentSummary]):
    """Amount (what is due, prefilled), method and reference; records the payment."""

    CSS_PATH = DESK_CSS
    LOOK = replace(
        DESK_LOOK,
        field_id="pay-{name}",
        problem_id="pay-problem",
        save_id="pay-ok",
        cancel_id="pay-back",
        working="Recording…",
    )
    BINDINGS = [Binding("escape", "cancel", "Back", id="desk.pay.back")]

    def __init__(self, backend: Backend, ticket: TicketInfo, due: PaymentSummary) -> None:
        fields = [
            Field(
                "amount",
                f"Amount {due.currency}",
                format_cents(due.due_cents),
                max_length=20,
                check=_amount,
            ),
            Field(
                "method",
                "Method",
                "cash",
                kind="select",
                options=tuple((m, m) for m in METHODS),
                required=True,
            ),
            Field(
                "reference", "Reference", placeholder="optional", max_length=200, check=_reference
            ),
        ]
        super().__init__(fields, self.record)
        self.backend, self.ticket, self.due = backend, ticket, due

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
            yield from self.compose_fields()
            yield self.problem_line()
            yield self.buttons("Record payment", "Back")

    def record(self, values: FormValues) -> PaymentSummary:
        """In the form's thread worker: record the payment."""
        return pay(
            self.backend.store,
            self.ticket.id,
            method=values.text("method"),
            amount_cents=parse_amount(values.text("amount")),
            reference=values.optional("reference"),
            station=self.backend.station,
        )
