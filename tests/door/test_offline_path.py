"""The path of one offline decision, as docs/architecture.md draws it, held both ways: a door's
own login on PostgreSQL decides a ticket from its copy while its server is cut (a warm station:
one decision online, one offline, before it), then uploads it once the server answers; each
thread's files are the map's, in the map's order, and the server's function the map names is
the one that replays it (tests/app/test_scan_path.py holds the scan's map the same way)."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import text

from eventdesk.db import Store
from eventdesk.services.stations.station_door import StationDoor
from eventdesk.tickets import Signer
from testkit.proxy import TcpProxy
from tests.app.test_scan_path import MAP, FilesRun, drawn_threads, named_files, out_of_order
from tests.door.test_outage import POSTGRESQL, backend_fixed, proxy
from tests.helpers import station_logins
from tests.offline_tools import DoorStation, login_url, open_event, scans_at

__all__ = ["backend_fixed", "proxy"]  # fixtures
PASSWORD = "pw-offline-path"
ROOT = MAP.parents[1]
# The map's threads (its right-hand column), by the names the threads are given, in each part.
DECIDED = {"MainThread": "caller", "server call": "call"}
UPLOADED = {"MainThread": "sync", "server call": "call", "link watch": "watch"}
SERVER = "server"  # the server's own function: not a thread of the station's


def offline_maps() -> tuple[str, str]:
    """The two diagrams of docs/architecture.md's path of one offline decision: decided, then
    uploaded."""
    section = MAP.read_text(encoding="utf-8").split("## The path of one offline decision\n")[1]
    blocks = re.findall(r"```text\n(.*?)```", section.split("\n## ")[0], re.S)
    assert len(blocks) == 2, "the offline decision's path is drawn in two blocks"
    return blocks[0], blocks[1]


def held_to(diagram: str, threads: dict[str, str], files: FilesRun) -> list[str]:
    """How the threads' files as run differ from ``diagram`` (each thread's exactly, in order;
    a column the diagram draws that no thread ran is a difference too)."""
    drawn = drawn_threads(diagram)
    said = [f"a thread the map does not draw: {name}" for name in set(files.run) - set(threads)]
    said += [
        f"a column no thread ran: {column}" for column in set(drawn) - {*threads.values(), SERVER}
    ]
    for thread, column in threads.items():
        found = out_of_order(drawn.get(column, []), files.run.get(thread, []), exact=True)
        said += [f"{column} ({thread}): {line}" for line in found]
    return said


def server_function(diagram: str) -> str:
    """The server's function ``diagram`` names (its ``server`` line's), checked to be one the
    file on that line makes."""
    (line,) = [line for line in diagram.splitlines() if line.rstrip().endswith(SERVER)]
    (made_by,) = named_files(line)
    function = re.search(r"station_api\.(\w+)", diagram)
    assert function is not None, "the map names the server's function"
    made = (ROOT / made_by).read_text(encoding="utf-8")
    assert f"FUNCTION {{API}}.{function[1]}(" in made, f"{made_by} makes no {function[1]}"
    return function[1]


def test_both_blocks_name_files_that_are_there() -> None:
    decided, uploaded = offline_maps()
    named = named_files(decided) | named_files(uploaded)
    assert len(named) >= 20, named
    gone = sorted(name for name in named if not (ROOT / name).is_file())
    assert gone == [], f"the offline decision's path names files that are gone: {gone}"


@POSTGRESQL
def test_an_offline_decision_runs_the_files_on_its_map_up_to_the_servers_function(
    backend_fixed: None, db_url: str, store: Store, signer: Signer, proxy: TcpProxy, tmp_path: Path
) -> None:
    decided, uploaded = offline_maps()
    function = server_function(uploaded)
    event = open_event(store, signer, 3)
    # Installed before the station starts: its threads are recorded too. A server call's thread
    # is the one kept from the call before, or one started afresh when that call was given up
    # (the server cut, on a busy machine): its start is not a step of the path.
    files = FilesRun(started_apart=frozenset({"server call"}))
    with station_logins(db_url, store, "path", PASSWORD) as names, files.installed():
        url = login_url(db_url, "door", names, PASSWORD, proxy)
        # 30 s, not 1: the server cut refuses at once (the offline decisions come at once),
        # and the round after the cut reconnects on a busy machine ("no answer within 1 s").
        door = DoorStation("Door 1", tmp_path / "door", url, 30.0)
        try:
            station = door.in_process()
            assert station.sync_round().online
            decider = StationDoor(station, event=event.slug)
            assert not decider.scan(event.payloads[0]).offline  # its online door made
            proxy.cut()
            assert decider.scan(event.payloads[1]).offline  # its copy's door made
            files.recording = True
            result = decider.scan(event.payloads[2])
            files.recording = False
            assert result.offline and result.result == "ok", result
            said = held_to(decided, DECIDED, files)
            files.run.clear()
            proxy.restore()
            files.recording = True
            report = station.sync_round()
            files.recording = False
            assert report.online and report.uploaded == 2, report
            said += held_to(uploaded, UPLOADED, files)
            with store.engine.connect() as conn:  # the door's login may call it
                allowed = conn.execute(
                    text("SELECT has_function_privilege(:login, :function, 'EXECUTE')"),
                    {"login": names["door"], "function": f"station_api.{function}(text, jsonb)"},
                ).scalar()
        finally:
            door.close()
    assert not said, "\n".join(said)
    assert allowed is True
    kept = [row for row in scans_at(store, "Door 1") if row.ticket_id == event.ticket_ids[2]]
    assert [(row.result, row.offline) for row in kept] == [("ok", True)], kept
