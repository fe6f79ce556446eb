"""Data in and out: reports, CSV import and export, the transaction log."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from eventdesk.cli.access import organizer_only
from eventdesk.cli.common import (
    Ctx,
    local,
    pass_ctx,
    say,
    table,
)
from eventdesk.errors import InvalidInput
from eventdesk.i18n import _, ngettext
from eventdesk.values import format_cents


# --- reports, stats, import/export, backups -------------------------------------------------
@click.command()
@click.argument(
    "name",
    type=click.Choice(
        [
            "attendance",
            "revenue",
            "sales",
            "sessions",
            "waitlists",
            "scans",
            "conflicts",
            "days",
            "no-shows",
        ]
    ),
)
@click.argument("event_ref", metavar="EVENT")
@click.option(
    "--csv", "csv_path", type=click.Path(dir_okay=False), help="Also write the rows as CSV."
)
@pass_ctx
@organizer_only
def report(obj: Ctx, name: str, event_ref: str, csv_path: str | None) -> None:
    """A report: attendance, revenue, sales, sessions, waitlists, scans, conflicts (tickets
    admitted by a station while it was offline and by another meanwhile), days (arrivals
    per day of the event, and each check-in list's) or no-shows (who has not come, a row a
    ticket)."""
    import csv as csv_module

    from eventdesk.services.data.csvexport import neutralize
    from eventdesk.services.stats.reports import report as build

    made = build(obj.store, name, event_ref)
    if csv_path:
        try:
            with open(csv_path, "w", encoding="utf-8-sig", newline="") as fh:
                writer = csv_module.writer(fh, lineterminator="\r\n")
                writer.writerow(made.columns)
                writer.writerows([neutralize(v) for v in row] for row in made.for_files())
        except OSError as exc:
            raise InvalidInput(
                _("cannot write {path}: {problem}").format(
                    path=csv_path, problem=exc.strerror or exc
                ),
                field="csv",
            ) from None
    obj.emit(
        made.as_dicts(),
        lambda: (
            f"{made.title}\n\n"
            + table(
                made.headings(),
                made.for_people(),
            )
        ),
    )


@click.group("import")
def import_group() -> None:
    """Import from CSV files."""


@contextmanager
def _progress(file: str | None) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr for a long file (only on a terminal)."""
    if file is None or not Path(file).is_file():
        yield None
        return
    with open(file, "rb") as fh:
        rows = max(sum(1 for _line in fh) - 1, 1)
    with click.progressbar(length=rows, label=_("importing"), file=sys.stderr) as bar:
        yield bar.update


@import_group.command("attendees")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--event", "event_ref", required=True, metavar="EVENT")
@click.option(
    "--dry-run", is_flag=True, help="Check the file and say what would happen; change nothing."
)
@pass_ctx
@organizer_only
def import_attendees_command(obj: Ctx, file: str, event_ref: str, dry_run: bool) -> None:
    """Register everyone in a CSV file for an event. All or nothing."""
    from eventdesk.services.data.csvio import import_attendees

    show_bar = sys.stderr.isatty() and not obj.as_json and not dry_run
    with _progress(file if show_bar else None) as step:
        made = import_attendees(
            obj.store,
            file,
            event_ref,
            dry_run=dry_run,
            station=obj.station,
            progress=step,
            say=lambda line: say(f"eventdesk: {line}", err=True),
        )
    if dry_run:
        summary = ngettext(
            "would import {count} registration(s) ({new} new attendees, {waitlisted} on the "
            "waitlist); {skipped} row(s) already registered or repeated",
            "would import {count} registration(s) ({new} new attendees, {waitlisted} on the "
            "waitlist); {skipped} row(s) already registered or repeated",
            made.imported,
        )
    else:
        summary = ngettext(
            "imported {count} registration(s) ({new} new attendees, {waitlisted} on the "
            "waitlist); {skipped} row(s) already registered or repeated",
            "imported {count} registration(s) ({new} new attendees, {waitlisted} on the "
            "waitlist); {skipped} row(s) already registered or repeated",
            made.imported,
        )
    obj.emit(
        {
            "imported": made.imported,
            "skipped": made.skipped,
            "new_attendees": made.new_attendees,
            "waitlisted": made.waitlisted,
            "rows": made.rows,
            "dry_run": made.dry_run,
            "notes": made.notes,
        },
        lambda: "\n".join(
            [
                summary.format(
                    count=made.imported,
                    new=made.new_attendees,
                    waitlisted=made.waitlisted,
                    skipped=made.skipped,
                ),
                *made.notes,
            ]
        ),
    )


@click.command()
@click.argument("kind", type=click.Choice(["attendees", "checkins", "scans", "payments"]))
@click.argument("event_ref", metavar="EVENT")
@click.option("--output", required=True, type=click.Path(dir_okay=False))
@pass_ctx
@organizer_only
def export(obj: Ctx, kind: str, event_ref: str, output: str) -> None:
    """Export attendees, check-ins, the scan log or payments as CSV."""
    from eventdesk.services.data.csvexport import export as write

    count = write(obj.store, kind, event_ref, output)
    obj.emit(
        {"path": output, "rows": count},
        ngettext("{count} row written to {path}", "{count} rows written to {path}", count).format(
            count=count, path=output
        ),
    )


# --- the transaction log ----------------------------------------------------------------------
@click.command("log")
@click.argument("event_ref", metavar="EVENT", required=False)
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@pass_ctx
@organizer_only
def log_command(obj: Ctx, event_ref: str | None, limit: int) -> None:
    """The transaction log, newest first."""
    from eventdesk.services.txlog import recent

    rows = recent(obj.store, event_ref, limit=limit)
    zones = obj.zones()
    obj.emit(
        rows,
        lambda: table(
            # TRANSLATORS: the headings of the transaction log's table
            [_("at"), _("kind"), _("ticket"), _("amount"), _("station"), _("detail")],
            [
                (
                    local(r.at, zones.of(r.event_id)),
                    r.kind,
                    r.ticket_id,
                    format_cents(r.amount_cents, r.currency or "")
                    if r.amount_cents is not None
                    else "",
                    r.station,
                    r.detail,
                )
                for r in rows
            ],
        ),
    )


COMMANDS = [report, import_group, export, log_command]
