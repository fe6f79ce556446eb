"""Reading the scan log, and the time zone each event's times are shown in."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from eventdesk.db import Store
from eventdesk.event_time import UTC_ZONE, event_zone
from eventdesk.ids import as_id
from eventdesk.models import Event, ScanConflict, ScanLog, Ticket
from eventdesk.services.common import get_event


@dataclass(frozen=True)
class ScanEntry:
    id: int
    at: datetime
    station: str | None
    operator: str | None
    event_id: int | None
    session_id: int | None
    ticket_id: str | None
    direction: str
    payload: str | None
    result: str
    offline: bool = False  # decided by the station from its mirror, uploaded later
    conflict: str | None = None  # the conflict its upload met, if any (report conflicts)
    # Where it was decided when not at a door: "paper" (services.stations.paper_ticks).
    source: str | None = None
    # A supervisor's admission despite a refusal: by, reason, refused, rule
    # (services.door.override); and an awaited person's arrival alert (services.door.alerts).
    override: dict[str, Any] | None = None
    alert: str | None = None


def recent_scans(
    store: Store, event_ref: str | int | None = None, *, limit: int = 50
) -> list[ScanEntry]:
    with store.read() as session:
        query = (
            select(ScanLog, ScanConflict.detail)
            .outerjoin(ScanConflict, ScanConflict.nonce == ScanLog.nonce)
            .order_by(ScanLog.id.desc())
            .limit(limit)
        )
        if event_ref is not None:  # newest first by when scanned (an offline scan is uploaded
            # later than it was made), along the event's (event_id, at) index
            query = query.where(ScanLog.event_id == get_event(session, event_ref).id)
            query = query.order_by(None).order_by(ScanLog.at.desc(), ScanLog.id.desc())
        return [
            ScanEntry(
                r.id,
                r.at,
                r.station,
                r.operator,
                r.event_id,
                r.session_id,
                r.ticket_id,
                r.direction,
                r.payload,
                r.result,
                bool(r.offline),
                conflict,
                **kept_marks(r.answer),
            )
            for r, conflict in session.execute(query)
        ]


def kept_marks(answer: str | None) -> dict[str, Any]:
    """What a scan's kept answer says beyond its result: where it was decided when not at a
    door ("paper"), the override that admitted it and the arrival alert it raised."""
    if not answer or not any(f'"{key}"' in answer for key in ("source", "override", "alert")):
        return {}
    try:
        kept = json.loads(answer)
    except ValueError:
        return {}
    if not isinstance(kept, dict):
        return {}
    marks: dict[str, Any] = {}
    for key, kind in (("source", str), ("override", dict), ("alert", str)):
        if isinstance(kept.get(key), kind):
            marks[key] = kept[key]
    return marks


@dataclass(frozen=True)
class Zones:
    """Each event's time zone, so a time is shown as the event's people read it."""

    by_id: dict[int, ZoneInfo] = field(default_factory=dict)
    by_slug: dict[str, ZoneInfo] = field(default_factory=dict)
    by_ticket: dict[str, ZoneInfo] = field(default_factory=dict)
    fallback: ZoneInfo = UTC_ZONE  # for a row that belongs to no event

    def of(self, event: str | int | None) -> ZoneInfo:
        """The zone of an event given by id or slug (the fallback when it is unknown)."""
        if event is None:
            return self.fallback
        number = as_id(str(event).strip())
        if number is not None and number in self.by_id:
            return self.by_id[number]
        return self.by_slug.get(str(event).strip(), self.fallback)

    def of_ticket(self, ticket_id: str | None) -> ZoneInfo:
        return self.by_ticket.get((ticket_id or "").strip().upper(), self.fallback)


def event_zones(
    store: Store, *, tickets: Iterable[str] = (), station_event: str | int | None = None
) -> Zones:
    """The zone of every event (and of the events of ``tickets``). A row of no event is shown
    in the zone of this station's event, else in the one zone all events share, else UTC."""
    wanted = sorted({t.strip().upper() for t in tickets if t and t.strip()})
    with store.read() as session:
        events = session.execute(select(Event.id, Event.slug, Event.timezone)).all()
        by_ticket_event: dict[str, int] = {}
        for start in range(0, len(wanted), 1000):
            by_ticket_event.update(
                session.execute(
                    select(Ticket.id, Ticket.event_id).where(
                        Ticket.id.in_(wanted[start : start + 1000])
                    )
                ).all()
            )
    return zones_of(events, by_ticket_event, station_event)


def zones_of(
    events: Iterable[Any],
    by_ticket_event: dict[str, int] | None = None,
    station_event: str | int | None = None,
) -> Zones:
    """``Zones`` from events' rows (id, slug, timezone) and tickets' events, wherever they were
    read (the database, or a station's copy)."""
    events = list(events)
    by_id = {e.id: event_zone(e.timezone) for e in events}
    by_slug = {e.slug: by_id[e.id] for e in events}
    shared = set(by_id.values())
    fallback = shared.pop() if len(shared) == 1 else UTC_ZONE
    if station_event is not None:
        number = as_id(str(station_event).strip())
        fallback = by_id.get(number, by_slug.get(str(station_event).strip(), fallback))
    tickets = by_ticket_event or {}
    by_ticket = {t: by_id[e] for t, e in tickets.items() if e in by_id}
    return Zones(by_id, by_slug, by_ticket, fallback)
