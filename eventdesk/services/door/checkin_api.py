"""The check-in's writes as a station's own login makes them on a server: through the server's
functions (eventdesk/migrations/station_access_0013.py), which check each against the server's
rows and clock and bind it to the login's station. The decision is the same ``Checkin``'s;
only where it writes differs. Each statement is built once and runs prepared, as the
check-in's own (services.door.checkin_sql)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Integer, String, bindparam, func, select, text

from eventdesk.models import UTCDateTime
from eventdesk.prepared import Prepared

_TIME = UTCDateTime()
_TEXT = String()


def _p(name: str, kind: Any = _TEXT) -> Any:
    return bindparam(name, type_=kind)


ADMIT = Prepared(
    select(
        func.station_api.admit(
            _p("b_station"),
            _p("b_id"),
            _p("b_now", _TIME),
            _p("b_payload"),
            _p("b_repaired", Boolean()),
            _p("b_offline", Boolean()),
        )
    )
)
READMIT = Prepared(select(func.station_api.readmit(_p("b_station"), _p("b_id"))))
LEAVE = Prepared(select(func.station_api.leave(_p("b_station"), _p("b_id"))))
SESSION_ADMIT = Prepared(
    select(
        func.station_api.session_admit(
            _p("b_station"),
            _p("b_id"),
            _p("b_session", Integer()),
            _p("b_now", _TIME),
            _p("b_payload"),
            _p("b_repaired", Boolean()),
            _p("b_offline", Boolean()),
        )
    )
)
LOG = Prepared(
    select(
        func.station_api.log_scan(
            _p("station"),
            _p("at", _TIME),
            _p("operator"),
            _p("event_id", Integer()),
            _p("session_id", Integer()),
            _p("ticket_id"),
            _p("direction"),
            _p("payload"),
            _p("result"),
            _p("nonce"),
            _p("answer"),
            _p("offline", Boolean()),
        )
    )
)


def changed(statement: Prepared, conn: Any, params: dict[str, Any]) -> int:
    """What a function that admits or lets out returned: 1 when it changed the ticket."""
    found = statement.first(conn, params)
    return int(next(iter(found.values()))) if found else 0


# A check-in list's admissions (migration 0014: eventdesk/migrations/checkin_lists_0014.py).
LIST_ADMIT = Prepared(
    select(
        func.station_api.list_admit(
            _p("b_station"),
            _p("b_id"),
            _p("b_list", Integer()),
            _p("b_day"),
            _p("b_now", _TIME),
            _p("b_payload"),
            _p("b_repaired", Boolean()),
            _p("b_offline", Boolean()),
        )
    )
)
LIST_REENTER = Prepared(
    select(
        func.station_api.list_reenter(
            _p("b_station"),
            _p("b_id"),
            _p("b_list", Integer()),
            _p("b_day"),
            _p("b_now", _TIME),
            _p("b_offline", Boolean()),
        )
    )
)
LIST_LEAVE = Prepared(
    select(
        func.station_api.list_leave(
            _p("b_station"), _p("b_id"), _p("b_list", Integer()), _p("b_day")
        )
    )
)
ANSWER = Prepared(
    select(
        func.station_api.answer(
            _p("station"),
            _p("ticket_id"),
            _p("list_id", Integer()),
            _p("key"),
            _p("value"),
            _p("answered_at", _TIME),
        )
    )
)
# An uploaded undo and a late answer's annulment (the station's own check-in, never another's).
UNDO = text(
    "SELECT was_at, was_station FROM station_api.undo(:b_station, :b_id, :b_session, :b_now, "
    ":b_was_at, :b_nonce)"
).bindparams(bindparam("b_now", type_=_TIME), bindparam("b_was_at", type_=_TIME))
ANNUL = text("SELECT station_api.annul_own(:b_station, :b_id, :b_session, :b_at)").bindparams(
    bindparam("b_at", type_=_TIME)
)
