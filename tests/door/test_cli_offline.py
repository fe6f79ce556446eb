"""The command line offline like the app (docs/operators-guide.md, "Offline stations"): at a
station whose server is silent (a proxy that holds every byte) or refusing (a proxy cut), the
one-shot commands a door and a desk run, `checkin`, `scan`, `attendee find`, `attendee show`,
`ticket show` and `print`, answer from the station's copy, each with one line saying so that
names the one limit it waited; what they decided goes up at the next sync. What a station's
login may not do is refused from the copy as online. (How soon they answer is measured by
bench/cli_offline.py, not here.)"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from eventdesk.db import Store
from eventdesk.models import Event
from eventdesk.services.catalogue.events import update_event
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import register
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from testkit.proxy import TcpProxy
from tests import forks
from tests.door.test_outage import POSTGRESQL, backend_fixed
from tests.helpers import station_logins
from tests.offline_tools import DoorStation, open_event, through, ticket

__all__ = ["backend_fixed"]  # a fixture
PASSWORD = "pw-cli-offline"
pytestmark = [
    pytest.mark.slow,  # one-shot commands as processes at a station whose server is away
    POSTGRESQL,
]


@pytest.fixture
def logins(db_url: str, store: Store) -> Iterator[dict[str, str]]:
    """A door's and a desk's own login on this test's database (cluster-wide roles, named for
    the run and the worker), dropped after it; and the organizer's."""
    with station_logins(db_url, store, "cli", PASSWORD) as names:
        yield {"organizer": "", **names}


def station_as(login: str, name: str, db_url: str, proxy: TcpProxy, folder: Path) -> DoorStation:
    url = through(proxy, db_url)
    if login:
        url = (
            make_url(url)
            .set(username=login, password=PASSWORD)
            .render_as_string(hide_password=False)
        )
    return DoorStation(name, folder / name.replace(" ", "-"), url, 1.0)


def offline_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if "OFFLINE" in line]


@pytest.mark.parametrize("kind", ["desk", "organizer"])
@pytest.mark.parametrize("server", ["silent", "refusing"])
def test_a_desks_one_shot_commands_answer_from_its_copy(
    backend_fixed: None,
    kind: str,
    server: str,
    db_url: str,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    logins: dict[str, str],
    tmp_path: Path,
) -> None:
    event = open_event(store, signer, 4)
    with store.write() as session:  # its times read in Tokyo's zone (JST), not UTC
        events = Event.__table__
        session.execute(
            events.update().where(events.c.slug == event.slug).values(timezone="Asia/Tokyo")
        )
    email = f"nadia.okafor.{server}@example.org"
    attendees.add_attendees_bulk(store, [{"name": "Nadia Okafor", "email": email}])
    nadia = register(store, event.slug, email, "Regular").tickets[0].ticket_id
    name = "Desk 1" if kind == "desk" else "Office"
    desk = station_as(logins[kind], name, db_url, proxy, tmp_path)
    copied = desk.run("sync")
    assert copied.code == 0 and copied.json["online"], copied.err
    proxy.stall() if server == "silent" else proxy.cut()
    first = {"silent": "no answer within 1 s", "refusing": "refused"}[server]

    admitted = desk.run("checkin", "--event", event.slug, event.payloads[0])
    assert admitted.code == 0, admitted.err
    assert (admitted.json["result"], admitted.json["offline"]) == ("ok", True)
    said = offline_lines(admitted.err)
    assert len(said) == 1 and first in said[0], admitted.err

    found = desk.run("attendee", "find", "Nadia")
    assert found.code == 0, found.err
    assert [(p["name"], p["email"]) for p in found.json] == [("Nadia Okafor", email)]
    assert len(offline_lines(found.err)) == 1 and "this station's copy" in found.err
    # When the copy was refreshed, as the event's times are read (it said UTC).
    assert offline_lines(found.err)[0].endswith(" JST"), found.err

    shown = desk.run("attendee", "show", email)
    assert shown.code == 0, shown.err
    assert shown.json["name"] == "Nadia Okafor"
    assert [t["id"] for t in shown.json["tickets"]] == [nadia]
    assert len(offline_lines(shown.err)) == 1

    payload = desk.run("ticket", "show", nadia, "--payload")
    assert payload.code == 0, payload.err
    assert payload.json["payload"] == signer.payload(nadia)

    printed = desk.run("print", nadia)
    assert printed.code == 0, printed.err
    assert printed.json["state"] == "done"
    assert any(nadia in path.name for path in (desk.data_dir / "badges").iterdir())

    answer = _scan_one(desk, event.slug, event.payloads[1])
    assert (answer["result"], answer["offline"]) == ("ok", True)
    for limit in ("5 s", "10 s"):  # one limit said, never another's
        assert all(limit not in a for a in (admitted.err, found.err, shown.err, printed.err))

    # Back: what was decided offline goes up, and the server has it.
    proxy.unstall() if server == "silent" else proxy.restore()
    synced = desk.run("sync")
    assert synced.code == 0 and synced.json["online"], synced.err
    assert synced.json["pending"] == 0 and synced.json["refused"] == 0
    for ticket_id in event.ticket_ids[:2]:
        assert ticket(store, ticket_id).checked_in_station == name


