"""The standby page (docs/standby.md) runs as written, on two throwaway PostgreSQL clusters on
127.0.0.1 made with the machine's PostgreSQL programs: the primary (the test starts it, as a
machine's server would be running), and an empty data folder for the standby. Its ``<!-- standby
-->`` blocks run in the page's order, each as a bash script of the user that runs PostgreSQL
(as the page's ``sudo -iu postgres``), on the machine it names: ``standby:primary`` blocks with
the primary's socket and port, ``standby:standby`` and ``standby:promote`` blocks with the
standby's data folder. The page's addresses and ports are the clusters' own.

Between the blocks, eventdesk runs as the page says a station runs: the organizer's station
makes the event and a door's own login (the operator's guide's roles), and the door checks
people in through a server address that names both hosts with
``target_session_attrs=read-write``. Admissions confirmed to it before the primary's postmaster
is killed (SIGKILL: a machine that died) are on the promoted standby; while there is no primary
the door decides from its copy; once the standby is promoted the same address finds it, the
offline admission is uploaded once, and the door admits online again, nothing changed at the
station. ``station status`` names the host that answers, before and after."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, text

from testkit.postgres import ClusterFailed, NoPrograms
from testkit.standby import (
    DATABASE,
    DOOR,
    EVENTDESK,
    HOST,
    ORGANIZER,
    PAGE,
    PASSWORD,
    SECONDS,
    Pair,
    doctor_line,
    eventdesk,
    made_as_the_page_says,
    made_pair,
    run_block,
    station_shell,
)

pytestmark = [
    pytest.mark.slow,  # two PostgreSQL clusters, a base backup, eventdesk as processes
    pytest.mark.timeout(600),
]


@pytest.fixture
def pair() -> Iterator[Pair]:
    """A running primary and an empty folder for its standby (testkit.standby)."""
    try:
        with made_pair() as made:
            yield made
    except (NoPrograms, ClusterFailed) as exc:
        pytest.skip(f"no PostgreSQL programs to make a pair with: {exc}")


def page_says(mark: str) -> str:
    """The standby line the page shows ``doctor`` saying, marked ``ok`` or ``!!``."""
    prefix = f"{mark}  standby: "
    lines = PAGE.read_text(encoding="utf-8").splitlines()
    return next(line.removeprefix(prefix) for line in lines if line.startswith(prefix))


def not_checked_in(conn: Connection) -> list[str]:
    """The QR payloads of the registered tickets nobody has checked in yet."""
    unscanned = text(
        "SELECT qr_payload FROM ticket WHERE status = 'registered' AND "
        "checked_in_at IS NULL AND qr_payload IS NOT NULL ORDER BY id"
    )
    return list(conn.execute(unscanned).scalars())


def test_a_standby_made_as_the_page_says_keeps_every_confirmed_admission_when_the_primary_dies(
    pair: Pair, tmp_path: Path
) -> None:
    later = made_as_the_page_says(pair)
    both = pair.both
    office, door = tmp_path / "office", tmp_path / "door"
    organizer = pair.url(ORGANIZER, DATABASE, *both)
    eventdesk(office, organizer, "init", station="Office")
    made = eventdesk(office, organizer, "demo", "--no-ui", "--attendees", "30", station="Office")
    event, login = made["event"], "door_standby"
    role = ["roles", "add", login, "--kind", "door", "--station", DOOR, "--password", PASSWORD]
    eventdesk(office, organizer, *role, station="Office")
    url = pair.url(login, DATABASE, *both)  # the page's station address, a door's own login
    eventdesk(door, url, "sync")  # its copy, to decide from while there is no primary
    # doctor sees the pair as the page shows it: the organizer's login (given pg_monitor by the
    # page) its lag too, the door's own login its name and the server's setting.
    said = doctor_line(office, organizer, "Office")
    assert said["ok"], said
    assert said["says"].split(" (")[0] == page_says("ok").split(" (")[0], said
    said = doctor_line(door, url)
    assert said["ok"], said
    assert said["says"].startswith("standby standby1 connected, synchronous"), said
    assert said["says"].endswith("(its lag is not shown to this login)"), said
    # The page's reports from the standby, on the organizer's station.
    reads = re.search(r"```toml\n(\[database\]\nreads = \"standby\"\n)```", PAGE.read_text())
    assert reads is not None, "the page shows the reads setting"
    (office / "eventdesk.toml").write_text(reads.group(1), encoding="utf-8")
    office_station = ["--db", organizer, "--data-dir", str(office), "--station", "Office"]
    figures = subprocess.run(
        [*EVENTDESK, *office_station, "--json", "stats", event],
        capture_output=True,
        text=True,
        timeout=SECONDS,
        env=station_shell(),
    )
    assert figures.returncode == 0, figures.stderr
    assert json.loads(figures.stdout)["registered"] > 0  # the demo's people, read there
    assert f"figures from the standby {HOST}:{pair.standby_port}" in figures.stderr, figures
    superuser = create_engine(pair.url("postgres", DATABASE, pair.primary_port))
    with superuser.connect() as conn:
        payloads = not_checked_in(conn)
    superuser.dispose()
    admits = iter(payloads)

    def admitted(*, offline: bool = False) -> str:
        """A ticket admitted (online: confirmed by the server; else from the door's copy); one
        owing money, refused at the door, is passed over."""
        for payload in admits:
            answer = eventdesk(door, url, "checkin", payload, "--event", event, refused=True)
            assert bool(answer.get("offline")) is offline, json.dumps(answer)
            if answer["result"] == "ok":
                return str(answer["ticket_id"])
        raise AssertionError(f"no ticket of {len(payloads)} admitted")

    confirmed = [admitted() for _ in range(3)]  # each on both disks
    status = eventdesk(door, url, "station", "status")
    assert status["server_host"] == f"{HOST}:{pair.primary_port}", status

    pair.kill(pair.primary_data)
    meanwhile = admitted(offline=True)  # no primary: the door decides from its copy

    promoted = run_block(pair, "promote", later["promote"]).splitlines()
    assert promoted[-2:] == ["f", ""], promoted  # the primary now, waiting for no standby

    synced = eventdesk(door, url, "sync")  # the same address finds the new primary
    assert synced["online"] and synced["uploaded"] >= 1, synced
    after = admitted()  # online again, nothing changed at the station
    alone = doctor_line(door, url)  # the promoted standby, alone
    assert alone["ok"] and alone["says"].startswith("no standby: if the server's machine"), alone
    assert eventdesk(door, url, "sync")["uploaded"] == 0  # uploaded once
    status = eventdesk(door, url, "station", "status")
    assert status["online"] and status["server_host"] == f"{HOST}:{pair.standby_port}", status
    told = subprocess.run(
        [*EVENTDESK, "--db", url, "--data-dir", str(door), "--station", DOOR, "station", "status"],
        capture_output=True,
        text=True,
        timeout=SECONDS,
        env=station_shell(),
    )
    assert f"{DOOR}: online (server {HOST}:{pair.standby_port})" in told.stdout, told
    standby = create_engine(pair.url("postgres", DATABASE, pair.standby_port))
    with standby.connect() as conn:
        inside = set(
            conn.execute(text("SELECT id FROM ticket WHERE checked_in_at IS NOT NULL")).scalars()
        )
        logged = conn.execute(
            text("SELECT count(*) FROM scan_log WHERE ticket_id = :t AND result = 'ok'"),
            {"t": meanwhile},
        ).scalar()
    standby.dispose()
    assert {*confirmed, meanwhile, after} <= inside, (confirmed, meanwhile, after, inside)
    assert logged == 1, logged  # the offline admission, uploaded once


def test_a_primary_whose_standby_died_goes_on_alone_as_the_page_says(
    pair: Pair, tmp_path: Path
) -> None:
    """The standby's machine dies: once the page's block runs on the primary, it takes
    writes alone (a check-in through the stations' address is answered online), and keeps no
    changes for the dead standby."""
    later = made_as_the_page_says(pair)
    both = pair.both
    office = tmp_path / "office"
    organizer = pair.url(ORGANIZER, DATABASE, *both)
    eventdesk(office, organizer, "init", station="Office")
    event = eventdesk(office, organizer, "demo", "--no-ui", "--attendees", "30", station="Office")
    pair.kill(pair.standby_data)
    # doctor says what the page shows, once the primary has seen its standby go (its sender
    # ends when the standby's end of their link closes).
    waiting = page_says("!!")
    said = doctor_line(office, organizer, "Office")
    for _ in range(60):
        if said["says"] == waiting:
            break
        said = doctor_line(office, organizer, "Office")
    assert not said["ok"] and said["says"] == waiting, said
    run_block(pair, "alone", later["alone"])

    superuser = create_engine(pair.url("postgres", DATABASE, pair.primary_port))
    with superuser.connect() as conn:
        waiting_for = conn.execute(text("SHOW synchronous_standby_names")).scalar()
        slots = conn.execute(text("SELECT count(*) FROM pg_replication_slots")).scalar()
        payloads = not_checked_in(conn)
    superuser.dispose()
    assert (waiting_for, slots) == ("", 0)
    said = doctor_line(office, organizer, "Office")  # the primary goes on alone, and says so
    assert said["ok"] and said["says"].startswith("no standby: if the server's machine"), said
    answers = (
        eventdesk(office, organizer, "checkin", p, "--event", event["event"], station="Office",
                  refused=True)
        for p in payloads
    )  # fmt: skip
    answer = next(a for a in answers if a["result"] == "ok")  # one owing money passed over
    assert not answer.get("offline"), answer  # the server wrote it, alone
    status = eventdesk(office, organizer, "station", "status", station="Office")
    assert status["server_host"] == f"{HOST}:{pair.primary_port}", status
