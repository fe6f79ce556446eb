"""Data in and out: reports, CSV import and export, the transaction log."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from eventdesk.cli.access import desk_only, organizer_only
from eventdesk.cli.common import (
    Ctx,
    answers_offline,
    device,
    local,
    pass_ctx,
    say,
    table,
)
from eventdesk.errors import EnvironmentProblem, InvalidInput
from eventdesk.i18n import N_, _, ngettext
from eventdesk.values import format_cents

if TYPE_CHECKING:  # loaded with the command that reads it
    from eventdesk.services.stats.inside import RollCall


# --- reports, stats, import/export, backups -------------------------------------------------
# The reports by name (services.stats.reports.REPORTS), each `report NAME EVENT [--csv FILE]`,
# and what each shows; beside them `report inside` (below).
REPORTS = {
    "attendance": N_("Registered and checked in, by ticket type; arrivals by hour."),
    "revenue": N_("Revenue net of refunds, by ticket type and payment method."),
    "sales": N_("Sold, remaining, waitlisted and cancelled, by ticket type."),
    "sessions": N_("The sessions by popularity: registered, capacity, attended."),
    "waitlists": N_("Who waits, by ticket type and tier."),
    "scans": N_("Scans by result, by station and per minute."),
    "conflicts": N_(
        "Tickets admitted by a station while it was offline and by another meanwhile (or "
        "cancelled), and offline scans the server refused."
    ),
    "days": N_("Arrivals per day of the event, and each check-in list's."),
    "no-shows": N_("Who has not come: a row a ticket, named for its holder."),
    "overrides": N_("Admissions a supervisor made despite a refusal: who, why, what was refused."),
}
# eventdesk.devices entry points: (RollCall or DoorList, path) -> (pages, what to say of its
# names no font here draws, "" for nothing)
ROLL_CALL_PDF = "roll_call_pdf"
DOOR_LIST_PDF = "door_list_pdf"


class ReportGroup(click.Group):
    """`report NAME EVENT` for each report of REPORTS, made when it is asked for, beside the
    group's own commands (`report inside`)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*REPORTS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = self.commands.get(cmd_name)
        if found is None and cmd_name in REPORTS:
            found = _named_report(cmd_name)
            self.add_command(found)
        return found


@click.group(
    cls=ReportGroup,
    help=(
        "Reports: `report NAME EVENT` (attendance, revenue, sales, sessions, waitlists, scans, "
        "conflicts, days, no-shows; --csv FILE writes its rows too), and `report inside EVENT`: "
        "who is inside now, by name (a roll call; --pdf FILE prints it)."
    ),
)
def report() -> None:
    pass


def _named_report(name: str) -> click.Command:
    @click.command(name, help=_(REPORTS[name]))
    @click.argument("event_ref", metavar="EVENT")
    @click.option(
        "--csv", "csv_path", type=click.Path(dir_okay=False), help="Also write the rows as CSV."
    )
    @pass_ctx
    @organizer_only
    def named(obj: Ctx, event_ref: str, csv_path: str | None) -> None:
        _report(obj, name, event_ref, csv_path)

    return named


def _report(obj: Ctx, name: str, event_ref: str, csv_path: str | None) -> None:
    from eventdesk.services.stats.reports import report as build

    made = build(obj.read_store, name, event_ref)
    obj.say_figures()  # from a standby: how old
    if csv_path:
        _write_csv(csv_path, made.columns, made.for_files())
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


