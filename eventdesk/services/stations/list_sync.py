"""An offline decision on a check-in list, uploaded: the list's admission (or re-entry, or
exit) done again on the server with the list's compare-and-set, and the answers given with it
kept. Another station's entry on the same list (and day) meanwhile is a conflict, reported as
the event's are. Whoever uploads: the organizer's login writes the tables, a station's own login
calls the server's functions (migration 0014), which check the list's rules again."""

from __future__ import annotations

import json
from typing import Any, cast

from sqlalchemy import Connection, Table, select

from eventdesk.event_time import event_zone, show
from eventdesk.models import CheckinList, Event, ListEntry
from eventdesk.services.door import checkin_api as api
from eventdesk.services.door.checkin_sql import (
    ADMIT,
    ANSWER,
    LIST_ADMIT,
    LIST_LEAVE,
    LIST_REENTER,
)
from eventdesk.services.stations.sync_rows import conflict_of, conflict_row

LIST_EFFECTS = ("list", "list_in", "list_out")
_cl = cast(Table, CheckinList.__table__)
_le = cast(Table, ListEntry.__table__)
_e = cast(Table, Event.__table__)


def _named(conn: Connection, row: dict[str, Any]) -> tuple[int, str, dict[str, Any]] | None:
    """The server's list a row's answer names (by its event and slug), the day, the answer."""
    data = json.loads(row.get("answer") or "{}")
    if data.get("list_day") is None or not data.get("list"):
        return None
    found = conn.execute(
        select(_cl.c.id).where(_cl.c.event_id == row["event_id"], _cl.c.slug == data["list"])
    ).scalar()
    return None if found is None else (int(found), str(data["list_day"]), data)


def upload_list(
    conn: Connection, row: dict[str, Any], held: Any, *, dialect: str, through_api: bool
) -> dict[str, Any] | None:
    """One list effect of the outbox, done on the server; a conflict when it cannot be."""
    named = _named(conn, row)
    if named is None:
        return None  # the list is gone from the server: the scan log keeps the scan
    list_id, day, data = named
    ticket = row["ticket_id"]
    values = {
        "b_list": list_id,
        "b_id": ticket,
        "b_day": day,
        "b_now": row["at"],
        "b_station": row["station"],
        "b_since": row["at"],
        "b_offline": True,
        "b_payload": row["payload"] or f"ticket:{ticket}",
        "b_repaired": "repaired" in (row.get("answer") or ""),
    }
    registered = held.status == "registered" and held.event_status != "cancelled"
    effect = row["effect"]
    if effect == "list_out":
        if through_api:
            api.changed(api.LIST_LEAVE, conn, values)
        else:
            LIST_LEAVE.rowcount(conn, values)
        return None
    if effect == "list_in":
        if not registered:
            return conflict_row(conn, row, held)
        if through_api:
            api.changed(api.LIST_REENTER, conn, values)
        else:
            LIST_REENTER.rowcount(conn, values)
        return None
    inserted = (
        api.changed(api.LIST_ADMIT, conn, values)
        if through_api
        else int(conn.execute(LIST_ADMIT[dialect], values).first() is not None)
    )
    if inserted:
        if data["list"] == "default":  # a daily default list: the event's arrival too, as online
            if through_api:
                api.changed(api.ADMIT, conn, values)
            else:
                ADMIT.rowcount(conn, values)
        _answers(conn, row, list_id, data, through_api=through_api, dialect=dialect)
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


def _answers(
    conn: Connection,
    row: dict[str, Any],
    list_id: int,
    data: dict[str, Any],
    *,
    through_api: bool,
    dialect: str,
) -> None:
    given = [
        {
            "ticket_id": row["ticket_id"],
            "list_id": list_id,
            "key": key,
            "value": value,
            "answered_at": row["at"],
            "station": row["station"],
        }
        for key, value in data.get("answers", ())
    ]
    if not given:
        return
    if through_api:
        for value in given:
            api.ANSWER.first(conn, value)
    else:
        conn.execute(ANSWER[dialect], given)
