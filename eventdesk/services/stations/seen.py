"""When a station last ended a round of sync with nothing left to upload (``station_seen``,
migration 0029), as the server's own record: whatever a lost station's copy still holds was
decided after that moment, or its station would have uploaded it then. An organizer takes such
a copy from that moment on only (services.stations.lost_copy), whatever the copy's clock says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text

from eventdesk.db import Store

_SYNCED = text("SELECT station_api.synced(:station)")
# The organizer's own login: as the server's function does (its station is a desk's).
_SEEN = text(
    "INSERT INTO station_seen AS s (station, kind, synced_at) "
    "VALUES (:station, 'desk', clock_timestamp()) "
    "ON CONFLICT (station) DO UPDATE SET kind = excluded.kind, synced_at = excluded.synced_at"
)
MARK_EVERY = 10.0  # seconds between two marks of a station that has had nothing to upload


def mark_synced(server: Store, station: str) -> None:
    """The server records that ``station`` has nothing left to upload, now (one statement the
    server completes alone)."""
    with server.each_statement() as conn:
        if server.station_login() is not None:
            conn.execute(_SYNCED, {"station": station})
        else:
            conn.execute(_SEEN, {"station": station[:100]})


@dataclass(frozen=True)
class Seen:
    """What the server knows of a station: when it last had nothing left to upload, and the
    kind of its login then (door, desk)."""

    synced_at: datetime | None
    kind: str | None


def seen(server: Store, station: str) -> Seen:
    """The server's record of ``station`` (an organizer's read)."""
    with server.connect() as conn:
        row = conn.execute(
            text("SELECT synced_at, kind FROM station_seen WHERE station = :s"), {"s": station}
        ).first()
    return Seen(None, None) if row is None else Seen(row.synced_at, row.kind)
