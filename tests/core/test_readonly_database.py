"""A station whose SQLite files were read-only a while recovers by itself once they are fixed.

SQLite makes a database's -wal and -shm with the mode the database had: a station started while
its database was read-only (a copy restored as another user, a chmod by mistake) left a read-only
-shm behind, and after the database's own mode was fixed every command still failed with
"internal error: attempt to write a readonly database" (exit 70) until someone deleted the -shm.
Now the read-only state is said in one sentence with exit 3, naming the file, and the station's
next try writes again, a running scanner included (its waiting scan is then decided).

Run as root, the commands run without the capability that lets root write any file (setpriv),
so that a file's mode holds for them as it does for a station's own user.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from eventdesk.db import Store
from eventdesk.services.people.registration import show_ticket
from tests import forks
from tests.door.test_outage import Running
from tests.door.test_vanished_database import EVENTDESK, demo

pytestmark = [
    pytest.mark.slow,  # a database made read-only under running commands
    pytest.mark.skipif(os.name == "nt", reason="POSIX file modes"),
]
READ_ONLY = "is read-only for this user"


def as_station_user() -> list[str]:
    """The prefix that makes file modes hold for a command (root's override dropped)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file modes would not hold for root")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


def station(data: Path, database: Path) -> list[str]:
    return [EVENTDESK, "--data-dir", str(data), "--db", str(database), "--station", "Door 1"]


def checkin(data: Path, ticket: str) -> subprocess.CompletedProcess[str]:
    return forks.run(
        [*as_station_user(), *station(data, data / "demo.db"), "checkin", "--ticket", ticket],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def read_only(database: Path) -> None:
    for each in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        if each.exists():
            each.chmod(stat.S_IRUSR)


def admitted(database: Path, ticket: str) -> bool:
    store = Store(f"sqlite:///{database}")
    try:
        return show_ticket(store, ticket).checked_in_at is not None
    finally:
        store.dispose()


def test_a_station_writes_again_once_its_read_only_database_is_fixed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _event, _payloads, ids = demo(data)
    database = data / "demo.db"
    read_only(database)

    refused = checkin(data, ids[0])
    assert refused.returncode == 3, (refused.returncode, refused.stderr)
    assert f"{database} {READ_ONLY}" in refused.stderr
    assert "writes again by itself once it is writable" in refused.stderr
    assert "internal error" not in refused.stderr and "Traceback" not in refused.stderr
    shm = Path(f"{database}-shm")
    assert shm.exists() and not shm.stat().st_mode & stat.S_IWUSR  # what SQLite left behind

    database.chmod(stat.S_IRUSR | stat.S_IWUSR)  # fixed: the database only, as a person would
    done = checkin(data, ids[0])
    assert done.returncode == 0, (done.returncode, done.stderr)
    assert admitted(database, ids[0])


def test_a_folder_that_cannot_be_written_is_named(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _event, _payloads, ids = demo(data)
    for suffix in ("-wal", "-shm"):  # a clean shut-down: nothing beside the database
        Path(f"{data / 'demo.db'}{suffix}").unlink(missing_ok=True)
    data.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        refused = checkin(data, ids[0])
    finally:
        data.chmod(stat.S_IRWXU)
    assert refused.returncode == 3, (refused.returncode, refused.stderr)
    assert f"its folder {data} {READ_ONLY}" in refused.stderr, refused.stderr
    assert checkin(data, ids[0]).returncode == 0


def test_a_scanner_started_on_a_read_only_database_admits_once_it_is_fixed(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    event, payloads, ids = demo(data)
    database = data / "demo.db"
    read_only(database)
    scan = ["--json", "scan", "--source", "-", "--event", event]
    scanner = Running([*as_station_user(), *station(data, database), *scan])
    try:
        scanner.send(payloads[0])
        scanner.said(READ_ONLY)
        assert scanner.alive and not scanner.out  # waiting, not answered, not ended
        database.chmod(stat.S_IRUSR | stat.S_IWUSR)
        [answer] = scanner.answers(1)
        assert (answer["result"], answer["ticket_id"]) == ("ok", ids[0])
        scanner.end_input()
        assert scanner.wait() == 0, scanner.stderr
    finally:
        scanner.kill()
    assert "Traceback" not in scanner.stderr and "internal error" not in scanner.stderr
    assert admitted(database, ids[0])
