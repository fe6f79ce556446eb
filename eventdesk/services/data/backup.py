"""Backups of a live SQLite database with SQLite's online backup API, verified; restore.

A backup is a consistent snapshot even while stations keep checking people in (WAL mode lets
the copy read while others write). PostgreSQL keeps its own tools for this: pg_dump.

A restore never breaks a station (docs/architecture.md#durability-and-safety). The file is checked
first, opened read-only with ``trusted_schema=OFF`` so nothing in it runs: SQLite and healthy,
eventdesk's tables, a schema revision this build knows (none from a newer version), and no
triggers or views of its own. It is then copied to a staging file beside the database,
checked again, migrated if it is older, checked once more against this build's tables and
columns, and only then swapped in with one rename. Whatever fails before the rename leaves the
station's database as it was, and the staging copy is removed.
"""

from __future__ import annotations

import functools
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url

from eventdesk.db import BUSY_TIMEOUT_MS, Store
from eventdesk.errors import EnvironmentProblem, EventdeskError, InvalidInput
from eventdesk.i18n import _
from eventdesk.services.door import alert_trigger
from eventdesk.services.stats import counting
from eventdesk.values import utcnow

try:
    import fcntl
except ImportError:  # Windows: leftovers are known by their age alone (STALE_PART)
    fcntl = None  # type: ignore[assignment]

PREFIX = "eventdesk-"
BEFORE_RESTORE = "before-restore-"
PART = ".part"
OWNER = ".owner"  # beside a .part: locked by the process writing it (_writing_part)
REQUIRED_TABLES = {"alembic_version", "event", "ticket", "attendee", "scan_log"}
# The triggers eventdesk's own migrations create, by name, with their exact text (the stats'
# tallies, migration 0010; the arrival alerts, 0024). Any other trigger or view in a file to
# restore, or one of ours with other text, is code of someone else's that would run inside the
# station (a trigger on scan_log runs at every scan), so such a file is refused.
OWN_TRIGGERS: dict[str, str] = {
    name: " ".join(sql.split())
    for name, sql in {
        **counting.sqlite_triggers(),
        alert_trigger.NAME: alert_trigger.SQLITE_TRIGGER,
    }.items()
}
# Copies of the database taken before restores: the newest three stay, so the last few restores
# can each be undone; older ones go at the next prune (they are whole databases, and a dozen
# of them filled a station's disk).
KEEP_BEFORE_RESTORE = 3
# A ".part" file is a backup (or a restore's staging copy) being written, or what is left of one
# that was killed. One this process is writing is never touched. Another process's is taken
# for a leftover only when nothing has written to it for this long: a backup writes its copy in
# one go and then only reads it back to verify, which takes seconds, a minute or two for a big
# database on a slow card, so fifteen minutes of silence leaves a wide margin.
STALE_PART = timedelta(minutes=15)
_SQLITE_HEADER = b"SQLite format 3\x00"
_COMPANIONS = ("-wal", "-shm", "-journal")

_writing: set[Path] = set()  # the .part files this process is writing now
_writing_lock = threading.Lock()


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
            _(
                "this database is PostgreSQL: back it up with the server's own tools, e.g. "
                "pg_dump --format=custom --file=eventdesk.dump {db} "
                "(restore with pg_restore --clean --dbname={db} eventdesk.dump)"
            ).format(db=db),
            field="db",
        )
    if not name or name == ":memory:":
        raise InvalidInput(_("an in-memory database cannot be backed up"), field="db")
    return Path(name)


def _one_line(text: object, limit: int = 200) -> str:
    """Text from a file or from SQLite, fit for a one-line message."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


# --- checking a file --------------------------------------------------------------------------
def _open_untrusted(path: Path) -> sqlite3.Connection:
    """A read-only connection that runs nothing a file's schema brings with it."""
    conn = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000
    )
    try:
        conn.execute("PRAGMA trusted_schema = OFF")  # before anything reads the schema
    except BaseException:
        conn.close()
        raise
    return conn


