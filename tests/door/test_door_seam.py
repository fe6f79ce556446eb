"""The door's one seam (services/door/door.py): every decider offers the protocol's calls with
its parameters (the local decider, a station's on a server, the copy's), and a door made with a
clock decides and undoes at that clock's time when a call names none. On SQLite and
PostgreSQL."""

from __future__ import annotations

import inspect
from datetime import timedelta

import pytest
from sqlalchemy import select

from eventdesk.db import Store
from eventdesk.models import ScanLog
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.door import Door
from eventdesk.services.stations.station_door import MirrorCheckin, StationDoor
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from tests.helpers import payloads_now

CALLS = ("scan", "scan_many", "checkin_ticket", "undo")


@pytest.mark.parametrize("decider", [Checkin, StationDoor, MirrorCheckin])
def test_every_decider_offers_the_doors_calls(decider: type) -> None:
    """The same names, kinds and defaults as the protocol's (a decider may take more)."""
    for call in CALLS:
        wanted = inspect.signature(getattr(Door, call)).parameters
        offered = inspect.signature(getattr(decider, call)).parameters
        for name, parameter in wanted.items():
            assert name in offered, (decider.__name__, call, name)
            found = offered[name]
            assert (found.kind, found.default) == (parameter.kind, parameter.default), (
                decider.__name__,
                call,
                name,
            )


def test_a_door_made_with_a_clock_decides_and_undoes_at_its_time(
    store: Store, signer: Signer
) -> None:
    """The app's desk on a local database is such a door: its undo was at the machine's time
    while its scans were at the station's clock (fixed in the app's snapshots)."""
    payload = payloads_now(store, signer, 1, name="Seam", prefix="seam")[0]
    moment = utcnow().replace(microsecond=0) - timedelta(minutes=50)  # in the event's hours
    door: Door = Checkin(store, station="Door A", clock=lambda: moment)
    admitted = door.scan(payload)
    assert (admitted.result, admitted.at) == ("ok", moment)
    assert admitted.ticket_id is not None
    undone = door.undo(admitted.ticket_id)
    assert (undone.was_checked_in_at, undone.was_station) == (moment, "Door A")
    with store.read() as session:
        logged = session.scalars(select(ScanLog.at).order_by(ScanLog.id)).all()
    assert logged and all(at == moment for at in logged), logged
