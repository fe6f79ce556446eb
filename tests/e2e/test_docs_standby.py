"""The standby page (docs/standby.md) runs as written, on two throwaway PostgreSQL clusters on
127.0.0.1 made with the machine's PostgreSQL programs: the primary (the test starts it, as a
machine's server would be running), and an empty data folder for the standby. Its ``<!-- standby
-->`` blocks run in the page's order, each as a bash script of the user that runs PostgreSQL
(as the page's ``sudo -iu postgres``), on the machine it names: ``standby:primary`` blocks with
the primary's socket and port, ``standby:standby`` and ``standby:promote`` blocks with the
standby's data folder. The page's addresses and ports are the clusters' own.

Between the blocks, eventdesk runs as the page says a station runs: through a server address
that names both hosts with ``target_session_attrs=read-write``. Admissions confirmed to it before
the primary's postmaster is killed (SIGKILL: a machine that died) are on the promoted standby,
and the same address admits online on the new primary, with nothing changed at the station."""

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
from sqlalchemy import create_engine, text

from testkit.postgres import ClusterFailed, NoPrograms, find_pg_ctl, postgres_user, run_as

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

    def url(self, database: str, *, hosts: tuple[int, ...]) -> str:
        """The page's station address: every host named, the one that takes writes asked for."""
        named = "&".join(f"host={HOST}:{port}" for port in hosts)
        return f"postgresql+psycopg://postgres@/{database}?{named}&target_session_attrs=read-write"

    def kill_primary(self) -> None:
        """The primary's machine dies: its postmaster killed outright, and its children."""
        pid = int((self.primary_data / "postmaster.pid").read_text().split()[0])
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
        at = ["-h", str(folder), "-p", str(made.primary_port), "-U", "postgres"]
        made.run([str(programs / "createdb"), *at, "eventdesk"])
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


def eventdesk(data: Path, url: str, *args: str, refused: bool = False) -> Any:
    """What eventdesk says in JSON, ending well (or with a refusal, exit 1, when ``refused``
    may be the answer)."""
    done = subprocess.run(
        [*EVENTDESK, "--db", url, "--data-dir", str(data), "--station", "Desk 1", "--json", *args],
        capture_output=True,
        text=True,
        timeout=SECONDS,
        env={k: v for k, v in os.environ.items() if not k.startswith("EVENTDESK_")},
    )
    ended_well = done.returncode == 0 or (refused and done.returncode == 1)
    assert ended_well, f"{args}: {done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return json.loads(done.stdout)


def test_a_standby_made_as_the_page_says_keeps_every_confirmed_admission_when_the_primary_dies(
    pair: Pair, tmp_path: Path
) -> None:
    page = PAGE.read_text(encoding="utf-8")
    found = blocks(page)
    assert [where for where, _ in found] == ["both", "primary", "standby", "primary", "promote"]
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

    url = pair.url("eventdesk", hosts=(pair.primary_port, pair.standby_port))
    desk = tmp_path / "desk"
    eventdesk(desk, url, "init")
    event = eventdesk(desk, url, "demo", "--no-ui", "--attendees", "30")["event"]
    primary = create_engine(f"postgresql+psycopg://postgres@{HOST}:{pair.primary_port}/eventdesk")
    with primary.connect() as conn:
        payloads = list(
            conn.execute(
                text(
                    "SELECT qr_payload FROM ticket WHERE status = 'registered' AND "
                    "checked_in_at IS NULL AND qr_payload IS NOT NULL ORDER BY id"
                )
            ).scalars()
        )
    primary.dispose()
    admits = iter(payloads)

    def admitted_one() -> str:
        """A ticket admitted online, its admission confirmed by the server (one owing money,
        refused at the door, is passed over)."""
        for payload in admits:
            answer = eventdesk(desk, url, "checkin", payload, "--event", event, refused=True)
            assert not answer.get("offline"), answer
            if answer["result"] == "ok":
                return str(answer["ticket_id"])
        raise AssertionError(f"no ticket of {len(payloads)} admitted")

    confirmed = [admitted_one() for _ in range(3)]  # each on both disks
    primary_host = f"{HOST}:{pair.primary_port}"
    assert eventdesk(desk, url, "station", "status")["server_host"] == primary_host

    pair.kill_primary()
    promoted = run_block(pair, *steps[3]).splitlines()
    assert promoted[-2:] == ["f", ""], promoted  # the primary now, waiting for no standby

    after = admitted_one()  # the same address, the new primary
    status = eventdesk(desk, url, "station", "status")
    assert status["online"] and status["server_host"] == f"{HOST}:{pair.standby_port}", status
    at = ["--db", url, "--data-dir", str(desk), "--station", "Desk 1"]
    said = subprocess.run(
        [*EVENTDESK, *at, "station", "status"],
        capture_output=True,
        text=True,
        timeout=SECONDS,
    )
    assert f"Desk 1: online (server {HOST}:{pair.standby_port})" in said.stdout, said
    standby = create_engine(f"postgresql+psycopg://postgres@{HOST}:{pair.standby_port}/eventdesk")
    with standby.connect() as conn:
        admitted = set(
            conn.execute(text("SELECT id FROM ticket WHERE checked_in_at IS NOT NULL"))
            .scalars()
            .all()
        )
    standby.dispose()
    assert {*confirmed, after} <= admitted, (confirmed, after, admitted)
