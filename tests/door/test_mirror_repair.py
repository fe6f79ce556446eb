"""A station's mirror that is damaged or not its own is moved aside and a new one is built
(docs/architecture.md#durability-and-safety): a file that is not SQLite, one that fails SQLite's
quick check, one whose schema this build does not know, and one made for another server. The old
file is kept beside it (``mirror.db.damaged-...``, ``mirror.db.foreign-...``); the scans waiting in
a damaged one are carried into the new one when they can be read, and said when they cannot; a
foreign one's scans stay in it (they belong to that server). `station status` and `sync` say what
happened. Real files, real `eventdesk` processes, real PostgreSQL behind a proxy."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from eventdesk.db import Store
from eventdesk.services.door.scan_result import new_nonce
from eventdesk.services.stations.mirror_schema import MIRROR_FILE
from eventdesk.services.stations.station_door import StationDoor
from eventdesk.tickets import Signer
from testkit.proxy import TcpProxy
from tests.door.test_outage import POSTGRESQL, backend_fixed, proxy
from tests.offline_tools import DoorStation, OpenEvent, copy_sql, door_a, open_event, scans_at

__all__ = ["backend_fixed", "door_a", "proxy"]  # fixtures


def mirror_of(station: DoorStation) -> Path:
    return station.data_dir / MIRROR_FILE


def moved(station: DoorStation, kind: str) -> list[Path]:
    return sorted(station.data_dir.glob(f"{MIRROR_FILE}.{kind}-*[!lm]"))


def one_offline_scan(station: DoorStation, proxy: TcpProxy, event: OpenEvent) -> str:
    """A copy, then one scan decided from it while the server is away: its nonce. The
    station's process ends (its files closed, the WAL folded into the file)."""
    own = station.in_process()
    assert own.sync_round().online
    proxy.cut()
    nonce = new_nonce()
    decided = StationDoor(own).scan(event.payloads[0], nonce=nonce)
    assert (decided.result, decided.offline) == ("ok", True)
    station.close()
    proxy.restore()
    with copy_sql(station.data_dir) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return nonce


def spoil_table(station: DoorStation, table: str) -> None:
    """Overwrite the first page of ``table`` with garbage: SQLite's quick check fails."""
    path = mirror_of(station)
    with copy_sql(station.data_dir) as conn:
        size = int(conn.execute("PRAGMA page_size").fetchone()[0])
        root = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()[0]
    with path.open("r+b") as raw:
        raw.seek((root - 1) * size)
        raw.write(b"\xa5" * size)


def status_of(station: DoorStation) -> dict[str, object]:
    said = station.run("station", "status")
    assert said.code == 0, said.err
    found: dict[str, object] = said.json
    return found


def rebuilt(station: DoorStation) -> dict[str, object]:
    """A sync builds the new copy: online, rows copied, the file private."""
    synced = station.run("sync")
    assert synced.code == 0, synced.err
    assert synced.json["online"] is True and synced.json["downloaded"] > 0
    assert stat.S_IMODE(mirror_of(station).stat().st_mode) == 0o600
    found: dict[str, object] = synced.json
    return found


@POSTGRESQL
@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_a_mirror_that_is_not_sqlite_is_moved_aside_and_built_again(
    backend_fixed: None, store: Store, signer: Signer, door_a: DoorStation
) -> None:
    open_event(store, signer, 2)
    junk = b"this was a mirror once\n" * 200
    mirror_of(door_a).write_bytes(junk)
    status = status_of(door_a)
    notice = str(status["mirror_notice"])
    # Encrypted, a copy that is noise to its key is all a station can tell of it.
    assert "cannot be opened with this station's key" in notice and "moved" in notice, notice
    [aside] = moved(door_a, "damaged")
    assert aside.read_bytes() == junk and aside.name in notice
    assert stat.S_IMODE(aside.stat().st_mode) == 0o600
    assert status["mirror_tickets"] == 0
    rebuilt(door_a)
    assert status_of(door_a)["mirror_tickets"] == 2


