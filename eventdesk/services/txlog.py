"""Reading the transaction log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from eventdesk.db import Store
from eventdesk.models import TransactionLog
from eventdesk.services.common import get_event


@dataclass(frozen=True)
class LogEntry:
    id: int
    at: datetime
    kind: str
    event_id: int | None
    ticket_id: str | None
    attendee_id: int | None
    amount_cents: int | None
    currency: str | None
    station: str | None
    detail: str | None


def recent(store: Store, event_ref: str | int | None = None, *, limit: int = 50) -> list[LogEntry]:
    with store.read() as session:
        query = select(TransactionLog).order_by(TransactionLog.id.desc()).limit(limit)
        if event_ref is not None:
            query = query.where(TransactionLog.event_id == get_event(session, event_ref).id)
        return [
            LogEntry(
                r.id,
                r.at,
                r.kind,
                r.event_id,
                r.ticket_id,
                r.attendee_id,
                r.amount_cents,
                r.currency,
                r.station,
                r.detail,
            )
            for r in session.scalars(query)
        ]
