"""A name's family part at the stations of a server (issue 60, item 1): a desk's own login adds
a person and a holder with their family names (kept through its views and its walk-in
trigger); a door's own login prints the paper door list with them sorted under it, and so does
the station's copy while the server is away. Real `eventdesk` processes on PostgreSQL, a loopback
proxy cut in front of the server."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from eventdesk.db import Store
from eventdesk.models import Attendee, Ticket
from eventdesk.services.data.csvio import import_attendees
from testkit.proxy import TcpProxy
from tests.door.test_door_list import pdf_text
from tests.door.test_name_parts import IN_ORDER, KHAI, an_event
from tests.door.test_outage import POSTGRESQL, backend_fixed
from tests.helpers import station_logins
from tests.offline_tools import DoorStation, through

__all__ = ["backend_fixed"]  # a fixture
pytestmark = [POSTGRESQL, pytest.mark.slow]  # real station processes, a cut link
PASSWORD = "name-parts-pw"


def in_order(path: Path) -> list[str]:
    text = pdf_text(path)
    return sorted((name for name in IN_ORDER if name in text), key=text.index)


def test_the_stations_keep_and_sort_by_the_family_name_given_apart(
    backend_fixed: None, db_url: str, store: Store, proxy: TcpProxy, tmp_path: Path
) -> None:
    slug = an_event(store, "stations")
    people = tmp_path / "people.csv"
    with people.open("w", newline="", encoding="utf-8") as file:
        out = csv.writer(file)
        out.writerow(["Name", "Last Name", "Email"])
        out.writerow([KHAI, "Nguyễn", "khai@x.org"])
        out.writerow(["Zoe Zorn", "", "zoe@x.org"])
    assert import_attendees(store, people, slug).imported == 2
    with station_logins(db_url, store, "nameparts", PASSWORD) as logins:

        def station(kind: str, name: str) -> DoorStation:
            url = make_url(through(proxy, db_url)).set(username=logins[kind], password=PASSWORD)
            return DoorStation(name, tmp_path / kind, url.render_as_string(False), 1.0)

        desk, door = station("desk", "Desk 1"), station("door", "Door 1")
        try:
            # The desk's own login: a walk-in in parts, and a ticket for someone else in parts.
            made = desk.run(
                "attendee", "add", "--given", "Lena", "--family", "Lopez", "--email", "lena@x.org"
            )  # fmt: skip
            assert made.code == 0, made.err
            assert (made.json["name"], made.json["family_name"]) == ("Lena Lopez", "Lopez")
            bought = desk.run(
                "register", slug, "--attendee", "lena@x.org", "--ticket-type", "Day",
                "--quantity", "3", "--holder", "", "--given", "", "--given", "Karl",
                "--given", "Olga", "--family", "", "--family", "Kaiser", "--family", "Otto",
            )  # fmt: skip
            assert bought.code == 0, bought.err
            assert [t["holder_family_name"] for t in bought.json["tickets"]] == [
                None,
                "Kaiser",
                "Otto",
            ]
            with store.read() as session:
                assert (
                    session.scalar(
                        select(Attendee.family_name).where(Attendee.email == "lena@x.org")
                    )
                    == "Lopez"
                )
                assert set(session.scalars(select(Ticket.holder_family_name))) >= {"Kaiser"}
            # The door's own login, online; then its copy, the server away.
            online = tmp_path / "online.pdf"
            answer = door.run("report", "door-list", slug, "--pdf", str(online))
            assert answer.code == 0 and "OFFLINE" not in answer.err, answer.err
            assert in_order(online) == IN_ORDER
            assert door.run("sync").code == 0
            proxy.cut()
            offline = tmp_path / "offline.pdf"
            answer = door.run("report", "door-list", slug, "--pdf", str(offline))
            assert answer.code == 0 and "from this station's copy" in answer.err, answer.err
            assert in_order(offline) == IN_ORDER
        finally:
            desk.close()
            door.close()
