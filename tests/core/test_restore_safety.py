"""Restore never breaks a station: a file of a newer or unknown schema, with triggers or views
of its own, damaged, not SQLite or missing tables is refused (exit 2, one line) and the station
goes on as it was; an older file is migrated as a copy and swapped in only when that worked.
Pruning removes the leftovers of killed backups and keeps a few copies from before restores.

SQLite only, through the real CLI: restoring PostgreSQL is pg_restore's job (the CLI says so,
tests/core/test_backup.py checks the message). These tests use no ``db_url`` fixture, so the
conftest does not run them on both backends.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from eventdesk.db import Store
from eventdesk.migrations import HEAD_REVISION
from eventdesk.services.data.backup import OWNER, BackupSchedule
from eventdesk.services.people.registration import register
from eventdesk.values import utcnow
from tests.clitools import Cli
from tests.helpers import add_type, make_event, migrate, people, wait_until

STATION = "Desk 1"
NEXT_REVISION = f"{int(HEAD_REVISION) + 1:04d}"  # what the next version of eventdesk will write


class Desk(Cli):
    """A station's data folder with an event happening now and 30 free tickets; the CLI
    run in-process (the same ``main`` the console script calls)."""

    def __init__(self, capsys: pytest.CaptureFixture[str], data: Path, tickets: list[str]):
        self.db = data / "eventdesk.db"
        super().__init__(capsys, f"sqlite:///{self.db}", data, station=STATION)
        self.data, self.tickets = data, tickets

    def backup(self, name: str) -> Path:
        path = self.data.parent / name
        self.json("backup", "--output", str(path))
        return path

    def state(self) -> dict[str, object]:
        """What the station holds, read without changing anything."""
        conn = sqlite3.connect(f"{self.db.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return {
                "revision": conn.execute("SELECT version_num FROM alembic_version").fetchall(),
                "schema": conn.execute(
                    "SELECT type, name FROM sqlite_master ORDER BY type, name"
                ).fetchall(),
                "tickets": conn.execute(
                    "SELECT id, checked_in_at, checked_in_station FROM ticket ORDER BY id"
                ).fetchall(),
                "scans": conn.execute("SELECT count(*) FROM scan_log").fetchone(),
            }
        finally:
            conn.close()

    def files(self) -> set[str]:
        """The files of the data folder, but for SQLite's own -wal and -shm companions."""
        return {
            str(p.relative_to(self.data))
            for p in self.data.rglob("*")
            if p.is_file() and not p.name.endswith(("-wal", "-shm"))
        }

    def refused(self, file: Path, says: str = "") -> str:
        """Restore ``file``: refused with one line and exit 2, the station as it was."""
        before, files = self.state(), self.files()
        code, out, err = self.call("restore", str(file))
        lines = err.strip().splitlines()
        assert code == 2, f"restore of {file.name} exited {code}, not 2: {err.strip()}"
        assert out == "" and len(lines) == 1 and lines[0].startswith("eventdesk: "), err
        assert says.lower() in lines[0].lower(), lines[0]
        assert self.state() == before, "a refused restore changed the station's database"
        assert self.files() == files, f"a refused restore left files: {self.files() - files}"
        return lines[0]

    def still_answers(self) -> None:
        """`event list` and a check-in work, and the check-in is this station's only one."""
        code, out, err = self.call("event", "list")
        assert code == 0, f"event list exited {code}: {err.strip()}"
        assert "Test Event" in out
        free = [t for t, at, _ in self.state()["tickets"] if at is None]  # type: ignore[attr-defined]
        admitted = self.json("checkin", "--ticket", free[0])
        assert admitted["result"] == "ok", admitted
        checked = [(t, where) for t, at, where in self.state()["tickets"] if at]  # type: ignore[attr-defined]
        assert (free[0], STATION) in checked
        assert all(where == STATION for _, where in checked), checked


@pytest.fixture
def desk(
    capsys: pytest.CaptureFixture[str], sqlite_template: Path, tmp_path: Path
) -> Iterator[Desk]:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(sqlite_template, data / "eventdesk.db")
    store = Store(f"sqlite:///{data / 'eventdesk.db'}")
    try:
        now = utcnow()
        event = make_event(
            store,
            starts=(now - timedelta(hours=1)).isoformat(),
            ends=(now + timedelta(hours=8)).isoformat(),
        )
        add_type(store, event, "Regular", price_cents=0)
        tickets = [
            register(store, event, email, "Regular").tickets[0].ticket_id
            for email in people(store, 30)
        ]
    finally:
        store.dispose()
    yield Desk(capsys, data, tickets)


def tamper(source: Path, target: Path, *statements: str) -> Path:
    """A copy of a backup with ``statements`` run on it."""
    shutil.copy(source, target)
    conn = sqlite3.connect(target)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()
    return target


