"""A station's quota: the places of a ticket type an organizer gives a station to sell while
its server is away (eventdesk.quota_models).

The places given are taken from the type's places left at once: held for that station, no
other sale (online, at another desk, another station's quota) can take them, so that however
many stations sell offline at once the event is never sold over its places. ``give`` sets the
places the station may still sell (what it sold offline and uploaded stays sold: those are
registered tickets); ``--places 0`` gives the unsold ones back. Changing a quota is an
organizer's: a station's own login has no grant on it, and the server checks every sale
uploaded from it (eventdesk/migrations/station_quota_sale.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.errors import InvalidInput, SoldOut
from eventdesk.i18n import _
from eventdesk.import_liveness import stopped_places
from eventdesk.models import Event, TicketType
from eventdesk.quota_models import StationQuota
from eventdesk.services.catalogue.held import held_places
from eventdesk.services.common import get_event, get_ticket_type
from eventdesk.values import require_text, utcnow

MAX_PLACES = 100_000


@dataclass(frozen=True)
class Quota:
    """One station's quota of one ticket type: ``places`` it may still sell, ``sold`` of it
    sold offline and uploaded."""

    event: str
    ticket_type: str
    station: str
    places: int
    sold: int


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
        return _quota(session, row)


def quotas(store: Store, event_ref: str | int, station: str | None = None) -> list[Quota]:
    """The quotas of an event (of one station), by station and ticket type."""
    with store.read() as session:
        event = get_event(session, event_ref)
        query = select(StationQuota).where(StationQuota.event_id == event.id)
        if station is not None:
            query = query.where(StationQuota.station == station)
        rows = session.scalars(query.order_by(StationQuota.station, StationQuota.id)).all()
        return [_quota(session, row) for row in rows]
