"""Signing in at a station whose server does not answer
(docs/architecture.md#stations-and-the-offline-mirror: offline is the whole door). The mirror keeps
the desk and kiosk accounts' PIN hashes and lockout state (never an organizer's hash), refreshed
with the rest; a station restarted during an outage signs a desk or kiosk account in from it, counts
wrong PINs there with the same lockout rule, and uploads a lockout made offline with its outbox once
the server is back, never lowering the server's own. An organizer is told plainly that signing in
needs the server.

Real PostgreSQL behind a loopback proxy the test cuts (testkit/proxy.py)."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from eventdesk.config import Config, load_config
from eventdesk.db import Store
from eventdesk.errors import AccountDisabled, AccountLocked, NotAllowed, WrongPin
from eventdesk.models import Staff
from eventdesk.services.data.demo import build_demo
from eventdesk.services.people.auth import LOCKOUTS, MAX_ATTEMPTS, reset_staff_pin, set_staff_active
from eventdesk.services.people.registration import TicketInfo
from eventdesk.services.stations.offline import Station
from eventdesk.services.stations.signin import ORGANIZER_OFFLINE, sign_in
from eventdesk.tickets import ensure_keys, load_signer
from eventdesk.values import utcnow
from testkit.proxy import TcpProxy
from tests.app.test_app_kiosk import admissible, event_tickets
from tests.apptools import STATION, demo_now, demo_shift
from tests.door.test_outage import POSTGRESQL, backend_fixed, proxy, through
from tests.offline_tools import copy_sql

LONG = 120.0  # a busy 2-core machine can be slow to reconnect
__all__ = ["backend_fixed", "proxy"]  # fixtures

DESK, DESK_PIN = "Sam Desk", "2345"
KIOSK, KIOSK_PIN = "Kiosk Door 1", "3456"
ORGANIZER, ORGANIZER_PIN = "Olivia Organizer", "1234"


@dataclass
class DemoServer:
    """A demo event on the test's PostgreSQL server; the station reaches it through the proxy
    (the test's own ``store`` does not)."""

    event: str
    tickets: list[TicketInfo]  # tickets the door admits, not checked in yet
    config: Config


@pytest.fixture
def server(db_url: str, store: Store, proxy: TcpProxy, tmp_path: Path) -> DemoServer:
    data = tmp_path / "data"
    data.mkdir()
    ensure_keys(store, data, STATION)
    store.signer = load_signer(data)
    summary = build_demo(
        store, attendee_count=40, seed=7, station=STATION, now=demo_now() if demo_shift() else None
    )
    tickets = admissible(store, event_tickets(store, summary.event))[:2]
    assert len(tickets) == 2 and all(t.qr_payload for t in tickets)
    config = load_config(data_dir=data, database_url=through(proxy, db_url), station=STATION)
    return DemoServer(summary.event, tickets, config)


@pytest.fixture
def station(server: DemoServer) -> Iterator[Station]:
    """The station in this process, its own store through the proxy."""
    own = Store.from_config(server.config)
    made = Station(server.config, own)
    yield made
    made.close()
    own.dispose()


def refreshed(station: Station) -> None:
    report = station.sync_round()
    assert report.online, report


def staff_row(store: Store, name: str) -> Any:
    with store.read() as session:
        return session.execute(
            select(Staff.failed_pin_attempts, Staff.locked_until, Staff.lockouts).where(
                Staff.name == name
            )
        ).one()


# --- what the mirror holds ------------------------------------------------------------------
@POSTGRESQL
def test_the_mirror_keeps_desk_and_kiosk_pins_never_an_organizers_and_stays_private(
    backend_fixed: None, server: DemoServer, station: Station, store: Store
) -> None:
    refreshed(station)
    path = server.config.data_dir / "mirror.db"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with copy_sql(server.config.data_dir) as conn:
        rows = {
            name: (role, pin_hash)
            for name, role, pin_hash in conn.execute("SELECT name, role, pin_hash FROM staff")
        }
    assert rows[DESK][0] == "staff" and rows[DESK][1].startswith("$argon2")
    assert rows[KIOSK][0] == "kiosk" and rows[KIOSK][1].startswith("$argon2")
    assert rows[ORGANIZER] == ("organizer", None)  # a name to refuse plainly, no hash
    # Refreshed with the rest: a PIN reset and a disabled account reach the copy.
    reset_staff_pin(store, KIOSK, "7777")
    set_staff_active(store, DESK, False)
    refreshed(station)
    with copy_sql(server.config.data_dir) as conn:
        kiosk_hash = conn.execute("SELECT pin_hash FROM staff WHERE name = ?", (KIOSK,)).fetchone()
    assert kiosk_hash[0] != rows[KIOSK][1]
    station.link.went_away("test: the server is away")  # decide from the mirror
    now = utcnow()
    assert sign_in(None, station, KIOSK, "7777", now=now).name == KIOSK
    with pytest.raises(AccountDisabled):
        sign_in(None, station, DESK, DESK_PIN, now=now)


# --- lockouts made offline --------------------------------------------------------------------
@POSTGRESQL
def test_wrong_pins_offline_lock_and_the_lock_reaches_the_server_never_lowering_its_own(
    backend_fixed: None, station: Station, proxy: TcpProxy, store: Store
) -> None:
    refreshed(station)
    proxy.cut()
    now = utcnow().replace(microsecond=0)
    # An organizer: refused plainly, nothing counted.
    with pytest.raises(NotAllowed) as refused:
        sign_in(None, station, ORGANIZER, ORGANIZER_PIN, now=now)
    assert refused.value.message == ORGANIZER_OFFLINE
    assert not station.link.online
    # The kiosk account: five wrong PINs lock it, offline.
    for left in range(MAX_ATTEMPTS - 1, 0, -1):
        with pytest.raises(WrongPin, match=f"{left} tr"):
            sign_in(None, station, KIOSK, "0000", now=now)
    with pytest.raises(AccountLocked, match="locked for 5 more minutes"):
        sign_in(None, station, KIOSK, "0000", now=now)
    with pytest.raises(AccountLocked):  # the right PIN waits, as online
        sign_in(None, station, KIOSK, KIOSK_PIN, now=now + timedelta(minutes=1))
    # A process started anew during the outage keeps counting from the same copy.
    again = Station(station.config, Store.from_config(station.config))
    try:
        again.link.went_away("test: the server is away")
        with pytest.raises(AccountLocked):
            sign_in(None, again, KIOSK, KIOSK_PIN, now=now + timedelta(minutes=2))
    finally:
        again.close()
    # The desk account: locked offline for 5 minutes, while the server (meanwhile, by wrong
    # PINs elsewhere) has a longer lock of its own: the upload must not shorten it.
    later = now + LOCKOUTS[-1]
    with store.write() as session:
        session.execute(
            update(Staff).where(Staff.name == DESK).values(locked_until=later, lockouts=3)
        )
    for _ in range(MAX_ATTEMPTS):
        with pytest.raises((WrongPin, AccountLocked)):
            sign_in(None, station, DESK, "0000", now=now)
    assert staff_row(store, KIOSK).locked_until is None  # not on the server yet

    proxy.restore()
    report = station.sync_round()
    assert report.online, report
    kiosk = staff_row(store, KIOSK)
    assert kiosk.locked_until == now + LOCKOUTS[0] and kiosk.lockouts == 1
    desk = staff_row(store, DESK)
    assert desk.locked_until == later and desk.lockouts == 3  # never lowered
    # Back online, the server decides: the kiosk account is locked there too.
    with pytest.raises(AccountLocked):
        sign_in(store, station, KIOSK, KIOSK_PIN, now=now + timedelta(minutes=3))
    assert station.link.online
