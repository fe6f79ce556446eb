"""What an upload of offline scans reads of the server, whoever uploads: who holds a ticket
now, and a conflict's row (the offline scan's side and the other's), as services.sync and
services.sync_api both record them."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Connection, Table, select

from eventdesk.models import Event, Ticket, TransactionLog
from eventdesk.values import local_text

_t = cast(Table, Ticket.__table__)
_e = cast(Table, Event.__table__)
_tx = cast(Table, TransactionLog.__table__)
TICKET_ID = _t.c.id

HOLDER = select(
    _t.c.id,
    _t.c.event_id,
    _t.c.status,
    _t.c.checked_in_at,
    _t.c.checked_in_station,
    _t.c.cancelled_at,
    _e.c.status.label("event_status"),
    _e.c.timezone,
).select_from(_t.join(_e, _e.c.id == _t.c.event_id))


def conflict_of(row: dict[str, Any], event_id: int, **other: Any) -> dict[str, Any]:
    """A conflict row: the offline scan's side (``row``), and ``other``'s reason, other station
    and time, and detail."""
    return {
        "event_id": event_id,
        "ticket_id": row["ticket_id"],
        "nonce": row["nonce"],
        "station": row["station"],
        "at": row["at"],
        "operator": row["operator"],
        **other,
    }


def conflict_row(conn: Connection, row: dict[str, Any], held: Any) -> dict[str, Any]:
    decided = local_text(row["at"], held.timezone)
    if held.event_status == "cancelled" or held.status != "registered":
        # Who cancelled it (or the event), and when: the transaction log's station and time
        # (a door's role reads those columns of it, nothing else).
        kinds = (
            ("event_cancelled",) if held.event_status == "cancelled" else ("cancelled", "refund")
        )
        who = conn.execute(
            select(_tx.c.station, _tx.c.at)
            .where(
                (_tx.c.ticket_id == row["ticket_id"])
                if held.event_status != "cancelled"
                else (_tx.c.event_id == held.event_id),
                _tx.c.kind.in_(kinds),
            )
            .order_by(_tx.c.at.desc(), _tx.c.id.desc())
            .limit(1)
        ).first()
        what = (
            "the event was cancelled"
            if held.event_status == "cancelled"
            else f"the ticket was {held.status}"
        )
        return conflict_of(
            row,
            held.event_id,
            reason="revoked",
            other_station=who.station if who else None,
            other_at=who.at if who else held.cancelled_at,
            detail=f"admitted offline at {row['station']} ({decided}), but {what} "
            "on the server meanwhile",
        )
    return conflict_of(
        row,
        held.event_id,
        reason="already_checked_in",
        other_station=held.checked_in_station,
        other_at=held.checked_in_at,
        detail=f"admitted offline at {row['station']} ({decided}) and at "
        f"{held.checked_in_station or 'another station'} "
        f"({local_text(held.checked_in_at, held.timezone) if held.checked_in_at else '?'})",
    )