@POSTGRESQL
@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_a_mirror_failing_its_quick_check_keeps_the_scans_it_can_read(
    backend_fixed: None, store: Store, signer: Signer, proxy: TcpProxy, door_a: DoorStation
) -> None:
    event = open_event(store, signer, 2)
    nonce = one_offline_scan(door_a, proxy, event)
    spoil_table(door_a, "ticket")
    synced = rebuilt(door_a)
    said = " ".join(str(n) for n in synced["notices"])  # type: ignore[attr-defined]
    assert "quick check" in said and "1 scan" in said, said
    assert synced["uploaded"] == 1 and synced["pending"] == 0
    assert [s.nonce for s in scans_at(store, "A")] == [nonce]  # nothing lost
    [aside] = moved(door_a, "damaged")
    assert aside.name in said
    assert "quick check" in str(status_of(door_a)["mirror_notice"])


@POSTGRESQL
@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_a_damaged_mirror_whose_scans_cannot_be_read_says_so(
    backend_fixed: None, store: Store, signer: Signer, proxy: TcpProxy, door_a: DoorStation
) -> None:
    event = open_event(store, signer, 2)
    one_offline_scan(door_a, proxy, event)
    spoil_table(door_a, "outbox")
    notice = str(status_of(door_a)["mirror_notice"])
    assert "could not be read" in notice, notice
    [aside] = moved(door_a, "damaged")
    assert aside.name in notice
    rebuilt(door_a)


@POSTGRESQL
@pytest.mark.parametrize(
    "change",
    [
        "UPDATE mirror_state SET value = '99' WHERE key = 'version'",
        "CREATE TRIGGER not_ours AFTER INSERT ON outbox BEGIN DELETE FROM outbox; END",
        "ALTER TABLE ticket DROP COLUMN holder_name",
        # The scan log is a view of the outbox's scans: the same name over other rows is not it.
        "DROP VIEW scan_log; CREATE VIEW scan_log AS SELECT * FROM outbox WHERE 0",
    ],
    ids=["unknown-version", "a-trigger", "a-column-missing", "another-scan-log"],
)
@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_a_mirror_of_a_schema_this_build_does_not_know_is_moved_aside(
    backend_fixed: None,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    door_a: DoorStation,
    change: str,
) -> None:
    event = open_event(store, signer, 2)
    nonce = one_offline_scan(door_a, proxy, event)
    with copy_sql(door_a.data_dir) as conn:
        conn.executescript(change)
    notice = str(status_of(door_a)["mirror_notice"])
    assert "schema" in notice and "1 scan" in notice, notice
    assert len(moved(door_a, "damaged")) == 1
    synced = rebuilt(door_a)
    assert synced["uploaded"] == 1
    assert [s.nonce for s in scans_at(store, "A")] == [nonce]


@POSTGRESQL
@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_a_mirror_made_for_another_server_is_moved_aside_with_its_scans(
    backend_fixed: None, store: Store, signer: Signer, proxy: TcpProxy, door_a: DoorStation
) -> None:
    event = open_event(store, signer, 2)
    nonce = one_offline_scan(door_a, proxy, event)
    other = "postgresql+psycopg://door1@elsewhere.example:5432/another"
    with copy_sql(door_a.data_dir) as conn:
        conn.execute("UPDATE mirror_state SET value = ? WHERE key = 'server'", (other,))
    synced = rebuilt(door_a)
    said = " ".join(str(n) for n in synced["notices"])  # type: ignore[attr-defined]
    assert "another server" in said and "elsewhere.example" in said, said
    assert "1 scan" in said  # kept in the old file, for that server: not uploaded here
    assert synced["uploaded"] == 0 and scans_at(store, "A") == []
    [aside] = moved(door_a, "foreign")
    with copy_sql(door_a.data_dir, aside) as conn:
        assert conn.execute("SELECT nonce FROM outbox").fetchall() == [(nonce,)]
    assert aside.name in said
    assert "another server" in str(status_of(door_a)["mirror_notice"])
