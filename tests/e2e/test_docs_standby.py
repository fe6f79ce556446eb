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
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import port_for
import pytest
from sqlalchemy import Connection, create_engine, text

from testkit.postgres import ClusterFailed, NoPrograms, find_pg_ctl, postgres_user, run_as
from tests.door.test_station_logins import DATABASE, ORGANIZER, PASSWORD, guide_sql

pytestmark = [
    pytest.mark.slow,  # two PostgreSQL clusters, a base backup, eventdesk as processes
    pytest.mark.timeout(600),
]

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "standby.md"
MARK = re.compile(r"^<!-- standby(?::(\w+))? -->$")
HOST = "127.0.0.1"
SECONDS = 120  # a block's run, on a busy machine
EVENTDESK = [sys.executable, "-m", "eventdesk"]
DOOR = "Door 1"


def blocks(page: str) -> list[tuple[str, list[str]]]:
    """The page's standby blocks in order: (the machine they run on, their lines)."""
    lines = page.splitlines()
    found: list[tuple[str, list[str]]] = []
    for at, line in enumerate(lines):
        marked = MARK.match(line.strip())
        if marked is None:
            continue
        assert lines[at + 1].strip() == "```sh", f"standby.md:{at + 1}: a mark before a ```sh"
        end = next(n for n in range(at + 2, len(lines)) if lines[n].startswith("```"))
        found.append((marked.group(1) or "both", lines[at + 2 : end]))
    return found


