"""A revoked station knows it (docs/operators-guide.md, "A station carried off"): it says so,
decides nothing, online or from its copy, and never promises an upload; a door's and a desk's
own login alike.

Before: "role does not exist" was taken as an outage, and the revoked station went on admitting
from its copy, "OFFLINE ... uploaded when the server is back", though nothing it decided could
ever be uploaded."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from eventdesk.db import Store
from eventdesk.errors import StationRefused
from eventdesk.services.stations import roles
from eventdesk.services.stations.station_door import StationDoor
from eventdesk.tickets import Signer
from screens.widgets.offline_state import offline_text
from tests.conftest import PG_ENV, PG_SKIP
from tests.door.test_every_login import PASSWORD, server_logins
from tests.door.test_outage import POSTGRESQL, backend_fixed
from tests.offline_tools import STATION_OF, DoorStation, login_url, open_event

pytestmark = [pytest.mark.skipif(not os.environ.get(PG_ENV), reason=PG_SKIP), POSTGRESQL]
__all__ = ["backend_fixed", "server_logins"]  # fixtures


@pytest.mark.slow  # runs eventdesk as a process of its own
@pytest.mark.parametrize("login", ["door", "desk"])
def test_a_revoked_station_says_so_and_decides_nothing(
    backend_fixed: None,
    login: str,
    db_url: str,
    store: Store,
    signer: Signer,
    server_logins: dict[str, str],
    tmp_path: Path,
) -> None:
    event = open_event(store, signer, 3)
    url = login_url(db_url, login, server_logins, PASSWORD)
    door = DoorStation(STATION_OF[login], tmp_path / login, url, 1.0)
    try:
        assert door.run("sync").code == 0
        assert door.run("checkin", event.payloads[0]).json["result"] == "ok"
        roles.revoke(store, STATION_OF[login])
        said = door.run("checkin", event.payloads[1])
        assert said.code == 3, (said.code, said.out, said.err)
        assert "refuses this station's login" in said.err, said.err
        assert "uploaded when the server is back" not in said.err
        assert "OFFLINE" not in said.err
        outbox = door.outbox()
        assert outbox == [], outbox  # nothing decided, nothing promised
        # Its next process, with the server away meanwhile, knows from its copy.
        away = make_url(door.url).set(port=1).render_as_string(hide_password=False)
        gone = DoorStation(STATION_OF[login], door.data_dir, away, 1.0)
        said = gone.run("checkin", event.payloads[2])
        assert said.code == 3 and "refuses this station's login" in said.err, said.err
        assert door.outbox() == []
        # In the app's door (this process): refused, not admitted from the copy.
        station = door.in_process()
        with pytest.raises(StationRefused):
            StationDoor(station, event=event.slug).scan(event.payloads[2])
        assert door.outbox() == []
        # The desk's and the kiosk's line says so, not "OFFLINE · deciding from the copy".
        line = offline_text(station)
        assert line.startswith("REFUSED · the server refuses this station's login"), line
        assert "OFFLINE" not in line and "deciding" not in line
        status = door.run("station", "status")
        assert status.json["online"] is False, status.json
        sync = door.run("sync")
        assert sync.code == 3 and "refuses this station's login" in sync.err, sync.err
    finally:
        door.close()


def test_a_station_revoked_before_it_ever_synced_is_revoked(
    backend_fixed: None, store: Store, server_logins: dict[str, str]
) -> None:
    """Lost before its first round of sync, a station has no copy key yet: it is revoked all
    the same (its logins dropped, a key made revoked, so none is made for it again), and so is
    one whose last login is removed, where the service failed with "No row was found when one
    was required" and did neither."""
    done = roles.revoke(store, STATION_OF["door"])
    assert done.logins == [server_logins["door"]]
    assert [b.login for b in roles.listed(store)] == [server_logins["desk"]]
    with store.connect() as conn:
        keys = conn.execute(
            text("SELECT revoked_at FROM station_key WHERE station = :s"), {"s": STATION_OF["door"]}
        ).scalars()
        assert list(keys) == [done.revoked_at]
    assert roles.revoke(store, STATION_OF["door"]).revoked_at == done.revoked_at  # again: as it was
    roles.remove(store, server_logins["desk"])
    assert roles.listed(store) == []
    with store.connect() as conn:
        revoked = conn.execute(
            text("SELECT revoked_at IS NOT NULL FROM station_key WHERE station = :s"),
            {"s": STATION_OF["desk"]},
        ).scalars()
        assert list(revoked) == [True]