@functools.cache
def known_revisions() -> tuple[str, ...]:
    """The schema revisions of this build's migrations, oldest first."""
    from alembic.script import ScriptDirectory

    from eventdesk.migrate import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config())
    return tuple(reversed([s.revision for s in scripts.walk_revisions()]))


def _revision(conn: sqlite3.Connection, shown: Path) -> str:
    from eventdesk.migrations import HEAD_REVISION

    rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    if len(rows) != 1 or not isinstance(rows[0][0], str):
        raise InvalidInput(
            _("{file} has no eventdesk schema revision this version can read").format(file=shown),
            field="file",
        )
    revision = rows[0][0]
    if revision in known_revisions():
        return revision
    if revision.isdigit() and HEAD_REVISION.isdigit() and int(revision) > int(HEAD_REVISION):
        raise InvalidInput(
            _(
                "{file} was written by a newer eventdesk (schema {revision}; this version knows "
                "up to {head}): update eventdesk on this station first"
            ).format(file=shown, revision=_one_line(revision, 40), head=HEAD_REVISION),
            field="file",
        )
    raise InvalidInput(
        _("{file} has a schema revision no eventdesk version has ({revision!r})").format(
            file=shown, revision=_one_line(revision, 40)
        ),
        field="file",
    )


def _check_open(
    conn: sqlite3.Connection, shown: Path, *, thorough: bool, strict: bool
) -> tuple[int, int]:
    check = "integrity_check" if thorough else "quick_check"
    # What it says of a damaged file may quote the damaged bytes: read as bytes, shown as text.
    conn.text_factory = bytes
    try:
        verdict = [
            tuple(v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in row)
            for row in conn.execute(f"PRAGMA {check}")
        ]
    finally:
        conn.text_factory = str
    if verdict != [("ok",)]:
        first = verdict[0][0] if verdict else _("integrity check failed")
        raise InvalidInput(
            _("{file} is damaged: {problem}").format(file=shown, problem=_one_line(first)),
            field="file",
        )
    schema = conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
    tables = {name for kind, name, _sql in schema if kind == "table"}
    missing = sorted(REQUIRED_TABLES - tables)
    if missing:
        raise InvalidInput(
            _("{file} is an SQLite file but not an eventdesk database (no table {tables})").format(
                file=shown, tables=", ".join(missing)
            ),
            field="file",
        )
    if strict:
        foreign = sorted(
            f"{kind} {_one_line(name, 40)!r}"
            for kind, name, sql in schema
            if (kind == "view")
            or (kind == "trigger" and OWN_TRIGGERS.get(name) != " ".join(str(sql).split()))
            or (kind == "table" and str(sql or "").upper().startswith("CREATE VIRTUAL"))
        )
        if foreign:
            shown_foreign = ", ".join(foreign[:5]) + (" ..." if len(foreign) > 5 else "")
            raise InvalidInput(
                _(
                    "{file} carries code of its own ({found}): eventdesk restores no file with "
                    "triggers, views or virtual tables other than its own"
                ).format(file=shown, found=shown_foreign),
                field="file",
            )
        _revision(conn, shown)
        if thorough:
            _check_text(conn, shown, tables)
    tickets, checked = conn.execute("SELECT count(*), count(checked_in_at) FROM ticket").fetchone()
    return int(tickets), int(checked)


def _check_text(conn: sqlite3.Connection, shown: Path, tables: set[str]) -> None:
    """Every text in the file is UTF-8, as eventdesk writes it: a damaged byte inside a name
    passes SQLite's own checks, and would fail every later read of its row."""
    columns = {
        table: [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]
        for table in sorted(tables)
        if not table.startswith("sqlite_")
    }
    conn.text_factory = bytes
    try:
        for table, names in columns.items():
            for column in names:
                found = conn.execute(
                    f'SELECT rowid, "{column}" FROM "{table}" WHERE typeof("{column}") = \'text\''
                )
                for rowid, value in found:
                    try:
                        value.decode("utf-8")
                    except UnicodeDecodeError:
                        raise InvalidInput(
                            _(
                                "{file} is damaged: the text in {table}.{column} of row {row} "
                                "is not UTF-8"
                            ).format(
                                file=shown,
                                table=_one_line(table, 40),
                                column=_one_line(column, 40),
                                row=rowid,
                            ),
                            field="file",
                        ) from None
    finally:
        conn.text_factory = str


