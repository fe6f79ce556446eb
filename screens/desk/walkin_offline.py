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
from eventdesk.services.stations.mirror import Mirror
from eventdesk.services.stations.mirror_prints import queue_in_copy
from eventdesk.services.stations.mirror_read import event_in_copy
from eventdesk.services.stations.mirror_schema import TICKET_TYPE
from eventdesk.services.stations.quota_sale import OfflineSale, copy_quotas, sell
from eventdesk.values import money_text
from screens.backend import Backend
from screens.desk.walkin import FREE, NO_EVENT, UNPAID, type_named
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
    """A ticket type this station may sell offline, how many places are left, and its event
    (slug and title)."""

    info: TicketTypeInfo
    left: int
    event: str = ""
    event_title: str = ""

    def label(self, *, named: bool = False) -> str:
        """As the dialog offers it; ``named``: with its event (a door for several events)."""
        info = self.info
        # TRANSLATORS: a ticket type's price: it costs nothing
        price = money_text(info.price_cents, info.currency) if info.price_cents else _("free")
        # TRANSLATORS: a ticket type sold offline: "Standard · €50.00 · 3 left offline"
        return _("{type} · {price} · {count} left offline").format(
            type=type_named(info.name, self.event_title if named else None),
            price=price,
            count=self.left,
        )


def offline_choices(copy: Mirror, event: str, station: str) -> list[OfflineChoice]:
    """The ticket types of ``event`` (a slug or an id) this station has a quota of, from its
    copy."""
    found = event_in_copy(copy, event)
    if found is None:
        return []
    left = {q.ticket_type: q.left for q in copy_quotas(copy, found.slug, station)}
    with copy.store.read() as session:
        rows = session.execute(
            select(TICKET_TYPE)
            .where(TICKET_TYPE.c.event_id == found.id)
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
            found.slug,
            found.title,
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
    event: str | None = None  # its event's title, at a door for several events

    def notice(self) -> tuple[str, str, SeverityLevel]:
        """What the desk says about it: the text, a title and how loud."""
        sale = self.sale
        kind = type_named(sale.ticket_type, self.event)
        money = money_text(sale.price_cents, sale.currency)
        # TRANSLATORS: {type} is the ticket type ("Standard")
        parts = [
            _("{name} is sold a ticket offline ({type}, ticket {ticket}).").format(
                name=sale.attendee, type=kind, ticket=sale.ticket_id
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
        if not sale.qr_payload:  # no code signed ahead was left: the QR comes with the upload
            parts.append(_("Its QR is signed once the sale is uploaded."))
        # TRANSLATORS: {count} places of ticket type {type} this station may still sell offline
        parts.append(
            _("{count} left to sell offline for {type}.").format(count=sale.places_left, type=kind)
        )
        parts += self.problems
        title = _("Walk-in sold offline")
        return " ".join(parts), title, "warning" if self.problems else "information"


def sell_walk_in(
    backend: Backend,
    copy: Mirror,
    values: FormValues,
    *,
    event: str | None = None,
    title: str | None = None,
) -> OfflineWalkIn:
    """In the walk-in dialog's thread worker: the sale from the quota of the chosen type of
    ``event`` (the door's event when not given), then the badge; ``title``: the event's, named
    in what is said (a door for several events)."""
    event = event or backend.event
    if event is None:
        raise NotAllowed(_(NO_EVENT))
    if backend.door_station is not None:
        backend.door_station.require_accepted()  # a station its server refuses sells nothing
    how = values.text("paid")
    sale = sell(
        copy,
        event,
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
    return OfflineWalkIn(sale, job, tuple(problems), title)
