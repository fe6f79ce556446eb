"""The desk's dialogs: register a walk-in (walkin.py does its work), take a payment (on
the shared form engine).

Each checks what was typed before anything is written (inline messages under the fields) and
does its database work in a thread worker; a service's refusal is shown inline too.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Label, Select, SelectionList, Static
from textual.widgets.selection_list import Selection

from eventdesk.errors import EventdeskError, InvalidInput
from eventdesk.i18n import N_, _
from eventdesk.services.catalogue.events import show_event
from eventdesk.services.catalogue.program import (
    SessionInfo,
    TicketTypeInfo,
    list_sessions,
    list_ticket_types,
)
from eventdesk.services.people.attendees import (
    BADGE_NAME_LENGTH,
    AttendeeInfo,
    parse_badge_name,
)
from eventdesk.services.people.payments import METHODS, PaymentSummary, pay
from eventdesk.services.people.questions import QuestionInfo, list_questions
from eventdesk.services.people.registration import TicketInfo
from eventdesk.services.stations.mirror import Mirror
from eventdesk.values import (
    format_cents,
    money_text,
    optional_text,
    parse_amount,
    parse_email,
    parse_pin,
    require_text,
)
from screens.backend import Backend
from screens.desk.walkin import (
    FREE,
    NO_EVENT,
    PAID_HOW,
    WalkInDone,
    WalkInRefused,
    finish_walk_in,
    paid_how,
    register_walk_in,
    type_named,
)
from screens.desk.walkin_offline import (
    NO_QUOTA,
    OfflineChoice,
    OfflineWalkIn,
    offline_choices,
    paid_offline,
    sell_walk_in,
)
from screens.desk.walkin_questions import (
    answers_given,
    asked,
    check_answer,
    field_name,
    question_field,
    required_text,
    row_id,
)
from screens.widgets.forms import Field, FormDialog, FormLook, FormValues

DESK_CSS = "desk.tcss"
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

# The payment methods (codes: eventdesk.models.PaymentMethod) as a person reads them.
METHOD_LABELS = {
    # TRANSLATORS: a payment method
    "cash": N_("cash"),
    # TRANSLATORS: a payment method
    "card": N_("card"),
    # TRANSLATORS: a payment method: given for free
    "comp": N_("comp"),
    # TRANSLATORS: a payment method: paid later, on an invoice
    "invoice": N_("invoice"),
}


# --- checks of what was typed (on the UI thread, before anything is written) ----------------
def _name(text: str) -> object:
    return require_text(text, "name")


def _company(text: str) -> object:
    return optional_text(text, "company")


def _badge_name(text: str) -> object:
    return parse_badge_name(text) or ""


def badge_name_field(value: str = "") -> Field:
    """The badge name's field (the walk-in's, and the Badge name dialog's)."""
    return Field(
        "badge_name",
        # TRANSLATORS: a field's label: a shorter name printed on the person's badges
        _("Badge name"),
        value=value,
        # TRANSLATORS: the hint in the empty badge name field
        placeholder=_("optional: a shorter name for badges"),
        max_length=BADGE_NAME_LENGTH,
        check=_badge_name,
    )


def _pin(text: str) -> object:
    return parse_pin(text) if text.strip() else ""


def _ticket_type(text: str) -> object:
    if not text:
        raise InvalidInput(_("Choose a ticket type."), field="ticket_type")
    return text


def _amount(text: str) -> object:
    if parse_amount(text) == 0:
        raise InvalidInput(_("amount must be more than zero"), field="amount")
    return text


def _reference(text: str) -> object:
    return optional_text(text, "reference")


# --- walk-in --------------------------------------------------------------------------------
def _paid_how(text: str) -> object:
    if not text:
        raise InvalidInput(_("Say how it was paid (or: not paid yet)."), field="paid")
    return text