def test_a_backup_from_a_newer_version_is_refused_and_the_station_keeps_working(
    desk: Desk,
) -> None:
    good = desk.backup("good.db")
    newer = tamper(
        good,
        desk.data.parent / "newer.db",
        f"UPDATE alembic_version SET version_num = '{NEXT_REVISION}'",
    )
    line = desk.refused(newer, says=NEXT_REVISION)
    assert "newer" in line, line
    desk.still_answers()
    assert desk.json("restore", str(good))["tickets"] == 30  # and another restore works


def test_a_revision_no_version_knows_is_refused(desk: Desk) -> None:
    good = desk.backup("good.db")
    odd = tamper(good, desk.data.parent / "odd.db", "UPDATE alembic_version SET version_num = 'x1'")
    empty = tamper(good, desk.data.parent / "empty.db", "DELETE FROM alembic_version")
    desk.refused(odd, says="schema")
    desk.refused(empty, says="schema")
    desk.still_answers()


ATTACK = (
    "CREATE TRIGGER scan_audit AFTER INSERT ON scan_log BEGIN "
    "UPDATE ticket SET checked_in_at = NEW.at, checked_in_station = 'evil' "
    "WHERE checked_in_at IS NULL; END"
)


def test_a_file_with_its_own_trigger_on_scan_log_is_refused_and_never_runs(desk: Desk) -> None:
    good = desk.backup("good.db")
    evil = tamper(good, desk.data.parent / "evil.db", ATTACK)
    desk.refused(evil, says="scan_audit")
    desk.still_answers()  # a scan: the trigger would have admitted the 29 others at "evil"
    stations = {where for _, _, where in desk.state()["tickets"]}  # type: ignore[attr-defined]
    assert "evil" not in stations


def test_a_trigger_named_as_ours_with_other_text_is_refused(desk: Desk) -> None:
    """The stats' tally triggers are ours and restore; one of their names carrying other code
    does not."""
    good = desk.backup("good.db")
    with sqlite3.connect(good) as conn:
        ours = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    assert "scan_log_tally_insert" in ours
    disguised = tamper(
        good,
        desk.data.parent / "disguised.db",
        "DROP TRIGGER scan_log_tally_insert",
        ATTACK.replace("scan_audit", "scan_log_tally_insert"),
    )
    desk.refused(disguised, says="scan_log_tally_insert")
    desk.still_answers()
    stations = {where for _, _, where in desk.state()["tickets"]}  # type: ignore[attr-defined]
    assert "evil" not in stations


def test_a_file_with_a_view_of_its_own_is_refused(desk: Desk) -> None:
    good = desk.backup("good.db")
    viewed = tamper(
        good, desk.data.parent / "view.db", "CREATE VIEW arrivals AS SELECT * FROM ticket"
    )
    both = tamper(good, desk.data.parent / "both.db", ATTACK, "CREATE VIEW v AS SELECT 1")
    desk.refused(viewed, says="arrivals")
    desk.refused(both, says="scan_audit")
    desk.still_answers()


def test_damaged_and_foreign_files_are_refused(desk: Desk) -> None:
    good = desk.backup("good.db")
    data = good.read_bytes()
    middle = len(data) // 2
    overwritten = desk.data.parent / "overwritten.db"
    overwritten.write_bytes(data[: middle - 2048] + b"\xa5" * 4096 + data[middle + 2048 :])
    truncated = desk.data.parent / "truncated.db"
    truncated.write_bytes(data[:middle])
    text = desk.data.parent / "notes.db"
    text.write_text("names and emails, one a line\n")
    no_scans = tamper(good, desk.data.parent / "no-scans.db", "DROP TABLE scan_log")
    for path in (overwritten, truncated, text, no_scans):
        desk.refused(path)
    desk.still_answers()


def downgrade(path: Path, revision: str) -> None:
    """Take ``path`` back to an older schema with the project's own migrations."""
    # A plain engine: foreign keys off while the downgrade rebuilds tables, as SQLite advises.
    engine = create_engine(f"sqlite:///{path}")
    try:
        migrate(engine, revision, down=True)
    finally:
        engine.dispose()
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")  # one file, as a backup is
    finally:
        conn.close()


# Migrations that change rows only, not tables (0011: the search phrases): the schema before
# them is this one's, so the tests below go back past them.
DATA_ONLY = {"0011", "0033"}  # no table changed (0033: a server function alone)


def previous_revision() -> str:
    """The revision before the newest one that changed the tables."""
    from alembic.script import ScriptDirectory

    from eventdesk.migrate import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config())
    revision = HEAD_REVISION
    while revision in DATA_ONLY:
        revision = scripts.get_revision(revision).down_revision
        assert isinstance(revision, str)
    down = scripts.get_revision(revision).down_revision
    assert isinstance(down, str)
    return down