def test_each_command_the_first_time_names_the_limit_it_waited(
    backend_fixed: None,
    db_url: str,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    tmp_path: Path,
) -> None:
    """A command that is the station's first to meet the silent server waited its threshold
    (1 s), and says that limit, whichever command it is (`print` said the sync loop's 0.2 s
    it had not waited, and waited for the server a second time)."""
    event = open_event(store, signer, 2)
    desk = station_as("", "Desk 1", db_url, proxy, tmp_path)
    assert desk.run("sync").code == 0
    proxy.stall()
    wanted = event.ticket_ids[0]
    for command in (["attendee", "find", "Guest"], ["ticket", "show", wanted], ["print", wanted]):
        fresh = tmp_path / f"fresh-{command[0]}"
        shutil.copytree(desk.data_dir, fresh)  # it has not met the silent server yet
        answer = DoorStation("Desk 1", fresh, desk.url, 1.0).run(*command)
        assert answer.code == 0, answer.err
        said = offline_lines(answer.err)
        assert len(said) == 1 and "no answer within 1 s" in said[0], (command, answer.err)


def test_a_station_with_no_copy_waits_for_its_server_as_long_as_a_connection_may_take(
    backend_fixed: None,
    db_url: str,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    tmp_path: Path,
) -> None:
    """A station that has no copy yet has nothing to answer from instead: a server slower than
    its threshold (or a station too busy to hear it in time) is waited for as long as a
    connection may take (5 s), not given up on after the threshold only to say "database
    unavailable". With a copy, the threshold is the limit again."""
    event = open_event(store, signer, 2)
    door = station_as("", "Door 1", db_url, proxy, tmp_path)
    proxy.stall()
    refused = door.run("checkin", "--event", event.slug, event.payloads[0])
    assert refused.code == 3, refused.err
    assert "no answer within 5 s" in refused.err and "has no copy" in refused.err, refused.err
    proxy.unstall()
    assert door.run("sync").code == 0
    proxy.stall()
    admitted = door.run("checkin", "--event", event.slug, event.payloads[0])
    assert (admitted.code, admitted.json["offline"]) == (0, True), admitted.err
    said = offline_lines(admitted.err)
    assert len(said) == 1 and "no answer within 1 s" in said[0], admitted.err