class WalkInScreen(FormDialog[WalkInDone | OfflineWalkIn]):
    """A walk-in in one submit: who, which ticket (its price), how it was paid, sessions, the
    event's registration questions asked of that ticket type (screens.desk.walkin_questions), a
    PIN, check in now (on) and print the badge now (with a printer). Checked before anything is
    written; a refusal is shown in the form, nothing typed lost. Opened while the server is
    away, it sells from this station's quota (screens.desk.walkin_offline). At a door for
    several events it offers each event's ticket types, each named with its event; the
    sessions and questions are those of the chosen type's event, and the ticket is of it."""

    CSS_PATH = DESK_CSS
    LOOK = replace(
        DESK_LOOK,
        field_id="walkin-{name}",
        problem_id="walkin-problem",
        save_id="walkin-register",
        cancel_id="walkin-back",
        working=N_("Registering…"),
    )
    BINDINGS = [Binding("escape", "cancel", N_("Back"), id="desk.walkin.back")]

    class Loaded(Message):
        """The choices of the door's events; ``events``: each event's (slug, title) by id."""

        def __init__(
            self,
            types: list[TicketTypeInfo],
            sessions: list[SessionInfo],
            questions: list[QuestionInfo],
            events: dict[int, tuple[str, str]],
        ) -> None:
            super().__init__()
            self.types, self.sessions, self.questions = types, sessions, questions
            self.events = events

    class Unready(Message):
        """The choices could not be read: nothing can be registered."""

        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    def __init__(self, backend: Backend) -> None:
        fields = [
            Field("name", _("Name"), placeholder=_("Full name"), max_length=200, check=_name),
            Field(
                "email",
                _("Email"),
                # TRANSLATORS: an example email address, shown in an empty field
                placeholder=_("name@example.com"),
                max_length=254,
                check=parse_email,
            ),
            Field(
                "company",
                _("Company"),
                placeholder=_("optional"),
                max_length=200,
                check=_company,
            ),
            replace(badge_name_field(), row_id="walkin-badge-row"),
            Field(
                "ticket_type",
                _("Ticket type"),
                kind="select",
                placeholder=_("Loading…"),
                check=_ticket_type,
                widget_id="walkin-type",
            ),
            Field(
                "paid",
                # TRANSLATORS: a field's label: how the walk-in paid (cash, card...)
                _("Paid how"),
                kind="select",
                options=paid_how(),
                placeholder=_("Choose a ticket type first"),
                check=_paid_how,
            ),
            Field(
                "sessions",
                _("Sessions"),
                kind="multi",
                widget_id="walkin-sessions",
                row_id="walkin-sessions-row",
            ),
            Field(
                "pin",
                _("Kiosk PIN"),
                kind="password",
                placeholder=_("optional, 4-12 digits"),
                max_length=12,
                check=_pin,
                row_id="walkin-pin-row",
            ),
            Field(
                "checkin",
                # TRANSLATORS: a field's label, before the checkbox "Check in now"
                _("Now"),
                kind="check",
                placeholder=_("Check in now"),
                checked=True,
            ),
        ]
        if backend.printer:
            fields.append(
                Field(
                    "print",
                    "",
                    kind="check",
                    placeholder=_("Print badge now ({printer})").format(printer=backend.printer),
                    checked=True,
                )
            )
        super().__init__(fields, self.walk_in)
        self.backend = backend
        self.copy = backend.copy  # the server is away: sold from this station's quota
        self.offline: dict[str, OfflineChoice] = {}
        self.types: dict[str, TicketTypeInfo] = {}
        self.earlier: AttendeeInfo | None = None  # saved by a try whose ticket was refused
        self.questions: list[QuestionInfo] = []  # the event's registration questions
        self.asked: list[QuestionInfo] = []  # those asked of the chosen ticket type
        # A door for several events offers each one's types, each named with its event.
        self.several = len(backend.admitted) > 1
        self.events: dict[int, tuple[str, str]] = {}  # event id -> (slug, title)
        self.sessions: list[SessionInfo] = []  # the door's events' sessions
        self.sessions_of: int | None = None  # the event whose sessions are offered
        self.sessions_filled = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="walkin-box", classes="desk-dialog"):
            yield Label(
                _("Register a walk-in")
                if self.copy is None
                else _("Sell to a walk-in offline, from this station's quota"),
                classes="dialog-title",
            )
            yield from self.compose_fields()
            yield self.problem_line()
            # TRANSLATORS: buttons: register the walk-in; close the dialog
            yield self.buttons(_("Register"), _("Back"))

    def on_mount(self) -> None:
        if self.copy is not None:  # what the quota sale cannot take waits for the server
            for row in ("#walkin-badge-row", "#walkin-pin-row"):
                self.query_one(row).display = False
        self.load_choices(self.backend.admitted)

    @work(thread=True, exclusive=True, group="walkin-load", exit_on_error=False)
    def load_choices(self, events: tuple[str, ...]) -> None:
        """The ticket types, sessions and questions of each of the door's ``events``."""
        if not events:
            self.post_message(self.Unready(_(NO_EVENT)))
            return
        if self.copy is not None:
            self._load_offline(self.copy, events)
            return
        store = self.backend.store
        types, sessions, questions, named = [], [], [], {}
        try:
            for event in events:
                info = show_event(store, event)
                named[info.id] = (info.slug, info.title)
                types += list_ticket_types(store, info.slug)
                sessions += list_sessions(store, info.slug)
                questions += list_questions(store, info.slug)
        except EventdeskError as exc:
            self.post_message(self.Unready(exc.message))
            return
        self.post_message(self.Loaded(types, sessions, questions, named))

    def _load_offline(self, copy: Mirror, events: tuple[str, ...]) -> None:
        try:
            choices = [c for e in events for c in offline_choices(copy, e, self.backend.station)]
        except EventdeskError as exc:
            self.post_message(self.Unready(exc.message))
            return
        if not choices:
            self.post_message(self.Unready(_(NO_QUOTA)))
            return
        self.offline = {str(c.info.id): c for c in choices}
        named = {c.info.event_id: (c.event, c.event_title) for c in choices}
        self.post_message(self.Loaded([c.info for c in choices], [], [], named))

    @on(Loaded)
    def fill(self, message: Loaded) -> None:
        self.types = {str(t.id): t for t in message.types}
        self.events = message.events
        self._add_questions(message.questions)
        select = self.query_one("#walkin-type", Select)
        select.prompt = _("Choose a ticket type")
        select.set_options((self._type_label(t), t.id) for t in message.types)
        if len(message.types) == 1:
            select.value = message.types[0].id
        if not message.types:
            self.show_error("ticket_type", _("This event has no ticket types yet."))
        self.sessions = message.sessions
        self._show_sessions(None)

    def _event_of(self, type_id: object) -> tuple[str, str] | None:
        """The (slug, title) of the event of the ticket type ``type_id`` (None: none chosen)."""
        chosen = self.types.get(str(type_id))
        return self.events.get(chosen.event_id) if chosen is not None else None

    def _show_sessions(self, event_id: int | None) -> None:
        """The sessions offered: the event's; at a door for several events, those of the
        chosen type's event (none before a type is chosen). A full session is shown, with its
        count, and cannot be ticked."""
        if not self.several:
            event_id = None  # one event: its sessions, whichever type is chosen
        if self.sessions_filled and event_id == self.sessions_of:
            return  # the ones ticked stay ticked
        self.sessions_filled, self.sessions_of = True, event_id
        shown = [s for s in self.sessions if not self.several or s.event_id == event_id]
        sessions = self.query_one("#walkin-sessions", SelectionList)
        sessions.clear_options()
        sessions.add_options(
            Selection(self._session_label(s), s.id, disabled=self._full(s)) for s in shown
        )
        self.query_one("#walkin-sessions-row").display = bool(shown)

    def _add_questions(self, questions: list[QuestionInfo]) -> None:
        """A row for each of the event's questions, above the PIN: shown while the chosen
        ticket type is asked it."""
        self.questions = questions
        look = self.LOOK
        pin_row = self.query_one("#walkin-pin-row")
        for question in questions:
            check = partial(self._check_answer, question)
            spec = question_field(question, check, several=self.several)
            self.fields.append(spec)
            row = Horizontal(
                Label(spec.label, classes=look.label_classes),
                self._widget(spec),
                classes="form-row",
                id=spec.row_id,
            )
            error = Label("", id=look.error_id.format(name=spec.name), classes=look.error_classes)
            error.display = row.display = False
            self.query_one("#walkin-box").mount(row, error, before=pin_row)

    def _check_answer(self, question: QuestionInfo, text: str) -> object:
        """A question not asked of the chosen ticket type (its row hidden) takes no answer."""
        return check_answer(question, text, several=self.several) if question in self.asked else ""

    def _show_questions(self, type_id: int | None) -> None:
        event = self._event_of(type_id) if self.several else None
        self.asked = asked(self.questions, type_id, event[0] if event else None)
        several = self.several
        for question in self.questions:
            shown = question in self.asked
            self.query_one(f"#{row_id(question, several=several)}").display = shown
            if not shown:
                self.show_error(field_name(question, several=several), "")

    def check(self, values: FormValues) -> bool:
        """The form's checks, and a required question of several choices left empty."""
        fine = super().check(values)
        for question in self.asked:
            name = field_name(question, several=self.several)
            if question.kind == "choices" and question.required and not values.chosen(name):
                if fine:  # the first one wrong: said on the problem line too, and focused
                    self.refuse(name, required_text(question))
                else:
                    self.show_error(name, required_text(question))
                fine = False
        return fine

    @on(Select.Changed, "#walkin-type")
    def type_chosen(self, message: Select.Changed) -> None:
        """A free ticket needs no payment; a paid one asks how (its price in the prompt). The
        questions shown are those asked of the type chosen."""
        chosen = self.types.get(str(message.value))
        self._show_questions(chosen.id if chosen is not None else None)
        self._show_sessions(chosen.event_id if chosen is not None else None)
        paid = self.query_one("#walkin-paid", Select)
        if chosen is not None and chosen.price_cents == 0:
            paid.set_options([(_("free: nothing to pay"), FREE)])
            paid.value, paid.disabled = FREE, True
            return
        before = paid.value
        paid.set_options(paid_how() if self.copy is None else paid_offline())
        paid.disabled = False
        if chosen is not None:
            price = money_text(chosen.price_cents, chosen.currency)
            paid.prompt = _("How were {price} paid?").format(price=price)
        if before in dict((v, v) for _label, v in PAID_HOW):
            paid.value = before  # a choice made before another type was chosen stays

    @on(Unready)
    def unready(self, message: Unready) -> None:
        self.show_problem(message.message)

    @staticmethod
    def _full(info: SessionInfo) -> bool:
        return info.capacity is not None and info.registered >= info.capacity

    @classmethod
    def _session_label(cls, info: SessionInfo) -> str:
        """Its name and room; a full one says so first (a long name is cut at the end)."""
        name = info.name + (f" ({info.room})" if info.room else "")
        if info.capacity is None:
            return name
        if cls._full(info):
            # TRANSLATORS: a full session in a list: "(full 40/40) Keynote (Hall A)"
            return _("(full {registered}/{capacity}) {session}").format(
                registered=info.registered, capacity=info.capacity, session=name
            )
        # TRANSLATORS: a session in a list, with its free places: "Keynote (Hall A) · 3 left"
        return _("{session} · {count} left").format(
            session=name, count=info.capacity - info.registered
        )

    def _type_label(self, info: TicketTypeInfo) -> str:
        offline = self.offline.get(str(info.id))
        if offline is not None:
            return offline.label(named=self.several)
        event = self.events.get(info.event_id) if self.several else None
        name = type_named(info.name, event[1] if event else None)
        # TRANSLATORS: a ticket type's price: it costs nothing
        price = money_text(info.price_cents, info.currency) if info.price_cents else _("free")
        if info.quantity is None:
            return f"{name} · {price}"
        left = max(info.quantity - info.registered, 0)
        if left:
            # TRANSLATORS: a ticket type in a list: "Standard · €50.00 · 3 left"
            return _("{type} · {price} · {count} left").format(type=name, price=price, count=left)
        # TRANSLATORS: a sold-out ticket type in a list: "Standard · €50.00 · full"
        return _("{type} · {price} · full").format(type=name, price=price)

    def walk_in(self, values: FormValues) -> WalkInDone | OfflineWalkIn:
        """In the form's thread worker: the person and their ticket of the chosen type's event,
        then pay, check in, print (offline: sold from the quota)."""
        chosen = self._event_of(values.text("ticket_type"))
        event = chosen[0] if chosen else None
        title = chosen[1] if chosen and self.several else None
        if self.copy is not None:
            return sell_walk_in(self.backend, self.copy, values, event=event, title=title)
        answers = answers_given(self.asked, values, several=self.several)
        try:
            person, placed, full = register_walk_in(
                self.backend, values, self.earlier, answers if self.questions else None, event
            )
        except WalkInRefused as exc:
            self.earlier = exc.person  # a retry uses them; the dialog says it below
            raise
        return finish_walk_in(self.backend, values, person, placed, full, title)


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
        working=N_("Recording…"),
    )
    BINDINGS = [Binding("escape", "cancel", N_("Back"), id="desk.pay.back")]

    def __init__(self, backend: Backend, ticket: TicketInfo, due: PaymentSummary) -> None:
        fields = [
            Field(
                "amount",
                # TRANSLATORS: a field's label: "Amount EUR"
                _("Amount {currency}").format(currency=due.currency),
                format_cents(due.due_cents),
                max_length=20,
                check=_amount,
            ),
            Field(
                "method",
                _("Method"),
                "cash",
                kind="select",
                options=tuple(
                    (_(METHOD_LABELS[m]) if m in METHOD_LABELS else m, m) for m in METHODS
                ),
                required=True,
            ),
            Field(
                "reference",
                # TRANSLATORS: a payment's reference (a receipt's number)
                _("Reference"),
                placeholder=_("optional"),
                max_length=200,
                check=_reference,
            ),
        ]
        super().__init__(fields, self.record)
        self.backend, self.ticket, self.due = backend, ticket, due

    def compose(self) -> ComposeResult:
        ticket, due = self.ticket, self.due
        with VerticalScroll(id="pay-box", classes="desk-dialog"):
            yield Label(_("Take a payment"), classes="dialog-title")
            money = _("price {price}, paid {paid}, due {due}").format(
                price=money_text(due.price_cents, due.currency),
                paid=money_text(due.paid_cents, due.currency),
                due=money_text(due.due_cents, due.currency),
            )
            yield Static(
                f"{ticket.attendee} · {ticket.ticket_type} {ticket.id}\n{money}",
                id="pay-what",
                markup=False,
            )
            yield from self.compose_fields()
            yield self.problem_line()
            yield self.buttons(_("Record payment"), _("Back"))

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