@dataclass
class Pair:
    """The two clusters' folder, programs and ports, and who runs them."""

    folder: Path
    programs: Path
    primary_port: int
    standby_port: int
    runner: list[str]

    @property
    def primary_data(self) -> Path:
        return self.folder / "primary"

    @property
    def standby_data(self) -> Path:
        return self.folder / "standby"

    def run(self, argv: list[str], env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            [*self.runner, *argv],
            cwd=self.folder,
            env={**self.shell(), **(env or {})},
            capture_output=True,
            text=True,
            timeout=SECONDS,
        )
        assert done.returncode == 0, f"{argv}: {done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        return done.stdout

    def shell(self) -> dict[str, str]:
        """The postgres user's shell: PostgreSQL's programs on the path, its own home."""
        path = os.pathsep.join([str(self.programs), os.environ.get("PATH", os.defpath)])
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "EVENTDESK_"))}
        return {**keep, "PATH": path, "HOME": str(self.folder), "LANG": "C.UTF-8"}

    def url(self, login: str, database: str, *ports: int) -> str:
        """A login's address: of one host, or the page's station address of several (every host
        named, the one that takes writes asked for)."""
        if len(ports) == 1:
            return f"postgresql+psycopg://{login}:{PASSWORD}@{HOST}:{ports[0]}/{database}"
        named = "&".join(f"host={HOST}:{port}" for port in ports)
        return (
            f"postgresql+psycopg://{login}:{PASSWORD}@/{database}?{named}"
            "&target_session_attrs=read-write"
        )

    def kill(self, data: Path) -> None:
        """A machine dies: the postmaster of ``data`` killed outright, and its children."""
        pid = int((data / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        for child in Path("/proc").glob("[0-9]*"):  # the backends a killed postmaster left
            try:
                if int((child / "stat").read_text().split(") ")[1].split()[1]) == pid:
                    os.kill(int(child.name), signal.SIGKILL)
            except (OSError, ValueError, IndexError):
                continue

    def stop(self) -> None:
        for data in (self.standby_data, self.primary_data):
            if (data / "postmaster.pid").exists():
                stop = [str(self.programs / "pg_ctl"), "stop", "-D", str(data), "-m", "immediate"]
                subprocess.run(
                    [*self.runner, *stop],
                    capture_output=True,
                    timeout=SECONDS,
                    env=self.shell(),
                )


@pytest.fixture
def pair() -> Iterator[Pair]:
    """A running primary (its settings as a machine's server keeps them: listening on
    127.0.0.1, and here its socket in the pair's folder) and an empty folder for the standby."""
    try:
        programs = find_pg_ctl().parent
        who = postgres_user()
        runner = run_as(who)
    except (NoPrograms, ClusterFailed) as exc:
        pytest.skip(f"no PostgreSQL programs to make a pair with: {exc}")
    folder = Path(tempfile.mkdtemp(prefix="eventdesk-standby-", dir="/tmp"))
    ports = sorted({port_for.select_random() for _ in range(4)})[:2]
    made = Pair(folder, programs, ports[0], ports[1], runner)
    if who is not None:
        os.chown(folder, who.pw_uid, who.pw_gid)
    folder.chmod(0o700)
    try:
        made.run([str(programs / "initdb"), "-D", str(made.primary_data), "-U", "postgres"])
        with (made.primary_data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(
                f"listen_addresses = '{HOST}'\nport = {made.primary_port}\n"
                f"unix_socket_directories = '{folder}'\n"
            )
        made.standby_data.mkdir(mode=0o700)
        if who is not None:
            os.chown(made.standby_data, who.pw_uid, who.pw_gid)
        log = str(folder / "primary.log")
        made.run([str(programs / "pg_ctl"), "start", "-w", "-D", str(made.primary_data), "-l", log])
        superuser = create_engine(made.url("postgres", "postgres", made.primary_port))
        with superuser.connect() as conn:  # the operator's guide's organizer and database
            conn.execution_options(isolation_level="AUTOCOMMIT")
            for statement in guide_sql():
                conn.exec_driver_sql(statement.replace("change-me", PASSWORD))
        superuser.dispose()
        yield made
    finally:
        made.stop()
        shutil.rmtree(folder, ignore_errors=True)


def run_block(pair: Pair, where: str, lines: list[str]) -> str:
    """One of the page's blocks, on the machine it names, as the page's user runs it."""
    on_standby = where in ("standby", "promote")
    env = {
        "PRIMARY": HOST,
        "STANDBY": HOST,
        "PRIMARY_PORT": str(pair.primary_port),
        "STANDBY_PORT": str(pair.standby_port),
        "PGDATA": str(pair.standby_data if on_standby else pair.primary_data),
        "PGHOST": str(pair.folder),
        "PGPORT": str(pair.standby_port if on_standby else pair.primary_port),
        "PGUSER": "postgres",
    }
    return pair.run(["bash", "-c", "\n".join(["set -euo pipefail", *lines])], env)


def the_station_s_shell() -> dict[str, str]:
    """A station's settings, none of the test run's: a server not answering within 30 s (not
    1) before the station decides from its copy, so that a busy machine's slow answer is no
    outage; a server with no primary refuses at once, and is one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVENTDESK_")}
    return {**env, "EVENTDESK_OFFLINE_AFTER": "30"}


def eventdesk(data: Path, url: str, *args: str, station: str = DOOR, refused: bool = False) -> Any:
    """What eventdesk says in JSON, ending well (or with a refusal, exit 1, when ``refused``
    may be the answer)."""
    done = subprocess.run(
        [*EVENTDESK, "--db", url, "--data-dir", str(data), "--station", station, "--json", *args],
        capture_output=True,
        text=True,
        timeout=SECONDS,
        env=the_station_s_shell(),
    )
    ended_well = done.returncode == 0 or (refused and done.returncode == 1)
    assert ended_well, f"{args}: {done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return json.loads(done.stdout)


def doctor_line(data: Path, url: str, station: str = DOOR) -> dict[str, Any]:
    """``doctor``'s line on the server's standby (the command ends 0, or 3 when a check of
    this machine's devices is not well)."""
    where = ["--db", url, "--data-dir", str(data), "--station", station]
    done = subprocess.run(
        [*EVENTDESK, *where, "--json", "doctor"],
        capture_output=True,
        text=True,
        timeout=SECONDS,
        env=the_station_s_shell(),
    )
    assert done.returncode in (0, 3), f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return dict(next(row for row in json.loads(done.stdout) if row["check"] == "standby"))


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


def made_as_the_page_says(pair: Pair) -> dict[str, list[str]]:
    """The page's pair made (its sections 1 to 3), the standby synchronous; the page's later
    blocks, by the machine they run on."""
    page = PAGE.read_text(encoding="utf-8")
    found = blocks(page)
    assert [where for where, _ in found] == [
        "both",
        "primary",
        "standby",
        "primary",
        "promote",
        "alone",
    ]
    (_, addresses), *steps = found
    # The page's addresses: the names the later blocks use, given here the clusters' own.
    assert addresses[0].split("#")[0].split() == [
        "PRIMARY=192.0.2.10",
        "PRIMARY_PORT=5432",
        "STANDBY=192.0.2.11",
        "STANDBY_PORT=5432",
    ]
    station_url = re.search(r"postgresql\+psycopg://\S+", page)
    assert station_url is not None and "target_session_attrs=read-write" in station_url.group(0)
    assert station_url.group(0).count("&host=") == 1  # both hosts named
    said = [run_block(pair, where, lines) for where, lines in steps[:3]]
    assert "standby1|streaming|sync" in said[2].split(), said[2]
    return dict(steps[3:])


def test_a_standby_made_as_the_page_says_keeps_every_confirmed_admission_when_the_primary_dies(
    pair: Pair, tmp_path: Path
) -> None:
    later = made_as_the_page_says(pair)
    both = (pair.primary_port, pair.standby_port)
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
    said = doctor_line(door, url)  # the promoted standby, alone
    assert said["ok"] and said["says"].startswith("no standby: if the server's machine"), said
    assert eventdesk(door, url, "sync")["uploaded"] == 0  # uploaded once
    status = eventdesk(door, url, "station", "status")
    assert status["online"] and status["server_host"] == f"{HOST}:{pair.standby_port}", status
    said = subprocess.run(
        [*EVENTDESK, "--db", url, "--data-dir", str(door), "--station", DOOR, "station", "status"],
        capture_output=True,
        text=True,
        timeout=SECONDS,
        env=the_station_s_shell(),
    )
    assert f"{DOOR}: online (server {HOST}:{pair.standby_port})" in said.stdout, said
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
    both = (pair.primary_port, pair.standby_port)
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
