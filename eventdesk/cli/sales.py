"""Sales and money: registration, cancelling, the waitlist, payments, refunds and tickets."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from eventdesk.cli.access import desk_only, organizer_only
from eventdesk.cli.common import (
    Ctx,
    amount_option,
    local,
    pass_ctx,
    table,
    to_jsonable,
)
from eventdesk.errors import InvalidInput, NotAllowed
from eventdesk.services.people.payments import METHODS
from eventdesk.text import for_terminal
from eventdesk.values import format_cents


# --- registration ---------------------------------------------------------------------------
@click.command()
@click.argument("event_ref", metavar="EVENT")
@click.option("--attendee", "attendee_ref", required=True, metavar="ATTENDEE")
@click.option("--ticket-type", required=True, metavar="NAME")
@click.option("--session", "session_ids", type=int, multiple=True, metavar="ID")
@click.option("--seat", help="A numbered seat, where the venue has them.")
@click.option(
    "--quantity", type=int, help="Tickets in this order (default: one per --holder, or 1)."
)
@click.option(
    "--holder",
    "holders",
    multiple=True,
    metavar="NAME",
    help="Who a ticket is for, once per ticket (default: the buyer).",
)
@click.option("--invite-code", help="The invite code of an invite-only event.")
@click.option("--override-invite", is_flag=True, help="Staff: register without the invite code.")
@pass_ctx
@desk_only
def register(
    obj: Ctx,
    event_ref: str,
    attendee_ref: str,
    ticket_type: str,
    session_ids: tuple[int, ...],
    seat: str | None,
    quantity: int | None,
    holders: tuple[str, ...],
    invite_code: str | None,
    override_invite: bool,
) -> None:
    """Register an attendee, or put them on the waitlist when full."""
    from eventdesk.services.people.registration import register as do_register

    order = do_register(
        obj.store,
        event_ref,
        attendee_ref,
        ticket_type,
        sessions=session_ids,
        seat=seat,
        quantity=quantity,
        holders=holders,
        invite_code=invite_code,
        staff_override=override_invite,
        station=obj.station,
    )
    first = order.tickets[0]

    def human() -> str:
        lines = []
        for t in order.tickets:
            where = f" seat {t.seat}" if t.seat else ""
            held = f" for {t.holder}" if t.holder else ""
            if t.status == "waitlisted":
                lines.append(
                    f"waitlisted: ticket {t.ticket_id}{held}, position {t.waitlist_position}"
                )
            else:
                waits = "".join(
                    f"; waiting for a seat in {name} (position {position})"
                    for name, position in t.session_waits
                )
                lines.append(
                    f"registered: ticket {t.ticket_id} ({t.ticket_type}){held}{where}{waits}"
                )
        if (
            order.status == "waitlisted"
            and order.places_left is not None
            and len(order.tickets) > 1
        ):
            lines.append(
                f"the order of {len(order.tickets)} waits together: only {order.places_left}"
                " place(s) were left"
            )
        return "\n".join(lines)

    obj.emit(
        {
            "status": first.status,
            "ticket_id": first.ticket_id,
            "waitlist_position": first.waitlist_position,
            "order_id": order.order_id,
            "seat": first.seat,
            "tickets": order.tickets,
            "places_left": order.places_left,
            "waitlisted_sessions": order.waitlisted_sessions,
        },
        human,
    )


@click.command()
@click.argument("ticket_id", metavar="TICKET", required=False)
@click.option("--order", "order_id", type=int, help="Cancel every ticket of an order.")
@pass_ctx
@desk_only
def cancel(obj: Ctx, ticket_id: str | None, order_id: int | None) -> None:
    """Cancel a ticket (or an order); the freed place goes to the waitlist at once."""
    from eventdesk.services.people.registration import cancel as do_cancel
    from eventdesk.services.people.registration import cancel_order

    if (ticket_id is None) == (order_id is None) or (
        ticket_id is not None and not ticket_id.strip()
    ):
        raise click.UsageError("name a TICKET or --order ID")
    made = (
        do_cancel(obj.store, ticket_id, station=obj.station)
        if ticket_id
        else cancel_order(obj.store, order_id or 0, station=obj.station)
    )

    def human() -> str:
        said = f"cancelled {', '.join(made.cancelled)}"
        if made.promoted:
            said += f"; promoted from the waitlist: {', '.join(made.promoted)}"
        if made.refundable:
            paid = format_cents(made.paid_cents, made.currency or "EUR")
            refunds = " / ".join(f"eventdesk refund {t}" for t in made.refundable)
            said += f"; {paid} was paid: refund it with {refunds}"
        return said

    obj.emit(
        {
            "status": made.status,
            "cancelled": made.cancelled,
            "promoted": made.promoted,
            "paid": made.paid_cents / 100,
            "paid_cents": made.paid_cents,
            "currency": made.currency,
            "refundable": made.refundable,
        },
        human,
    )


@click.command()
@click.argument("event_ref", metavar="EVENT")
@click.option(
    "--sessions",
    "of_sessions",
    is_flag=True,
    help="The seats waiting for full sessions (their tickets registered), session by session.",
)
@pass_ctx
@desk_only
def waitlist(obj: Ctx, event_ref: str, of_sessions: bool) -> None:
    """The waitlist in promotion order (tier, then arrival); with --sessions, the seats
    waiting for each full session, in arrival order."""
    from eventdesk.services.people.registration import list_session_waitlist, list_waitlist

    zone = obj.zones().of(event_ref)
    if of_sessions:
        seats = list_session_waitlist(obj.store, event_ref)
        obj.emit(
            seats,
            lambda: table(
                ["session", "#", "ticket", "order", "name", "email", "since"],
                [
                    (
                        w.session,
                        w.position,
                        w.ticket_id,
                        w.order_id,
                        w.name,
                        w.email,
                        local(w.since, zone) if w.since else "",
                    )
                    for w in seats
                ],
            ),
        )
        return
    rows = list_waitlist(obj.store, event_ref)
    obj.emit(
        rows,
        lambda: table(
            ["#", "ticket", "name", "email", "type", "tier", "since"],
            [
                (
                    w.position,
                    w.ticket_id,
                    w.name,
                    w.email,
                    w.ticket_type,
                    w.tier,
                    local(w.since, zone),
                )
                for w in rows
            ],
        ),
    )


@click.command()
@click.argument("ticket_id", metavar="TICKET")
@click.option("--force", is_flag=True, help="Admit over capacity (organizer's call).")
@pass_ctx
@desk_only
def promote(obj: Ctx, ticket_id: str, force: bool) -> None:
    """Move a ticket off the waitlist now."""
    from eventdesk.services.people.registration import promote as do_promote

    made = do_promote(obj.store, ticket_id, force=force, station=obj.station)
    obj.emit(
        {"status": made.status, "ticket_id": made.ticket_id, "seat": made.seat},
        f"promoted: ticket {made.ticket_id} is registered",
    )


# --- payments -------------------------------------------------------------------------------
def _money_human(s: Any) -> str:
    return (
        f"ticket {s.ticket_id}: paid {format_cents(s.paid_cents, s.currency)}, "
        f"due {format_cents(s.due_cents, s.currency)}"
    )


def _money_json(s: Any) -> dict[str, Any]:
    return {
        "paid": s.paid_cents / 100,
        "due": s.due_cents / 100,
        "paid_cents": s.paid_cents,
        "due_cents": s.due_cents,
        "currency": s.currency,
        "ticket_id": s.ticket_id,
        "payment_id": s.payment_id,
        "status": s.status,
    }


@click.command()
@click.argument("ticket_id", metavar="TICKET")
@click.option("--amount", help="e.g. 12.50 (default: what is due)")
@click.option("--method", required=True, type=click.Choice(METHODS))
@click.option("--reference")
@click.option(
    "--pending", is_flag=True, help="Record it as pending (an invoice is pending by default)."
)
@click.option("--completed", is_flag=True, help="Record an invoice as paid already.")
@pass_ctx
@desk_only
def pay(
    obj: Ctx,
    ticket_id: str,
    amount: str | None,
    method: str,
    reference: str | None,
    pending: bool,
    completed: bool,
) -> None:
    """Record a payment for a ticket."""
    from eventdesk.services.people.payments import pay as do_pay

    status = "pending" if pending else "completed" if completed else None
    made = do_pay(
        obj.store,
        ticket_id,
        method=method,
        amount_cents=amount_option(amount),
        reference=reference,
        status=status,
        station=obj.station,
    )
    obj.emit(_money_json(made), lambda: _money_human(made))


@click.command()
@click.argument("ticket_id", metavar="TICKET")
@click.option("--amount", help="e.g. 12.50 (default: all that was paid)")
@click.option("--method", type=click.Choice(METHODS))
@click.option("--reference")
@click.option("--cancel", "cancel_ticket", is_flag=True, help="Cancel the ticket too (frees it).")
@pass_ctx
@organizer_only
def refund(
    obj: Ctx,
    ticket_id: str,
    amount: str | None,
    method: str | None,
    reference: str | None,
    cancel_ticket: bool,
) -> None:
    """Record a refund: all that was paid (or --cancel) cancels the ticket; less is goodwill."""
    from eventdesk.services.people.payments import refund as do_refund

    made = do_refund(
        obj.store,
        ticket_id,
        amount_cents=amount_option(amount),
        cancel=cancel_ticket,
        method=method,
        reference=reference,
        station=obj.station,
    )

    def human() -> str:
        said = _money_human(made)
        if made.cancelled:
            said += "; the ticket is cancelled"
            if made.promoted:
                said += f"; promoted from the waitlist: {', '.join(made.promoted)}"
        elif made.goodwill_cents:
            goodwill = format_cents(made.goodwill_cents, made.currency)
            said += f"; {goodwill} goodwill, the ticket stays valid"
        return said

    obj.emit(
        {
            **_money_json(made),
            "cancelled": made.cancelled,
            "goodwill": made.goodwill_cents / 100,
            "promoted": made.promoted,
        },
        human,
    )


@click.group()
def payment() -> None:
    """Payment records of a ticket."""


@payment.command("list")
@click.argument("ticket_id", metavar="TICKET")
@pass_ctx
@desk_only
def payment_list(obj: Ctx, ticket_id: str) -> None:
    from eventdesk.services.people.payments import list_payments, payment_summary

    rows = list_payments(obj.store, ticket_id)
    total = payment_summary(obj.store, ticket_id)
    zone = obj.zones(tickets=[ticket_id]).of_ticket(ticket_id)
    obj.emit(
        {**_money_json(total), "payments": rows},
        lambda: "\n".join(
            [
                table(
                    ["id", "kind", "method", "amount", "status", "reference", "at"],
                    [
                        (
                            p.id,
                            p.kind,
                            p.method,
                            format_cents(p.amount_cents, p.currency),
                            p.status,
                            p.reference,
                            local(p.created_at, zone),
                        )
                        for p in rows
                    ],
                ),
                _money_human(total),
            ]
        ),
    )


@payment.command("settle")
@click.argument("payment_id", type=int)
@pass_ctx
@organizer_only
def payment_settle(obj: Ctx, payment_id: int) -> None:
    """Mark a pending payment (an invoice) as paid."""
    from eventdesk.services.people.payments import settle

    made = settle(obj.store, payment_id, station=obj.station)
    obj.emit(_money_json(made), lambda: _money_human(made))


# --- tickets --------------------------------------------------------------------------------
@click.group()
def ticket() -> None:
    """Tickets."""


@ticket.command("show")
@click.argument("ticket_id", metavar="TICKET")
@click.option("--payload", "only_payload", is_flag=True, help="Print only the QR payload string.")
@click.option("--png", "png_path", type=click.Path(dir_okay=False), help="Write the QR as PNG.")
@click.option("--svg", "svg_path", type=click.Path(dir_okay=False), help="Write the QR as SVG.")
@pass_ctx
@desk_only
def ticket_show(
    obj: Ctx, ticket_id: str, only_payload: bool, png_path: str | None, svg_path: str | None
) -> None:
    """A ticket, with its QR drawn in the terminal (or written to a file)."""
    from eventdesk.services.people.payments import payment_summary
    from eventdesk.services.people.registration import show_ticket
    from eventdesk.tickets import qr_text, write_png, write_svg

    info = show_ticket(obj.store, ticket_id)
    money = payment_summary(obj.store, ticket_id)
    if (only_payload or png_path or svg_path) and info.qr_payload is None:
        raise NotAllowed(
            f"ticket {info.id} has no QR yet: it was made on a station without the signing key "
            "(run: eventdesk ticket issue, on the station that has it)"
        )
    if only_payload:
        obj.emit({"ticket_id": info.id, "payload": info.qr_payload}, info.qr_payload)
        return
    written = []
    for path, writer in ((png_path, write_png), (svg_path, write_svg)):
        if path:
            try:
                writer(info.qr_payload or "", Path(path))
            except OSError as exc:
                raise InvalidInput(
                    f"cannot write {path}: {exc.strerror or exc}", field="output"
                ) from None
            written.append(path)
    if written:
        obj.emit(
            {"ticket_id": info.id, "payload": info.qr_payload, "written": written},
            f"QR of ticket {info.id} written to {', '.join(written)}",
        )
        return

    def human() -> str:
        lines = [
            f"ticket {info.id}  {info.status}  {info.ticket_type}  {info.event}",
            f"  {info.attendee} <{info.email}>",
            f"  price {format_cents(info.price_cents, info.currency)}, "
            f"paid {format_cents(money.paid_cents, money.currency)}, "
            f"due {format_cents(money.due_cents, money.currency)}",
        ]
        if info.seat:
            lines.append(f"  seat {info.seat}")
        if info.sessions:
            lines.append(f"  sessions: {', '.join(info.sessions)}")
        if info.waitlist_position:
            lines.append(f"  waitlist position {info.waitlist_position}")
        if info.attention:
            lines.append(f"  attention: {info.attention}")
        if info.checked_in_at:
            when = local(info.checked_in_at, obj.zones().of(info.event))
            lines.append(f"  checked in {when} at {info.checked_in_station}")
        shown = for_terminal("\n".join(lines), lines=True)
        if info.qr_payload:  # the QR's own colours, after what came from the database
            qr = qr_text(info.qr_payload, color=sys.stdout.isatty())
            shown += f"\n\n{qr}\n{for_terminal(info.qr_payload)}"
        return shown

    obj.emit({**to_jsonable(info), **_money_json(money)}, human, raw=True)


@ticket.command("issue")
@pass_ctx
@organizer_only
def ticket_issue(obj: Ctx) -> None:
    """Sign the QR of every ticket that has none yet (needs this station's signing key)."""
    from eventdesk.tickets import issue_missing

    if obj.store.signer is None:
        raise NotAllowed("this station has no signing key: it can check tickets but not issue them")
    issued = issue_missing(obj.store, obj.store.signer)
    obj.emit({"issued": issued}, f"issued {issued} ticket QR code{'s' if issued != 1 else ''}")


COMMANDS = [register, cancel, waitlist, promote, pay, refund, payment, ticket]