def _write_csv(path: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Rows as CSV in ``path`` (UTF-8 with a BOM, as a spreadsheet opens it), every cell one a
    spreadsheet shows as text; ``-``: on stdout."""
    import csv as csv_module

    from eventdesk.services.data.csvexport import neutralize

    cells = [[neutralize(v) for v in row] for row in rows]
    if path == "-":
        out = io.StringIO()
        writer = csv_module.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(cells)
        say(out.getvalue().rstrip("\n"))
        return
    try:
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv_module.writer(fh, lineterminator="\r\n")
            writer.writerow(columns)
            writer.writerows(cells)
    except OSError as exc:
        raise InvalidInput(
            _("cannot write {path}: {problem}").format(path=path, problem=exc.strerror or exc),
            field="csv",
        ) from None


@report.command("answers")
@click.argument("event_ref", metavar="EVENT")
@click.option("--question", "key", metavar="KEY", help="Only this question (its key).")
@click.option(
    "--session",
    "session_ref",
    metavar="ID",
    help="Only the tickets registered for this session (its id or name).",
)
@click.option(
    "--csv", "csv_path", type=click.Path(dir_okay=False), help="Also write the rows as CSV."
)
@pass_ctx
@organizer_only
def answers_report(
    obj: Ctx, event_ref: str, key: str | None, session_ref: str | None, csv_path: str | None
) -> None:
    """How many chose each option of EVENT's registration questions (choices and yes/no):
    diets, T-shirt sizes; overall or in one session."""
    from eventdesk.services.people.question_answers import answer_counts

    counts = answer_counts(obj.store, event_ref, question=key, session_ref=session_ref)
    rows = [{"question": c.question, "choice": c.choice, "count": c.count} for c in counts]
    if csv_path:
        _write_csv(csv_path, ["question", "choice", "count"], [list(r.values()) for r in rows])
    obj.emit(
        rows,
        lambda: table(
            # TRANSLATORS: the headings of the report of registration answers by option
            [_("question"), _("choice"), _("count")],
            [(r["question"], r["choice"], r["count"]) for r in rows],
        ),
    )


@report.command("inside")
@click.argument("event_ref", metavar="EVENT")
@click.option(
    "--list",
    "list_ref",
    metavar="LIST",
    help="On a check-in list (its slug, EVENT/SLUG or id; default: the event's default list).",
)
@click.option(
    "--session",
    "session_ref",
    metavar="ID",
    help="In a session (its id or name): who came in at its door and has not left the event.",
)
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Also write the rows as CSV (-: the CSV alone, on stdout).",
)
@click.option(
    "--pdf",
    "pdf_path",
    type=click.Path(dir_okay=False),
    help="Write the roll call as a PDF to print: a box to tick beside each name.",
)
@pass_ctx
@answers_offline
@desk_only
def inside(
    obj: Ctx,
    event_ref: str,
    list_ref: str | None,
    session_ref: str | None,
    csv_path: str | None,
    pdf_path: str | None,
) -> None:
    """Who is inside now, by name, with when and at which station each came in last (the
    event's, a check-in list's or a session's); at a station whose server does not answer,
    from the station's copy, said so."""
    from eventdesk.services.stations.mirror_read import roll_call_in_copy
    from eventdesk.services.stats.inside import COLUMNS, roll_call, since_text, words_for

    if csv_path == "-" and obj.as_json:
        raise InvalidInput(_("--csv - and --json both write to stdout: choose one"), field="csv")
    call = obj.server_or_copy(
        lambda store: roll_call(store, event_ref, checkin_list=list_ref, session=session_ref),
        lambda copy: roll_call_in_copy(copy, event_ref, checkin_list=list_ref, session=session_ref),
    )
    written = _roll_call_pdf(call, pdf_path) if pdf_path else None
    if csv_path:
        _write_csv(csv_path, COLUMNS, call.for_files())
        if csv_path == "-":
            return

    def human() -> str:
        lines = words_for(call)
        shown = table(
            # TRANSLATORS: the headings of the table of who is inside now
            [_("name"), _("ticket type"), _("since"), _("station"), _("ticket")],
            [
                (p.name, p.ticket_type, since_text(call, p.since), p.station or "?", p.ticket_id)
                for p in call.people
            ],
        )
        return "\n".join([*lines, "", shown, *([written] if written else [])])

    obj.emit(call.as_dicts(), human)


def _roll_call_pdf(call: RollCall, path: str) -> str:
    """The roll call printed to ``path`` by the badges' PDF writer; what was written, for
    people."""
    pages = paper_pdf(ROLL_CALL_PDF, call, path)
    return ngettext(
        "roll call written to {path} ({pages} page)",
        "roll call written to {path} ({pages} pages)",
        pages,
    ).format(path=path, pages=pages)


def paper_pdf(writer: str, value: Any, path: str) -> int:
    """A list on paper printed to ``path`` by the badges' PDF writer named ``writer`` (an
    ``eventdesk.devices`` entry point: the core draws no PDF); how many pages it has. What
    the writer says of names no font here draws (printed in Latin letters) goes to stderr."""
    write = device(writer)
    if write is None:
        raise EnvironmentProblem(
            _("printing a PDF needs eventdesk's badges package, which is not installed here")
        )
    pages, said = write(value, path)
    if said:
        say("eventdesk: " + said, err=True)  # not for translation: the program's name
    return int(pages)


@report.command("door-list")
@click.argument("event_ref", metavar="EVENT")
@click.option(
    "--pdf",
    "pdf_path",
    type=click.Path(dir_okay=False),
    required=True,
    help="Write the door list as a PDF to print: every valid ticket, a box to tick beside each.",
)
@click.option(
    "--list",
    "list_ref",
    metavar="LIST",
    help="The check-in list the paper door is: what the list refuses is marked on each row.",
)
@pass_ctx
@answers_offline
def door_list_command(obj: Ctx, event_ref: str, pdf_path: str, list_ref: str | None) -> None:
    """The paper door list for the day every machine fails: every valid ticket's holder, by
    family name, with ticket type, attention note and ticket id, and a box to tick; at a
    station whose server does not answer, from the station's copy, said so."""
    from eventdesk.cli.access import station_rights
    from eventdesk.errors import NotAllowed
    from eventdesk.services.stations.mirror_read import door_list_in_copy
    from eventdesk.services.stats.door_list import door_list, door_list_words

    if station_rights(obj).role == "kiosk" and obj.login().kind != "door":
        # TRANSLATORS: a self-service kiosk asked to print the door list (staff notes on it)
        raise NotAllowed(
            _(
                "The door list holds staff notes: a self-service kiosk does not print it (a "
                "door's, a desk's or an organizer's station does)."
            )
        )
    on_list = None
    if list_ref is not None:
        from eventdesk.services.door.list_paper import list_paper

        def on_list(conn: Any, tables: Any, event_id: int) -> Any:
            return list_paper(conn, tables, event_id, list_ref)

    listed = obj.server_or_copy(
        lambda store: door_list(store, event_ref, on_list=on_list),
        lambda copy: door_list_in_copy(copy, event_ref, on_list=on_list),
    )
    pages = paper_pdf(DOOR_LIST_PDF, listed, pdf_path)
    data = {"path": pdf_path, "people": listed.count, "pages": pages, "list": listed.list_name}
    obj.emit(
        data,
        lambda: "\n".join(
            [
                *door_list_words(listed),
                ngettext(
                    "door list written to {path} ({pages} page)",
                    "door list written to {path} ({pages} pages)",
                    pages,
                ).format(path=pdf_path, pages=pages),
            ]
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


@import_group.command("tickets")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--event", "event_ref", required=True, metavar="EVENT")
@click.option(
    "--from",
    "shop",
    required=True,
    type=click.Choice(["eventbrite", "tito", "csv"]),
    help="The shop the file was exported from: Eventbrite's attendee report, Tito's ticket "
    "export, or any CSV.",
)
@click.option(
    "--code-column",
    metavar="COLUMN",
    help="The column holding each ticket's code (the text in its QR or barcode).",
)
@pass_ctx
@organizer_only
def import_tickets_command(
    obj: Ctx, file: str, event_ref: str, shop: str, code_column: str | None
) -> None:
    """Tickets people already hold, from a shop's export: each keeps the shop's code, which
    our door then admits. Importing again updates them; a ticket gone from the file is
    cancelled."""
    from eventdesk.services.data.shop_export import import_tickets

    show_bar = sys.stderr.isatty() and not obj.as_json
    with _progress(file if show_bar else None) as step:
        done = import_tickets(
            obj.store, file, event_ref, shop=shop, code_column=code_column, progress=step
        )

    def human() -> str:
        lines = [
            _(
                "{created} ticket(s) created, {updated} updated, {unchanged} unchanged, "
                "{gone} cancelled as gone from the file"
            ).format(
                created=done.created,
                updated=done.updated,
                unchanged=done.unchanged,
                gone=done.gone,
            )
        ]
        if done.types_created:
            lines.append(_("new ticket types: {names}").format(names=", ".join(done.types_created)))
        lines.extend(done.problems)
        if done.more_problems:
            lines.append(_("… and {count} more rows not imported").format(count=done.more_problems))
        return "\n".join(lines)

    obj.emit(done.as_json(), human)


@click.command()
@click.argument("kind", type=click.Choice(["attendees", "checkins", "scans", "payments"]))
@click.argument("event_ref", metavar="EVENT")
@click.option("--output", required=True, type=click.Path(dir_okay=False))
@pass_ctx
@organizer_only
def export(obj: Ctx, kind: str, event_ref: str, output: str) -> None:
    """Export attendees, check-ins, the scan log or payments as CSV."""
    from eventdesk.services.data.csvexport import export as write

    count = write(obj.read_store, kind, event_ref, output)
    obj.say_figures()  # from a standby: how old
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
