"""The roll call at a station whose server is away (docs/operators-guide.md, "Offline
stations"): `report inside` answers from the station's copy (what the server had at its last
sync, and what the station admitted since), says that it does and as of when, prints its PDF
from it; once the server is back, the station's roll call and the server's agree. Through a
loopback proxy the test cuts in front of the real PostgreSQL server; the station is a real
`eventdesk` process."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from eventdesk.db import Store
from eventdesk.services.catalogue.events import show_event
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import register
from eventdesk.services.stats.inside import roll_call
from eventdesk.text import fold
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from testkit.proxy import TcpProxy
from tests.door.test_outage import POSTGRESQL, backend_fixed
from tests.helpers import add_type, make_event
from tests.offline_tools import DoorStation, Running, through

__all__ = ["backend_fixed"]  # a fixture
pytestmark = [POSTGRESQL, pytest.mark.slow]  # real station processes, a cut link
NAMES = ["Marta Vogel", "kenji Abe", "Lena Östlund", "Omar Haddad"]


def test_report_inside_answers_from_the_station_s_copy_while_the_server_is_away(
    backend_fixed: None,
    db_url: str,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    tmp_path: Path,
) -> None:
    now = utcnow().replace(microsecond=0)
    slug = make_event(
        store,
        name="Offline Roll Call",
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=6)).isoformat(),
        allow_reentry=True,
    )
    add_type(store, slug, "Day", price_cents=0)
    emails = [f"offline-rollcall-{n}@example.org" for n in range(len(NAMES))]
    attendees.add_attendees_bulk(
        store, [{"name": name, "email": e} for name, e in zip(NAMES, emails, strict=True)]
    )
    tickets = [register(store, slug, e, "Day").tickets[0].ticket_id for e in emails]
    marta, kenji, lena, omar = (signer.payload(t) for t in tickets)
    a = DoorStation("Door A", tmp_path / "station-A", through(proxy, db_url), 1.0)
    try:
        # Online: A lets Marta and Kenji in; door B lets Lena in and Kenji out.
        for payload in (marta, kenji):
            admitted = a.run("checkin", "--event", slug, payload)
            assert admitted.code == 0 and not admitted.json["offline"], admitted.err
        assert Checkin(store, station="Door B", event=slug).scan(lena).admitted
        exit_b = Checkin(store, station="Door B", event=slug, direction="exit")
        assert exit_b.checkin_ticket(tickets[1]).admitted
        synced = a.run("sync")
        assert synced.code == 0 and synced.json["online"], synced.err
        refreshed = datetime.fromisoformat(a.run("station", "status").json["mirror_updated_at"])

        proxy.cut()
        offline = a.run("checkin", "--event", slug, omar)  # Omar comes in while it is away
        assert (offline.code, offline.json["offline"]) == (0, True), offline.err
        pdf = tmp_path / "evacuation.pdf"
        answer = a.run("report", "inside", slug, "--pdf", str(pdf))
        assert answer.code == 0, answer.err
        expected = sorted(["Marta Vogel", "Lena Östlund", "Omar Haddad"], key=fold)
        assert [row["name"] for row in answer.json] == expected
        stations = {row["name"]: row["station"] for row in answer.json}
        assert stations == {
            "Marta Vogel": "Door A",
            "Lena Östlund": "Door B",
            "Omar Haddad": "Door A",
        }
        said = [line for line in answer.err.splitlines() if "OFFLINE" in line]
        assert len(said) == 1 and "from this station's copy, refreshed" in said[0], answer.err
        assert pdf.read_bytes().startswith(b"%PDF-")

        human = Running(
            [word for word in a.command("report", "inside", slug) if word != "--json"],
            a.environ(),
        ).finish()
        assert human.code == 0, human.err
        assert "3 people inside now" in human.out
        # As of when: the copy's last refresh, in the event's time zone.
        assert "from this station's copy, refreshed" in human.out
        assert refreshed.astimezone(_zone(store, slug)).strftime("%H:%M") in human.out

        # Back: what A decided goes up, and the server's roll call is the copy's.
        proxy.restore()
        back = a.run("sync")
        assert back.code == 0 and back.json["pending"] == 0, back.err
        on_server = roll_call(store, slug)
        assert [p.name for p in on_server.people] == expected
        online = a.run("report", "inside", slug)
        assert online.code == 0 and "OFFLINE" not in online.err, online.err
        assert [row["name"] for row in online.json] == expected
    finally:
        a.close()


def _zone(store: Store, slug: str) -> ZoneInfo:
    return show_event(store, slug).zone
