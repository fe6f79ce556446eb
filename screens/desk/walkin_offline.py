"""A walk-in at a desk whose server is away: sold from this station's quota
(services.stations.quota_sale), in the same walk-in dialog (screens.desk.forms).

The dialog offers only the ticket types this station has a quota of, each with the places it
may still sell offline, and cash, card or "not paid yet"; sessions, questions, a badge name and
a PIN wait for the server (their rows are hidden). The sale is written to the station's copy
and its outbox; the walk-in is checked in there at once (when "Check in now" is ticked) and
their badge is queued in the copy's own print queue, printed from the copy as an offline
admission's is (services.stations.mirror_prints). Past the quota the sale is refused, and said
in the dialog.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from textual.notifications import SeverityLevel

from eventdesk.errors import EventdeskError, NotAllowed
from eventdesk.i18n import N_, _
from eventdesk.labels import label
from eventdesk.services.catalogue.program import TicketTypeInfo
from eventdesk.services.stations.mirror import EVENT, TICKET_TYPE, Mirror
from eventdesk.services.stations.mirror_prints import queue_in_copy
from eventdesk.services.stations.quota_sale import OfflineSale, copy_quotas, sell
from eventdesk.values import money_text
from screens.backend import Backend
from screens.desk.walkin import FREE, NO_EVENT, UNPAID
from screens.widgets.forms import FormValues

NO_QUOTA = N_(
    "The server does not answer and this station has no places to sell offline: walk-ins come "
    "back with the server (an organizer gives a station a quota)."
)
# (label, value): the ways a walk-in sold offline pays, translated where shown.
PAID_OFFLINE: tuple[tuple[str, str], ...] = (
    # TRANSLATORS: how a walk-in paid
    (N_("cash"), "cash"),
    # TRANSLATORS: how a walk-in paid
    (N_("card"), "card"),
    # TRANSLATORS: how a walk-in paid
    (N_("not paid yet"), UNPAID),
)


def paid_offline() -> tuple[tuple[str, str], ...]:
    return tuple((_(label), value) for label, value in PAID_OFFLINE)


@dataclass(frozen=True)
class OfflineChoice:
    """A ticket type this station may sell offline, and how many places are left."""

    info: TicketTypeInfo
    left: int

    def label(self) -> str:
        info = self.info
        # TRANSLATORS: a ticket type's price: it costs nothing
        price = money_text(info.price_cents, info.currency) if info.price_cents else _("free")
        # TRANSLATORS: a ticket type sold offline: "Standard · €50.00 · 3 left offline"
        return _("{type} · {price} · {count} left offline").format(
            type=info.name, price=price, count=self.left
        )


def offline_choices(copy: Mirror, event: str, station: str) -> list[OfflineChoice]:
    """The ticket types of ``event`` this station has a quota of, from its copy."""
    left = {q.ticket_type: q.left for q in copy_quotas(copy, event, station)}
    with copy.store.read() as session:
        rows = session.execute(
            select(TICKET_TYPE)
            .join(EVENT, EVENT.c.id == TICKET_TYPE.c.event_id)
            .where(EVENT.c.slug == event)
            .order_by(TICKET_TYPE.c.priority_tier, TICKET_TYPE.c.id)
        ).all()
    return [
        OfflineChoice(
            TicketTypeInfo(
                id=row.id,
                event_id=row.event_id,
                name=row.name,
                price_cents=row.price_cents,
                currency=row.currency,
                quantity=None,
                sales_start=row.sales_start,
                sales_end=row.sales_end,
                priority_tier=row.priority_tier,
                attention=row.attention,
                registered=0,
            ),
            left[row.name],
        )
        for row in rows
        if row.name in left
    ]


@dataclass(frozen=True)
class OfflineWalkIn:
    """A walk-in sold offline: the sale, and the badge queued in the copy."""

    sale: OfflineSale
    badge_job: int | None = None
    problems: tuple[str, ...] = ()

    def notice(self) -> tuple[str, str, SeverityLevel]:
        """What the desk says about it: the text, a title and how loud."""
        sale = self.sale
        money = money_text(sale.price_cents, sale.currency)
        # TRANSLATORS: {type} is the ticket type ("Standard")
        parts = [
            _("{name} is sold a ticket offline ({type}, ticket {ticket}).").format(
                name=sale.attendee, type=sale.ticket_type, ticket=sale.ticket_id
            )
        ]
        if sale.price_cents:
            parts.append(
                _("Paid {amount} ({method}).").format(
                    amount=money, method=label("payment_method", sale.method)
                )
                if sale.method
                else _("{amount} still due.").format(amount=money)
            )
        if sale.admitted:
            parts.append(_("Checked in."))
        if self.badge_job is not None:
            parts.append(_("Badge queued (job {job}).").format(job=self.badge_job))
        # TRANSLATORS: {count} places of ticket type {type} this station may still sell offline
        parts.append(
            _("{count} left to sell offline for {type}.").format(
                count=sale.places_left, type=sale.ticket_type
            )
        )
        parts += self.problems
        title = _("Walk-in sold offline")
        return " ".join(parts), title, "warning" if self.problems else "information"


def sell_walk_in(backend: Backend, copy: Mirror, values: FormValues) -> OfflineWalkIn:
    """In the walk-in dialog's thread worker: the sale from the quota, then the badge."""
    if backend.event is None:
        raise NotAllowed(_(NO_EVENT))
    how = values.text("paid")
    sale = sell(
        copy,
        backend.event,
        int(values.text("ticket_type")),
        station=backend.station,
        name=values.text("name"),
        email=values.text("email"),
        company=values.optional("company"),
        method=None if how in (FREE, UNPAID, "") else how,
        admit=values.flag("checkin"),
        operator=backend.operator,
        now=backend.now(),
    )
    printer, job, problems = backend.printer, None, []
    if values.flag("print") and printer:
        try:
            job = queue_in_copy(
                copy, sale.ticket_id, printer, station=backend.station, reason="walk-in"
            )
        except EventdeskError as exc:
            problems.append(_("Badge not queued: {reason}.").format(reason=exc.message))
    return OfflineWalkIn(sale, job, tuple(problems))
