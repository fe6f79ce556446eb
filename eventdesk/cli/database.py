"""The database itself, looked at and emptied: db inspect, db reset."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from eventdesk.cli.access import organizer_only
from eventdesk.cli.common import EXIT_ENVIRONMENT, Ctx, pass_ctx, table
from eventdesk.errors import InvalidInput


@click.group("db")
def db_group() -> None:
    """The database: its health and contents (inspect), or an empty one (reset)."""


def _human(found: Any) -> str:
    def size(count: int | None) -> str:
        return "-" if count is None else f"{count / 1_048_576:,.1f} MB"

    schema = found.schema or "none"
    if found.schema != found.expected_schema:
        schema += f" (this eventdesk: {found.expected_schema})"
    sizes = size(found.size_bytes)
    if found.wal_bytes is not None:
        sizes += f", WAL {size(found.wal_bytes)}"
    lines = [
        f"database   {found.database} ({found.kind})",
        f"schema     {schema}",
        f"size       {sizes}",
        f"integrity  {found.integrity}",
    ]
    backup = found.last_backup
    lines.append(
        f"backup     {backup['path']} ({backup['count']} kept)" if backup else "backup     none yet"
    )
    for key in found.signing_keys:
        lines.append(f"key        {key['id']}  {key['fingerprint']}")
    lines += ["", table(["table", "rows"], [[n, f"{c:,}"] for n, c in found.tables.items() if c])]
    return "\n".join(lines)


@db_group.command("inspect")
@pass_ctx
@organizer_only
def inspect(obj: Ctx) -> None:
    """Schema revision, sizes, rows a table, WAL, last backup, integrity, signing keys.

    An SQLite file is read as it is, read-only: a damaged one is said to be damaged."""
    from eventdesk.db import _sqlite_file
    from eventdesk.services.data.inspect import inspect_sqlite, inspect_store

    path = _sqlite_file(obj.config.database_url) if obj.config.is_sqlite else None
    if path is not None:
        found = inspect_sqlite(path, obj.config.data_dir)
    else:
        found = inspect_store(obj.store, obj.config.data_dir)
    data = {
        "database": found.database,
        "kind": found.kind,
        "schema": found.schema,
        "expected_schema": found.expected_schema,
        "healthy": found.healthy,
        "integrity": found.integrity,
        "size_bytes": found.size_bytes,
        "wal_bytes": found.wal_bytes,
        "tables": found.tables,
        "last_backup": found.last_backup,
        "signing_keys": found.signing_keys,
    }
    obj.emit(data, lambda: _human(found))
    if found.integrity != "ok":
        raise click.exceptions.Exit(EXIT_ENVIRONMENT)  # a damaged file: said above


@db_group.command("reset")
@click.option("--yes", is_flag=True, help="Yes: empty the database (after a backup).")
@pass_ctx
@organizer_only
def reset(obj: Ctx, yes: bool) -> None:
    """An empty database, after a verified backup it names (SQLite)."""
    if not yes:
        raise InvalidInput(
            "db reset empties the database (every event, person, ticket and check-in): give "
            "--yes to go ahead; a backup is taken first and named",
            field="yes",
        )
    if not obj.config.is_sqlite:
        raise InvalidInput(
            "this database is PostgreSQL: back it up with pg_dump, then drop and create it "
            "with the server's tools (dropdb, createdb) and run eventdesk init",
            field="db",
        )
    from eventdesk.db import _sqlite_file, open_store
    from eventdesk.services.data.backup import backup
    from eventdesk.tickets import ensure_keys, load_signer

    path = _sqlite_file(obj.config.database_url)
    if path is None:
        raise InvalidInput("an in-memory database has nothing to reset", field="db")
    made = backup(obj.store, obj.config.data_dir)
    obj.close()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    store = open_store(obj.config, create=True)
    obj.use_store(store)
    keys = ensure_keys(store, obj.config.data_dir, obj.station)
    store.signer = load_signer(obj.config.data_dir)
    obj.emit(
        {"backup": made.path, "database": str(path), "key_id": keys.key_id},
        f"database emptied: {path}\nthe backup taken first: {made.path} "
        f"({made.tickets:,} tickets; `eventdesk restore` brings it back)",
    )


COMMANDS = [db_group]
