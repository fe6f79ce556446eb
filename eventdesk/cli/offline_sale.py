"""``register`` at a station whose server is away: a walk-in sold from this station's quota
(services.stations.quota_sale), admitted at once; online, the registration as ever (and its
payment, with ``--paid``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from eventdesk.errors import InvalidInput, NotFound
from eventdesk.i18n import _
from eventdesk.labels import label
from eventdesk.values import format_cents

if TYPE_CHECKING:
    from eventdesk.cli.common import Ctx
    from eventdesk.db import Store
    from eventdesk.services.people.attendees import AttendeeInfo
    from eventdesk.services.people.registration import OrderResult
    from eventdesk.services.stations.mirror import Mirror
    from eventdesk.services.stations.quota_sale import OfflineSale


def register_online_or_sell(
    obj: Ctx,
    online: Callable[[Store], OrderResult],
    event_ref: str,
    attendee_ref: str,
    ticket_type: str,
    *,
    paid: str | None,
    name: str | None,
    company: str | None,
    one_ticket: bool,
) -> OrderResult | None:
    """The order registered online (None when sold offline from the quota, and said)."""

    def on_server(store: Store) -> tuple[OrderResult | None, OfflineSale | None]:
        order = online(store)
        if paid is not None:
            from eventdesk.services.people.payments import pay, payment_summary

            for placed in order.tickets:
                # A free ticket has nothing to pay: registered, and no payment recorded.
                if (
                    placed.status == "registered"
                    and payment_summary(store, placed.ticket_id).due_cents > 0
                ):
                    pay(store, placed.ticket_id, method=paid, station=obj.station)
        return order, None

    def on_copy(copy: Mirror) -> tuple[OrderResult | None, OfflineSale | None]:
        if not one_ticket:
            raise InvalidInput(
                _(
                    "offline, a station sells one ticket at a time, without sessions, seats, "
                    "holders or answers"
                ),
                field="quantity",
            )
        return None, _sell(obj, copy, event_ref, attendee_ref, ticket_type, paid, name, company)

    order, sale = obj.server_or_copy(on_server, on_copy)
    if sale is not None:
        obj.emit(_sale_json(sale), _sale_human(sale))
    return order


def _sell(
    obj: Ctx,
    copy: Mirror,
    event_ref: str,
    attendee_ref: str,
    ticket_type: str,
    paid: str | None,
    name: str | None,
    company: str | None,
) -> OfflineSale:
    from eventdesk.services.stations.mirror_read import person_of_ref
    from eventdesk.services.stations.quota_sale import sell

    ref = attendee_ref.strip()
    try:
        found: AttendeeInfo | None = person_of_ref(copy, ref)[0]
    except NotFound:  # someone new: known by the e-mail given
        found = None
    if found is not None and found.email:
        name, email, company = name or found.name, found.email, company or found.company
    elif "@" in ref:
        email = ref
    else:
        raise InvalidInput(
            _("no attendee {attendee!r} in this station's copy: give their e-mail").format(
                attendee=ref
            ),
            field="attendee",
        )
    if not name:
        raise InvalidInput(_("a walk-in sold offline needs --name"), field="name")
    obj.door_station().require_accepted()  # a station its server refuses sells nothing
    return sell(
        copy,
        event_ref,
        ticket_type,
        station=obj.station,
        name=name,
        email=email,
        company=company,
        method=paid,
        admit=True,
    )


def _sale_json(sale: OfflineSale) -> dict[str, Any]:
    return {
        "status": "registered",
        "ticket_id": sale.ticket_id,
        "waitlist_position": None,
        "ticket_type": sale.ticket_type,
        "attendee": sale.attendee,
        "paid": sale.method,
        "checked_in": sale.admitted,
        "offline": True,
        "provisional": True,
        "quota_left": sale.places_left,
        "nonce": sale.nonce,
        "payload": sale.qr_payload,
    }


def _sale_human(sale: OfflineSale) -> str:
    money = format_cents(sale.price_cents, sale.currency)
    paid = (
        # TRANSLATORS: {amount} is money ("25.00 EUR"), {method} cash or card
        _("paid {amount} ({method})").format(
            amount=money, method=label("payment_method", sale.method)
        )
        if sale.method
        else _("{amount} still due").format(amount=money)
    )
    said = _(
        "sold offline: ticket {ticket} ({type}) for {name}, {paid}, checked in; {left} left "
        "to sell offline."
    ).format(
        ticket=sale.ticket_id,
        type=sale.ticket_type,
        name=sale.attendee,
        paid=paid,
        left=sale.places_left,
    )
    if sale.qr_payload:
        # TRANSLATORS: after "sold offline: ...": the ticket's QR was signed ahead for the station
        return f"{said} " + _("Its QR is on its badge now (signed ahead for this station).")
    return f"{said} " + _("Its QR is signed once the sale is uploaded.")
