"""The database looked at (`db inspect`) and emptied (`db reset`).

Inspect reads an SQLite file as it is, read-only and without running anything it carries (a
damaged file is said to be damaged, never opened for writing or upgraded); a PostgreSQL database
through the store. Reset empties a station's SQLite database after a verified backup it names;
a PostgreSQL server's database is the server's tools' to drop.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from eventdesk.errors import InvalidInput
from eventdesk.i18n import _
from eventdesk.models import Base

PREFIX = "eventdesk-"


@dataclass
class Inspection:
    database: str
    kind: str  # sqlite | postgresql
    schema: str | None  # the revision the database says it has
    expected_schema: str
    size_bytes: int | None
    wal_bytes: int | None
    integrity: str  # "ok", or what is wrong
    tables: dict[str, int] = field(default_factory=dict)
    last_backup: dict[str, Any] | None = None
    signing_keys: list[dict[str, str]] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return self.integrity == "ok" and self.schema == self.expected_schema


def fingerprint(public_key: bytes) -> str:
    """A signing key's fingerprint: the first 16 hex digits of its SHA-256, in fours."""
    digest = hashlib.sha256(public_key).hexdigest()[:16]
    return ":".join(digest[i : i + 4] for i in range(0, 16, 4))


def _last_backup(data_dir: Path) -> dict[str, Any] | None:
    found = sorted((data_dir / "backups").glob(f"{PREFIX}*.db"), reverse=True)
    if not found:
        return None
    newest = found[0]
    return {"path": str(newest), "bytes": newest.stat().st_size, "count": len(found)}


def _read_only(path: Path) -> sqlite3.Connection:
    """The file opened to be read only, running nothing it carries; immutable when no write
    is under way (a read-only open of a WAL database would leave a -wal and a -shm behind)."""
    busy = any(Path(f"{path}{suffix}").exists() for suffix in ("-wal", "-journal"))
    mode = "mode=ro" if busy else "mode=ro&immutable=1"
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True)
    try:
        conn.execute("PRAGMA trusted_schema = OFF")
    except BaseException:
        conn.close()
        raise
    return conn


def inspect_sqlite(path: Path, data_dir: Path) -> Inspection:
    """An SQLite database file, read-only: its schema, sizes, rows a table, its integrity."""
    from eventdesk.migrations import HEAD_REVISION

    if not path.is_file():
        raise InvalidInput(_("no database file at {path}").format(path=path), field="db")
    wal = Path(f"{path}-wal")
    found = Inspection(
        database=str(path),
        kind="sqlite",
        schema=None,
        expected_schema=HEAD_REVISION,
        size_bytes=path.stat().st_size,
        wal_bytes=wal.stat().st_size if wal.exists() else 0,
        integrity="ok",
        last_backup=_last_backup(data_dir),
    )
    with path.open("rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            found.integrity = _("not an SQLite database (its first bytes are not SQLite's)")
            return found
    try:
        conn = _read_only(path)
    except sqlite3.Error as exc:
        found.integrity = _("cannot be opened: {problem}").format(problem=exc)
        return found
    try:
        try:
            verdict = [str(row[0]) for row in conn.execute("PRAGMA integrity_check(20)")]
        except sqlite3.DatabaseError as exc:
            found.integrity = _("damaged: {problem}").format(problem=exc)
            return found
        if verdict != ["ok"]:
            found.integrity = _("damaged: {problem}").format(problem="; ".join(verdict[:5]))
        try:
            names = {str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master")}
            if "alembic_version" in names:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
                found.schema = None if row is None else str(row[0])
            for table in sorted(Base.metadata.tables):
                if table in names:
                    count = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()
                    found.tables[table] = int(count[0])
            if "signing_key" in names:
                found.signing_keys = [
                    {"id": str(key_id), "fingerprint": fingerprint(bytes(public))}
                    for key_id, public in conn.execute(
                        "SELECT id, public_key FROM signing_key ORDER BY created_at"
                    )
                ]
        except sqlite3.DatabaseError as exc:
            if found.integrity == "ok":
                found.integrity = _("damaged: {problem}").format(problem=exc)
    finally:
        conn.close()
    return found


def inspect_store(store: Any, data_dir: Path) -> Inspection:
    """A PostgreSQL database through the store: the same facts (integrity: its catalogue
    answers; a server checks its own pages)."""
    from eventdesk.migrations import HEAD_REVISION
    from eventdesk.models import SigningKey

    shown = make_url(store.url).render_as_string(hide_password=True)
    with store.read() as session:
        schema = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        size = session.execute(text("SELECT pg_database_size(current_database())")).scalar()
        tables = {}
        for name, table in sorted(Base.metadata.tables.items()):
            tables[name] = int(
                session.execute(select(func.count()).select_from(table)).scalar_one()
            )
        keys = [
            {"id": k.id, "fingerprint": fingerprint(bytes(k.public_key))}
            for k in session.scalars(select(SigningKey).order_by(SigningKey.created_at))
        ]
    return Inspection(
        database=shown,
        kind="postgresql",
        schema=schema,
        expected_schema=HEAD_REVISION,
        size_bytes=int(size or 0),
        wal_bytes=None,
        integrity="ok",
        tables=tables,
        last_backup=_last_backup(data_dir),
        signing_keys=keys,
    )
