"""An offline decision done again on the server: one replay of its typed effect
(services.door.effects), written through the server's ledger (services.door.ledger), whoever
uploads. The organizer's login writes the tables (``StoreLedger``); a station's own login calls
the server's functions (``ServerLedger``), which check each change against the server's rows
and clock and bind it to the login's station. What cannot be done as it was decided (another
station admitted the ticket meanwhile, or it was cancelled) comes back as a conflict row.

First admissions do not come here: they go many at a time (services.stations.sync's
``_admit_many`` for the organizer, ``station_api.upload_admits`` for a station's login).
"""

from __future__ import annotations

import json
from typing import Any, cast

from sqlalchemy import Connection, Table, select

from eventdesk.event_time import event_zone, show
from eventdesk.models import CheckinList, ListEntry
from eventdesk.services.door.checkin_sql import SESSION_FIRST
from eventdesk.services.door.effects import Effect
from eventdesk.services.door.ledger import Ledger
from eventdesk.services.stations.sync_rows import (
    HOLDER,
    TICKET_ID,
    conflict_of,
    conflict_row,
    late_conflict,
    session_conflict,
)

Row = dict[str, Any]
_cl = cast(Table, CheckinList.__table__)
_le = cast(Table, ListEntry.__table__)


def line_of(row: Row) -> Row:
    """The line an outbox row's scan read, for the server to check against its ticket."""
    return {
        "b_station": row["station"],
        "b_id": row["ticket_id"],
        "b_now": row["at"],
        "b_payload": row["payload"] or f"ticket:{row['ticket_id']}",
        "b_repaired": "repaired" in (row.get("answer") or ""),
        "b_offline": True,
    }


def replay(conn: Connection, row: Row, ledger: Ledger) -> Row | None:
    """What the outbox row's decision did at the door, done again on the server through
    ``ledger``; a conflict row when it cannot be."""
    effect, ticket = Effect(row["effect"]), row["ticket_id"]
    if effect is Effect.NONE or ticket is None:
        return None
    if effect is Effect.UNDO:  # only the check-in this station annulled, never one made since
        ledger.undo(
            conn,
            {
                "b_station": row["station"],
                "b_id": ticket,
                "b_session": row["session_id"],
                "b_event": row["event_id"],
                "b_now": row["at"],
                "b_was_at": row["was_at"],
                "b_was_station": row["was_station"],
                "b_nonce": row["nonce"],
            },
        )
        return None
    held = conn.execute(HOLDER.where(ticket == TICKET_ID)).first()
    if held is None:
        return None  # a ticket the server no longer has: the scan log keeps the scan
    registered = held.status == "registered" and held.event_status != "cancelled"
    values = {"b_station": row["station"], "b_id": ticket, "b_now": row["at"]}
    match effect:
        case Effect.ADMIT:
            raise ValueError("first admissions are uploaded many at a time, not replayed one")
        case Effect.READMIT:
            if not registered:
                return conflict_row(conn, row, held)
            ledger.readmit(conn, values)
        case Effect.LEAVE:
            ledger.leave(conn, values)
        case Effect.SESSION:
            if ledger.session_admit(conn, {**values, "b_session": row["session_id"]}):
                return None
            if not registered:
                return conflict_row(conn, row, held)
            first = conn.execute(
                SESSION_FIRST, {"b_id": ticket, "b_session": row["session_id"]}
            ).first()
            return session_conflict(row, held, first)
        case Effect.LIST | Effect.LIST_IN | Effect.LIST_OUT:
            return _on_list(conn, effect, row, held, registered, ledger)
    return None


def replay_late(conn: Connection, row: Row, server_result: str, ledger: Ledger) -> Row | None:
    """A late answer that disagrees with the door's (sync_rows.late_conflict): a scan turned
    away offline has the admission the server made for it annulled (only that one, this
    station's); the conflict row."""
    held = conn.execute(HOLDER.where(row["ticket_id"] == TICKET_ID)).first()
    if held is None:
        return None
    if row["result"] != "ok":
        ledger.annul(
            conn,
            {
                "b_station": row["station"],
                "b_id": row["ticket_id"],
                "b_session": row["session_id"],
                "b_at": row["at"],
            },
        )
    return late_conflict(conn, row, held, server_result)


# --- check-in lists -------------------------------------------------------------------------
def _named(conn: Connection, row: Row) -> tuple[int, str, Row] | None:
    """The server's list a row's answer names (by its event and slug), the day, the answer."""
    data = json.loads(row.get("answer") or "{}")
    if data.get("list_day") is None or not data.get("list"):
        return None
    found = conn.execute(
        select(_cl.c.id).where(_cl.c.event_id == row["event_id"], _cl.c.slug == data["list"])
    ).scalar()
    return None if found is None else (int(found), str(data["list_day"]), data)


def _on_list(
    conn: Connection, effect: Effect, row: Row, held: Any, registered: bool, ledger: Ledger
) -> Row | None:
    """A list's admission, re-entry or exit with the list's compare-and-set (a station's
    login: the server's functions check the list's rules again), and the answers given with
    it; another station's entry on the same list and day meanwhile is a conflict."""
    named = _named(conn, row)
    if named is None:
        return None  # the list is gone from the server: the scan log keeps the scan
    list_id, day, data = named
    ticket = row["ticket_id"]
    values = {
        **line_of(row),
        "b_list": list_id,
        "b_day": day,
        "b_since": row["at"],
    }
    if effect is Effect.LIST_OUT:
        ledger.list_leave(conn, values)
        return None
    if effect is Effect.LIST_IN:
        if not registered:
            return conflict_row(conn, row, held)
        ledger.list_reenter(conn, values)
        return None
    if ledger.list_admit(conn, values):
        if data["list"] == "default":  # a daily default list: the event's arrival too, as online
            ledger.admit(conn, values)
        given = [
            {
                "ticket_id": ticket,
                "list_id": list_id,
                "key": key,
                "value": value,
                "answered_at": row["at"],
                "station": row["station"],
            }
            for key, value in data.get("answers", ())
        ]
        if given:
            ledger.answers(conn, given)
        return None
    if not registered:
        return conflict_row(conn, row, held)
    first = conn.execute(
        select(_le.c.first_at, _le.c.station).where(
            _le.c.list_id == list_id, _le.c.ticket_id == ticket, _le.c.day == day
        )
    ).first()
    if first is None or (first.station, first.first_at) == (row["station"], row["at"]):
        return None
    zone = event_zone(held.timezone)
    when = f" on {day}" if day else ""
    return conflict_of(
        row,
        held.event_id,
        reason="already_checked_in",
        other_station=first.station,
        other_at=first.first_at,
        detail=f"admitted offline on list {data['list']}{when} at {row['station']} "
        f"({show(row['at'], zone)}) and at {first.station or 'another station'} "
        f"({show(first.first_at, zone)})",
    )
