"""Selling offline from a quota: a walk-in registered and paid at a station whose server is
away, within the places the server gave it (services.stations.quota), and uploaded on return
as if made online.

Offline, ``sell`` counts the quota down in the copy (what the server says is left, less this
station's sales not uploaded yet; one sale at a time, in the copy's write transaction), and
writes the sale to the copy's sale outbox with its nonce, in the same durable transaction as
the provisional person, order, ticket and payment the desk finds and the door admits. Past the
quota it is refused ("no places left to sell offline for TYPE"). The ticket has an id chosen
here, and its signed QR at once where the organizer's station signed codes ahead for this
station's quota (eventdesk.quota_models.QuotaCode, in the copy's ``quota_code``): the sale takes
one no earlier sale here took, so the walk-in's badge prints from the copy with a QR that the
server keeps for the ticket it makes. With none left (or none signed: the station does not hold
the private key, docs/architecture.md, "Stations"), the ticket has no QR until the sale is
uploaded and the issuing station signs it (``eventdesk ticket issue``); it is admitted at once
all the same.

On return, ``upload`` sends each sale, oldest first, through the server's function
(``station_api.quota_sale``), which checks it against the quota it gave and makes the person,
order, ticket, payment and check-in (its scan-log row too) as a registration online would, in
one statement the server completes alone; a nonce it has already answers the ticket it made, so
an upload repeated after an unknown outcome makes nothing twice.
A sale the server refuses stays in the outbox as refused, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from eventdesk.db import Store
from eventdesk.errors import EventdeskError, InvalidInput, NotFound, SoldOut
from eventdesk.i18n import _
from eventdesk.outage import describe, is_outage
from eventdesk.services.people.attendees import person_tokens
from eventdesk.services.stations.mirror import Mirror
from eventdesk.services.stations.mirror_quota import CODE, QUOTA, SALE_OUTBOX
from eventdesk.services.stations.mirror_refresh import search_text
from eventdesk.services.stations.mirror_schema import (
    ATTENDEE,
    EVENT,
    ORDER,
    PAYMENT,
    SEARCH_TEXT,
    TICKET,
    TICKET_TYPE,
)
from eventdesk.text import new_id
from eventdesk.values import optional_text, parse_email, require_text, utcnow

METHODS = ("cash", "card")
_SALE = text(
    "SELECT ticket_id, again FROM station_api.quota_sale(:station, :nonce, :event_id, "
    ":ticket_type_id, :ticket_id, :name, :email, :company, :at, :method, :admitted, "
    "CAST(:tokens AS text[]), :operator)"
)


@dataclass(frozen=True)
class OfflineSale:
    """A walk-in sold here offline: the provisional ticket, and the quota left after it."""

    ticket_id: str
    attendee: str
    event: str
    ticket_type: str
    price_cents: int
    currency: str
    method: str | None
    admitted: bool
    places_left: int
    nonce: str
    attendee_id: int = 0  # the provisional person's, in the copy (negative)
    qr_payload: str | None = None  # its code signed ahead (None: none was left to take)


@dataclass(frozen=True)
class CopyQuota:
    """A quota as the copy counts it: ``places`` given in all, ``sold`` of them uploaded,
    ``pending`` sold here and not uploaded yet; ``left``, what this station may still sell."""

    event: str
    ticket_type: str
    station: str
    places: int
    sold: int
    pending: int

    @property
    def left(self) -> int:
        return max(self.places - self.sold - self.pending, 0)


def _pending(conn: Connection, type_id: int, station: str) -> int:
    found = conn.execute(
        select(func.count())
        .select_from(SALE_OUTBOX)
        .where(
            SALE_OUTBOX.c.ticket_type_id == type_id,
            SALE_OUTBOX.c.station == station,
            SALE_OUTBOX.c.state == "pending",
        )
    ).scalar()
    return int(found or 0)


def copy_quotas(mirror: Mirror, event_ref: str | int, station: str) -> list[CopyQuota]:
    """This station's quotas of an event, as its copy counts them."""
    with mirror.store.read() as session:
        conn = session.connection()
        event = _event(conn, event_ref)
        rows = conn.execute(
            select(QUOTA, TICKET_TYPE.c.name.label("type_name"))
            .join(TICKET_TYPE, TICKET_TYPE.c.id == QUOTA.c.ticket_type_id)
            .where(QUOTA.c.event_id == event.id, QUOTA.c.station == station)
            .order_by(QUOTA.c.id)
        ).all()
        return [
            CopyQuota(
                event.slug,
                row.type_name,
                station,
                row.places,
                row.sold,
                _pending(conn, row.ticket_type_id, station),
            )
            for row in rows
        ]


