"""Sales and money: registration, cancelling, the waitlist, payments, refunds and tickets."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click

from eventdesk.cli.access import desk_only, organizer_only
from eventdesk.cli.common import (
    Ctx,
    amount_option,
    answers_offline,
    local,
    pass_ctx,
    table,
    to_jsonable,
)
from eventdesk.errors import InvalidInput, NotAllowed
from eventdesk.i18n import _, ngettext
from eventdesk.labels import PAYMENT_METHODS, label
from eventdesk.text import for_terminal
from eventdesk.values import format_cents

if TYPE_CHECKING:
    from eventdesk.db import Store
    from eventdesk.services.people.payments import PaymentSummary
    from eventdesk.services.people.registration import OrderResult, TicketInfo
    from eventdesk.services.stations.mirror import Mirror


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
@click.option(
    "--given",
    "givens",
    multiple=True,
    metavar="NAME",
    help="A holder's given name(s), with --family: the name in parts (once per ticket).",
)
@click.option(
    "--family",
    "families",
    multiple=True,
    metavar="NAME",
    help="The family name of a ticket's holder (else the buyer's): the part lists sort under "
    "(once per ticket).",
)
@click.option("--invite-code", help="The invite code of an invite-only event.")
@click.option("--override-invite", is_flag=True, help="Staff: register without the invite code.")
@click.option(
    "--answer",
    "answers",
    multiple=True,
    metavar="KEY=VALUE",
    help="An answer to the event's question KEY (again for more; N:KEY=VALUE: the N-th "
    "ticket's holder).",
)
@click.option(
    "--paid",
    type=click.Choice(["cash", "card"]),
    help="Paid now, the whole price (offline: from this station's quota).",
)
@click.option(
    "--name", help="A walk-in sold offline: their name (when the copy has no such person)."
)
@click.option("--company", help="A walk-in sold offline: their company.")
@pass_ctx
@answers_offline
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
    givens: tuple[str, ...],
    families: tuple[str, ...],
    invite_code: str | None,
    override_invite: bool,
    answers: tuple[str, ...],
    paid: str | None,
    name: str | None,
    company: str | None,
) -> None:
    """Register an attendee, or put them on the waitlist when full. On a station whose server
    is away: a walk-in sold from this station's quota, admitted at once."""
    from eventdesk.cli.offline_sale import register_online_or_sell
    from eventdesk.names import holders_in_parts, name_in_parts
    from eventdesk.services.people.question_answers import order_answers
    from eventdesk.services.people.questions import parse_answer
    from eventdesk.services.people.registration import register as do_register

    named, named_families = holders_in_parts(holders, givens, families)
    if name is None and len(named) == 1 and givens and not holders:
        # offline, a walk-in's name in parts (its family part is not kept offline)
        name = name_in_parts(None, givens[0], named_families[0])[0]

    def online(store: Store) -> OrderResult:
        return do_register(
            store,
            event_ref,
            attendee_ref,
            ticket_type,
            sessions=session_ids,
            seat=seat,
            quantity=quantity,
            holders=named,
            holder_families=named_families,
            invite_code=invite_code,
            staff_override=override_invite,
            station=obj.station,
            answers=[parse_answer(text) for text in answers],
        )

    order = register_online_or_sell(
        obj,
        online,
        event_ref,
        attendee_ref,
        ticket_type,
        paid=paid,
        name=name,
        company=company,
        one_ticket=not (session_ids or seat or holders or answers or (quantity or 1) > 1),
    )
    if order is None:
        return  # sold offline, and said
    first = order.tickets[0]
    kept = order_answers(obj.store, order.order_id)
    # --paid pays the registered tickets only: a waitlisted one has no place to pay for yet.
    unpaid = [t.ticket_id for t in order.tickets if paid and t.status == "waitlisted"]

    def human() -> str:
        lines = []
        for t in order.tickets:
            if t.status == "waitlisted":
                said = (
                    _("waitlisted: ticket {ticket} for {holder}, position {position}")
                    if t.holder
                    else _("waitlisted: ticket {ticket}, position {position}")
                )
                lines.append(
                    said.format(ticket=t.ticket_id, holder=t.holder, position=t.waitlist_position)
                )
            else:
                if t.holder and t.seat:
                    said = _("registered: ticket {ticket} ({type}) for {holder} seat {seat}")
                elif t.holder:
                    said = _("registered: ticket {ticket} ({type}) for {holder}")
                elif t.seat:
                    said = _("registered: ticket {ticket} ({type}) seat {seat}")
                else:
                    said = _("registered: ticket {ticket} ({type})")
                waits = "".join(
                    # TRANSLATORS: added after "registered: ticket ...", once a full session
                    _("; waiting for a seat in {session} (position {position})").format(
                        session=name, position=position
                    )
                    for name, position in t.session_waits
                )
                lines.append(
                    said.format(
                        ticket=t.ticket_id, type=t.ticket_type, holder=t.holder, seat=t.seat
                    )
                    + waits
                )
        if (
            order.status == "waitlisted"
            and order.places_left is not None
            and len(order.tickets) > 1
        ):
            lines.append(
                ngettext(
                    "the order of {count} waits together: only {places} place(s) were left",
                    "the order of {count} waits together: only {places} place(s) were left",
                    order.places_left,
                ).format(count=len(order.tickets), places=order.places_left)
            )
        lines.extend(
            _(
                "no payment recorded: ticket {ticket} is on the waitlist, not registered; take "
                "the payment when it gets a place (`eventdesk pay`)"
            ).format(ticket=ticket_id)
            for ticket_id in unpaid
        )
        lines.extend(f"  {key}: {value}" for key, value in kept["order"].items())
        for ticket_id, given in kept["tickets"].items():
            lines.extend(f"  {ticket_id} {key}: {value}" for key, value in given.items())
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
            "answers": kept,
            "payment_not_recorded": [
                {"ticket_id": ticket_id, "why": "waitlisted"} for ticket_id in unpaid
            ],
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
    from eventdesk.services.people.cancellation import cancel as do_cancel
    from eventdesk.services.people.cancellation import cancel_order

    if (ticket_id is None) == (order_id is None) or (
        ticket_id is not None and not ticket_id.strip()
    ):
        raise click.UsageError(_("name a TICKET or --order ID"))
    made = (
        do_cancel(obj.store, ticket_id, station=obj.station)
        if ticket_id
        else cancel_order(obj.store, order_id or 0, station=obj.station)
    )

    def human() -> str:
        if made.promoted and made.refundable:
            said = _(
                "cancelled {tickets}; promoted from the waitlist: {promoted}; {paid} was paid: "
                "refund it with {refunds}"
            )
        elif made.promoted:
            said = _("cancelled {tickets}; promoted from the waitlist: {promoted}")
        elif made.refundable:
            said = _("cancelled {tickets}; {paid} was paid: refund it with {refunds}")
        else:
            said = _("cancelled {tickets}")
        return said.format(
            tickets=", ".join(made.cancelled),
            promoted=", ".join(made.promoted),
            paid=format_cents(made.paid_cents, made.currency or "EUR"),
            # not for translation: the commands to run
            refunds=" / ".join(f"eventdesk refund {t}" for t in made.refundable),
        )

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
    from eventdesk.services.people.waitlist import list_session_waitlist, list_waitlist

    zone = obj.zones().of(event_ref)
    if of_sessions:
        seats = list_session_waitlist(obj.store, event_ref)
        obj.emit(
            seats,
            lambda: table(
                # TRANSLATORS: the headings of the table of the sessions' waitlists
                [
                    _("session"),
                    "#",
                    _("ticket"),
                    _("order"),
                    _("name"),
                    _("email"),
                    _("since"),
                ],
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
            # TRANSLATORS: the headings of the table of the waitlist
            ["#", _("ticket"), _("name"), _("email"), _("type"), _("tier"), _("since")],
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
    from eventdesk.services.people.waitlist import promote as do_promote

    made = do_promote(obj.store, ticket_id, force=force, station=obj.station)
    obj.emit(
        {"status": made.status, "ticket_id": made.ticket_id, "seat": made.seat},
        _("promoted: ticket {ticket} is registered").format(ticket=made.ticket_id),
    )


# --- payments -------------------------------------------------------------------------------
def _money_human(s: Any) -> str:
    return _("ticket {ticket}: paid {paid}, due {due}").format(**_money_values(s))


def _money_values(s: Any) -> dict[str, str]:
    """The values of a payment summary's messages: {ticket}, {paid} and {due}."""
    return {
        "ticket": s.ticket_id,
        "paid": format_cents(s.paid_cents, s.currency),
        "due": format_cents(s.due_cents, s.currency),
    }


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
@click.option("--method", required=True, type=click.Choice(list(PAYMENT_METHODS)))
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
@click.option("--method", type=click.Choice(list(PAYMENT_METHODS)))
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
        if made.cancelled and made.promoted:
            said = _(
                "ticket {ticket}: paid {paid}, due {due}; the ticket is cancelled; promoted from "
                "the waitlist: {promoted}"
            )
        elif made.cancelled:
            said = _("ticket {ticket}: paid {paid}, due {due}; the ticket is cancelled")
        elif made.goodwill_cents:
            said = _(
                "ticket {ticket}: paid {paid}, due {due}; {goodwill} goodwill, the ticket stays "
                "valid"
            )
        else:
            said = _("ticket {ticket}: paid {paid}, due {due}")
        return said.format(
            **_money_values(made),
            promoted=", ".join(made.promoted),
            goodwill=format_cents(made.goodwill_cents, made.currency),
        )

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
                    # TRANSLATORS: the headings of the table of a ticket's payments
                    [
                        _("id"),
                        _("kind"),
                        _("method"),
                        _("amount"),
                        _("status"),
                        _("reference"),
                        _("at"),
                    ],
                    [
                        (
                            p.id,
                            label("payment_kind", p.kind),
                            label("payment_method", p.method),
                            format_cents(p.amount_cents, p.currency),
                            label("payment_status", p.status),
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
@answers_offline
@desk_only
def ticket_show(
    obj: Ctx, ticket_id: str, only_payload: bool, png_path: str | None, svg_path: str | None
) -> None:
    """A ticket, with its QR drawn in the terminal (or written to a file)."""
    from eventdesk.services.people.payments import payment_summary
    from eventdesk.services.people.registration import show_ticket
    from eventdesk.services.stations.mirror_read import ticket_in_copy
    from eventdesk.tickets import qr_text, write_png, write_svg

    def on_copy(copy: Mirror) -> tuple[TicketInfo, PaymentSummary, ZoneInfo | None]:
        copied, event, _buyer = ticket_in_copy(copy, ticket_id)
        return copied.ticket, copied.payment, event.zone

    info, money, zone = obj.server_or_copy(
        lambda store: (show_ticket(store, ticket_id), payment_summary(store, ticket_id), None),
        on_copy,
    )
    if (only_payload or png_path or svg_path) and info.qr_payload is None:
        raise NotAllowed(
            _(
                "ticket {ticket} has no QR yet: it was made on a station without the signing key "
                "(run: eventdesk ticket issue, on the station that has it)"
            ).format(ticket=info.id)
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
                    _("cannot write {path}: {problem}").format(
                        path=path, problem=exc.strerror or exc
                    ),
                    field="output",
                ) from None
            written.append(path)
    if written:
        obj.emit(
            {"ticket_id": info.id, "payload": info.qr_payload, "written": written},
            _("QR of ticket {ticket} written to {paths}").format(
                ticket=info.id, paths=", ".join(written)
            ),
        )
        return

    def human() -> str:
        lines = [
            # TRANSLATORS: {status} is the ticket's status, as its own message says it
            # (registered, waitlisted...)
            _("ticket {ticket}  {status}  {type}  {event}").format(
                ticket=info.id,
                status=label("ticket_status", info.status),
                type=info.ticket_type,
                event=info.event,
            ),
            *_holder_lines(info),
            "  "
            + _("price {price}, paid {paid}, due {due}").format(
                price=format_cents(info.price_cents, info.currency),
                paid=format_cents(money.paid_cents, money.currency),
                due=format_cents(money.due_cents, money.currency),
            ),
        ]
        if info.seat:
            lines.append("  " + _("seat {seat}").format(seat=info.seat))
        if info.sessions:
            lines.append("  " + _("sessions: {sessions}").format(sessions=", ".join(info.sessions)))
        if info.waitlist_position:
            lines.append(
                "  " + _("waitlist position {position}").format(position=info.waitlist_position)
            )
        if info.attention:
            lines.append("  " + _("attention: {attention}").format(attention=info.attention))
        if info.checked_in_at:
            when = local(info.checked_in_at, zone or obj.zones().of(info.event))
            lines.append(
                "  "
                + _("checked in {when} at {station}").format(
                    when=when, station=info.checked_in_station
                )
            )
        shown = for_terminal("\n".join(lines), lines=True)
        if info.qr_payload:  # the QR's own colours, after what came from the database
            qr = qr_text(info.qr_payload, color=sys.stdout.isatty())
            shown += f"\n\n{qr}\n{for_terminal(info.qr_payload)}"
        return shown

    # "attendee" is the buyer's name, as it always was; "holder" is whose ticket it is.
    shown = {**to_jsonable(info), "holder": info.holder, "buyer": info.attendee}
    obj.emit({**shown, **_money_json(money)}, human, raw=True)


def _holder_lines(info: TicketInfo) -> list[str]:
    """Whose ticket it is (the name on the badge and at the door), and who bought it when
    that is someone else."""
    if not info.holder_name or info.holder_name == info.attendee:
        return [f"  {info.attendee} <{info.email}>"]
    return [
        f"  {info.holder_name}",
        # TRANSLATORS: under the ticket's holder: the person who bought it, and their e-mail
        "  " + _("bought by {buyer} <{email}>").format(buyer=info.attendee, email=info.email),
    ]


@ticket.group("session")
def ticket_session() -> None:
    """A session added to, or taken off, a ticket someone holds (its places kept right)."""


@ticket_session.command("add")
@click.argument("ticket_id", metavar="TICKET")
@click.argument("session_id", metavar="SESSION", type=int)
@pass_ctx
@desk_only
def ticket_session_add(obj: Ctx, ticket_id: str, session_id: int) -> None:
    """Give a ticket a seat in a session of its event: taken when there is room, else on the
    session's waitlist."""
    from eventdesk.services.people.ticket_sessions import add_seat

    made = add_seat(obj.store, ticket_id, session_id, station=obj.station)
    if made.status == "waitlisted":
        said = _("ticket {ticket}: on the waitlist of {session}, position {position}")
    elif made.status == "with_ticket":
        said = _(
            "ticket {ticket}: a seat in {session} once the ticket has a place (it is on the "
            "event's waitlist)"
        )
    else:
        said = _("ticket {ticket}: a seat in {session}")
    obj.emit(
        made,
        said.format(ticket=made.ticket_id, session=made.session, position=made.waitlist_position),
    )


@ticket_session.command("remove")
@click.argument("ticket_id", metavar="TICKET")
@click.argument("session_id", metavar="SESSION", type=int)
@pass_ctx
@desk_only
def ticket_session_remove(obj: Ctx, ticket_id: str, session_id: int) -> None:
    """Take a ticket's seat in a session off it: its place goes to the next seat waiting."""
    from eventdesk.services.people.ticket_sessions import remove_seat

    made = remove_seat(obj.store, ticket_id, session_id, station=obj.station)
    said = _("ticket {ticket}: its seat in {session} taken off").format(
        ticket=made.ticket_id, session=made.session
    )
    if made.promoted:
        # TRANSLATORS: after "ticket T: its seat in SESSION taken off"
        said += "; " + _("its place went to {tickets} (off the session's waitlist)").format(
            tickets=", ".join(made.promoted)
        )
    obj.emit(made, said)


@ticket.command("issue")
@pass_ctx
@organizer_only
def ticket_issue(obj: Ctx) -> None:
    """Sign the QR of every ticket that has none yet (needs this station's signing key)."""
    from eventdesk.tickets import issue_missing

    if obj.store.signer is None:
        raise NotAllowed(
            _("this station has no signing key: it can check tickets but not issue them")
        )
    issued = issue_missing(obj.store, obj.store.signer)
    obj.emit(
        {"issued": issued},
        ngettext("issued {count} ticket QR code", "issued {count} ticket QR codes", issued).format(
            count=issued
        ),
    )


COMMANDS = [register, cancel, waitlist, promote, pay, refund, payment, ticket]
