"""A station's mirror that cannot be used is moved aside and a new one is built.

Before a station opens ``DATA_DIR/mirror.db`` it checks the file: an SQLite database, healthy
(SQLite's quick check, read with ``trusted_schema=OFF``), of a schema this build knows (a mirror
version it knows, every table and column it reads, no trigger or view of its own), and made for
this station's server (the mirror records its server's name: another host or database is another
server; another login or port to the same one is not). A file that fails is renamed
``mirror.db.damaged-<UTC time>`` (``mirror.db.foreign-<UTC time>`` when it belongs to another
server), with its WAL, and stays there, private; an empty mirror takes its place and the next
refresh fills it.

Scans are never dropped silently: the scans waiting (or refused) in a damaged mirror's outbox
are carried into the new one when they can be read, byte for byte, in order, and said when they
cannot. A foreign mirror's scans were decided against that other server: they stay in the old
file (never uploaded here), and the notice says how many. What happened is kept in the new
mirror (``station status``) and given to the process that moved it (``sync``, the app).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from eventdesk.db import normalize_url
from eventdesk.i18n import _, ngettext
from eventdesk.services.stations.mirror import Mirror, private_file
from eventdesk.services.stations.mirror_schema import (
    KNOWN_VERSIONS,
    MIRROR,
    MIRROR_FILE,
    MIRROR_VERSION,
    NOTICE_KEY,
    OUTBOX,
    PRIVATE,
    SCAN_LOG,
    SCAN_LOG_VIEW,
    STATE,
)
from eventdesk.sqlite_driver import DATABASE_ERROR, ERROR, open_encrypted
from eventdesk.values import utcnow

SQLITE_HEADER = b"SQLite format 3\x00"
SQLITE_NOTADB = 26  # SQLite's result code for a file it cannot read as a database (a wrong key)
# What an outbox row needs to be uploaded (services.stations.sync): without one of these it is
# unreadable.
NEEDED = ("nonce", "kind", "effect", "at", "station", "direction", "result", "state")
KEPT_STATES = ("pending", "refused")
UNREADABLE: tuple[type[Exception], ...] = (*ERROR, ValueError)  # an outbox that cannot be read


@dataclass(frozen=True)
class Problem:
    """Why a mirror file cannot be used; ``foreign`` when it was made for another server."""

    reason: str
    foreign: bool = False
    plain: bool = False  # a copy an earlier version kept unencrypted: removed once carried over


def server_identity(url: str) -> tuple[str, str] | None:
    """The server a URL names (host and database): another login, password or port to the
    same database (a tunnel, a pooler) is the same server."""
    try:
        found = make_url(normalize_url(url))
    except ArgumentError:
        return None
    return ((found.host or "").casefold(), found.database or "")


@contextmanager
def _opened(path: Path, key: bytes | None) -> Iterator[sqlite3.Connection]:
    """The file read as it is (``key`` None: a plain SQLite file) or with its key."""
    opened = open_encrypted(str(path), key, timeout=5) if key else sqlite3.connect(path, timeout=5)
    with closing(opened) as conn:
        conn.execute("PRAGMA trusted_schema = OFF")
        yield conn


def _plain(path: Path) -> bool:
    with path.open("rb") as raw:
        return raw.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def problem_of(path: Path, server: str | None, key: bytes | None) -> Problem | None:
    """What is wrong with the mirror file at ``path`` for a station of ``server``, opened with
    ``key`` (its copy's), or None (also when there is no file yet)."""
    try:
        if not path.exists() or path.stat().st_size == 0:
            return None
        plain = _plain(path)
    except OSError as exc:
        return Problem(_("cannot be read ({problem})").format(problem=exc.strerror or exc))
    if key is not None and plain:
        # TRANSLATORS: said of a station's mirror file: "this station's mirror {reason}"
        return Problem(_("was not encrypted (an earlier version made it)"), plain=True)
    if key is None and not plain:
        # TRANSLATORS: said of a station's mirror file: "this station's mirror {reason}"
        return Problem(_("is not an SQLite database"))
    try:
        with _opened(path, key) as conn:
            try:
                checked = [str(row[0]) for row in conn.execute("PRAGMA quick_check")]
            except DATABASE_ERROR as exc:
                if key is not None and getattr(exc, "sqlite_errorcode", None) == SQLITE_NOTADB:
                    return Problem(
                        _(
                            "cannot be opened with this station's key (made with another, or "
                            "damaged)"
                        )
                    )
                checked = [str(exc)]
            if checked != ["ok"]:
                return Problem(
                    _("failed SQLite's quick check ({problem})").format(problem=checked[0][:120])
                )
            return _schema_problem(conn) or _server_problem(conn, server)
    except ERROR as exc:
        return Problem(_("cannot be read as an SQLite database ({problem})").format(problem=exc))


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {str(row[1]) for row in conn.execute(f'PRAGMA table_info("{table}")')}


def _schema_problem(conn: sqlite3.Connection) -> Problem | None:
    objects = conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
    for kind, name, sql in objects:
        if kind == "view" and (name, sql) == (SCAN_LOG.name, SCAN_LOG_VIEW):
            continue  # the scan log: the outbox's scans (mirror_schema)
        if kind in ("trigger", "view"):
            return Problem(
                # TRANSLATORS: {kind} is trigger or view (SQLite's words)
                _("has a schema this build does not know (a {kind} {name!r})").format(
                    kind=kind, name=name
                )
            )
    tables = {name for kind, name, _sql in objects if kind == "table"}
    if STATE.name not in tables:
        if not tables:
            return None
        return Problem(_("has a schema this build does not know (no mirror_state table)"))
    version = conn.execute("SELECT value FROM mirror_state WHERE key = 'version'").fetchone()
    number = None if version is None else version[0]
    if number not in KNOWN_VERSIONS:
        return Problem(
            _("has a schema this build does not know (mirror version {number!r})").format(
                number=number
            )
        )
    # An older version is copied again in place (only its outbox is kept); this one is used
    # as it is: every table and column this build reads must be there.
    wanted = MIRROR.sorted_tables if number == MIRROR_VERSION else [OUTBOX]
    for table in wanted:
        if table.name not in tables:
            if table is OUTBOX or number == MIRROR_VERSION:
                return Problem(
                    _("has a schema this build does not know (no {table} table)").format(
                        table=table.name
                    )
                )
            continue
        missing = sorted({c.name for c in table.columns} - _columns(conn, table.name))
        if missing:
            return Problem(
                _("has a schema this build does not know ({table} has no column {columns})").format(
                    table=table.name, columns=", ".join(missing)
                )
            )
    return None


def _server_problem(conn: sqlite3.Connection, server: str | None) -> Problem | None:
    if server is None:
        return None
    found = conn.execute("SELECT value FROM mirror_state WHERE key = 'server'").fetchone()
    if found is None or found[0] is None:
        return None
    if server_identity(str(found[0])) == server_identity(server):
        return None
    return Problem(
        _("was made for another server ({server})").format(server=found[0]), foreign=True
    )


# --- moving aside -----------------------------------------------------------------------------
def _aside(path: Path, foreign: bool) -> Path:
    kind = "foreign" if foreign else "damaged"
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.{kind}-{stamp}")
    number = 1
    while target.exists():
        number += 1
        target = path.with_name(f"{path.name}.{kind}-{stamp}-{number}")
    return target


def _move(path: Path, target: Path) -> None:
    """The file and its WAL and shared memory, renamed together (SQLite finds them by name)."""
    for end in ("", "-wal", "-shm"):
        source = path.with_name(path.name + end)
        if source.exists():
            moved = target.with_name(target.name + end)
            source.rename(moved)
            private_file(moved) if end == "" else moved.chmod(PRIVATE)


def _read_outbox(path: Path, key: bytes | None) -> tuple[list[str], list[tuple[object, ...]]]:
    """The outbox rows waiting or refused in the file at ``path``, in order, as stored.
    Raises a driver's error (or ValueError) when they cannot be read."""
    with _opened(path, key) as conn:
        have = _columns(conn, OUTBOX.name)
        if not set(NEEDED) <= have:
            raise ValueError(
                _("its outbox has no column {columns}").format(
                    columns=", ".join(sorted(set(NEEDED) - have))
                )
            )
        names = [c.name for c in OUTBOX.columns if c.name != "seq" and c.name in have]
        listed = ", ".join(f'"{n}"' for n in names)
        marks = ", ".join("?" for _state in KEPT_STATES)
        rows = conn.execute(
            f"SELECT {listed} FROM outbox WHERE state IN ({marks}) ORDER BY seq", KEPT_STATES
        ).fetchall()
    return names, [tuple(row) for row in rows]


def _count_outbox(path: Path, key: bytes | None) -> int | None:
    try:
        with _opened(path, key) as conn:
            marks = ", ".join("?" for _state in KEPT_STATES)
            found = conn.execute(
                f"SELECT count(*) FROM outbox WHERE state IN ({marks})", KEPT_STATES
            ).fetchone()
        return int(found[0])
    except ERROR:
        return None


def _carry(path: Path, key: bytes | None, names: list[str], rows: list[tuple[object, ...]]) -> None:
    """Rows written into the new mirror's outbox as they were stored, in one durable
    transaction."""
    listed = ", ".join(f'"{n}"' for n in names)
    marks = ", ".join("?" for _name in names)
    with _opened(path, key) as conn:
        conn.execute("PRAGMA synchronous = FULL")
        with conn:
            conn.executemany(f"INSERT INTO outbox ({listed}) VALUES ({marks})", rows)


def open_mirror(data_dir: Path, server: str | None, key: bytes) -> tuple[Mirror, str | None]:
    """The station's mirror, opened with its key; a file that cannot be used is moved aside
    first and a new, empty one made (a plain one an earlier version made is removed once its
    outbox is carried over). Returns the mirror and what was done (a sentence), if anything."""
    path = Path(data_dir) / MIRROR_FILE
    problem = problem_of(path, server, key)
    if problem is None:
        return Mirror(data_dir, key), None
    if problem.plain:
        carried = _encrypted_again(data_dir, key)
        if carried is not None:
            return carried
    target = _aside(path, problem.foreign)
    _move(path, target)
    names: list[str] = []
    rows: list[tuple[object, ...]] = []
    unreadable = None
    if not problem.foreign:
        try:
            names, rows = _read_outbox(target, None if problem.plain else key)
        except UNREADABLE as exc:
            unreadable = str(exc)
    mirror = Mirror(data_dir, key)
    if rows:
        _carry(mirror.path, key, names, rows)
    if problem.foreign:
        kept = _count_outbox(target, key)
        if kept:
            # TRANSLATORS: {reason} is what is wrong with the file: "is not an SQLite database"
            said = ngettext(
                "this station's mirror {reason}: moved to {file}; a copy of this server is made "
                "at the next sync; {count} scan it held for that server stay in {path} (not "
                "uploaded here: sync them with that server)",
                "this station's mirror {reason}: moved to {file}; a copy of this server is made "
                "at the next sync; {count} scans it held for that server stay in {path} (not "
                "uploaded here: sync them with that server)",
                kept,
            )
        else:
            said = _(
                "this station's mirror {reason}: moved to {file}; a copy of this server is made "
                "at the next sync"
            )
        count = kept or 0
    elif unreadable is not None:
        said = _(
            "this station's mirror {reason}: moved to {file}; a new copy is made at the next "
            "sync; the scans it held could not be read ({problem}): any there are stay in "
            "{path}, not uploaded"
        )
        count = 0
    else:
        said = ngettext(
            "this station's mirror {reason}: moved to {file}; a new copy is made at the next "
            "sync; {count} scan waiting or refused carried over",
            "this station's mirror {reason}: moved to {file}; a new copy is made at the next "
            "sync; {count} scans waiting or refused carried over",
            len(rows),
        )
        count = len(rows)
    said = said.format(
        reason=problem.reason,
        file=target.name,
        path=target,
        count=count,
        problem=(unreadable or "")[:120],
    )
    with mirror.store.write() as session:
        mirror.put(session.connection(), NOTICE_KEY, f"{utcnow().isoformat()}: {said}")
    return mirror, said


def _encrypted_again(data_dir: Path, key: bytes) -> tuple[Mirror, str | None] | None:
    """A plain copy an earlier version made, encrypted: its outbox carried into a new copy
    made with ``key``, in order, and the plain file removed (the next sync copies the rest
    again). None when its outbox cannot be read (it is then moved aside, as a damaged one)."""
    path = Path(data_dir) / MIRROR_FILE
    try:
        with _opened(path, None) as conn:  # all in the one file: no WAL beside it
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("PRAGMA journal_mode = DELETE")
        names, rows = _read_outbox(path, None)
    except UNREADABLE:
        return None
    folder = Path(data_dir) / ".encrypting"
    shutil.rmtree(folder, ignore_errors=True)  # what a process stopped half-way left
    fresh = Mirror(folder, key)
    fresh.close()
    if rows:
        _carry(fresh.path, key, names, rows)
    # One rename: a power cut leaves the plain copy (encrypted again at the next start) or
    # the encrypted one, never neither.
    os.replace(fresh.path, path)
    for end in ("-wal", "-shm", "-journal"):
        path.with_name(path.name + end).unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)
    said = ngettext(
        "this station's copy is now encrypted; {count} scan waiting or refused carried over",
        "this station's copy is now encrypted; {count} scans waiting or refused carried over",
        len(rows),
    ).format(count=len(rows))
    mirror = Mirror(data_dir, key)
    with mirror.store.write() as session:
        mirror.put(session.connection(), NOTICE_KEY, f"{utcnow().isoformat()}: {said}")
    return mirror, said


def last_notice(mirror: Mirror) -> str | None:
    """The last time a mirror of this station was moved aside, and why (kept in the mirror)."""
    with mirror.store.read() as session:
        return mirror.get(session.connection(), NOTICE_KEY)
