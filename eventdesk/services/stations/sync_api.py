"""Uploading a station's offline scans as its own login on a server: each through the server's
functions, which check it against the server's rows and clock (a hand-edited outbox can at
most record what its station could have decided honestly) and bind it to the login's station.

The rows are applied in order, each call a statement of its own that the server completes alone
(no transaction of a station waits on the network), as ``services.stations.sync`` applies them
for the organizer's login: the same admissions, re-entries, exits, session admissions and
undos, the scans in the server's scan log marked offline, and an admission the server could not
apply as it was decided (another station admitted the ticket, or it was cancelled) kept as a
conflict naming both stations. A row the server refuses raises: ``services.stations.sync`` then
keeps the rest and marks that one refused, with the server's reason."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, text

from eventdesk.models import UTCDateTime
from eventdesk.services.door import checkin_api as api
from eventdesk.services.stations.list_sync import LIST_EFFECTS, upload_list
from eventdesk.services.stations.sync_rows import (
    HOLDER,
    TICKET_ID,
    already,
    conflict_row,
    late_conflict,
    session_conflict,
)

_TIME = UTCDateTime()
_UNDO = text(
    "SELECT was_at, was_station FROM station_api.undo(:station, :ticket, :session, :at, "
    ":was_at, :nonce)"
).bindparams(bindparam("at", type_=_TIME), bindparam("was_at", type_=_TIME))
_ANNUL = text("SELECT station_api.annul_own(:station, :ticket, :session, :at)").bindparams(
    bindparam("at", type_=_TIME)
)
_UPLOAD_ADMITS = text("SELECT station_api.upload_admits(:station, CAST(:rows AS jsonb))")
ADMIT_RUN = 500  # admissions a statement: the server holds their rows only while it runs it
_CONFLICT = text(
    "SELECT station_api.conflict(:station, :nonce, :reason, :other_station, :other_at, :detail)"
).bindparams(bindparam("other_at", type_=_TIME))


def apply_on_server(conn: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Apply outbox rows in order through the server's functions, each call a statement the
    server completes alone (``conn`` commits each: a link that dies half-open between two
    holds nothing, and a row sent again is taken once); the number of conflicts."""
    there = already(conn, rows)
    conflicts = 0
    for row, answer in there.late:
        found = _late_answer(conn, row, answer)
        if found is not None:
            conflicts += _record(conn, row, found)
    admits: list[dict[str, Any]] = []  # a run of admissions, sent in one statement

    def flush() -> int:
        found = _admit_run(conn, admits)
        admits.clear()
        return found

    for row in rows:
        if row["nonce"] in there.known:
            # Taken before (its answer lost): an admission was taken whole, its conflict with
            # it (upload_admits); what the ticket became since is not this scan's.
            continue
        if _admission(row):
            admits.append(row)
            if len(admits) == ADMIT_RUN:
                conflicts += flush()
            continue
        conflicts += flush()
        if row["kind"] == "undo":
            conn.execute(
                _UNDO,
                {
                    "station": row["station"],
                    "ticket": row["ticket_id"],
                    "session": row["session_id"],
                    "at": row["at"],
                    "was_at": row["was_at"],
                    "nonce": row["nonce"],
                },
            )
            continue
        found = _effect(conn, row)
        if row["kind"] == "scan":  # logged with what it did, before what follows it
            api.LOG.first(conn, {**_log_values(row), "offline": True})
        if found is not None:
            conflicts += _record(conn, row, found)
    return conflicts + flush()


def _record(conn: Connection, row: dict[str, Any], found: dict[str, Any]) -> int:
    """A conflict of the row's scan: the server reads the other side from its own rows."""
    conn.execute(
        _CONFLICT,
        {
            "station": row["station"],
            "nonce": row["nonce"],
            "reason": found["reason"],
            "other_station": found["other_station"],
            "other_at": found["other_at"],
            "detail": found["detail"],
        },
    )
    return 1


