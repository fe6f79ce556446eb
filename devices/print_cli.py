"""The printers' commands: `print` (one ticket's badge, now) and `print-queue` (the queue's
jobs, and a worker that prints them); ``print_badge`` for a core command that prints
(`checkin --print`), and what `scan` does with its printer when it ends."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from devices.news import outcome_line, outcome_news
from eventdesk.cli.access import desk_only
from eventdesk.cli.common import (
    EXIT_ENVIRONMENT,
    Ctx,
    answers_offline,
    json_text,
    local,
    pass_ctx,
    table,
)
from eventdesk.cli.common import (
    say as tell,
)
from eventdesk.i18n import _, ngettext
from eventdesk.labels import label

if TYPE_CHECKING:
    from devices.outage import DatabaseState
    from eventdesk.db import Store
    from eventdesk.services.stations.mirror import Mirror


def finish_printing(
    obj: Ctx, worker: Any, print_to: str | None, say: Callable[[str], None]
) -> None:
    """Stop the background printer and print what is still due, so a scan run leaves no badge
    behind that the printer could take now (what it cannot stays queued)."""
    if worker is None or print_to is None:
        return
    from devices.outage import describe, is_outage
    from devices.print_worker import drain

    worker.stop()
    worker.join(10)
    try:
        outcomes = drain(obj.store, {print_to: printers_of(obj)[print_to]}, worker=obj.station)
    except Exception as exc:
        if not is_outage(exc):
            raise
        say(
            _("badges not printed yet stay queued: database not answering ({problem})").format(
                problem=describe(exc)
            )
        )
        return
    for outcome in outcomes:
        say(outcome_line(outcome))


def printers_of(obj: Ctx) -> dict[str, Any]:
    from devices.printers import printers_of

    return printers_of(obj.config)


def print_badge(obj: Ctx, printer: str, ticket_id: str) -> list[str]:
    """Print the badge a check-in just queued for ``ticket_id`` (`checkin --print`): what
    happened, a line each. The core's `checkin` finds this through an entry point."""
    from devices.print_worker import copy_loader, drain
    from eventdesk.services.door.printing import latest_job

    if obj.on_server and not obj.door_station().deciding_online():
        # Decided offline: queued in the station's copy, printed from it.
        store, load = obj.door_station().mirror.store, copy_loader(obj.door_station())
    else:
        store, load = obj.store, None
    job = latest_job(store, ticket_id, obj.station)
    outcomes = drain(
        store,
        {printer: printers_of(obj)[printer]},
        worker=obj.station,
        job_id=job.id if job else None,
        load=load,
    )
    return [outcome_line(outcome) for outcome in outcomes]


@click.command("print")
@click.argument("ticket_id", metavar="TICKET")
@click.option("--printer", help="A printer named in eventdesk.toml (default: this station's).")
@pass_ctx
@answers_offline
@desk_only
def print_command(obj: Ctx, ticket_id: str, printer: str | None) -> None:
    """Queue a badge (a reprint) and print it now if the printer is there (at a station whose
    server does not answer, from the station's copy: its outcome uploaded later)."""
    from devices.print_worker import BadgeLoader, copy_loader, drain
    from eventdesk.services.door.printing import enqueue
    from eventdesk.services.stations.mirror_prints import queue_in_copy

    if printer is not None and not printer.strip():
        raise click.UsageError(_("--printer needs a printer's name"))
    name = printer or obj.config.printer
    obj.config.printer_settings(name)  # a typo is named before anything is queued
    printers = printers_of(obj)

    def on_server(store: Store) -> tuple[Store, int, BadgeLoader | None]:
        job = enqueue(store, ticket_id, name, reason="reprint", station=obj.station)
        return store, job.id, None

    def on_copy(copy: Mirror) -> tuple[Store, int, BadgeLoader | None]:
        job_id = queue_in_copy(copy, ticket_id, name, station=obj.station)
        return copy.store, job_id, copy_loader(obj.door_station())

    store, job_id, load = obj.server_or_copy(on_server, on_copy)
    outcomes = drain(store, {name: printers[name]}, worker=obj.station, job_id=job_id, load=load)
    outcome = outcomes[0] if outcomes else None
    state = outcome.state if outcome else "queued"
    obj.emit(
        {
            "job": job_id,
            "ticket_id": ticket_id.strip().upper(),
            "printer": name,
            "state": state,
            "detail": outcome.detail if outcome else None,
        },
        outcome_line(outcome) if outcome else _("badge queued as job {job}").format(job=job_id),
    )
    if state != "done":
        raise click.exceptions.Exit(EXIT_ENVIRONMENT)


@click.command("print-queue")
@click.option("--state", type=click.Choice(["queued", "printing", "done", "failed"]))
@click.option("--retry", is_flag=True, help="Put failed jobs back and print what is due now.")
@click.option(
    "--run", "keep_running", is_flag=True, help="Keep printing as jobs come (Ctrl-C stops)."
)
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@pass_ctx
def print_queue(obj: Ctx, state: str | None, retry: bool, keep_running: bool, limit: int) -> None:
    """Show the print queue; retry failed jobs; or run as this station's print server."""
    from devices.print_worker import PrintWorker, drain
    from eventdesk.services.door.printing import list_jobs, retry_failed

    printers = printers_of(obj)
    if retry:
        again = retry_failed(obj.store)
        outcomes = drain(obj.store, printers, worker=obj.station)
        if not obj.as_json:
            tell(
                ngettext(
                    "{count} failed job back in the queue",
                    "{count} failed jobs back in the queue",
                    again,
                ).format(count=again)
            )
            for outcome in outcomes:
                tell(outcome_line(outcome))
    if keep_running:
        tell(
            "eventdesk print-queue: "  # not for translation: the command's name
            + _("printing for {printers} (Ctrl-C stops)").format(
                printers=", ".join(sorted(printers))
            ),
            err=True,
        )

        def report(outcome: Any) -> None:
            if obj.as_json:
                click.echo(
                    json_text(
                        {
                            "job": outcome.job.id,
                            "ticket_id": outcome.job.ticket_id,
                            "printer": outcome.job.printer,
                            "state": outcome.state,
                            "detail": outcome.detail,
                        }
                    )
                )
            else:
                told(outcome)

        told = outcome_news(tell)  # a printer off: said once, and when it is back

        def database(state: DatabaseState) -> None:
            tell(
                f"eventdesk print-queue: {state.sentence()}",  # not for translation: its name
                err=True,
            )

        worker = PrintWorker(
            obj.store,
            printers,
            station=obj.station,
            on_outcome=report,
            on_database=database,
            door=obj.door_station() if obj.on_server else None,
        )
        worker.start()
        try:
            while worker.is_alive():
                worker.join(0.5)
        except KeyboardInterrupt:
            worker.stop()
            worker.join(5)
        return
    rows = list_jobs(obj.store, state=state, limit=limit)
    zones = obj.zones(tickets=[j.ticket_id for j in rows])
    obj.emit(
        rows,
        lambda: table(
            # TRANSLATORS: the headings of the table of print jobs
            [
                _("job"),
                _("ticket"),
                _("printer"),
                _("state"),
                _("tries"),
                _("reason"),
                _("updated"),
                _("last error"),
            ],
            [
                (
                    j.id,
                    j.ticket_id,
                    j.printer,
                    label("print_state", j.state),
                    j.attempts,
                    label("print_reason", j.reason),
                    local(j.updated_at, zones.of_ticket(j.ticket_id)),
                    j.last_error,
                )
                for j in rows
            ],
        ),
    )


COMMANDS = [print_command, print_queue]