def _check(
    path: Path, *, shown: Path | None = None, thorough: bool = True, strict: bool = True
) -> tuple[int, int]:
    shown = shown or path
    if not path.is_file():
        raise InvalidInput(_("{file} does not exist").format(file=shown), field="file")
    try:
        with path.open("rb") as fh:
            header = fh.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise InvalidInput(
            _("{file} cannot be read: {problem}").format(file=shown, problem=exc.strerror or exc),
            field="file",
        ) from None
    if header != _SQLITE_HEADER:
        raise InvalidInput(
            _("{file} is not an eventdesk database (not SQLite)").format(file=shown), field="file"
        )
    try:
        conn = _open_untrusted(path)
        try:
            return _check_open(conn, shown, thorough=thorough, strict=strict)
        finally:
            conn.close()
    except UnicodeDecodeError:  # SQLite's own message quoted the damaged bytes
        raise InvalidInput(
            _("{file} is damaged: {problem}").format(
                file=shown, problem=_("integrity check failed")
            ),
            field="file",
        ) from None
    except sqlite3.DatabaseError as exc:
        raise InvalidInput(
            _("{file} cannot be read as a database: {problem}").format(
                file=shown, problem=_one_line(exc)
            ),
            field="file",
        ) from None


def check_file(path: Path) -> tuple[int, int]:
    """That a file is a whole, healthy eventdesk database this version can restore: SQLite, no
    damage, eventdesk's tables, a schema revision this version knows, no triggers or views of
    its own. Read-only, with nothing in the file run. Returns (tickets, checked in)."""
    return _check(path)


def _check_current(path: Path, shown: Path) -> tuple[int, int]:
    """A staged copy after its upgrade: all checks, this build's schema revision, and every
    table and column this build's models use."""
    from eventdesk.migrations import HEAD_REVISION
    from eventdesk.models import Base

    counts = _check(path, shown=shown, thorough=False)
    try:
        conn = _open_untrusted(path)
        try:
            revision = _revision(conn, shown)
            lacking = []
            for table in Base.metadata.sorted_tables:
                present = {row[1] for row in conn.execute(f'PRAGMA table_info("{table.name}")')}
                lacking += [
                    f"{table.name}.{c.name}" for c in table.columns if c.name not in present
                ]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise InvalidInput(
            _("{file} cannot be read as a database: {problem}").format(
                file=shown, problem=_one_line(exc)
            ),
            field="file",
        ) from None
    if revision != HEAD_REVISION:
        raise InvalidInput(
            _("{file} did not come up to schema {head} (it is at {revision})").format(
                file=shown, head=HEAD_REVISION, revision=revision
            ),
            field="file",
        )
    if lacking:
        raise InvalidInput(
            _("{file} is not eventdesk's schema {head}: it lacks {columns}").format(
                file=shown,
                head=HEAD_REVISION,
                columns=", ".join(lacking[:5]) + (" ..." if len(lacking) > 5 else ""),
            ),
            field="file",
        )
    return counts


# --- copying ----------------------------------------------------------------------------------
def _owner(path: Path) -> Path:
    """The file a .part's writer holds locked while it writes (where the system has locks)."""
    return path.with_name(path.name + OWNER)


def _lock(owner: Path) -> int | None:
    """``owner`` opened and locked by this process (its descriptor), or None when another
    process holds it: a writer that is alive. A killed writer's lock went with it."""
    fd = os.open(owner, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    return fd


def _let_go(owner: Path, fd: int) -> None:
    """An owner file this process holds: removed, then its lock given back with its descriptor
    (removed first, so no other process takes the lock of a file about to go)."""
    owner.unlink(missing_ok=True)
    os.close(fd)


@contextmanager
def _writing_part(path: Path) -> Iterator[None]:
    """Mark ``path`` as being written by this process (pruning, here and in any other process,
    leaves it alone), and remove it and its SQLite companions unless it was renamed into place.
    """
    with _writing_lock:
        _writing.add(_absolute(path))
    held = _lock(_owner(path)) if fcntl is not None else None
    try:
        yield
    finally:
        with _writing_lock:
            _writing.discard(_absolute(path))
        _remove_with_companions(path)
        if held is not None:
            _let_go(_owner(path), held)


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))


