"""Helpers for the offline-station tests: an event open now on the test's PostgreSQL server,
stations that are data folders run as real `eventdesk` processes (or in this process), and
what the server has (scan log, conflicts, tickets)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Row, func, select
from sqlalchemy.engine import make_url

from eventdesk.config import load_config
from eventdesk.db import Store
from eventdesk.models import ScanConflict, ScanLog, Ticket
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import register
from eventdesk.services.stations.copy_key import held
from eventdesk.services.stations.mirror import Mirror
from eventdesk.services.stations.mirror_schema import MIRROR_FILE, OUTBOX
from eventdesk.services.stations.offline import Station
from eventdesk.sqlite_driver import open_encrypted
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from testkit.proxy import TcpProxy
from tests import forks
from tests.helpers import add_type, make_event

EVENTDESK = forks.EVENTDESK  # what tests/forks.py forks
# Generous: a busy 2-core machine can be slow to start a process.
LONG = 60.0


@contextmanager
def copy_sql(data_dir: Path, file: Path | None = None) -> Iterator[Any]:
    """SQLCipher's own connection to a station's copy (or to ``file``, one moved aside from
    it), opened with the key this machine holds for the copy: committed and closed at the
    end."""
    key = held(Path(data_dir))
    assert key is not None, f"no key held for the copy in {data_dir}"
    conn = open_encrypted(str(file or Path(data_dir) / MIRROR_FILE), key)
    try:
        yield conn
        conn.commit()
    finally:
        conn.close()


def copy_of(data_dir: Path) -> Mirror:
    """A station's copy, opened as its next command would: with the key this machine holds
    in memory for it (its station reached the server since the machine started)."""
    key = held(Path(data_dir))
    assert key is not None, f"no key held for the copy in {data_dir}"
    return Mirror(data_dir, key)


def through(proxy: TcpProxy, db_url: str) -> str:
    """The test's database URL, reached through ``proxy``."""
    url = make_url(db_url).set(host="127.0.0.1", port=proxy.port)
    return url.render_as_string(hide_password=False)


# --- the server's event ---------------------------------------------------------------------
@dataclass(frozen=True)
class OpenEvent:
    """An event whose door is open now: its slug, its tickets and their signed payloads."""

    slug: str
    ticket_ids: list[str]
    payloads: list[str]


def open_event(
    store: Store, signer: Signer, tickets: int, *, allow_reentry: bool = False
) -> OpenEvent:
    """An event happening now (started an hour ago) with ``tickets`` free tickets, bought in
    orders of up to 50."""
    now = utcnow().replace(microsecond=0)
    slug = make_event(
        store,
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=6)).isoformat(),
        allow_reentry=allow_reentry,
    )
    add_type(store, slug, "Regular", price_cents=0)
    orders = [min(50, tickets - start) for start in range(0, tickets, 50)]
    emails = [f"offline-{slug}-{n}@example.com" for n in range(len(orders))]
    attendees.add_attendees_bulk(
        store, [{"name": f"Guest Number{n}", "email": e} for n, e in enumerate(emails)]
    )
    ids: list[str] = []
    for email, quantity in zip(emails, orders, strict=True):
        ids += [
            t.ticket_id for t in register(store, slug, email, "Regular", quantity=quantity).tickets
        ]
    return OpenEvent(slug, ids, [signer.payload(ticket_id) for ticket_id in ids])


# --- stations ---------------------------------------------------------------------------------
@dataclass
class Answer:
    """One finished `eventdesk` command: exit code, its JSON document, stderr, wall time from
    its start, and when it had ended (UTC)."""

    code: int
    out: str
    err: str
    seconds: float
    ended: datetime

    @property
    def json(self) -> Any:
        assert self.out.strip(), (self.code, self.err)
        return json.loads(self.out)


class Running:
    """A real `eventdesk` process, started (forked, tests/forks.py); its output read when it
    ends."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.started = time.monotonic()
        self.process = forks.start(
            args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )

    def finish(self, timeout: float = LONG) -> Answer:
        try:
            out, err = self.process.communicate(timeout=timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        seconds, ended = time.monotonic() - self.started, utcnow()
        assert "Traceback" not in err, err
        return Answer(self.process.wait(), out, err, seconds, ended)

    def stop(self) -> None:
        """Killed if it still runs (a test that failed half-way leaves nothing behind)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


