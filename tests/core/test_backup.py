"""Backups of a live SQLite database and restores; PostgreSQL gets a plain answer."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from eventdesk.db import Store
from eventdesk.errors import InvalidInput
from eventdesk.services.data.backup import BackupSchedule, backup, check_file, prune, restore
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import show_ticket
from eventdesk.services.stats.reports import stats
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from tests.e2e.test_checkin_processes import make_tickets, start_worker
from tests.helpers import wait_until

pytestmark = pytest.mark.slow  # the app's backup schedule, and `backup --every` as a process


def checked_in(store: Store, slug: str) -> int:
    return stats(store, slug).checked_in


def test_backup_while_another_process_writes_then_restore(
    store: Store, db_url: str, signer: Signer, tmp_path: Path
) -> None:
    if not store.is_sqlite:
        with pytest.raises(InvalidInput, match="pg_dump"):
            backup(store, tmp_path)
        return
    payloads = make_tickets(store, 1500, tmp_path)
    slug = show_ticket(store, payloads.read_text().split()[0].split(".")[1]).event
    writer = start_worker(db_url, "Door W", payloads, seed=1)
    assert writer.stdout is not None
    for _ in range(101):  # ready, then 100 check-ins: it is writing now
        writer.stdout.readline()
    made = backup(store, tmp_path / "data")
    assert writer.poll() is None, "the writer finished before the backup: not a live backup"
    out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    assert Path(made.path).parent == tmp_path / "data" / "backups" and made.path.endswith(".db")
    assert check_file(Path(made.path)) == (made.tickets, made.checked_in)
    assert made.tickets == 1500 and 100 <= made.checked_in < 1500
    assert checked_in(store, slug) == 1500
    restored = restore(store, tmp_path / "data", made.path)
    assert checked_in(store, slug) == made.checked_in  # back to the moment of the backup
    assert check_file(Path(restored.path)) == (1500, 1500)  # what it replaced is kept
    assert all(json.loads(line)[0] == "ok" for line in out.splitlines())


def test_restore_refuses_what_is_not_an_eventdesk_database(store: Store, tmp_path: Path) -> None:
    if not store.is_sqlite:
        pytest.skip(
            "restore of PostgreSQL is pg_restore's job (the previous test checks the message)"
        )
    text = tmp_path / "notes.db"
    text.write_text("hello")
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE x (y)")
    damaged = tmp_path / "damaged.db"
    good = Path(backup(store, tmp_path).path)
    data = bytearray(good.read_bytes())
    data[5000:9000] = b"\xff" * 4000
    damaged.write_bytes(bytes(data))
    for path, says in (
        (text, "not SQLite"),
        (other, "not an eventdesk database"),
        (damaged, "damaged|cannot be read"),
        (tmp_path / "missing.db", "does not exist"),
    ):
        with pytest.raises(InvalidInput, match=says):
            restore(store, tmp_path, path)
    with pytest.raises(InvalidInput, match="exists already"):
        backup(store, tmp_path, output=good)


def test_a_damaged_name_and_a_missing_folder_are_refused_and_change_nothing(
    store: Store, tmp_path: Path
) -> None:
    """A byte damaged inside a name passes SQLite's own checks (the file is whole; only its
    text is not UTF-8), and would fail every later read of that row: restore refuses it,
    naming where. A backup into a folder that does not exist (a typo) is refused, and makes no
    folder."""
    if not store.is_sqlite:
        pytest.skip("PostgreSQL backups are pg_dump's job")
    attendees.add_attendees_bulk(store, [{"name": "Aïcha Okafor", "email": "aicha@example.org"}])
    copy = Path(backup(store, tmp_path).path)
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE attendee SET name = CAST(X'41FFFE6368' AS TEXT)")
    with pytest.raises(InvalidInput, match=r"is damaged: the text in attendee\.name of row 1"):
        restore(store, tmp_path, copy)
    # Damaged where SQLite's own message quotes the bytes: its schema (it said
    # UnicodeDecodeError, exit 70).
    schema = Path(backup(store, tmp_path).path)
    with sqlite3.connect(schema) as conn:
        conn.execute("PRAGMA writable_schema = ON")
        [sql] = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'ticket'").fetchone()
        broken = sql.encode().replace(b"(", b"\x95(", 1)
        conn.execute(
            "UPDATE sqlite_master SET sql = CAST(? AS TEXT) WHERE name = 'ticket'", [broken]
        )
    with pytest.raises(InvalidInput, match="is damaged: integrity check failed"):
        restore(store, tmp_path, schema)
    assert [p.name for p in attendees.find_attendees(store, "Okafor")] == ["Aïcha Okafor"]
    missing = tmp_path / "no" / "such" / "folder" / "backup.db"
    with pytest.raises(InvalidInput, match=r"the folder .* does not exist"):
        backup(store, tmp_path, output=missing)
    assert not (tmp_path / "no").exists()


def test_prune_and_schedule(store: Store, tmp_path: Path) -> None:
    if not store.is_sqlite:
        pytest.skip("PostgreSQL backups are pg_dump's job")
    folder = tmp_path / "backups"
    # Four automatic backups, one a day over the last four days.
    names = [
        Path(backup(store, tmp_path, now=utcnow() - timedelta(days=4 - n)).path).name
        for n in range(4)
    ]
    assert names == sorted(names) and len(set(names)) == 4
    removed = prune(tmp_path, keep=2)
    assert [p.name for p in removed] == names[:2]  # the oldest go
    assert sorted(p.name for p in folder.glob("eventdesk-*.db")) == names[2:]

    def kept() -> set[str]:
        return {p.name for p in folder.glob("eventdesk-*.db")}

    schedule = BackupSchedule(store, tmp_path, minutes=0.002, keep=3)  # every 0.12 s
    schedule.start()
    try:
        # Three rounds or more: its own newer backups have pushed the two older ones out.
        wait_until(lambda: not kept() & set(names), what="the scheduled backups replacing the old")
    finally:
        schedule.stop()
        schedule.join(30)
    assert not schedule.is_alive()
    assert schedule.error is None and schedule.last is not None
    made = kept()
    assert len(made) == 3 and Path(schedule.last.path).name in made
    assert all(name > names[-1] for name in made)  # all newer than the ones it replaced
    with pytest.raises(InvalidInput):
        prune(tmp_path, keep=0)


def test_backup_every_n_minutes_from_the_cli(sqlite_template: Path, tmp_path: Path) -> None:
    import shutil
    import signal
    import subprocess
    import sys

    db = tmp_path / "live.db"
    shutil.copy(sqlite_template, db)
    (tmp_path / "eventdesk.toml").write_text("[backup]\nkeep = 2\n")
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("eventdesk")),
            "--db",
            f"sqlite:///{db}",
            "--data-dir",
            str(tmp_path),
            "backup",
            "--every",
            "0.1",
        ],
        stderr=subprocess.PIPE,
        text=True,
    )

    def kept() -> set[str]:
        return {p.name for p in (tmp_path / "backups").glob("eventdesk-*.db")}

    try:
        wait_until(lambda: len(kept()) >= 2, timeout=120, what="two backups")
        first = kept()
        # One more round, however long it takes: a newer backup, and still only the newest two.
        wait_until(
            lambda: bool((now := kept()) - first) and len(now) == 2,
            timeout=120,
            what="a newer backup in place of an older one",
        )
    finally:
        proc.send_signal(signal.SIGTERM)  # what a service manager sends; Ctrl-C does the same
        _, err = proc.communicate(timeout=30)
    assert (
        proc.returncode == 0 and "then every 0.1 min, keeping 2" in err and "Traceback" not in err
    )
    files = list((tmp_path / "backups").glob("eventdesk-*.db"))
    assert len(files) == 2 and all(check_file(p)[0] == 0 for p in files)