def _remove_with_companions(path: Path) -> None:
    for leftover in (path, *(path.with_name(path.name + s) for s in _COMPANIONS)):
        leftover.unlink(missing_ok=True)


def _copy(src: sqlite3.Connection, target: Path) -> None:
    """Copy the database ``src`` is connected to into ``target`` (and close ``src``)."""
    dst = sqlite3.connect(target)
    try:
        src.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        with dst:
            src.backup(dst)  # one consistent snapshot, while others go on writing
        dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    finally:
        dst.close()
        src.close()


def _sync(path: Path) -> None:
    """Flush a file, or a folder's entries, to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
        if not folder.is_dir():  # a typo is not a place to create: nothing is written
            raise InvalidInput(
                _(
                    "the folder {folder} does not exist: create it first, or choose another "
                    "--output"
                ).format(folder=folder),
                field="output",
            )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # What killed backups left: in the backups folder every one, beside an --output file
        # only its own (a .part of someone else's, a browser's download, is not ours).
        _clear_leftovers(
            _stale_parts(folder) if output is None else _stale_parts(folder, f"{target.name}{PART}")
        )
        if target.exists():
            raise InvalidInput(
                _("{file} exists already: choose another name").format(file=target), field="output"
            )
        partial = target.with_name(target.name + PART)
        with _writing_part(partial):
            _remove_with_companions(partial)
            _copy(sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000), partial)
            # Healthy and eventdesk's: whatever the database holds is kept, even a schema this
            # version would not restore (a copy is what makes a later repair possible).
            tickets, checked = _check(partial, strict=False)
            partial.replace(target)
    except OSError as exc:
        raise EnvironmentProblem(
            _("backup to {file} failed: {problem}").format(file=target, problem=exc.strerror or exc)
        ) from None
    except sqlite3.Error as exc:
        raise EnvironmentProblem(
            _("backup of {file} failed: {problem}").format(file=source, problem=exc)
        ) from None
    return BackupInfo(str(target), target.stat().st_size, moment, tickets, checked)


# --- pruning ----------------------------------------------------------------------------------
def _stale_parts(folder: Path, pattern: str = f"*{PART}") -> list[Path]:
    """The .part files in ``folder`` that are leftovers: no process writes them (its lock is
    free: the writer was killed); where the system has no such locks, nothing has written to
    them for STALE_PART."""
    before = time.time() - STALE_PART.total_seconds()
    with _writing_lock:
        busy = set(_writing)
    stale = []
    for path in sorted(folder.glob(pattern)):
        if _absolute(path) in busy or not path.is_file():
            continue
        if fcntl is not None:
            if not _owner(path).exists():  # a writer locks its owner file before the .part
                stale.append(path)
                continue
            held = _lock(_owner(path))
            if held is not None:  # free: its writer is gone
                _let_go(_owner(path), held)
                stale.append(path)
            continue
        with suppress(FileNotFoundError):  # finished or removed meanwhile
            if path.stat().st_mtime < before:
                stale.append(path)
    return stale


def _clear_leftovers(parts: list[Path]) -> None:
    for path in parts:
        _remove_with_companions(path)


def prune(data_dir: Path, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` automatic backups, all but the newest
    KEEP_BEFORE_RESTORE copies taken before restores, and the .part files that killed backups
    (in DATA_DIR/backups/) and killed restores (beside the database in DATA_DIR) left behind
    (STALE_PART). Returns what was removed."""
    if keep < 1:
        raise InvalidInput(_("keep must be at least 1"), field="keep")
    folder = data_dir / "backups"
    automatic = sorted(folder.glob(f"{PREFIX}*.db"))  # names sort by time
    before_restores = sorted(folder.glob(f"{BEFORE_RESTORE}*.db"))
    removed = [
        *automatic[:-keep],
        *before_restores[:-KEEP_BEFORE_RESTORE],
        *_stale_parts(folder),
        *_stale_parts(data_dir, f"*.restore-*{PART}"),
    ]
    for path in removed:
        if path.suffix == PART:
            _remove_with_companions(path)
        else:
            path.unlink(missing_ok=True)
    return removed


