"""The database itself: init (schema and signing keys), backup and restore."""

from __future__ import annotations

import click

from eventdesk.cli.access import organizer_only
from eventdesk.cli.common import (
    Ctx,
    pass_ctx,
)
from eventdesk.i18n import _, ngettext
from eventdesk.values import number_text


@click.command()
@click.option("--new-key", is_flag=True, help="Give this station a signing key of its own.")
@pass_ctx
def init(obj: Ctx, new_key: bool) -> None:
    """Create or upgrade the database and the ticket signing keys."""
    from eventdesk.migrations import HEAD_REVISION
    from eventdesk.tickets import ensure_keys, load_signer

    store = obj.store
    keys = ensure_keys(store, obj.config.data_dir, obj.station, new_key=new_key)
    store.signer = load_signer(obj.config.data_dir)
    if keys.can_issue:
        key_line = (
            _("signing key {key}: {path} (new)") if keys.created else _("signing key {key}: {path}")
        ).format(key=keys.key_id, path=keys.path)
    else:
        key_line = _(
            "no signing key on this station: it checks tickets but cannot issue them "
            "(copy {path} from the issuing station, or run init --new-key)"
        ).format(path=keys.path)
    obj.emit(
        {
            "database": store.url,
            "schema": HEAD_REVISION,
            "data_dir": str(obj.config.data_dir),
            "key_id": keys.key_id,
            "can_issue": keys.can_issue,
            "key_created": keys.created,
            "known_keys": keys.known_keys,
        },
        _("database ready: {url} (schema {schema})").format(url=store.url, schema=HEAD_REVISION)
        + "\n"
        + key_line,
    )


@click.command()
@click.option(
    "--output", type=click.Path(dir_okay=False), help="Default: DATA_DIR/backups/eventdesk-TIME.db"
)
@click.option(
    "--keep", type=click.IntRange(1, 10_000), help="Then keep only the newest N automatic backups."
)
@click.option(
    "--every",
    "every_minutes",
    type=click.FloatRange(0.1, 24 * 60),
    help="Keep running: a backup every N minutes, keeping --keep (or [backup] keep) of them.",
)
@pass_ctx
@organizer_only
def backup(obj: Ctx, output: str | None, keep: int | None, every_minutes: float | None) -> None:
    """Back up the live database (SQLite online backup), verified; or keep doing so."""
    from eventdesk.services.data.backup import BackupSchedule, prune
    from eventdesk.services.data.backup import backup as take

    if every_minutes is not None:
        minutes = every_minutes
        count = keep or obj.config.backup_keep
        made = take(obj.store, obj.config.data_dir)
        prune(obj.config.data_dir, count)
        click.echo(
            "eventdesk backup: "  # not for translation: the command's name
            + _("{path}; then every {minutes:g} min, keeping {count} (Ctrl-C stops)").format(
                path=made.path, minutes=minutes, count=count
            ),
            err=True,
        )

        def said(problem: str | None) -> None:  # once when it starts, once when it ends
            text = problem or _("backups work again")
            click.echo(f"eventdesk backup: {text}", err=True)  # not for translation: its name

        schedule = BackupSchedule(
            obj.store, obj.config.data_dir, minutes=minutes, keep=count, on_problem=said
        )
        schedule.start()
        try:
            while schedule.is_alive():
                schedule.join(1.0)
        except KeyboardInterrupt:
            schedule.stop()
        return
    made = take(obj.store, obj.config.data_dir, output=output)
    removed = prune(obj.config.data_dir, keep) if keep else []
    obj.emit(
        {
            "path": made.path,
            "bytes": made.size,
            "tickets": made.tickets,
            "checked_in": made.checked_in,
            "removed": [str(p) for p in removed],
        },
        ngettext(
            "backup written to {path} ({size} bytes, {tickets} ticket, {checked_in} checked "
            "in, verified)",
            "backup written to {path} ({size} bytes, {tickets} tickets, {checked_in} checked "
            "in, verified)",
            made.tickets,
        ).format(
            path=made.path,
            size=number_text(made.size),
            tickets=made.tickets,
            checked_in=made.checked_in,
        ),
    )


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@pass_ctx
@organizer_only
def restore(obj: Ctx, file: str) -> None:
    """Replace the database with a backup (checked first; the current one is kept aside)."""
    from eventdesk.db import Store
    from eventdesk.services.data.backup import restore as put_back

    # Not obj.store, which would first upgrade the database about to be replaced: one this
    # version cannot upgrade (a newer version wrote it) must still be replaceable by a backup.
    store = Store.from_config(obj.config)
    obj.use_store(store)
    made = put_back(store, obj.config.data_dir, file)
    replaced = (
        _("the database it replaced is in {path}").format(path=made.path)
        if made.path
        else _("there was no database here before")
    )
    obj.emit(
        {
            "path": file,
            "previous": made.path or None,
            "tickets": made.tickets,
            "checked_in": made.checked_in,
        },
        ngettext(
            "restored {file} ({tickets} ticket, {checked_in} checked in); {replaced}",
            "restored {file} ({tickets} tickets, {checked_in} checked in); {replaced}",
            made.tickets,
        ).format(file=file, tickets=made.tickets, checked_in=made.checked_in, replaced=replaced),
    )


COMMANDS = [init, backup, restore]
