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

from eventdesk.services.people import payments, registration
from eventdesk.services.people.payments import METHODS, PaymentRecord, PaymentSummary
from eventdesk.services.people.registration import TicketInfo
from eventdesk.values import format_cents, parse_amount
from screens.organizer.base import Change, Fetched, ListParams, OrganizerTab, RowList, local_time
from screens.widgets.forms import Field, FormValues

METHOD_OPTIONS = tuple((m, m) for m in METHODS)
SHOWN = ""  # the key, which no row has, of the ticket shown and its summary


@dataclass(frozen=True)
class ShownTicket:
    """The ticket whose payments are listed, and the service's summary of them."""

    ticket: TicketInfo
    summary: PaymentSummary


class PaymentsTab(OrganizerTab):
    """The payments of one ticket: chosen on the Attendees tab, or typed here."""

    TITLE = "Payments"
    COLUMNS = {
        "payments-table": ("#", "Kind", "Method", "Amount", "Status", "Reference", "When"),
    }
    CAPTIONS = {"payments-table": "payments-caption"}
    CAN_NEW = True

    def compose(self) -> ComposeResult:
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
                    p.kind,
                    p.method,
                    format_cents(p.amount_cents, p.currency),
                    p.status,
                    p.reference or "",
                    local_time(p.created_at, zone),
                ),
            )
            for p in found
        ]
        items: dict[str, object] = {str(p.id): p for p in found}
        items[SHOWN] = ShownTicket(ticket, sums)
        cur = sums.currency
        caption = (
            f"{ticket.id} · {ticket.attendee} · {ticket.ticket_type} · {ticket.status}\n"
            f"price {format_cents(sums.price_cents, cur)} · paid "
            f"{format_cents(sums.paid_cents, cur)} · due {format_cents(sums.due_cents, cur)}"
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
            self.notify("Type a ticket id.", severity="warning")
            return
        self.show_payments(ticket_id)

    def _shown(self) -> ShownTicket | None:
        shown = self.items["payments-table"].get(SHOWN)
        if not isinstance(shown, ShownTicket) or shown.ticket.id != self.workspace.ticket_id:
            self.notify(
                "Choose a ticket first (Attendees tab, or type its id).", severity="warning"
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
            Field("method", "Method", "cash", kind="select", options=METHOD_OPTIONS, required=True),
            Field("amount", "Amount", format_cents(due), placeholder="empty: all that is due"),
            Field("reference", "Reference", placeholder="receipt, invoice number…"),
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
                f"Payment on {made.ticket_id}: paid {format_cents(made.paid_cents, made.currency)},"
                f" due {format_cents(made.due_cents, made.currency)}",
                ("payments-table",),
            )

        self.form(
            f"Payment for {ticket.id} ({ticket.attendee})",
            fields,
            create,
            submit="Record payment",
            note=f"Price {format_cents(ticket.price_cents, ticket.currency)}; an invoice stays "
            "pending until settled.",
        )

    @on(Button.Pressed, "#pay-refund")
    def pay_refund(self) -> None:
        shown = self._shown()
        if shown is None:
            return
        ticket, paid = shown.ticket, shown.summary.paid_cents
        store, station = self.backend.store, self.backend.station
        fields = [
            Field("amount", "Amount", format_cents(max(paid, 0)), placeholder="empty: all paid"),
            Field(
                "method",
                "Method",
                kind="select",
                options=METHOD_OPTIONS,
                placeholder="as it was paid",
            ),
            Field("reference", "Reference"),
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
            return Change(
                f"Refund on {made.ticket_id}: paid {format_cents(made.paid_cents, made.currency)},"
                f" due {format_cents(made.due_cents, made.currency)}"
                + ("; the ticket is cancelled" if made.cancelled else "; the ticket stays valid"),
                ("payments-table",),
            )

        self.form(
            f"Refund for {ticket.id} ({ticket.attendee})",
            fields,
            create,
            submit="Record refund",
            note="Part of what was paid is goodwill: the ticket stays valid. All of it cancels the"
            " ticket and frees its place.",
        )

    @on(Button.Pressed, "#pay-settle")
    def pay_settle(self) -> None:
        record = self.chosen("payments-table", PaymentRecord, "a pending invoice")
        if record is None:
            return
        if record.status != "pending":
            self.notify(f"Payment {record.id} is {record.status}, not pending.", severity="warning")
            return
        store, station = self.backend.store, self.backend.station

        def job() -> str:
            made = payments.settle(store, record.id, station=station)
            return f"Invoice {record.id} settled: due {format_cents(made.due_cents, made.currency)}"

        self.act(job, "payments-table")
