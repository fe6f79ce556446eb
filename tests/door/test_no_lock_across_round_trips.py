"""No lock is held across a network round trip (docs/architecture.md, "Stations and the offline
mirror"), and an organizer who meets a lock held anyway is told so, and by which station.

Before: a walk-in sold offline was uploaded as two statements of one transaction (the sale, then
its admission's scan-log row), so a link that died before the COMMIT left the event, ticket
type, quota and ticket rows locked, "idle in transaction"; the organizer's `register` then failed
after a second with "database unavailable ... this station has no copy of the tickets yet", a
wrong diagnosis and wrong advice."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from eventdesk.db import Store
from eventdesk.models import ScanLog
from eventdesk.services.people import attendees
from eventdesk.services.stations import quota, roles
from eventdesk.services.stations.quota_sale import sell
from eventdesk.values import utcnow
from testkit.proxy import TcpProxy
from tests.conftest import PG_ENV, PG_SKIP
from tests.helpers import add_type, make_event
from tests.offline_tools import DoorStation

PASSWORD = "pw-no-lock"
STATION = "Desk 7"
DELAY = 0.15  # seconds each chunk of bytes takes through the link, each way

pytestmark = [
    pytest.mark.skipif(not os.environ.get(PG_ENV), reason=PG_SKIP),
    pytest.mark.parametrize("db_url", ["postgresql"], indirect=True),
]


@pytest.fixture
def backend_fixed() -> None:
    """The database is chosen here (see conftest.pytest_generate_tests)."""


@pytest.fixture
def desk_login(db_url: str, store: Store) -> Iterator[str]:
    """A desk's own login for STATION (a cluster-wide role named for the run), dropped after."""
    from tests.conftest import _RUN

    name = f"nolock_{_RUN[:8]}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    admin = create_engine(db_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{name}"')
    try:
        roles.add(store, name, kind="desk", station=STATION, password=PASSWORD)
        yield name
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{name}"')
        admin.dispose()


def _event(store: Store) -> str:
    now = utcnow().replace(microsecond=0)
    slug = make_event(
        store,
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=6)).isoformat(),
        capacity=50,
    )
    add_type(store, slug, "Walk-in", quantity=20, price_cents=1500)
    return slug


def _idle_writers(store: Store) -> int:
    """Sessions on the test's database (the station's: the test's own read nothing) left idle
    inside a transaction that wrote, holding its locks."""
    with store.connect() as conn:
        found = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state = 'idle in transaction' "
                "AND backend_xid IS NOT NULL"
            )
        ).scalar()
    return int(found or 0)


@pytest.mark.slow  # slows a server's link under a station
@pytest.mark.parametrize("login", ["organizer", "desk"])
def test_a_sales_upload_holds_no_row_while_its_answer_crosses_the_link(
    backend_fixed: None,
    login: str,
    db_url: str,
    store: Store,
    desk_login: str,
    tmp_path: Path,
) -> None:
    slug = _event(store)
    quota.give(store, slug, "Walk-in", STATION, 3)
    url = make_url(db_url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        at = url.set(host="127.0.0.1", port=proxy.port)
        if login == "desk":
            at = at.set(username=desk_login, password=PASSWORD)
        desk = DoorStation(STATION, tmp_path / "desk", at.render_as_string(False), 30.0)
        station = desk.in_process()
        try:
            assert station.sync_round().online
            proxy.cut()
            for n in range(3):
                sell(
                    station.mirror,
                    slug,
                    "Walk-in",
                    station=STATION,
                    name=f"Walk In{n}",
                    email=f"walk{n}-{slug}@example.com",
                    method="cash",
                    operator="Sam Desk",
                )
            proxy.restore()
            proxy.delay = DELAY  # every answer takes a while to come back
            seen: list[int] = []
            done = threading.Event()

            def upload() -> None:
                try:
                    station.sync_round()
                finally:
                    done.set()

            uploading = threading.Thread(target=upload, daemon=True)
            uploading.start()
            while not done.wait(0.01):  # the server's view, read again and again meanwhile
                seen.append(_idle_writers(store))
            uploading.join(30)
            proxy.delay = 0
            assert station.sync_round().sales_pending == 0
            assert max(seen) == 0, seen  # never a transaction left open across a round trip
            with store.read() as session:
                logged = session.execute(
                    select(ScanLog.operator, ScanLog.offline).where(ScanLog.station == STATION)
                ).all()
            assert sorted(logged) == [("Sam Desk", True)] * 3  # each admission, who sold it
        finally:
            desk.close()


@pytest.mark.slow  # runs eventdesk as a process of its own
def test_an_organizer_meeting_a_held_lock_is_told_which_station_holds_it(
    backend_fixed: None, db_url: str, store: Store, tmp_path: Path
) -> None:
    """A station's session holds the event's row (a transaction its link left open); the
    organizer's `register` waits for it as long as a round of sync would, then says the server
    answers and which station holds what it needs (exit 3), never "no copy"; once it is free,
    the same command registers."""
    slug = _event(store)
    attendees.add_attendee(store, name="Late Comer", email=f"late-{slug}@example.com")
    with store.read() as session:
        event_id = session.execute(
            text("SELECT id FROM event WHERE slug = :s"), {"s": slug}
        ).scalar()
    holder = psycopg.connect(
        make_url(db_url).set(drivername="postgresql").render_as_string(False),
        application_name=f"eventdesk {STATION}",
    )
    office = DoorStation("Office", tmp_path / "office", db_url, 1.0)
    try:
        holder.execute("SELECT id FROM event WHERE id = %s FOR UPDATE", (event_id,))
        args = ("register", slug, "--attendee", f"late-{slug}@example.com", "--ticket-type")
        said = office.run(*args, "Walk-in")
        assert said.code == 3, (said.code, said.out, said.err)
        assert f"station {STATION}" in said.err and "holds what this needs" in said.err, said.err
        assert "no copy" not in said.err
        holder.rollback()
        done = office.run(*args, "Walk-in")
        assert done.code == 0 and done.json["status"] == "registered", done.err
    finally:
        holder.close()
        office.close()


def test_a_transaction_left_idle_is_ended_within_the_logins_bound(
    backend_fixed: None, db_url: str, store: Store, desk_login: str
) -> None:
    """A station's own login: its role's 5 s; any other login (the organizer's): the
    database's 30 s (migration 0029). Before: every connection asked for 5 s itself, which
    overrode the role's and ended an organizer's work caught by a busy machine for 5 s."""
    url = make_url(db_url)
    logins = {"organizer": url, "desk": url.set(username=desk_login, password=PASSWORD)}
    found = {}
    for login, at in logins.items():
        opened = Store(at.render_as_string(False))
        try:
            with opened.engine.connect() as conn:
                shown = conn.execute(text("SHOW idle_in_transaction_session_timeout")).scalar()
                found[login] = shown
        finally:
            opened.engine.dispose()
    assert found == {"organizer": "30s", "desk": "5s"}