def _event(conn: Connection, event_ref: str | int) -> Any:
    ref = str(event_ref).strip()
    query = select(EVENT.c.id, EVENT.c.slug, EVENT.c.status)
    found = conn.execute(
        query.where(EVENT.c.id == int(ref)) if ref.isdigit() else query.where(EVENT.c.slug == ref)
    ).first()
    if found is None:
        raise NotFound(_("no event {event!r}").format(event=ref), field="event")
    return found


def _ticket_type(conn: Connection, event_id: int, ref: str | int) -> Any:
    ref = str(ref).strip()
    query = select(TICKET_TYPE).where(TICKET_TYPE.c.event_id == event_id)
    found = conn.execute(
        query.where(TICKET_TYPE.c.id == int(ref))
        if ref.isdigit()
        else query.where(func.lower(TICKET_TYPE.c.name) == ref.lower())
    ).first()
    if found is None:
        raise NotFound(
            _("no ticket type {ticket_type!r}").format(ticket_type=ref), field="ticket_type"
        )
    return found


def sell(
    mirror: Mirror,
    event_ref: str | int,
    ticket_type_ref: str | int,
    *,
    station: str,
    name: str,
    email: str,
    company: str | None = None,
    method: str | None = None,
    admit: bool = True,
    operator: str | None = None,
    now: datetime | None = None,
) -> OfflineSale:
    """Sell one ticket from this station's quota, offline (see the module's docstring)."""
    clean_name = require_text(name, "name")
    clean_email = parse_email(email)
    clean_company = optional_text(company, "company")
    if method is not None and method not in METHODS:
        raise InvalidInput(_("a sale offline is paid in cash or by card, or later"), field="method")
    moment = now or utcnow()
    with mirror.store.write_conn() as conn:
        event = _event(conn, event_ref)
        kind = _ticket_type(conn, event.id, ticket_type_ref)
        quota = conn.execute(
            select(QUOTA).where(QUOTA.c.ticket_type_id == kind.id, QUOTA.c.station == station)
        ).first()
        left = 0
        if quota is not None:
            left = quota.places - quota.sold - _pending(conn, kind.id, station)
        if event.status == "cancelled" or left < 1:
            raise SoldOut(
                _("no places left to sell offline for {ticket_type}").format(ticket_type=kind.name)
            )
        code = _code(conn, event.id, station)
        ticket_id = code.ticket_id if code is not None else _free_ticket_id(conn)
        payload = code.qr_payload if code is not None else None
        provisional = _provisional_id(conn)
        nonce = new_id(26)
        conn.execute(
            insert(ATTENDEE),
            {
                "id": provisional,
                "name": clean_name,
                "email": clean_email,
                "company": clean_company,
                SEARCH_TEXT: search_text(clean_name, clean_email, clean_company),
            },
        )
        conn.execute(insert(ORDER), {"id": provisional})
        conn.execute(
            insert(TICKET),
            {
                "id": ticket_id,
                "order_id": provisional,
                "event_id": event.id,
                "ticket_type_id": kind.id,
                "attendee_id": provisional,
                "status": "registered",
                "price_cents": kind.price_cents,
                "currency": kind.currency,
                "checked_in_at": moment if admit else None,
                "checked_in_station": station if admit else None,
                "inside": admit,
                "created_at": moment,
                "qr_payload": payload,
                SEARCH_TEXT: search_text(ticket_id),
            },
        )
        if method is not None and kind.price_cents:
            conn.execute(
                insert(PAYMENT),
                {
                    "ticket_id": ticket_id,
                    "kind": "payment",
                    "amount_cents": kind.price_cents,
                    "status": "completed",
                },
            )
        conn.execute(
            insert(SALE_OUTBOX),
            {
                "nonce": nonce,
                "station": station,
                "operator": operator,
                "at": moment,
                "event_id": event.id,
                "ticket_type_id": kind.id,
                "ticket_id": ticket_id,
                "attendee_id": provisional,
                "order_id": provisional,
                "name": clean_name,
                "email": clean_email,
                "company": clean_company,
                "method": method,
                "admitted": admit,
                "state": "pending",
            },
        )
    return OfflineSale(
        ticket_id,
        clean_name,
        event.slug,
        kind.name,
        kind.price_cents,
        kind.currency,
        method,
        admit,
        left - 1,
        nonce,
        provisional,
        payload,
    )


