"""A primary and its synchronous standby made as docs/standby.md says, on two throwaway
PostgreSQL clusters on 127.0.0.1, with the machine's PostgreSQL programs (testkit.postgres finds
them, and the unprivileged user that runs them as root); and stations that run against them as
a station runs, each an `eventdesk` process of its own.

- ``made_pair()``: the running primary (listening on 127.0.0.1, its socket in the pair's folder)
  with the operator's guide's organizer and database, and an empty folder for the standby.
- ``blocks``, ``run_block``, ``made_as_the_page_says``: the page's ``<!-- standby -->`` blocks,
  run in the page's order as the page's user, each on the machine it names.
- ``eventdesk``, ``doctor_line``: one command of a station, its JSON.
- ``ScanStation``: `eventdesk scan --source -` fed QR payloads a line at a time (a keyboard-wedge
  scanner), every answer read as it comes with the time it took.

Used by tests/e2e/test_docs_standby.py, tests/e2e/test_standby_rush.py and bench/standby.py."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import port_for
from sqlalchemy import create_engine

from testkit.postgres import find_pg_ctl, postgres_user, run_as

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "standby.md"
OPERATORS_GUIDE = ROOT / "docs" / "operators-guide.md"
ROLES_SECTION = "## Roles for many stations (PostgreSQL)"
MARK = re.compile(r"^<!-- standby(?::(\w+))? -->$")
HOST = "127.0.0.1"
SECONDS = 120  # a block's or a command's run, on a busy machine
EVENTDESK = [sys.executable, "-m", "eventdesk"]
ORGANIZER, DATABASE = "eventdesk_organizer", "eventdesk"
PASSWORD = "pw-for-tests"
DOOR = "Door 1"


def guide_sql() -> list[str]:
    """The superuser's statements of the roles section of docs/operators-guide.md, comments
    dropped."""
    guide = OPERATORS_GUIDE.read_text(encoding="utf-8")
    start = guide.index(f"\n{ROLES_SECTION}\n")
    end = guide.find("\n## ", start + 1)
    section = guide[start:] if end == -1 else guide[start:end]
    found = re.findall(r"```sql\n(.*?)```", section, flags=re.S)
    assert len(found) == 1, "docs/operators-guide.md shows the superuser's SQL once"
    sql = re.sub(r"--[^\n]*", "", found[0])
    return [part.strip() for part in sql.split(";") if part.strip()]


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

    @property
    def both(self) -> tuple[int, int]:
        return self.primary_port, self.standby_port

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


@contextmanager
def made_pair() -> Iterator[Pair]:
    """A running primary (its settings as a machine's server keeps them: listening on
    127.0.0.1, and here its socket in the pair's folder) with the operator's guide's organizer
    and database, and an empty folder for the standby; both stopped and removed after.
    testkit.postgres's NoPrograms or ClusterFailed: no PostgreSQL programs here."""
    programs = find_pg_ctl().parent
    who = postgres_user()
    runner = run_as(who)
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


def station_shell(offline_after: float | None = 30.0) -> dict[str, str]:
    """A station's settings, none of the caller's: by default a server not answering within 30 s
    (not the product's 1.5) before the station decides from its copy, so that a busy machine's
    slow answer is no outage; a server with no primary refuses at once, and is one. None: the
    product's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVENTDESK_")}
    if offline_after is None:
        return env
    return {**env, "EVENTDESK_OFFLINE_AFTER": f"{offline_after:g}"}


def eventdesk(data: Path, url: str, *args: str, station: str = DOOR, refused: bool = False) -> Any:
    """What eventdesk says in JSON, ending well (or with a refusal, exit 1, when ``refused``
    may be the answer)."""
    done = subprocess.run(
        [*EVENTDESK, "--db", url, "--data-dir", str(data), "--station", station, "--json", *args],
        capture_output=True,
        text=True,
        timeout=SECONDS,
        env=station_shell(),
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
        env=station_shell(),
    )
    assert done.returncode in (0, 3), f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return dict(next(row for row in json.loads(done.stdout) if row["check"] == "standby"))


@dataclass
class Answer:
    """One scan's answer as `scan --json` printed it, and the seconds from writing its line to
    reading its answer."""

    said: dict[str, Any]
    seconds: float
    at: float  # when it was read (time.monotonic())

    @property
    def offline(self) -> bool:
        return bool(self.said.get("offline"))


@dataclass
class ScanStation:
    """`eventdesk scan --source -` as a station runs it (its own data folder and login), fed one
    QR payload a line; its answers and what it says on stderr, read as they come."""

    name: str
    data: Path
    url: str
    event: str
    offline_after: float | None = 30.0
    answers: list[Answer] = field(default_factory=list)
    said: list[str] = field(default_factory=list)
    _sent: list[float] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _process: subprocess.Popen[bytes] | None = None

    def start(self) -> ScanStation:
        where = ["--db", self.url, "--data-dir", str(self.data), "--station", self.name]
        self._process = subprocess.Popen(
            [*EVENTDESK, *where, "--json", "scan", "--source", "-", "--event", self.event],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=station_shell(self.offline_after),
        )
        threading.Thread(target=self._read_answers, daemon=True).start()
        threading.Thread(target=self._read_said, daemon=True).start()
        return self

    def _read_answers(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for raw in self._process.stdout:
            at = time.monotonic()
            with self._changed:
                sent = self._sent[len(self.answers)] if len(self._sent) > len(self.answers) else at
                self.answers.append(Answer(json.loads(raw), at - sent, at))
                self._changed.notify_all()

    def _read_said(self) -> None:
        assert self._process is not None and self._process.stderr is not None
        for raw in self._process.stderr:
            with self._changed:
                self.said.append(raw.decode(errors="replace").rstrip())
                self._changed.notify_all()

    def send(self, payloads: list[str]) -> None:
        """Lines as a scanner types them, one after another."""
        assert self._process is not None and self._process.stdin is not None
        for payload in payloads:
            with self._changed:
                self._sent.append(time.monotonic())
            self._process.stdin.write(f"{payload}\r".encode())
            self._process.stdin.flush()

    def wait_answers(self, count: int, seconds: float = 300.0) -> list[Answer]:
        """Until ``count`` answers in all came (else AssertionError, with what it said)."""
        with self._changed:
            came = self._changed.wait_for(lambda: len(self.answers) >= count, seconds)
            assert came, f"{self.name}: {len(self.answers)} of {count} answers; {self.said[-5:]}"
            return list(self.answers)

    def wait_said(self, words: str, seconds: float = 120.0) -> None:
        """Until a line on stderr holds ``words``."""
        with self._changed:
            came = self._changed.wait_for(lambda: any(words in s for s in self.said), seconds)
            assert came, f"{self.name}: never said {words!r}; {self.said[-5:]}"

    def close(self) -> int:
        """Its input ended, as a file source ends: it uploads what waits and exits."""
        assert self._process is not None and self._process.stdin is not None
        self._process.stdin.close()
        return self._process.wait(timeout=SECONDS)

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=SECONDS)


def rush_event(office: Path, url: str, tickets: int) -> tuple[str, dict[str, str]]:
    """On the organizer's station (``office``, initialised on ``url``): an event open now with
    a free ticket type and ``tickets`` registered tickets, 50 an order: its slug, and each
    ticket's QR payload by its id."""
    from datetime import timedelta

    from eventdesk.config import load_config
    from eventdesk.opening import open_store
    from eventdesk.services.catalogue import events, program
    from eventdesk.services.people import attendees
    from eventdesk.services.people.registration import register
    from eventdesk.tickets import load_signer
    from eventdesk.values import utcnow

    config = load_config(data_dir=office, database_url=url, station="Office", environ={})
    store = open_store(config)
    try:
        signer = store.signer = load_signer(office)
        assert signer is not None, "the organizer's station was initialised (its key)"
        now = utcnow()
        event = events.create_event(
            store, name="Rush", starts=now - timedelta(hours=1), ends=now + timedelta(hours=9)
        )
        program.add_ticket_type(store, event.slug, name="Regular", price_cents=0)
        buyers = (tickets + 49) // 50
        people = [
            {"name": f"Rush Guest {i}", "email": f"rush{i}@example.com"} for i in range(buyers)
        ]
        attendees.add_attendees_bulk(store, people)
        ids: list[str] = []
        for i in range(buyers):
            made = register(store, event.slug, f"rush{i}@example.com", "Regular", quantity=50)
            ids.extend(t.ticket_id for t in made.tickets)
        return event.slug, {ticket: signer.payload(ticket) for ticket in ids[:tickets]}
    finally:
        store.dispose()


# Two doors' own logins and two desks' own: (login, kind, station).
LOGINS = (
    ("door_a", "door", "Door A"),
    ("door_b", "door", "Door B"),
    ("desk_a", "desk", "Desk A"),
    ("desk_b", "desk", "Desk B"),
)


@contextmanager
def four_stations(
    pair: Pair, ports: tuple[int, ...], folder: Path, tickets: int, *, offline_after: float | None
) -> Iterator[tuple[str, dict[str, str], list[ScanStation]]]:
    """On the server at ``ports`` (both of a pair: the stations' address): the organizer's
    station, an event with ``tickets`` free tickets, and the four stations of LOGINS, each with
    its own login and its copy, scanning (`scan --source -`): the event's slug, the tickets'
    payloads by id, the stations; each killed after if still running."""
    office = folder / "office"
    organizer = pair.url(ORGANIZER, DATABASE, *ports)
    eventdesk(office, organizer, "init", station="Office")
    event, payloads = rush_event(office, organizer, tickets)
    stations = []
    for login, kind, name in LOGINS:
        role = ["roles", "add", login, "--kind", kind, "--station", name, "--password", PASSWORD]
        eventdesk(office, organizer, *role, "--event", event, station="Office")
        data, url = folder / login, pair.url(login, DATABASE, *ports)
        eventdesk(data, url, "sync", station=name)  # its copy, to decide from while away
        stations.append(ScanStation(name, data, url, event, offline_after=offline_after))
    try:
        for station in stations:
            station.start()
        yield event, payloads, stations
    finally:
        for station in stations:
            station.kill()
