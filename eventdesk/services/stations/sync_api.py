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
from eventdesk.services.door.effects import Effect
from eventdesk.services.door.ledger import ServerLedger
from eventdesk.services.stations.replay import line_of, replay, replay_late
from eventdesk.services.stations.sync_rows import (
    already,
)

_TIME = UTCDateTime()
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

    def ledger(row: dict[str, Any]) -> ServerLedger:  # the server's functions, checking its line
        return ServerLedger(lambda: line_of(row))

    conflicts = 0
    for row, answer in there.late:
        found = replay_late(conn, row, answer, ledger(row))
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
        found = replay(conn, row, ledger(row))
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
    return (
        row["kind"] == "scan"
        and Effect(row["effect"]) is Effect.ADMIT
        and row["ticket_id"] is not None
    )


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
        for row, scanned in ((row, line_of(row)) for row in rows)
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