@dataclass
class DoorStation:
    """A station: its own data folder and name, reaching the server at ``url`` (through the
    proxy, or directly), and its threshold in its own eventdesk.toml (the tests' environment
    sets EVENTDESK_OFFLINE_AFTER for every other test: not for these stations)."""

    name: str
    data_dir: Path
    url: str
    offline_after: float = 1.0  # [station] offline_after in its eventdesk.toml
    _opened: list[tuple[Station, Store]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "eventdesk.toml").write_text(
            f"[station]\noffline_after = {self.offline_after}\n"
        )

    def command(self, *args: str) -> list[str]:
        return [
            EVENTDESK,
            "--db",
            self.url,
            "--data-dir",
            str(self.data_dir),
            "--station",
            self.name,
            "--json",
            *args,
        ]

    def start(self, *args: str) -> Running:
        """Start `eventdesk --json ARGS` as this station; ``finish()`` waits for its answer."""
        return Running(self.command(*args), self.environ())

    def run(self, *args: str, timeout: float = LONG) -> Answer:
        """Run `eventdesk --json ARGS` as this station, to the end."""
        return self.start(*args).finish(timeout)

    def scan_lines(self, lines: Sequence[str], *args: str) -> list[dict[str, Any]]:
        """``lines`` read by one `eventdesk --json scan --source -` of this station (a wedge
        scanner's lines on its input), to the end of its input: each line's answer. One process
        for them all, where a `checkin` each would start the interpreter for each."""
        done = forks.run(
            self.command("scan", "--source", "-", *args),
            input="".join(f"{line}\n" for line in lines),
            capture_output=True,
            text=True,
            env=self.environ(),
            timeout=LONG,
        )
        assert done.returncode == 0 and "Traceback" not in done.stderr, (done.stdout, done.stderr)
        answers = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        assert len(answers) == len(lines), (done.stdout, done.stderr)
        return answers

    def in_process(self) -> Station:
        """This station in this process (its own pool of server connections), closed with
        ``close``."""
        config = load_config(
            data_dir=self.data_dir, database_url=self.url, station=self.name, environ=self.environ()
        )
        assert config.offline_after == self.offline_after
        server = Store(self.url)
        made = Station(config, server)
        self._opened.append((made, server))
        return made

    @staticmethod
    def environ() -> dict[str, str]:
        """This process's environment, without a threshold over the station's own."""
        return {k: v for k, v in os.environ.items() if k != "EVENTDESK_OFFLINE_AFTER"}

    def outbox(self) -> list[dict[str, Any]]:
        """Every row of this station's outbox, in order."""
        mirror = copy_of(self.data_dir)
        try:
            with mirror.store.read() as session:
                rows = session.execute(select(OUTBOX).order_by(OUTBOX.c.seq)).mappings().all()
                return [dict(row) for row in rows]
        finally:
            mirror.close()

    def close(self) -> None:
        for station, server in self._opened:
            station.close()
            server.dispose()
        self._opened.clear()


# --- what the server has ------------------------------------------------------------------------
def scans_at(store: Store, station: str) -> list[Row[Any]]:
    """The server's scan-log rows of ``station``, in the order they were written."""
    log = ScanLog.__table__
    with store.read() as session:
        return list(session.execute(select(log).where(log.c.station == station).order_by(log.c.id)))


def scan_count(store: Store, station: str) -> int:
    with store.read() as session:
        found = session.scalar(
            select(func.count()).select_from(ScanLog).where(ScanLog.station == station)
        )
    return int(found or 0)


def nonces_twice(store: Store) -> list[str]:
    """Nonces the server's scan log has more than once (none, ever)."""
    with store.read() as session:
        return list(
            session.scalars(
                select(ScanLog.nonce)
                .where(ScanLog.nonce.is_not(None))
                .group_by(ScanLog.nonce)
                .having(func.count() > 1)
            )
        )


def conflicts(store: Store) -> list[Row[Any]]:
    table = ScanConflict.__table__
    with store.read() as session:
        return list(session.execute(select(table).order_by(table.c.id)))


def ticket(store: Store, ticket_id: str) -> Row[Any]:
    table = Ticket.__table__
    with store.read() as session:
        return session.execute(select(table).where(table.c.id == ticket_id)).one()


def moment(text: str) -> datetime:
    """An ISO time from JSON, as an aware datetime."""
    made = datetime.fromisoformat(text)
    assert made.tzinfo is not None, text
    return made


@pytest.fixture
def door_a(db_url: str, proxy: TcpProxy, tmp_path: Path) -> Iterator[DoorStation]:
    """Station A of a server behind ``proxy`` (a fixture for the station tests that use one)."""
    made = DoorStation("A", tmp_path / "station-A", through(proxy, db_url), 10.0)
    yield made
    made.close()


# --- a station of each login kind ---------------------------------------------------------------
STATION_OF = {"organizer": "Office", "door": "Door 1", "desk": "Desk 1"}  # test_every_login's


def login_url(
    db_url: str, login: str, names: dict[str, str], password: str, proxy: TcpProxy | None = None
) -> str:
    """The test's database URL as ``login`` (the organizer's, or a door's or a desk's own named
    in ``names``: tests.helpers.station_logins), through ``proxy`` when given."""
    url = make_url(db_url)
    if proxy is not None:
        url = url.set(host="127.0.0.1", port=proxy.port)
    if login != "organizer":
        url = url.set(username=names[login], password=password)
    return url.render_as_string(hide_password=False)


@contextmanager
def synced_behind_proxy(
    db_url: str, login: str, names: dict[str, str], password: str, folder: Path
) -> Iterator[tuple[DoorStation, TcpProxy]]:
    """A station of ``login`` (STATION_OF's, threshold 1 s) reaching the test's server through a
    proxy of its own, synced once: the station and its proxy, both closed after."""
    url = make_url(db_url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        at = login_url(db_url, login, names, password, proxy)
        door = DoorStation(STATION_OF[login], folder / login, at, 1.0)
        try:
            synced = door.run("sync")
            assert synced.code == 0, synced.err
            yield door, proxy
        finally:
            door.close()