# --- restoring --------------------------------------------------------------------------------
def _distrust(dbapi_connection: Any, _record: object) -> None:
    dbapi_connection.execute("PRAGMA trusted_schema = OFF")


def _upgrade_copy(path: Path, shown: Path) -> None:
    """Run this build's migrations on a staged copy."""
    from eventdesk.migrate import upgrade

    copy = Store(f"sqlite:///{path}", sqlite_synchronous="FULL")
    event.listen(copy.engine, "connect", _distrust)
    try:
        upgrade(copy)
    except EventdeskError:
        raise
    except Exception as exc:  # any failure of a migration: the copy is refused, not the station
        cause = getattr(exc, "orig", None) or exc  # the driver's words, not SQLAlchemy's
        raise InvalidInput(
            _("{file} could not be brought up to this version's schema: {error}: {problem}").format(
                file=shown, error=type(cause).__name__, problem=_one_line(cause)
            ),
            field="file",
        ) from None
    finally:
        copy.dispose()
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")  # one self-contained file again
    finally:
        conn.close()


def _keep_aside(target: Path, data_dir: Path) -> str:
    """A byte-for-byte copy of the database about to be replaced, in DATA_DIR/backups/. Taken
    while the swap holds the database, so no write falls between this copy and the swap; exact
    even when the database is damaged (that may be why it is being replaced)."""
    folder = data_dir / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    kept = folder / f"{BEFORE_RESTORE}{utcnow():%Y%m%d-%H%M%S-%f}.db"
    partial = kept.with_name(kept.name + PART)
    with _writing_part(partial):
        shutil.copyfile(target, partial)
        _sync(partial)
        partial.replace(kept)
    return str(kept)


class _InUse(sqlite3.OperationalError):
    """Another connection has the database (or its journal) in use."""


def _swap(staging: Path, target: Path, data_dir: Path) -> str:
    """Put ``staging`` in place of the database with one rename, once no one else has it open,
    keeping what it replaces aside. Returns where that is ("" when there was no database)."""
    with suppress(FileNotFoundError):  # the database's own permissions
        os.chmod(staging, target.stat().st_mode & 0o7777)
    _sync(staging)
    if not target.exists() or target.stat().st_size == 0:
        os.replace(staging, target)
        _sync(target.parent)
        return ""
    conn = sqlite3.connect(target, timeout=5, isolation_level=None)
    try:
        try:
            # Leaving WAL mode takes every other connection being gone (the app or another
            # station with the database open makes this fail, and nothing changes), and it
            # writes back whatever the WAL held: the file alone is then the whole database.
            mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()
            if mode is None or str(mode[0]).lower() != "delete":
                raise _InUse(_("database is locked"))
            conn.execute("BEGIN EXCLUSIVE")  # no one reads or writes it until the swap is done
        except sqlite3.OperationalError:
            raise
        except sqlite3.DatabaseError:
            pass  # damaged or not SQLite at all: no one can be using it; replace it as it is
        leftovers = [Path(f"{target}-wal"), Path(f"{target}-journal")]
        if any(p.exists() and p.stat().st_size for p in leftovers):
            raise _InUse(_("its journal is still in use"))
        kept = _keep_aside(target, data_dir)
        os.replace(staging, target)
        _sync(target.parent)
        return kept
    except sqlite3.Error as exc:
        # _InUse, or SQLite's own words for it
        busy = isinstance(exc, _InUse) or any(w in str(exc) for w in ("locked", "busy", "in use"))
        if busy:
            failed = _(
                "restore failed, the database is unchanged: {problem} (the app or another station "
                "has it open: stop them, then restore)"
            )
        else:
            failed = _("restore failed, the database is unchanged: {problem}")
        raise EnvironmentProblem(failed.format(problem=_one_line(exc))) from None
    finally:
        conn.close()