def _admission(row: dict[str, Any]) -> bool:
    return row["kind"] == "scan" and row["effect"] == "admit" and row["ticket_id"] is not None


def _admit_run(conn: Connection, rows: list[dict[str, Any]]) -> int:
    """First admissions in one statement (``station_api.upload_admits``: each admitted, then
    logged, by the server's own functions, and the conflicts among them recorded with them);
    how many conflicts."""
    if not rows:
        return 0
    sent = [
        {
            "nonce": row["nonce"],
            "ticket_id": row["ticket_id"],
            "at": row["at"].isoformat(),
            "payload": scanned["b_payload"],
            "repaired": scanned["b_repaired"],
            "line": row["payload"],
            "operator": row["operator"],
            "event_id": row["event_id"],
            "result": row["result"],
            "answer": row["answer"],
        }
        for row, scanned in ((row, _scanned(row)) for row in rows)
    ]
    recorded = (
        conn.execute(_UPLOAD_ADMITS, {"station": rows[0]["station"], "rows": json.dumps(sent)})
        .scalars()
        .all()
    )
    return len(recorded)


def _log_values(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: row[key]
        for key in (
            "station",
            "at",
            "operator",
            "event_id",
            "session_id",
            "ticket_id",
            "direction",
            "payload",
            "result",
            "nonce",
            "answer",
        )
    }


def _scanned(row: dict[str, Any]) -> dict[str, Any]:
    """A row's line, for the server to check against its ticket."""
    repaired = "repaired" in (row.get("answer") or "")
    return {
        "b_station": row["station"],
        "b_id": row["ticket_id"],
        "b_now": row["at"],
        "b_payload": row["payload"] or f"ticket:{row['ticket_id']}",
        "b_repaired": repaired,
        "b_offline": True,
    }


def _effect(conn: Connection, row: dict[str, Any]) -> dict[str, Any] | None:
    """What the scan did at the door, done again on the server; a conflict when it cannot be."""
    effect, ticket = row["effect"], row["ticket_id"]
    if effect == "none" or ticket is None:
        return None
    held = conn.execute(HOLDER.where(ticket == TICKET_ID)).first()
    if held is None:
        return None  # a ticket the server no longer has: the scan log keeps the scan
    registered = held.status == "registered" and held.event_status != "cancelled"
    if effect == "readmit":
        if not registered:
            return conflict_row(conn, row, held)
        api.changed(api.READMIT, conn, {"b_station": row["station"], "b_id": ticket})
        return None
    if effect == "leave":
        api.changed(api.LEAVE, conn, {"b_station": row["station"], "b_id": ticket})
        return None
    if effect in LIST_EFFECTS:
        return upload_list(conn, row, held, dialect="postgresql", through_api=True)
    if effect == "session":
        values = {**_scanned(row), "b_session": row["session_id"]}
        if api.changed(api.SESSION_ADMIT, conn, values) == 1:
            return None
        if not registered:
            return conflict_row(conn, row, held)
        first = conn.execute(
            text(
                "SELECT checked_in_at, station FROM session_checkin "
                "WHERE ticket_id = :t AND session_id = :s"
            ),
            {"t": ticket, "s": row["session_id"]},
        ).first()
        return session_conflict(row, held, first)
    return None


def _late_answer(
    conn: Connection, row: dict[str, Any], server_result: str
) -> dict[str, Any] | None:
    """As services.stations.sync's: the admission the server made for a scan the door then
    turned away offline is annulled (only that one, this station's)."""
    held = conn.execute(HOLDER.where(row["ticket_id"] == TICKET_ID)).first()
    if held is None:
        return None
    if row["result"] != "ok":
        conn.execute(
            _ANNUL,
            {
                "station": row["station"],
                "ticket": row["ticket_id"],
                "session": row["session_id"],
                "at": row["at"],
            },
        )
    return late_conflict(conn, row, held, server_result)
