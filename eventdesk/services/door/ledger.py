"""Where a door's decisions are written: the ledger a door is given when it is made.

The door decides (services.door.rules, services.door.list_door) and hands each change of a
ticket to its ledger, in the transaction it read the ticket in:

- ``StoreLedger``: the store's own tables, by the check-in's prepared statements
  (services.door.checkin_sql), for a login that owns its tables (an SQLite file, the organizer).
- ``ServerLedger``: the server's functions (services.door.checkin_api), for a station's own login
  on a server, which check each change against the server's rows and clock and bind it to the
  login's station (eventdesk/migrations/station_access_0013.py).

Each method returns what the compare-and-set changed (1 or True: the ticket changed; 0 or False:
another door got there first, or the ticket was cancelled meanwhile). The door never asks which
ledger it has, bar ``checks_pins`` (an override's supervisor is checked by the server's own
function when the server writes).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, cast

from sqlalchemy import Connection, Table, delete, insert, update

from eventdesk.db import Store
from eventdesk.models import SessionCheckin, Ticket, TransactionLog
from eventdesk.services.door import checkin_api as api
from eventdesk.services.door.checkin_sql import (
    ADMIT,
    ANSWER,
    LEAVE,
    LIST_ADMIT,
    LIST_LEAVE,
    LIST_REENTER,
    LOG,
    READMIT,
    SESSION_ADMIT,
)

if TYPE_CHECKING:
    from eventdesk.services.door.scan_result import ScanResult

Values = dict[str, Any]
_t = cast(Table, Ticket.__table__)
_sc = cast(Table, SessionCheckin.__table__)
_tx = cast(Table, TransactionLog.__table__)


class Ledger(Protocol):
    """A door's writes: each in the caller's transaction (``conn``)."""

    @property
    def checks_pins(self) -> bool:
        """The writes' own functions check an override's supervisor (the server's)."""
        ...

    @property
    def offline(self) -> bool:
        """Decisions written here are a station's offline ones (its copy's)."""
        ...

    def admit(self, conn: Connection, values: Values) -> int:
        """A ticket's first check-in (b_id, b_now, b_station)."""
        ...

    def readmit(self, conn: Connection, values: Values) -> int:
        """Back in after an exit (b_id, b_station)."""
        ...

    def leave(self, conn: Connection, values: Values) -> int:
        """Out through an exit (b_id, b_station)."""
        ...

    def session_admit(self, conn: Connection, values: Values) -> bool:
        """Into a session (b_id, b_session, b_now, b_station)."""
        ...

    def list_admit(self, conn: Connection, values: Values) -> bool:
        """A list's entry for the day (b_id, b_list, b_day, b_now, b_station)."""
        ...

    def list_reenter(self, conn: Connection, values: Values) -> int:
        """Back in on a list's day (b_id, b_list, b_day, b_now, b_since, b_station)."""
        ...

    def list_leave(self, conn: Connection, values: Values) -> int:
        """Out on a list's day (b_id, b_list, b_day, b_station)."""
        ...

    def log(self, conn: Connection, row: Values, result: ScanResult) -> None:
        """The scan-log row of the decision ``result`` (services.door.checkin_sql's LOG
        columns)."""
        ...

    def answers(self, conn: Connection, rows: list[Values]) -> None:
        """Answers to a list's questions (ticket_id, list_id, key, value, answered_at,
        station)."""
        ...

    def annul(self, conn: Connection, values: Values) -> None:
        """The check-in ``b_station`` made at ``b_at`` (of the event, or of session
        ``b_session``) annulled: never one another station made (b_id, b_session, b_station,
        b_at)."""
        ...

    def undo(self, conn: Connection, values: Values) -> None:
        """An undo made offline at ``b_station`` (at ``b_now``) of the check-in it annulled
        there (made at ``b_was_at`` by ``b_was_station``), recorded and done (b_id,
        b_session, b_event, b_nonce)."""
        ...


class StoreLedger:
    """The store's own tables."""

    checks_pins = False
    offline = False

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect

    def admit(self, conn: Connection, values: Values) -> int:
        return ADMIT.rowcount(conn, values)

    def readmit(self, conn: Connection, values: Values) -> int:
        return READMIT.rowcount(conn, {"b_id": values["b_id"]})

    def leave(self, conn: Connection, values: Values) -> int:
        return LEAVE.rowcount(conn, {"b_id": values["b_id"]})

    def session_admit(self, conn: Connection, values: Values) -> bool:
        # RETURNING, not rowcount: psycopg reports -1 for an upsert whose key comes back.
        return conn.execute(SESSION_ADMIT[self.dialect], values).first() is not None

    def list_admit(self, conn: Connection, values: Values) -> bool:
        return conn.execute(LIST_ADMIT[self.dialect], values).first() is not None

    def list_reenter(self, conn: Connection, values: Values) -> int:
        return LIST_REENTER.rowcount(conn, values)

    def list_leave(self, conn: Connection, values: Values) -> int:
        return LIST_LEAVE.rowcount(conn, values)

    def log(self, conn: Connection, row: Values, result: ScanResult) -> None:
        LOG.rowcount(conn, row)

    def answers(self, conn: Connection, rows: list[Values]) -> None:
        conn.execute(ANSWER[self.dialect], rows)

    def annul(self, conn: Connection, values: Values) -> None:
        ticket, station, at = values["b_id"], values["b_station"], values["b_at"]
        if values["b_session"] is None:
            conn.execute(
                update(_t)
                .where(_t.c.id == ticket, _t.c.checked_in_station == station)
                .where(_t.c.checked_in_at == at)
                .values(checked_in_at=None, checked_in_station=None, inside=False)
            )
        else:
            conn.execute(
                delete(_sc).where(
                    _sc.c.ticket_id == ticket,
                    _sc.c.session_id == values["b_session"],
                    _sc.c.station == station,
                    _sc.c.checked_in_at == at,
                )
            )

    def undo(self, conn: Connection, values: Values) -> None:
        was_at = values["b_was_at"]
        detail = {
            "offline": True,
            "session_id": values["b_session"],
            "was_checked_in_at": was_at.isoformat() if was_at else None,
            "was_station": values["b_was_station"],
        }
        conn.execute(
            insert(_tx),
            {
                "at": values["b_now"],
                "kind": "checkin_undone",
                "event_id": values["b_event"],
                "ticket_id": values["b_id"],
                "station": values["b_station"],
                "detail": json.dumps(detail, sort_keys=True),
            },
        )
        self.annul(conn, {**values, "b_station": values["b_was_station"], "b_at": was_at})


class ServerLedger:
    """A station's own login: the server's functions. ``scanned`` is the line the current
    scan read (b_payload, b_repaired, b_offline), which the server checks against the ticket."""

    checks_pins = True
    offline = False

    def __init__(self, scanned: Callable[[], Values]) -> None:
        self.scanned = scanned

    def admit(self, conn: Connection, values: Values) -> int:
        return api.changed(api.ADMIT, conn, {**values, **self.scanned()})

    def readmit(self, conn: Connection, values: Values) -> int:
        return api.changed(api.READMIT, conn, values)

    def leave(self, conn: Connection, values: Values) -> int:
        return api.changed(api.LEAVE, conn, values)

    def session_admit(self, conn: Connection, values: Values) -> bool:
        return bool(api.changed(api.SESSION_ADMIT, conn, {**values, **self.scanned()}))

    def list_admit(self, conn: Connection, values: Values) -> bool:
        return bool(api.changed(api.LIST_ADMIT, conn, {**values, **self.scanned()}))

    def list_reenter(self, conn: Connection, values: Values) -> int:
        return api.changed(api.LIST_REENTER, conn, values)

    def list_leave(self, conn: Connection, values: Values) -> int:
        return api.changed(api.LIST_LEAVE, conn, values)

    def log(self, conn: Connection, row: Values, result: ScanResult) -> None:
        api.LOG.first(conn, {**row, "offline": False})

    def answers(self, conn: Connection, rows: list[Values]) -> None:
        for row in rows:
            api.ANSWER.first(conn, row)

    def annul(self, conn: Connection, values: Values) -> None:
        conn.execute(api.ANNUL, values)

    def undo(self, conn: Connection, values: Values) -> None:
        conn.execute(api.UNDO, values)


def ledger_for(store: Store, scanned: Callable[[], Values]) -> Ledger:
    """The ledger a door on ``store`` writes through: the server's functions for a station's
    own login, else the store's tables."""
    if store.station_login() is not None:
        return ServerLedger(scanned)
    return StoreLedger(store.dialect)
