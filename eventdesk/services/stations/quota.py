"""A station's quota: the places of a ticket type an organizer gives a station to sell while
its server is away (eventdesk.quota_models).

The places given are taken from the type's places left at once: held for that station, no
other sale (online, at another desk, another station's quota) can take them, so that however
many stations sell offline at once the event is never sold over its places. ``give`` sets the
places the station may still sell (what it sold offline and uploaded stays sold: those are
registered tickets); ``--places 0`` gives the unsold ones back. Changing a quota is an
organizer's: a station's own login has no grant on it, and the server checks every sale
uploaded from it (eventdesk/migrations/station_quota_sale.py).

Where the organizer's station holds the signing key, ``give`` also signs codes ahead for the
station's offline sales (eventdesk.quota_models.QuotaCode), as many as the places it may still
sell of the event (at most CODES_HELD): its copy holds them, and a walk-in sold offline takes
one, so that their badge has a QR at once, which the server keeps for the ticket it makes.
A code is never taken back (one in a sale not uploaded yet must stay honoured); an unused one
admits nobody, since no ticket has its id until a sale is uploaded with it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.errors import InvalidInput, SoldOut
from eventdesk.i18n import _
from eventdesk.import_liveness import stopped_places
from eventdesk.models import Event, RegisteredLogin, Ticket, TicketType
from eventdesk.quota_models import QuotaCode, StationQuota
from eventdesk.services.catalogue.held import held_places
from eventdesk.services.common import get_event, get_ticket_type
from eventdesk.text import code_ticket_id
from eventdesk.tickets import Signer, sign_many
from eventdesk.values import require_text, utcnow

MAX_PLACES = 100_000
CODES_HELD = 1_000  # codes signed ahead for one station's offline sales of an event, at most


@dataclass(frozen=True)
class Quota:
    """One station's quota of one ticket type: ``places`` it may still sell, ``sold`` of it
    sold offline and uploaded."""

    event: str
    ticket_type: str
    station: str
    places: int
    sold: int
    # Codes signed ahead that the station holds for its offline sales of the event (give's).
    codes: int = 0


def _quota(session: Session, row: StationQuota) -> Quota:
    event = session.get(Event, row.event_id)
    kind = session.get(TicketType, row.ticket_type_id)
    return Quota(
        event.slug if event else str(row.event_id),
        kind.name if kind else str(row.ticket_type_id),
        row.station,
        row.places - row.sold,
        row.sold,
    )


def _room(
    session: Session, event: Event, kind: TicketType, but: int | None
) -> tuple[int | None, int | None]:
    """The places left to give of the ticket type and of the event (None: not counted),
    leaving quota ``but`` out of what is held."""
    stopped = stopped_places(session, event.id)
    held = held_places(session, event.id, but=but)
    of_type = None
    if kind.quantity is not None:
        used = kind.registered_count - stopped.of_type(kind.id) + held.get(kind.id, 0)
        of_type = max(kind.quantity - used, 0)
    of_event = None
    if event.capacity is not None:
        used = event.registered_count - stopped.total + sum(held.values())
        of_event = max(event.capacity - used, 0)
    return of_type, of_event


def _refuse_a_door(session: Session, station: str) -> None:
    """A station the server knows only as a door (its logins, ``eventdesk roles``: each a door's
    or a desk's) is refused places: a door's login cannot sell (the server refuses its sales:
    migrations/station_quota_sale.py), so the places would be off sale for nothing. A station
    with no login yet (or an SQLite file's, which has none) may be given them: its desk's login
    may come later."""
    kinds = set(
        session.scalars(select(RegisteredLogin.kind).where(RegisteredLogin.station == station))
    )
    if kinds and "desk" not in kinds:
        raise InvalidInput(
            _(
                "{station} is a door (its login on the server is a door's): a door cannot sell, "
                "so places given to it would only be taken off sale; give the quota to a desk "
                "(`eventdesk roles list` shows each station's kind)"
            ).format(station=station),
            field="station",
        )


def give(
    store: Store, event_ref: str | int, ticket_type_ref: str | int, station: str, places: int
) -> Quota:
    """Let ``station`` sell ``places`` more of the ticket type offline (0: the unsold ones
    given back), taken from the places left; refused (SoldOut) when fewer are left."""
    name = require_text(station, "station", max_length=100)
    if places < 0 or places > MAX_PLACES:
        raise InvalidInput(
            _("places must be between 0 and {most}").format(most=MAX_PLACES), field="places"
        )
    with store.write() as session:
        if places > 0:
            _refuse_a_door(session, name)
        event = get_event(session, event_ref, lock=True)
        kind = get_ticket_type(session, event, ticket_type_ref)
        row = session.scalars(
            select(StationQuota).where(
                StationQuota.ticket_type_id == kind.id, StationQuota.station == name
            )
        ).first()
        of_type, of_event = _room(session, event, kind, row.id if row else None)
        room = min(n for n in (of_type, of_event, places) if n is not None)
        if room < places:
            raise SoldOut(
                _(
                    "only {room} place(s) of {ticket_type} for {event!r} are left to give to a "
                    "station"
                ).format(room=room, ticket_type=kind.name, event=event.slug),
                field="places",
            )
        if row is None:
            row = StationQuota(
                event_id=event.id, ticket_type_id=kind.id, station=name, places=0, sold=0
            )
            session.add(row)
        row.places = row.sold + places
        row.updated_at = utcnow()
        session.flush()
        codes = sign_ahead(session, store.signer, event.id, name)
        return replace(_quota(session, row), codes=codes)


def sign_ahead(session: Session, signer: Signer | None, event_id: int, station: str) -> int:
    """The station's codes for its offline sales of the event, topped up to the places it may
    still sell (at most CODES_HELD) where ``signer`` is this station's key: how many it holds."""
    mine = (QuotaCode.event_id == event_id, QuotaCode.station == station)
    held = int(session.scalar(select(func.count()).select_from(QuotaCode).where(*mine)) or 0)
    left = session.scalar(
        select(func.coalesce(func.sum(StationQuota.places - StationQuota.sold), 0)).where(
            StationQuota.event_id == event_id, StationQuota.station == station
        )
    )
    wanted = min(int(left or 0), CODES_HELD) - held
    if signer is None or wanted <= 0:
        return held
    fresh: set[str] = set()
    while len(fresh) < wanted:  # ids no ticket and no code has (a former code's ticket keeps it)
        drawn = {code_ticket_id() for _ in range(wanted - len(fresh))} - fresh
        drawn -= set(session.scalars(select(Ticket.id).where(Ticket.id.in_(drawn))))
        drawn -= set(
            session.scalars(select(QuotaCode.ticket_id).where(QuotaCode.ticket_id.in_(drawn)))
        )
        fresh |= drawn
    ids = sorted(fresh)
    now = utcnow()
    session.add_all(
        QuotaCode(
            ticket_id=ticket_id,
            event_id=event_id,
            station=station,
            qr_payload=payload,
            minted_at=now,
        )
        for ticket_id, payload in zip(ids, sign_many(signer, ids), strict=True)
    )
    session.flush()
    return held + len(ids)


def quotas(store: Store, event_ref: str | int, station: str | None = None) -> list[Quota]:
    """The quotas of an event (of one station), by station and ticket type."""
    with store.read() as session:
        event = get_event(session, event_ref)
        query = select(StationQuota).where(StationQuota.event_id == event.id)
        if station is not None:
            query = query.where(StationQuota.station == station)
        rows = session.scalars(query.order_by(StationQuota.station, StationQuota.id)).all()
        codes = dict(
            session.execute(
                select(QuotaCode.station, func.count())
                .where(QuotaCode.event_id == event.id)
                .group_by(QuotaCode.station)
            )
            .tuples()
            .all()
        )
        return [replace(_quota(session, row), codes=codes.get(row.station, 0)) for row in rows]
