"""An offline scan the server refused when its station uploaded it: kept in the station's outbox
as refused, with the server's reason (services.stations.sync), and recorded on the server too
(``upload_refusal``, migration 0017), so that ``report conflicts`` names it on every station and
the organizer sees a door's admission that never reached the server. A station's own login
records it through the server's function (eventdesk/migrations/stations_0017.py), which binds it
to the login's station. A record that cannot be made changes nothing else: the outbox keeps the
scan, refused, and says why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError

from eventdesk.db import Store
from eventdesk.errors import EventdeskError
from eventdesk.models import Ticket, UploadRefusal, UTCDateTime
from eventdesk.outage import is_outage
from eventdesk.values import utcnow

_REFUSED = text(
    "SELECT station_api.upload_refused(:station, :nonce, :ticket_id, :at, :operator, :result, "
    ":detail)"
).bindparams(bindparam("at", type_=UTCDateTime()))


def record_refusals(server: Store, rows: Sequence[dict[str, Any]], refused: dict[int, str]) -> None:
    """Each refused scan or undo of ``rows`` (outbox rows; ``refused``: seq -> the server's
    reason) recorded on the server, once a row (a second refusal updates the reason)."""
    for row in rows:
        why = refused.get(row["seq"])
        if why is None or row["kind"] not in ("scan", "undo"):
            continue
        values = {
            "station": row["station"],
            "nonce": row["nonce"],
            "ticket_id": row["ticket_id"],
            "at": row["at"],
            "operator": row["operator"],
            "result": row["result"],
            "detail": why[:400],
        }
        try:
            # One statement the server completes alone, whoever records it.
            with server.each_statement() as conn:
                if server.station_login() is not None:
                    conn.execute(_REFUSED, values)
                    continue
                event = func.coalesce(
                    select(Ticket.event_id).where(Ticket.id == row["ticket_id"]).scalar_subquery(),
                    row["event_id"],
                )
                made = insert(UploadRefusal).values(
                    **values,
                    event_id=event,
                    recorded_at=utcnow(),
                )
                conn.execute(
                    made.on_conflict_do_update(
                        index_elements=["nonce"],
                        set_={
                            "detail": made.excluded.detail,
                            "recorded_at": made.excluded.recorded_at,
                        },
                    )
                )
        except (DBAPIError, EventdeskError) as exc:
            if is_outage(exc):
                raise
