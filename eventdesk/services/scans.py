"""Reading the scan log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from eventdesk.db import Store
from eventdesk.models import ScanLog
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


def recent_scans(
    store: Store, event_ref: str | int | None = None, *, limit: int = 50
) -> list[ScanEntry]:
    with store.read() as session:
        query = select(ScanLog).order_by(ScanLog.id.desc()).limit(limit)
        if event_ref is not None:
            query = query.where(ScanLog.event_id == get_event(session, event_ref).id)
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
            )
            for r in session.scalars(query)
        ]
