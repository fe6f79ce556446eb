"""A check-in shown as admitted survives a power cut: on SQLite its commit runs with
synchronous=FULL (the WAL is synced before COMMIT returns), whatever the station's other writes
use; a real check-in is seen running on such a connection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from eventdesk.db import Store
from eventdesk.migrate import upgrade

FULL, NORMAL = 2, 1  # what PRAGMA synchronous reports


def test_the_check_in_path_is_durable_and_the_rest_keeps_its_setting(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'door.db'}", sqlite_synchronous="NORMAL")
    try:
        upgrade(store)
        with store.write_conn() as conn:  # the check-in hot path
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == FULL
        with store.write() as session:  # a registration, an import
            assert session.execute(text("PRAGMA synchronous")).scalar() == NORMAL
        with store.write_conn() as conn:  # the same pooled connection switches back
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == FULL
    finally:
        store.dispose()


def test_a_real_check_in_commits_with_synchronous_full(tmp_path: Path) -> None:
    from eventdesk.services.door.checkin import Checkin

    store = Store(f"sqlite:///{tmp_path / 'door.db'}", sqlite_synchronous="NORMAL")
    seen: list[Any] = []

    def before_commit(conn: Any) -> None:
        seen.append(conn.exec_driver_sql("PRAGMA synchronous").scalar())

    try:
        upgrade(store)
        event.listen(store.engine, "commit", before_commit)
        Checkin(store, station="Door 1").scan("not a ticket")  # logged: a write like any scan
        assert seen and set(seen) == {FULL}
    finally:
        store.dispose()


def test_a_station_can_choose_full_for_everything(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'door.db'}", sqlite_synchronous="FULL")
    try:
        upgrade(store)
        with store.write() as session:
            assert session.execute(text("PRAGMA synchronous")).scalar() == FULL
    finally:
        store.dispose()
