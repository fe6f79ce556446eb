"""The one place a station's door is made (services.door.door.DoorSettings says what it is set
to): the app's desk and kiosk, `scan` and `checkin` each ask here. A station on an SQLite file
loads only the check-in; one on a server, its StationDoor too."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from eventdesk.db import Store
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.door import Door, DoorSettings
from eventdesk.values import utcnow

if TYPE_CHECKING:
    from eventdesk.services.stations.offline import Station


def open_door(
    where: Store | Station,
    settings: DoorSettings,
    *,
    station: str,
    clock: Callable[[], datetime] | None = None,
) -> Door:
    """The door every mode decides with: on a server a station's own (``StationDoor``: the
    server while it answers, the copy while it does not; named as its station is), else a
    ``Checkin`` on the database the station reaches (an SQLite file), named ``station``.
    ``clock`` is the station's (default: its own, or the machine's)."""
    if isinstance(where, Store):
        return Checkin(where, station=station, clock=clock or utcnow, **settings.options())
    from eventdesk.services.stations.station_door import StationDoor  # a server's station only

    return StationDoor(where, clock=clock, **settings.options())
