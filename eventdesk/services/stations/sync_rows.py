"""What an upload of offline scans reads of the server, whoever uploads: who holds a ticket
now, and a conflict's row (the offline scan's side and the other's), as services.stations.sync and
services.stations.sync_api both record them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Table, select

from eventdesk.event_time import event_zone, show
from eventdesk.models import Event, ScanConflict, ScanLog, SyncReceipt, Ticket, TransactionLog

_t = cast(Table, Ticket.__table__)
_e = cast(Table, Event.__table__)
_tx = cast(Table, TransactionLog.__table__)
_log = cast(Table, ScanLog.__table__)
_receipt = cast(Table, SyncReceipt.__table__)
_conflict = cast(Table, ScanConflict.__table__)
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
    decided = show(row["at"], event_zone(held.timezone))
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
        f"({show(held.checked_in_at, event_zone(held.timezone), none='?')})",
    )


def session_conflict(row: dict[str, Any], held: Any, first: Any | None) -> dict[str, Any] | None:
    """An offline session admission the server found made by another station (``first``: who
    holds the ticket's place in that session now), or None when it is this scan's own."""
    if first is None or (first.station, first.checked_in_at) == (row["station"], row["at"]):
        return None
    return conflict_of(
        row,
        held.event_id,
        reason="already_checked_in",
        other_station=first.station,
        other_at=first.checked_in_at,
        detail=f"admitted offline to session {row['session_id']} at "
        f"{row['station']} ({_clock(row['at'], held)}) "
        f"and at {first.station} ({_clock(first.checked_in_at, held)})",
    )


def late_conflict(
    conn: Connection, row: dict[str, Any], held: Any, server_result: str
) -> dict[str, Any]:
    """The station gave up waiting for the server and decided this scan offline; the server
    answered it anyway, later, and differently. The door's answer is what happened: a guest
    admitted offline whom the server refused is a conflict; a guest turned away offline whom
    the server admitted has that admission annulled (the caller annuls it, only the one made
    for this scan), and the conflict says so."""
    if row["result"] == "ok":
        found = conflict_row(conn, row, held)
        found["detail"] += f" (the server's late answer to the same scan: {server_result})"
        return found
    decided = show(row["at"], event_zone(held.timezone))
    return conflict_of(
        row,
        held.event_id,
        reason="late_answer",
        other_station=row["station"],
        other_at=row["at"],
        detail=f"turned away offline at {row['station']} ({decided}: {row['result']}), "
        "while the server admitted the same scan after the station stopped waiting: that "
        "admission was annulled",
    )


@dataclass(frozen=True)
class Already:
    """What the server has of a batch of outbox rows: the rows it knows (a repeated upload, an
    online try it answered later), and the late answers that disagree with the door's."""

    known: set[str]
    late: list[tuple[dict[str, Any], str]]  # a row, and the server's late answer to it
    recorded: frozenset[str] = frozenset()  # nonces whose conflict the server has


def already(conn: Connection, rows: Sequence[dict[str, Any]]) -> Already:
    """Read in the upload's transaction (the organizer's tables, or a station's views of the
    same names)."""
    nonces = [row["nonce"] for row in rows]
    logged = {
        nonce: (result, offline)
        for nonce, result, offline in conn.execute(
            select(_log.c.nonce, _log.c.result, _log.c.offline).where(_log.c.nonce.in_(nonces))
        )
    }
    known = set(logged) | set(
        conn.execute(select(_receipt.c.nonce).where(_receipt.c.nonce.in_(nonces))).scalars()
    )
    recorded = set(
        conn.execute(select(_conflict.c.nonce).where(_conflict.c.nonce.in_(nonces))).scalars()
    )
    late = []
    for row in rows:  # an online try the station gave up on, that the server answered later
        found = logged.get(row["nonce"])
        if found is None or found[1] or row["nonce"] in recorded:
            continue  # not one, or an offline scan uploaded before (a repeated upload)
        if (found[0] == "ok") != (row["result"] == "ok"):
            late.append((row, found[0]))
    return Already(known, late, frozenset(recorded))


def _clock(moment: Any, held: Any) -> str:
    """A time as the door says it: today's clock in the ticket's event's zone ("?": none)."""
    return show(moment, event_zone(held.timezone), "clock", none="?")
