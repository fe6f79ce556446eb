"""The places an event's counters lend to no sale: a stopped import's rows
(eventdesk.import_liveness) are free again, and the places held for the stations' quotas
(eventdesk.quota_models, services.stations.quota) are taken. Every reading of the counters that
decides room goes through ``room_counted``; a report of who is registered reads only the
stopped import's (a quota's unsold places are nobody's registration)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from eventdesk.import_liveness import Stopped, stopped_places
from eventdesk.quota_models import StationQuota


def held_places(session: Session, event_id: int, *, but: int | None = None) -> dict[int, int]:
    """The places each ticket type of the event holds for the stations' quotas, unsold
    (``but``: leaving that quota out). A login that may not read the quotas is told none."""
    q = StationQuota
    query = (
        select(q.ticket_type_id, func.sum(q.places - q.sold))
        .where(q.event_id == event_id, q.places > q.sold)
        .group_by(q.ticket_type_id)
    )
    if but is not None:
        query = query.where(q.id != but)
    try:
        with session.begin_nested():
            rows = session.execute(query).all()
    except SQLAlchemyError:
        return {}
    return {int(type_id): int(n) for type_id, n in rows if n}


def room_counted(session: Session, event_id: int) -> Stopped:
    """What to take off the counters when deciding room: the stopped import's places (freed)
    less the quotas' held ones (taken), as one ``Stopped`` (negative where a quota holds)."""
    stopped = stopped_places(session, event_id)
    held = held_places(session, event_id)
    if not held:
        return stopped
    types = set(stopped.by_type) | set(held)
    by_type = {t: stopped.of_type(t) - held.get(t, 0) for t in types}
    return Stopped(stopped.total - sum(held.values()), by_type)
