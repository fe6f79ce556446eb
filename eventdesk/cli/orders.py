"""Orders: one shown, and the staff's note on it (shown at the door, never printed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from eventdesk.cli.access import desk_only
from eventdesk.cli.common import Ctx, pass_ctx
from eventdesk.i18n import _

if TYPE_CHECKING:  # the store loads SQLAlchemy: with the first command that opens it
    from eventdesk.services.people.notes import OrderInfo


@click.group()
def order() -> None:
    """Orders and their staff notes."""


def _human(made: OrderInfo) -> str:
    # TRANSLATORS: an order: its number, its event and its buyer
    lines = [
        _("order {order} ({event}): {name} <{email}>").format(
            order=made.id, event=made.event, name=made.buyer, email=made.email
        ),
        # TRANSLATORS: under an order: the tickets it holds
        "  " + _("tickets: {tickets}").format(tickets=", ".join(made.tickets) or "-"),
    ]
    if made.note:
        # TRANSLATORS: under an order: the staff's note on it
        lines.append("  " + _("note: {note}").format(note=made.note))
    return "\n".join(lines)


@order.command("show")
@click.argument("order_ref", metavar="ORDER")
@pass_ctx
@desk_only
def order_show(obj: Ctx, order_ref: str) -> None:
    """An order: its event, buyer, tickets and note."""
    from eventdesk.services.people.notes import show_order

    made = show_order(obj.store, order_ref)
    obj.emit(made, lambda: _human(made))


@order.command("note")
@click.argument("order_ref", metavar="ORDER")
@click.argument("text", metavar="TEXT")
@pass_ctx
@desk_only
def order_note(obj: Ctx, order_ref: str, text: str) -> None:
    """Write the staff's note on an order, shown at the door with its tickets and never
    printed ("" removes it)."""
    from eventdesk.services.people.notes import set_order_note

    made = set_order_note(obj.store, order_ref, text)
    obj.emit(made, lambda: _human(made))


COMMANDS = [order]