def restore(store: Store, data_dir: Path, file: str | Path) -> BackupInfo:
    """Replace the database with a backup: checked, staged, migrated and checked again before
    it replaces anything, and what it replaces kept aside in DATA_DIR/backups/. Refused (with
    the database unchanged) unless all of that worked. ``path`` of the answer is the copy of
    the database it replaced ("" when there was none)."""
    target = _sqlite_path(store)
    source = Path(file)
    staging = target.with_name(
        f"{target.name}.restore-{os.getpid()}-{utcnow():%Y%m%d-%H%M%S-%f}{PART}"
    )
    try:
        check_file(source)
        with _writing_part(staging):
            try:
                _copy(_open_untrusted(source), staging)
            except sqlite3.Error as exc:
                raise InvalidInput(
                    _("{file} cannot be copied: {problem}").format(
                        file=source, problem=_one_line(exc)
                    ),
                    field="file",
                ) from None
            _check(staging, shown=source, thorough=False)
            _upgrade_copy(staging, source)
            tickets, checked = _check_current(staging, source)
            store.dispose()  # this process's connections: the swap needs the database alone
            kept = _swap(staging, target, data_dir)
    except InvalidInput as exc:
        raise InvalidInput(
            _("{problem}; nothing was changed").format(problem=exc.message), field=exc.field
        ) from None
    except OSError as exc:
        raise EnvironmentProblem(
            _("restore failed, the database is unchanged: {problem}").format(
                problem=exc.strerror or exc
            )
        ) from None
    for leftover in _stale_parts(target.parent, f"{target.name}.restore-*{PART}"):
        _remove_with_companions(leftover)  # what restores that were killed half-way left
    return BackupInfo(kept, source.stat().st_size, utcnow(), tickets, checked)


class BackupSchedule(threading.Thread):
    """Backs up every ``minutes`` and prunes, keeping the newest ``keep`` (the app runs one).

    A backup that fails (the database locked past its timeout, its file moved or deleted, a
    full disk) never ends the schedule: it is kept in ``error``, told to ``on_problem`` when it
    changes (None: backups work again), and the next period tries again. A database file that
    is not where it was is not backed up: opening it would make a new, empty one there."""

    def __init__(
        self,
        store: Store,
        data_dir: Path,
        *,
        minutes: float,
        keep: int,
        on_problem: Callable[[str | None], None] | None = None,
    ) -> None:
        super().__init__(name="backups", daemon=True)
        if minutes <= 0:
            raise InvalidInput(
                _("backup interval must be more than 0 minutes"), field="every_minutes"
            )
        self.store, self.data_dir, self.minutes, self.keep = store, data_dir, minutes, keep
        self.on_problem = on_problem
        self._halt = threading.Event()
        self.last: BackupInfo | None = None
        self.error: str | None = None

    def stop(self) -> None:
        self._halt.set()

    def run(self) -> None:
        while not self._halt.wait(self.minutes * 60):
            problem = self._once()
            if problem != self.error:
                self.error = problem
                if self.on_problem is not None:
                    self.on_problem(problem)

    def _once(self) -> str | None:
        """One backup and prune; what went wrong, in words, or None."""
        again = _("the next backup tries again in {minutes:g} min").format(minutes=self.minutes)
        try:
            source = _sqlite_path(self.store)
            if not source.is_file():
                return _("database not answering: {file} is not there; {again}").format(
                    file=source, again=again
                )
            self.last = backup(self.store, self.data_dir)
            prune(self.data_dir, self.keep)
        except EventdeskError as exc:
            locked = any(  # SQLite's own words, in the message of a backup that failed
                mark in exc.message for mark in ("database is locked", "unable to open database")
            )
            said = (
                _("database not answering: {problem}").format(problem=exc.message)
                if locked
                else exc.message
            )
            # TRANSLATORS: {again} is "the next backup tries again in 60 min"
            return _("{problem}; {again}").format(problem=said, again=again)
        except Exception as exc:  # a bug, or the disk: said, never the end of the schedule
            return _("backup failed ({error}: {problem}); {again}").format(
                error=type(exc).__name__, problem=exc, again=again
            )
        return None