def schema_of(db: Path) -> dict[str, set[str]]:
    """Each table's columns."""
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: {r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')} for t in tables}
    finally:
        conn.close()


def test_an_older_backup_is_migrated_as_a_copy_then_restored(
    desk: Desk, sqlite_template: Path
) -> None:
    desk.json("checkin", "--ticket", desk.tickets[0])
    older = desk.backup("older.db")
    downgrade(older, previous_revision())
    old_schema = schema_of(older)
    assert old_schema != schema_of(sqlite_template)  # the previous version's tables
    desk.json("checkin", "--ticket", desk.tickets[1])
    made = desk.json("restore", str(older))
    assert (made["tickets"], made["checked_in"]) == (30, 1)
    state = desk.state()
    assert state["revision"] == [(HEAD_REVISION,)]
    assert schema_of(desk.db) == schema_of(sqlite_template)  # brought up to this version's
    assert schema_of(older) == old_schema, "the file restored from was changed"
    assert [t for t, at, _ in state["tickets"] if at] == [desk.tickets[0]]  # type: ignore[attr-defined]
    assert not [f for f in desk.files() if f.endswith(".part")]
    desk.still_answers()


def test_a_file_whose_migration_fails_is_refused_and_the_station_keeps_working(
    desk: Desk,
) -> None:
    good = desk.backup("good.db")
    # Marked as the previous schema but holding this one's tables: its upgrade fails.
    mislabelled = tamper(
        good,
        desk.data.parent / "mislabelled.db",
        f"UPDATE alembic_version SET version_num = '{previous_revision()}'",
    )
    desk.refused(mislabelled)
    desk.still_answers()


def test_a_normal_restore_still_works_and_keeps_what_it_replaced(desk: Desk) -> None:
    desk.json("checkin", "--ticket", desk.tickets[0])
    good = desk.backup("good.db").rename(desk.data.parent / "door 2 #1.db")  # a name URIs trip on
    desk.json("checkin", "--ticket", desk.tickets[1])
    desk.json("checkin", "--ticket", desk.tickets[2])
    made = desk.json("restore", str(good))
    assert (made["path"], made["tickets"], made["checked_in"]) == (str(good), 30, 1)
    previous = Path(made["previous"])
    assert previous.parent == desk.data / "backups" and previous.name.startswith("before-restore-")
    assert desk.json("stats", desk.json("event", "list")[0]["slug"])["checked_in"] == 1
    kept = sqlite3.connect(f"{previous.resolve().as_uri()}?mode=ro", uri=True)
    try:
        assert kept.execute("SELECT count(checked_in_at) FROM ticket").fetchone() == (3,)
    finally:
        kept.close()
    assert not [f for f in desk.files() if f.endswith(".part")]
    desk.still_answers()


def test_restore_mends_a_station_whose_database_a_newer_version_wrote(desk: Desk) -> None:
    good = desk.backup("good.db")
    conn = sqlite3.connect(desk.db)
    try:
        conn.execute(f"UPDATE alembic_version SET version_num = '{NEXT_REVISION}'")
        conn.commit()
    finally:
        conn.close()
    made = desk.json("restore", str(good))
    assert made["tickets"] == 30
    assert desk.state()["revision"] == [(HEAD_REVISION,)]
    desk.still_answers()


def test_restore_waits_for_the_database_to_be_free_and_changes_nothing_meanwhile(
    desk: Desk,
) -> None:
    good = desk.backup("good.db")
    desk.json("checkin", "--ticket", desk.tickets[0])
    before, files = desk.state(), desk.files()
    other = sqlite3.connect(desk.db)  # another station in the middle of reading it
    try:
        other.execute("BEGIN")
        other.execute("SELECT count(*) FROM ticket").fetchone()
        code, out, err = desk.call("restore", str(good))
        lines = err.strip().splitlines()
        assert code == 3, f"restore exited {code}, not 3: {err.strip()}"
        assert out == "" and len(lines) == 1 and "has it open" in lines[0], err
        other.execute("COMMIT")  # its reading goes on, on the same database
    finally:
        other.close()
    assert desk.state() == before, "a restore that could not finish changed the database"
    assert desk.files() == files, f"a restore that could not finish left {desk.files() - files}"
    assert desk.json("restore", str(good))["checked_in"] == 0  # once it is free


def test_restore_replaces_a_database_that_is_damaged(desk: Desk) -> None:
    good = desk.backup("good.db")
    garbage = b"not a database any more " * 100
    desk.db.write_bytes(garbage)
    for companion in ("-wal", "-shm"):
        Path(f"{desk.db}{companion}").unlink(missing_ok=True)
    made = desk.json("restore", str(good))
    assert made["tickets"] == 30 and Path(made["previous"]).read_bytes() == garbage
    desk.still_answers()


def age(path: str | Path, minutes: float) -> Path:
    path = Path(path)
    moment = (utcnow() - timedelta(minutes=minutes)).timestamp()
    os.utime(path, (moment, moment))
    return path


def held_by_a_killed_writer(part: Path) -> Path:
    """``part`` as a backup killed while writing it leaves it: its owner file locked by a
    process (here a small one) that is then killed with SIGKILL."""
    owner = part.with_name(part.name + OWNER)
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys\n"
            f"fd = os.open({str(owner)!r}, os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\n"
            "sys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    child.kill()
    child.wait(30)
    assert owner.exists()
    return part


@contextmanager
def being_written(part: Path) -> Iterator[Path]:
    """``part`` as a live backup writes it: its owner file locked by this (the test's) process
    while the command runs in its own."""
    fd = os.open(part.with_name(part.name + OWNER), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield part
    finally:
        os.close(fd)


def test_backup_keep_prunes_stale_part_files_and_old_copies_from_before_restores(
    desk: Desk,
) -> None:
    """What a killed backup or restore left goes at once, however new (a dead writer's lock is
    gone); what a live one writes stays, however old."""
    folder = desk.data / "backups"
    for _ in range(3):
        desk.json("backup")
    source = next(folder.glob("eventdesk-*.db"))
    stale = [
        age(shutil.copy(source, folder / f"{source.stem}-killed{n}.db.part"), minutes=60 * n)
        for n in (1, 24)
    ]
    just_killed = held_by_a_killed_writer(
        Path(shutil.copy(source, folder / f"{source.stem}-just-killed.db.part"))
    )
    stale_restore = age(shutil.copy(source, folder / "before-restore-killed.db.part"), minutes=30)
    stale_staging = Path(shutil.copy(source, desk.data / "eventdesk.db.restore-1-killed.part"))
    befores = [
        shutil.copy(
            source,
            folder / f"before-restore-{utcnow() - timedelta(hours=hours):%Y%m%d-%H%M%S-%f}.db",
        )
        for hours in (50, 40, 30, 20, 10)
    ]
    fresh = Path(shutil.copy(source, folder / f"{source.stem}-writing.db.part"))
    fresh_staging = Path(shutil.copy(source, desk.data / "eventdesk.db.restore-2-now.part"))
    with being_written(age(fresh, minutes=90)), being_written(fresh_staging):
        made = desk.json("backup", "--keep", "2")
    removed = set(made["removed"])
    for path in [*stale, just_killed, stale_restore, stale_staging, *befores[:2]]:
        assert not Path(path).exists(), f"{Path(path).name} was not pruned"
    for path in [stale_staging, *befores[:2]]:  # the backup's own folder it clears first
        assert str(path) in removed
    assert not just_killed.with_name(just_killed.name + OWNER).exists()
    assert fresh.exists(), "a .part file being written now was removed"
    assert fresh_staging.exists(), "a restore's staging copy being written now was removed"
    assert sorted(p.name for p in folder.glob("before-restore-*.db")) == [
        Path(p).name for p in befores[2:]
    ]
    assert len(list(folder.glob("eventdesk-*.db"))) == 2


def test_the_next_backup_removes_what_a_killed_one_left(desk: Desk) -> None:
    folder = desk.data / "backups"
    desk.json("backup")
    source = next(folder.glob("eventdesk-*.db"))
    left = held_by_a_killed_writer(Path(shutil.copy(source, folder / "eventdesk-killed.db.part")))
    someone_elses = Path(shutil.copy(source, desk.data / "video.mp4.part"))  # a download
    own = desk.data / "mine.db"
    own_left = held_by_a_killed_writer(Path(shutil.copy(source, desk.data / "mine.db.part")))
    desk.json("backup")
    assert not left.exists() and len(list(folder.glob("eventdesk-*.db"))) == 2
    desk.json("backup", "--output", str(own))
    assert own.exists() and not own_left.exists()
    assert someone_elses.exists(), "a .part file that is not a backup's was removed"


def test_the_backup_schedule_prunes_stale_part_files_too(desk: Desk) -> None:
    folder = desk.data / "backups"
    folder.mkdir()
    stale = age(
        shutil.copy(desk.db, folder / f"eventdesk-{utcnow():%Y%m%d-%H%M%S-%f}.db.part"),
        minutes=90,
    )
    store = Store(f"sqlite:///{desk.db}")
    schedule = BackupSchedule(store, desk.data, minutes=0.002, keep=2)  # every 0.12 s
    schedule.start()
    try:
        wait_until(lambda: not Path(stale).exists(), what="the stale .part file pruned")
    finally:
        schedule.stop()
        schedule.join(30)
        store.dispose()
    assert schedule.error is None
