"""The desk's cancel question: what was paid, and "cancel and refund", "cancel without refund"
or "keep" (docs/architecture.md#money-and-orders: a refund of all that was paid revokes the
ticket)."""

from __future__ import annotations

from typing import Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from eventdesk.i18n import N_, _
from eventdesk.labels import label
from eventdesk.values import money_text
from screens.desk.card import TicketLine

CancelChoice = Literal["refund", "cancel"]


class CancelScreen(ModalScreen[CancelChoice | None]):
    """Dismissed with "refund", "cancel", or None (keep): escape and n keep the ticket."""

    CSS_PATH = "desk.tcss"
    BINDINGS = [
        # TRANSLATORS: a key: keep the ticket (do not cancel it)
        Binding("escape,n", "keep", N_("Keep"), id="desk.cancel.keep"),  # not for translation: keys
    ]

    def __init__(self, line: TicketLine) -> None:
        super().__init__()
        self.line = line

    @property
    def paid(self) -> str:
        money = self.line.payment
        return money_text(money.paid_cents, money.currency)

    def compose(self) -> ComposeResult:
        ticket, paid_cents = self.line.ticket, self.line.payment.paid_cents
        state = _("checked in") if ticket.checked_in_at else label("ticket_status", ticket.status)
        lines = [
            # TRANSLATORS: {type} is the ticket type ("Standard"), {state} e.g. "checked in"
            _("Cancel {name}'s {type} ticket {ticket} ({state})?").format(
                name=ticket.attendee, type=ticket.ticket_type, ticket=ticket.id, state=state
            ),
            _("A freed place goes to the next person on the waitlist."),
        ]
        if paid_cents > 0:
            lines.append(
                _("Paid: {amount}. Refund it now, or cancel and keep the money?").format(
                    amount=self.paid
                )
            )
        with Vertical(id="cancel-box", classes="desk-dialog"):
            yield Static(_("Cancel a ticket"), classes="dialog-title")
            yield Static("\n".join(lines), id="cancel-question", markup=False)
            with Horizontal(classes="dialog-buttons"):
                if paid_cents > 0:
                    yield Button(
                        # TRANSLATORS: a button: cancel the ticket and give the money back
                        _("Cancel, refund {amount}").format(amount=self.paid),
                        variant="error",
                        id="cancel-refund",
                        compact=True,
                    )
                    yield Button(
                        # TRANSLATORS: a button: cancel the ticket, give no money back
                        _("Cancel, keep money"),
                        variant="warning",
                        id="cancel-only",
                        compact=True,
                    )
                else:
                    yield Button(
                        # TRANSLATORS: a button: cancel the ticket
                        _("Cancel ticket"),
                        variant="error",
                        id="cancel-only",
                        compact=True,
                    )
                # TRANSLATORS: a button: keep the ticket (do not cancel it)
                yield Button(_("Keep"), variant="primary", id="cancel-keep", compact=True)

    def on_mount(self) -> None:
        self.query_one("#cancel-keep", Button).focus()

    @on(Button.Pressed, "#cancel-refund")
    def refund_pressed(self) -> None:
        self.dismiss("refund")

    @on(Button.Pressed, "#cancel-only")
    def cancel_pressed(self) -> None:
        self.dismiss("cancel")

    @on(Button.Pressed, "#cancel-keep")
    def action_keep(self) -> None:
        self.dismiss(None)