def _code(conn: Connection, event_id: int, station: str) -> Any:
    """A code signed ahead for this station's offline sales of the event that no sale here
    has taken (nor a ticket of the copy holds: one uploaded, before the server's copy drops
    it); None when none is left."""
    return conn.execute(
        select(CODE.c.ticket_id, CODE.c.qr_payload)
        .where(
            CODE.c.event_id == event_id,
            CODE.c.station == station,
            CODE.c.ticket_id.not_in(select(SALE_OUTBOX.c.ticket_id)),
            CODE.c.ticket_id.not_in(select(TICKET.c.id)),
        )
        .order_by(CODE.c.ticket_id)
        .limit(1)
    ).first()


def _free_ticket_id(conn: Connection) -> str:
    while True:
        candidate = new_id()
        if conn.execute(select(TICKET.c.id).where(TICKET.c.id == candidate)).first() is None:
            return candidate


def _provisional_id(conn: Connection) -> int:
    """A negative id for the provisional person and order: never one the server gives."""
    lowest = conn.execute(select(func.min(SALE_OUTBOX.c.attendee_id))).scalar()
    return min(int(lowest or 0), 0) - 1


# --- upload ---------------------------------------------------------------------------------
@dataclass
class SalesUploaded:
    uploaded: int = 0
    refused: int = 0
    problems: list[str] = field(default_factory=list)


def sales_waiting(mirror: Mirror) -> int:
    """How many walk-ins this station sold offline wait to upload."""
    with mirror.store.read() as session:
        found = session.execute(
            select(func.count()).select_from(SALE_OUTBOX).where(SALE_OUTBOX.c.state == "pending")
        ).scalar()
    return int(found or 0)


def pending_sales(mirror: Mirror) -> list[dict[str, Any]]:
    with mirror.store.read() as session:
        return [
            dict(row)
            for row in session.execute(
                select(SALE_OUTBOX)
                .where(SALE_OUTBOX.c.state == "pending")
                .order_by(SALE_OUTBOX.c.seq)
            ).mappings()
        ]


def upload(server: Store, mirror: Mirror, *, into: SalesUploaded | None = None) -> SalesUploaded:
    """Send every pending sale to the server, oldest first, each in a transaction of its own.
    A server that stops answering raises (what it took is marked, and counted ``into`` a
    report the caller holds; the rest stays pending)."""
    report = into if into is not None else SalesUploaded()
    for row in pending_sales(mirror):
        values = {
            key: row[key]
            for key in (
                "station",
                "nonce",
                "event_id",
                "ticket_type_id",
                "ticket_id",
                "name",
                "email",
                "company",
                "at",
                "method",
                "admitted",
                "operator",
            )
        }
        tokens = sorted(person_tokens(row["name"], row["email"], row["company"]))[:60]
        values["tokens"] = [t for t in tokens if len(t) <= 100]
        try:
            # One statement the server completes alone (its admission logged in it): a link
            # that dies before its answer holds no row of the event's.
            with server.each_statement() as conn:
                made = conn.execute(_SALE, values).one()
        except Exception as exc:
            if is_outage(exc):
                raise
            if not isinstance(exc, DBAPIError | EventdeskError):
                raise
            why = _("refused by the server: {problem}").format(problem=describe(exc))
            _mark(mirror, row, state="refused", problem=why)
            report.refused += 1
            report.problems.append(why)
            continue
        _mark(mirror, row, state="done", server_ticket=made.ticket_id)
        report.uploaded += 1
    return report


def _mark(
    mirror: Mirror,
    row: dict[str, Any],
    *,
    state: str,
    problem: str | None = None,
    server_ticket: str | None = None,
) -> None:
    """The sale's outcome in the copy. Taken: counted as sold in the copy's quota, and its
    provisional rows go (the next refresh brings the server's)."""
    with mirror.store.write_conn() as conn:
        conn.execute(
            update(SALE_OUTBOX)
            .where(SALE_OUTBOX.c.seq == row["seq"])
            .values(
                state=state,
                problem=problem[:400] if problem else None,
                server_ticket_id=server_ticket,
                uploaded_at=utcnow(),
            )
        )
        if state != "done":
            return
        conn.execute(
            update(QUOTA)
            .where(
                QUOTA.c.ticket_type_id == row["ticket_type_id"], QUOTA.c.station == row["station"]
            )
            .values(sold=QUOTA.c.sold + 1)
        )
        if server_ticket != row["ticket_id"]:
            conn.execute(delete(PAYMENT).where(PAYMENT.c.ticket_id == row["ticket_id"]))
            conn.execute(delete(TICKET).where(TICKET.c.id == row["ticket_id"]))
        conn.execute(delete(ORDER).where(ORDER.c.id == row["order_id"]))
        conn.execute(delete(ATTENDEE).where(ATTENDEE.c.id == row["attendee_id"]))