def _scan_one(desk: DoorStation, event: str, payload: str) -> dict[str, object]:
    """`scan --source -` given one scanned line: its one decision."""
    done = forks.run(
        desk.command("scan", "--source", "-", "--event", event),
        input=f"{payload}\n",
        capture_output=True,
        text=True,
        timeout=120,
        env={**desk.environ(), "EVENTDESK_SOUND": "off"},
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, done.stdout
    said = [line for line in done.stderr.splitlines() if "OFFLINE" in line]
    assert len(said) == 1, done.stderr
    return lines[0]


def test_a_doors_login_is_refused_the_desks_commands_from_its_copy_too(
    backend_fixed: None,
    db_url: str,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    logins: dict[str, str],
    tmp_path: Path,
) -> None:
    event = open_event(store, signer, 2)
    door = station_as(logins["door"], "Door 1", db_url, proxy, tmp_path)
    assert door.run("sync").code == 0
    online = door.run("attendee", "find", "Guest")
    proxy.stall()
    offline = door.run("attendee", "find", "Guest")
    for answer in (online, offline):
        assert answer.code == 1, answer.err
        assert "`attendee find` is for a desk or an organizer's station" in answer.err
        assert "door's own" in answer.err
    admitted = door.run("checkin", "--event", event.slug, event.payloads[0])
    assert (admitted.code, admitted.json["result"], admitted.json["offline"]) == (0, "ok", True)


def test_an_offline_admission_the_server_refuses_is_said_at_the_station_and_in_the_report(
    backend_fixed: None,
    db_url: str,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    logins: dict[str, str],
    tmp_path: Path,
) -> None:
    """A door admits from its copy while its server is away; meanwhile the organizer moves the
    event to next year, so the server refuses the admission when it is uploaded. The door
    keeps it, refused with the server's reason (`sync`, `station status`, `station outbox`),
    and `report conflicts` names it on the organizer's station, until it is uploaded after
    all."""
    event = open_event(store, signer, 2)
    door = station_as(logins["door"], "Door 1", db_url, proxy, tmp_path)
    assert door.run("sync").code == 0
    proxy.stall()
    admitted = door.run("checkin", "--event", event.slug, event.payloads[0])
    assert (admitted.code, admitted.json["result"], admitted.json["offline"]) == (0, "ok", True)
    later = utcnow() + timedelta(days=400)
    update_event(
        store, event.slug, starts=later.isoformat(), ends=(later + timedelta(hours=8)).isoformat()
    )
    proxy.unstall()
    synced = door.run("sync")
    assert synced.json["refused"] == 1 and synced.json["uploaded"] == 0, synced.out
    status = door.run("station", "status")
    assert status.json["refused"] == 1
    human = forks.run(
        [arg for arg in door.command("station", "status") if arg != "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=door.environ(),
    )
    assert "scans the server refused (kept): 1" in human.stdout, human.stdout
    outbox = door.run("station", "outbox")
    [kept] = [row for row in outbox.json if row["state"] == "refused"]
    assert "not_yet_valid" in kept["reason"], kept
    organizer = DoorStation("Office", tmp_path / "office", db_url, 1.0)
    report = organizer.run("report", "conflicts", event.slug)
    assert report.code == 0, report.err
    [row] = report.json["rows"] if isinstance(report.json, dict) else report.json
    assert (row["ticket_id"], row["reason"]) == (event.ticket_ids[0], "refused"), row
    assert row["stations"][0] == "Door 1" and "not_yet_valid" in row["detail"]
    assert ticket(store, event.ticket_ids[0]).checked_in_at is None  # nothing admitted
    # The event put back, the scan sent again: admitted, and no longer in the report.
    now = utcnow()
    update_event(
        store,
        event.slug,
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=6)).isoformat(),
    )
    assert door.run("station", "outbox", "--retry", str(kept["id"])).code == 0
    again = door.run("sync")
    assert (again.json["uploaded"], again.json["refused"]) == (1, 0), again.out
    assert ticket(store, event.ticket_ids[0]).checked_in_station == "Door 1"
    after = organizer.run("report", "conflicts", event.slug).json
    assert (after["rows"] if isinstance(after, dict) else after) == []
