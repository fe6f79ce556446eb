"""Backups of a live SQLite database with SQLite's online backup API, verified; restore.

A backup is a consistent snapshot even while stations keep checking people in (WAL mode lets
the copy read while others write). PostgreSQL keeps its own tools for this: pg_dump.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from eventdesk.db import Store
from eventdesk.errors import EnvironmentProblem, InvalidInput
from eventdesk.values import utcnow

PREFIX = "eventdesk-"
REQUIRED_TABLES = {"alembic_version", "event", "ticket", "attendee", "scan_log"}


@dataclass(frozen=True)
class BackupInfo:
    path: str
    size: int
    created_at: datetime
    tickets: int
    checked_in: int


def _sqlite_path(store: Store) -> Path:
    name = make_url(store.url).database
    if not store.is_sqlite:
        db = name or "eventdesk"
        raise InvalidInput(
            "this database is PostgreSQL: back it up with the server's own tools, e.g. "
            f"pg_dump --format=custom --file=eventdesk.dump {db} "
            f"(restore with pg_restore --clean --dbname={db} eventdesk.dump)",
            field="db",
        )
    if not name or name == ":memory:":
        raise InvalidInput("an in-memory database cannot be backed up", field="db")
    return Path(name)


def check_file(path: Path) -> tuple[int, int]:
    """That a file is a whole, healthy eventdesk database; returns (tickets, checked in)."""
    if not path.is_file():
        raise InvalidInput(f"{path} does not exist", field="file")
    with path.open("rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise InvalidInput(f"{path} is not an eventdesk database (not SQLite)", field="file")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = conn.execute("PRAGMA integrity_check").fetchone()
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            if ok != ("ok",):
                raise InvalidInput(
                    f"{path} is damaged: {ok[0] if ok else 'integrity check failed'}", field="file"
                )
            if not tables >= REQUIRED_TABLES:
                raise InvalidInput(
                    f"{path} is an SQLite file but not an eventdesk database", field="file"
                )
            tickets, checked = conn.execute(
                "SELECT count(*), count(checked_in_at) FROM ticket"
            ).fetchone()
            return int(tickets), int(checked)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise InvalidInput(f"{path} cannot be read as a database: {exc}", field="file") from None


def _copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(source, timeout=15)
    dst = sqlite3.connect(target)
    try:
        src.execute("PRAGMA busy_timeout = 15000")
        with dst:
            src.backup(dst)  # one consistent snapshot, while others go on writing
        dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    finally:
        dst.close()
        src.close()


def backup(
    store: Store, data_dir: Path, *, output: str | Path | None = None, now: datetime | None = None
) -> BackupInfo:
    """Copy the live database into DATA_DIR/backups/ (or ``output``) and verify the copy."""
    source = _sqlite_path(store)
    moment = now or utcnow()
    if output is None:
        folder = data_dir / "backups"
        target = folder / f"{PREFIX}{moment:%Y%m%d-%H%M%S-%f}.db"
    else:
        target = Path(output)
        folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if target.exists():
            raise InvalidInput(f"{target} exists already: choose another name", field="output")
        partial = target.with_name(target.name + ".part")
        partial.unlink(missing_ok=True)
        _copy(source, partial)
        tickets, checked = check_file(partial)
        partial.replace(target)
    except OSError as exc:
        raise EnvironmentProblem(f"backup to {target} failed: {exc.strerror or exc}") from None
    except sqlite3.Error as exc:
        raise EnvironmentProblem(f"backup of {source} failed: {exc}") from None
    return BackupInfo(str(target), target.stat().st_size, moment, tickets, checked)


def prune(data_dir: Path, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` automatic backups. Returns what was removed."""
    if keep < 1:
        raise InvalidInput("keep must be at least 1", field="keep")
    found = sorted((data_dir / "backups").glob(f"{PREFIX}*.db"))
    removed = found[:-keep]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def restore(store: Store, data_dir: Path, file: str | Path) -> BackupInfo:
    """Replace the database with a backup: checked first, and what it replaces kept aside."""
    target = _sqlite_path(store)
    source = Path(file)
    tickets, checked = check_file(source)
    safety = backup(
        store,
        data_dir,
        output=data_dir / "backups" / f"before-restore-{utcnow():%Y%m%d-%H%M%S-%f}.db",
    )
    store.dispose()
    try:
        _copy(source, target)  # through SQLite, so the live file and its WAL stay coherent
        conn = sqlite3.connect(target)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        busy = "locked" in str(exc) or "busy" in str(exc)
        hint = " (the app or another station has it open: stop them, then restore)" if busy else ""
        raise EnvironmentProblem(
            f"restore failed: {exc}{hint}; a copy of the database as it was is in {safety.path}"
        ) from None
    from eventdesk.migrate import upgrade
    from eventdesk.services.reports import forget_tallies

    upgrade(store)  # a backup from an older version is brought up to date
    forget_tallies()
    return BackupInfo(safety.path, source.stat().st_size, utcnow(), tickets, checked)


class BackupSchedule(threading.Thread):
    """Backs up every ``minutes`` and keeps the newest ``keep`` (the app runs one)."""

    def __init__(self, store: Store, data_dir: Path, *, minutes: float, keep: int) -> None:
        super().__init__(name="backups", daemon=True)
        if minutes <= 0:
            raise InvalidInput("backup interval must be more than 0 minutes", field="every_minutes")
        self.store, self.data_dir, self.minutes, self.keep = store, data_dir, minutes, keep
        self._halt = threading.Event()
        self.last: BackupInfo | None = None
        self.error: str | None = None

    def stop(self) -> None:
        self._halt.set()

    def run(self) -> None:
        while not self._halt.wait(self.minutes * 60):
            try:
                self.last = backup(self.store, self.data_dir)
                prune(self.data_dir, self.keep)
                self.error = None
            except (EnvironmentProblem, InvalidInput) as exc:
                self.error = exc.message
