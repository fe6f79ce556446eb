"""The Payments tab: a ticket's payments and refunds; take a payment, refund, settle an invoice.

What a ticket costs, what was paid and what is due are the payments service's summary, read with
the list: the caption shows it and the forms start from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Static

from eventdesk.i18n import N_, _
from eventdesk.labels import label, options
from eventdesk.services.people import payments, registration
from eventdesk.services.people.payments import METHODS, PaymentRecord, PaymentSummary
from eventdesk.services.people.registration import TicketInfo
from eventdesk.values import format_cents, money_text, parse_amount
from screens.organizer.base import Change, Fetched, ListParams, OrganizerTab, RowList, local_time
from screens.widgets.forms import Field, FormValues

SHOWN = ""  # the key, which no row has, of the ticket shown and its summary


@dataclass(frozen=True)
class ShownTicket:
    """The ticket whose payments are listed, and the service's summary of them."""

    ticket: TicketInfo
    summary: PaymentSummary


class PaymentsTab(OrganizerTab):
    """The payments of one ticket: chosen on the Attendees tab, or typed here."""

    TITLE = N_("Payments")
    COLUMNS = {
        "payments-table": (
            "#",
            # TRANSLATORS: a table heading: payment or refund
            N_("Kind"),
            N_("Method"),
            N_("Amount"),
            N_("Status"),
            N_("Reference"),
            N_("When"),
        ),
    }
    CAPTIONS = {"payments-table": "payments-caption"}
    CAN_NEW = True

    def compose(self) -> ComposeResult:
        with Horizontal(classes="org-buttons"):
            yield Input(placeholder=_("ticket id"), id="pay-ticket", compact=True)
            # TRANSLATORS: a button: show the payments of the ticket typed
            yield Button(_("Show"), id="pay-show", compact=True)
            yield Button(_("Take payment"), id="pay-new", compact=True)
            yield Button(_("Refund"), id="pay-refund", compact=True)
            yield Button(_("Settle invoice"), id="pay-settle", compact=True)
        yield Static(
            _("Choose a ticket on the Attendees tab or type its id."),
            id="payments-caption",
            classes="caption",
        )
        yield self.table("payments-table")

    def new(self) -> None:
        self.pay_new()

    # --- the list ---------------------------------------------------------------------------
    def wants(self, target: str, params: ListParams) -> bool:
        return params.ticket_id is not None

    def read(self, target: str, params: ListParams) -> Fetched:
        if params.ticket_id is None:
            return [], {}, ""
        store = self.backend.store
        ticket = registration.show_ticket(store, params.ticket_id)
        sums = payments.payment_summary(store, ticket.id)
        found = payments.list_payments(store, ticket.id)
        zone = self.workspace.zone_of(ticket.event)
        rows: RowList = [
            (
                str(p.id),
                (
                    str(p.id),
                    label("payment_kind", p.kind),
                    label("payment_method", p.method),
                    money_text(p.amount_cents, p.currency),
                    label("payment_status", p.status),
                    p.reference or "",
                    local_time(p.created_at, zone),
                ),
            )
            for p in found
        ]
        items: dict[str, object] = {str(p.id): p for p in found}
        items[SHOWN] = ShownTicket(ticket, sums)
        cur = sums.currency
        caption = _(
            "{ticket} · {attendee} · {type} · {status}\nprice {price} · paid {paid} · due {due}"
        ).format(
            ticket=ticket.id,
            attendee=ticket.attendee,
            type=ticket.ticket_type,
            status=label("ticket_status", ticket.status),
            price=money_text(sums.price_cents, cur),
            paid=money_text(sums.paid_cents, cur),
            due=money_text(sums.due_cents, cur),
        )
        return rows, items, caption

    def show_payments(self, ticket_id: str) -> None:
        """List this ticket's payments (it was chosen on the Attendees tab, or typed)."""
        self.workspace.ticket_id = ticket_id
        field = self.query_one("#pay-ticket", Input)
        if field.value != ticket_id:
            field.value = ticket_id
        self.reload("payments-table")

    @on(Input.Submitted, "#pay-ticket")
    @on(Button.Pressed, "#pay-show")
    def pay_show(self) -> None:
        ticket_id = self.query_one("#pay-ticket", Input).value.strip().upper()
        if not ticket_id:
            self.notify(_("Type a ticket id."), severity="warning")
            return
        self.show_payments(ticket_id)

    def _shown(self) -> ShownTicket | None:
        shown = self.items["payments-table"].get(SHOWN)
        if not isinstance(shown, ShownTicket) or shown.ticket.id != self.workspace.ticket_id:
            self.notify(
                _("Choose a ticket first (Attendees tab, or type its id)."), severity="warning"
            )
            return None
        return shown

    # --- payments -----------------------------------------------------------------------------
    @on(Button.Pressed, "#pay-new")
    def pay_new(self) -> None:
        shown = self._shown()
        if shown is None:
            return
        ticket, due = shown.ticket, shown.summary.due_cents
        store, station = self.backend.store, self.backend.station
        fields = [
            Field(
                "method",
                _("Method"),
                "cash",
                kind="select",
                options=options("payment_method", METHODS),
                required=True,
            ),
            Field(
                "amount", _("Amount"), format_cents(due), placeholder=_("empty: all that is due")
            ),
            Field("reference", _("Reference"), placeholder=_("receipt, invoice number…")),
        ]

        def create(values: FormValues) -> Change:
            text = values.text("amount")
            made = payments.pay(
                store,
                ticket.id,
                method=values.text("method"),
                amount_cents=parse_amount(text, "amount") if text else None,
                reference=values.optional("reference"),
                station=station,
            )
            return Change(
                _("Payment on {ticket}: paid {paid}, due {due}").format(
                    ticket=made.ticket_id,
                    paid=money_text(made.paid_cents, made.currency),
                    due=money_text(made.due_cents, made.currency),
                ),
                ("payments-table",),
            )

        self.form(
            _("Payment for {ticket} ({attendee})").format(
                ticket=ticket.id, attendee=ticket.attendee
            ),
            fields,
            create,
            submit=_("Record payment"),
            note=_("Price {price}; an invoice stays pending until settled.").format(
                price=money_text(ticket.price_cents, ticket.currency)
            ),
        )

    @on(Button.Pressed, "#pay-refund")
    def pay_refund(self) -> None:
        shown = self._shown()
        if shown is None:
            return
        ticket, paid = shown.ticket, shown.summary.paid_cents
        store, station = self.backend.store, self.backend.station
        fields = [
            Field(
                "amount",
                _("Amount"),
                format_cents(max(paid, 0)),
                placeholder=_("empty: all paid"),
            ),
            Field(
                "method",
                _("Method"),
                kind="select",
                options=options("payment_method", METHODS),
                placeholder=_("as it was paid"),
            ),
            Field("reference", _("Reference")),
        ]

        def create(values: FormValues) -> Change:
            text = values.text("amount")
            made = payments.refund(
                store,
                ticket.id,
                amount_cents=parse_amount(text, "amount") if text else None,
                method=values.optional("method"),
                reference=values.optional("reference"),
                station=station,
            )
            if made.cancelled:
                said = _("Refund on {ticket}: paid {paid}, due {due}; the ticket is cancelled")
            else:
                said = _("Refund on {ticket}: paid {paid}, due {due}; the ticket stays valid")
            return Change(
                said.format(
                    ticket=made.ticket_id,
                    paid=money_text(made.paid_cents, made.currency),
                    due=money_text(made.due_cents, made.currency),
                ),
                ("payments-table",),
            )

        self.form(
            _("Refund for {ticket} ({attendee})").format(
                ticket=ticket.id, attendee=ticket.attendee
            ),
            fields,
            create,
            submit=_("Record refund"),
            note=_(
                "Part of what was paid is goodwill: the ticket stays valid. All of it cancels the"
                " ticket and frees its place."
            ),
        )

    @on(Button.Pressed, "#pay-settle")
    def pay_settle(self) -> None:
        record = self.chosen(
            "payments-table", PaymentRecord, _("Choose a pending invoice in the list first.")
        )
        if record is None:
            return
        if record.status != "pending":
            self.notify(
                _("Payment {payment} is {status}, not pending.").format(
                    payment=record.id, status=label("payment_status", record.status)
                ),
                severity="warning",
            )
            return
        store, station = self.backend.store, self.backend.station

        def job() -> str:
            made = payments.settle(store, record.id, station=station)
            return _("Invoice {payment} settled: due {due}").format(
                payment=record.id, due=money_text(made.due_cents, made.currency)
            )

        self.act(job, "payments-table")
