"""`eventdesk station outbox [--retry ID|--clear ID]` (docs/cli.md): the offline scans of a station
waiting to upload or refused by the server, with reasons; a refused one put back to be uploaded
at the next sync, or removed on purpose. A scan still waiting is never removed. An SQLite
station is one box: it has no outbox. Real `eventdesk` processes; a real PostgreSQL server
behind a loopback proxy the test cuts."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import insert

from eventdesk.db import Store
from eventdesk.services.door.scan_result import new_nonce
from eventdesk.services.stations.mirror_schema import OUTBOX
from eventdesk.services.stations.station_door import StationDoor
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from testkit.proxy import TcpProxy
from tests.door.test_outage import POSTGRESQL, SQLITE, backend_fixed, proxy
from tests.offline_tools import DoorStation, Running, copy_of, door_a, open_event

__all__ = ["backend_fixed", "door_a", "proxy"]  # fixtures


def put_unacceptable_row(station: DoorStation) -> str:
    """An outbox row the server refuses (its result does not fit the scan log's column), as
    a scan written by an older or broken build would be."""
    nonce = new_nonce()
    mirror = copy_of(station.data_dir)
    try:
        with mirror.store.write_conn() as conn:
            conn.execute(
                insert(OUTBOX),
                {
                    "nonce": nonce,
                    "kind": "scan",
                    "effect": "none",
                    "at": utcnow(),
                    "station": station.name,
                    "direction": "entry",
                    "payload": "NOT A TICKET",
                    "result": "a-result-no-server-knows-of",
                    "state": "pending",
                },
            )
    finally:
        mirror.close()
    return nonce


@SQLITE
@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_an_sqlite_station_says_it_has_no_outbox(
    backend_fixed: None, db_url: str, tmp_path: Path
) -> None:
    box = DoorStation("Box", tmp_path / "box", db_url)
    listed = box.run("station", "outbox")
    assert listed.code == 0, listed.err
    assert listed.json == []
    human = box.command("station", "outbox")
    human.remove("--json")
    said = Running(human, box.environ()).finish()
    assert said.code == 0, said.err
    assert len(said.out.strip().splitlines()) == 1 and "no outbox" in said.out
    assert not (box.data_dir / "mirror.db").exists()


@POSTGRESQL
@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_the_outbox_lists_waiting_and_refused_scans_retries_and_clears_only_refused_ones(
    backend_fixed: None,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    door_a: DoorStation,
) -> None:
    event = open_event(store, signer, 1)
    station = door_a.in_process()
    assert station.sync_round().online
    proxy.cut()
    nonce = new_nonce()
    decided = StationDoor(station).scan(event.payloads[0], nonce=nonce)
    assert (decided.result, decided.offline) == ("ok", True)
    bad = put_unacceptable_row(door_a)

    waiting = door_a.run("station", "outbox")  # the server is away: read from the mirror
    assert waiting.code == 0, waiting.err
    rows = waiting.json
    assert [(r["nonce"], r["state"]) for r in rows] == [
        (nonce, "pending"),
        (bad, "pending"),
    ]
    assert set(rows[0]) >= {"id", "nonce", "state", "reason"}
    good_id, bad_id = rows[0]["id"], rows[1]["id"]

    cleared_waiting = door_a.run("station", "outbox", "--clear", str(good_id))
    assert cleared_waiting.code == 2, cleared_waiting.out
    assert "waiting" in cleared_waiting.err and "Traceback" not in cleared_waiting.err
    assert len(cleared_waiting.err.strip().splitlines()) == 1

    proxy.restore()
    synced = station.sync_round()
    assert (synced.online, synced.uploaded, synced.refused) == (True, 1, 1), synced
    refused = door_a.run("station", "outbox")
    assert refused.code == 0, refused.err
    assert [(r["id"], r["nonce"], r["state"]) for r in refused.json] == [(bad_id, bad, "refused")]
    assert "refused by the server" in refused.json[0]["reason"]

    retried = door_a.run("station", "outbox", "--retry", str(bad_id))
    assert retried.code == 0, retried.err
    again = door_a.run("station", "outbox")
    assert [(r["id"], r["state"]) for r in again.json] == [(bad_id, "pending")]
    assert door_a.run("station", "status").json["pending"] == 1
    second = station.sync_round()  # uploaded again at the next sync: refused again
    assert (second.refused, second.pending) == (1, 0), second

    unknown = door_a.run("station", "outbox", "--clear", "999999")
    assert unknown.code == 2 and "999999" in unknown.err
    both = door_a.run("station", "outbox", "--retry", str(bad_id), "--clear", str(bad_id))
    assert both.code == 2
    cleared = door_a.run("station", "outbox", "--clear", str(bad_id))
    assert cleared.code == 0, cleared.err
    assert door_a.run("station", "outbox").json == []
    status = door_a.run("station", "status").json
    assert (status["pending"], status["refused"]) == (0, 0)
    assert [row["nonce"] for row in door_a.outbox()] == [nonce]  # the uploaded one
