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
from eventdesk.models import Ticket
from eventdesk.values import money_text
from testkit.proxy import TcpProxy
from tests.door.test_door_list import (
    IN_ORDER,
    a_door_list_event,
    a_list_of_the_vips,
    check_marked_for_the_list,
    pdf_text,
)
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
    # What the door would say of a ticket that owes money, read as the login or the copy reads it.
    # (Its cell takes two lines of the row, the mark first: it is read on the line above.)
    lines = text.splitlines()
    at = next(n for n, line in enumerate(lines) if "Karl Berg" in line)
    owes = f"owes {money_text(1500, 'EUR')}: to the desk ·"
    assert owes in lines[at - 1] and "wheelchair: side door" in lines[at], lines[at - 1 : at + 1]


def owing(store: Store, ticket_id: str) -> None:
    """The ticket priced at 15.00 with nothing paid (it owes that much)."""
    ticket = Ticket.__table__
    with store.write() as session:
        session.execute(
            ticket.update().where(ticket.c.id == ticket_id).values(price_cents=1500, currency="EUR")
        )


def test_report_door_list_prints_from_the_station_s_copy_while_the_server_is_away(
    backend_fixed: None,
    db_url: str,
    store: Store,
    proxy: TcpProxy,
    tmp_path: Path,
) -> None:
    slug, tickets, gone = a_door_list_event(store, "offline")
    owing(store, tickets["Karl Berg"])
    vips = a_list_of_the_vips(store, slug)
    with station_logins(db_url, store, "doorlist", PASSWORD) as logins:
        door_url = make_url(through(proxy, db_url)).set(username=logins["door"], password=PASSWORD)
        door = DoorStation("Door 1", tmp_path / "door", door_url.render_as_string(False), 1.0)
        try:
            # Online, as the door's own login: what that login reads.
            online = tmp_path / "online.pdf"
            answer = door.run("report", "door-list", slug, "--pdf", str(online))
            assert answer.code == 0 and "OFFLINE" not in answer.err, answer.err
            assert answer.json == {"path": str(online), "people": 9, "pages": 1, "list": None}
            check_listed(online, tickets, gone)
            of_list = tmp_path / "online-vips.pdf"
            answer = door.run("report", "door-list", slug, "--list", vips, "--pdf", str(of_list))
            assert answer.code == 0 and answer.json["list"] == "VIP Lounge", answer.err
            check_marked_for_the_list(of_list, tickets)
            assert door.run("sync").code == 0

            proxy.cut()
            offline = tmp_path / "offline.pdf"
            answer = door.run("report", "door-list", slug, "--pdf", str(offline))
            assert answer.code == 0, answer.err
            assert answer.json == {"path": str(offline), "people": 9, "pages": 1, "list": None}
            said = [line for line in answer.err.splitlines() if "OFFLINE" in line]
            assert len(said) == 1 and "from this station's copy, refreshed" in said[0]
            check_listed(offline, tickets, gone)
            assert "from this station's copy, refreshed" in pdf_text(offline)
            of_list = tmp_path / "offline-vips.pdf"
            answer = door.run("report", "door-list", slug, "--list", vips, "--pdf", str(of_list))
            assert answer.code == 0 and answer.json["list"] == "VIP Lounge", answer.err
            check_marked_for_the_list(of_list, tickets)
        finally:
            door.close()
