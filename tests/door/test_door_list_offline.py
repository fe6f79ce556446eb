"""The paper door list at a station whose server is away (docs/operators-guide.md, "When every
machine fails"): `report door-list` prints from the station's copy (its holders, types and
notes), says that it does, and lists every valid ticket in the same order as the server's; a
door's own login prints it online from what that login reads. Through a loopback proxy the test
cuts in front of the real PostgreSQL server; the station is a real `eventdesk` process."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from eventdesk.db import Store
from testkit.proxy import TcpProxy
from tests.door.test_door_list import IN_ORDER, a_door_list_event, pdf_text
from tests.door.test_outage import POSTGRESQL, backend_fixed
from tests.helpers import station_logins
from tests.offline_tools import DoorStation, through

__all__ = ["backend_fixed"]  # a fixture
pytestmark = [POSTGRESQL, pytest.mark.slow]  # real station processes, a cut link
PASSWORD = "door-list-pw"


def check_listed(path: Path, tickets: dict[str, str], gone: str) -> None:
    text = pdf_text(path)
    places = [text.index(name) for name in IN_ORDER]
    assert places == sorted(places), text
    assert gone not in text
    for name, ticket in tickets.items():
        assert ticket in next(line for line in text.splitlines() if name in line), name
    assert "wheelchair: side door" in text and "ID check: VIP wristband" in text


def test_report_door_list_prints_from_the_station_s_copy_while_the_server_is_away(
    backend_fixed: None,
    db_url: str,
    store: Store,
    proxy: TcpProxy,
    tmp_path: Path,
) -> None:
    slug, tickets, gone = a_door_list_event(store, "offline")
    with station_logins(db_url, store, "doorlist", PASSWORD) as logins:
        door_url = make_url(through(proxy, db_url)).set(username=logins["door"], password=PASSWORD)
        door = DoorStation("Door 1", tmp_path / "door", door_url.render_as_string(False), 1.0)
        try:
            # Online, as the door's own login: what that login reads.
            online = tmp_path / "online.pdf"
            answer = door.run("report", "door-list", slug, "--pdf", str(online))
            assert answer.code == 0 and "OFFLINE" not in answer.err, answer.err
            assert answer.json == {"path": str(online), "people": 9, "pages": 1}
            check_listed(online, tickets, gone)
            assert door.run("sync").code == 0

            proxy.cut()
            offline = tmp_path / "offline.pdf"
            answer = door.run("report", "door-list", slug, "--pdf", str(offline))
            assert answer.code == 0, answer.err
            assert answer.json == {"path": str(offline), "people": 9, "pages": 1}
            said = [line for line in answer.err.splitlines() if "OFFLINE" in line]
            assert len(said) == 1 and "from this station's copy, refreshed" in said[0]
            check_listed(offline, tickets, gone)
            assert "from this station's copy, refreshed" in pdf_text(offline)
        finally:
            door.close()
