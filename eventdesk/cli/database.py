"""The database itself, looked at and emptied: db inspect, db reset."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from eventdesk.cli.access import organizer_only
from eventdesk.cli.common import EXIT_ENVIRONMENT, Ctx, pass_ctx, table
from eventdesk.errors import InvalidInput
from eventdesk.i18n import _, ngettext
from eventdesk.values import number_text


@click.group("db")
def db_group() -> None:
    """The database: its health and contents (inspect), or an empty one (reset)."""


def _human(found: Any) -> str:
    def size(count: int | None) -> str:
        return (
            "-"
            if count is None
            else _("{megabytes} MB").format(megabytes=number_text(count / 1_048_576, 1))
        )

    # TRANSLATORS: the database has no schema revision yet
    schema = found.schema or _("none")
    if found.schema != found.expected_schema:
        schema += _(" (this eventdesk: {schema})").format(schema=found.expected_schema)
    sizes = size(found.size_bytes)
    if found.wal_bytes is not None:
        sizes += f", WAL {size(found.wal_bytes)}"
    lines = [
        # TRANSLATORS: the lines of `db inspect`: each label is padded so that the values line up
        _("database   {database} ({kind})").format(database=found.database, kind=found.kind),
        _("schema     {schema}").format(schema=schema),
        _("size       {sizes}").format(sizes=sizes),
        _("integrity  {integrity}").format(integrity=found.integrity),
    ]
    backup = found.last_backup
    lines.append(
        _("backup     {path} ({count} kept)").format(path=backup["path"], count=backup["count"])
        if backup
        else _("backup     none yet")
    )
    for key in found.signing_keys:
        lines.append(
            _("key        {key}  {fingerprint}").format(
                key=key["id"], fingerprint=key["fingerprint"]
            )
        )
    lines += [
        "",
        # TRANSLATORS: the headings of `db inspect`'s table: the database's tables, their rows
        table([_("table"), _("rows")], [[n, number_text(c)] for n, c in found.tables.items() if c]),
    ]
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
            _(
                "db reset empties the database (every event, person, ticket and check-in): give "
                "--yes to go ahead; a backup is taken first and named"
            ),
            field="yes",
        )
    if not obj.config.is_sqlite:
        raise InvalidInput(
            _(
                "this database is PostgreSQL: back it up with pg_dump, then drop and create it "
                "with the server's tools (dropdb, createdb) and run eventdesk init"
            ),
            field="db",
        )
    from eventdesk.db import _sqlite_file
    from eventdesk.opening import open_store
    from eventdesk.services.data.backup import backup
    from eventdesk.tickets import ensure_keys, load_signer

    path = _sqlite_file(obj.config.database_url)
    if path is None:
        raise InvalidInput(_("an in-memory database has nothing to reset"), field="db")
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
        ngettext(
            "database emptied: {path}\nthe backup taken first: {backup} ({tickets} ticket; "
            "`eventdesk restore` brings it back)",
            "database emptied: {path}\nthe backup taken first: {backup} ({tickets} tickets; "
            "`eventdesk restore` brings it back)",
            made.tickets,
        ).format(path=path, backup=made.path, tickets=number_text(made.tickets)),
    )


COMMANDS = [db_group]
