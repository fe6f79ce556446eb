"""A station on a server: its offline mirror and outbox (``sync``), and how it stands
(``station status``). An SQLite station is its own server: nothing to sync."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import click

from eventdesk.cli.common import EXIT_ENVIRONMENT, Ctx, local, pass_ctx, to_jsonable

if TYPE_CHECKING:
    from eventdesk.services.door import SyncReport

ONE_BOX = "this station's database is on this machine: it has no mirror and nothing to sync"


def _report_json(report: SyncReport) -> dict[str, Any]:
    return {
        "online": report.online,
        "downloaded": report.downloaded,
        "uploaded": report.uploaded,
        "conflicts": report.conflicts,
        "pending": report.pending,
        "refused": report.refused,
        "full": report.full,
        "reason": report.reason or None,
        "problems": list(report.problems),
    }


def _report_human(report: SyncReport) -> str:
    if not report.online:
        return (
            f"server not answering ({report.reason}): {report.pending} scan(s) waiting to "
            "upload; this station decides from its mirror meanwhile"
        )
    parts = [
        f"online: {report.uploaded} scan(s) uploaded",
        f"{report.downloaded} row(s) copied" + (" (a whole new copy)" if report.full else ""),
    ]
    if report.conflicts:
        parts.append(f"{report.conflicts} conflict(s): see `eventdesk report conflicts EVENT`")
    if report.pending:
        parts.append(f"{report.pending} still waiting")
    lines = [", ".join(parts)]
    if report.refused:
        lines.append(f"{report.refused} scan(s) refused by the server and kept:")
        lines.extend(f"  {problem}" for problem in report.problems)
    return "\n".join(lines)


@click.command()
@click.option("--watch", is_flag=True, help="Keep syncing until stopped (Ctrl-C).")
@click.option(
    "--every",
    type=click.FloatRange(0.5, 3600),
    metavar="SECONDS",
    help="Seconds between rounds with --watch (default: the station's sync_every, 3).",
)
@click.option("--full", is_flag=True, help="Copy everything again, not only what changed.")
@pass_ctx
def sync(obj: Ctx, watch: bool, every: float | None, full: bool) -> None:
    """Upload this station's offline scans, then refresh its offline mirror."""
    if not obj.on_server:
        obj.emit(
            {"online": True, "downloaded": 0, "uploaded": 0, "conflicts": 0, "pending": 0},
            ONE_BOX,
        )
        return
    station = obj.door_station()
    if not watch:
        report = station.sync_round(full=full)
        obj.emit(_report_json(report), lambda: _report_human(report))
        if not report.online:
            click.echo(
                f"eventdesk: server not answering ({report.reason}): nothing synced, "
                f"{report.pending} scan(s) still waiting",
                err=True,
            )
            raise click.exceptions.Exit(EXIT_ENVIRONMENT)
        return
    halt = threading.Event()
    wait = station.config.sync_every if every is None else every
    said: tuple[bool, int] | None = None
    try:
        while not halt.is_set():
            report = station.sync_round(full=full)
            full = False
            news = (report.online, report.pending)
            if obj.as_json or said != news or report.uploaded or report.conflicts:
                obj.emit(_report_json(report), lambda r=report: _report_human(r))  # type: ignore[misc]
                said = news
            if report.online and report.pending:
                continue
            halt.wait(wait if report.online else min(1.0, wait))
    except KeyboardInterrupt:
        return


@click.group()
def station() -> None:
    """This station: its server, its mirror, its scans waiting to upload."""


@station.command("status")
@pass_ctx
def station_status(obj: Ctx) -> None:
    """Server reachable, mirror age, scans waiting to upload."""
    if not obj.on_server:
        obj.emit(
            {
                "station": obj.station,
                "online": True,
                "pending": 0,
                "mirror_updated_at": None,
                "mirror_tickets": 0,
            },
            f"{obj.station}: {ONE_BOX}",
        )
        return
    found = obj.door_station().status()
    data = {
        "station": obj.station,
        "online": found.online,
        "pending": found.pending,
        "mirror_updated_at": to_jsonable(found.mirror_updated_at),
        "mirror_tickets": found.mirror_tickets,
        "refused": found.refused,
        "reason": found.reason or None,
        "server": found.server,
    }

    def human() -> str:
        state = "online" if found.online else f"OFFLINE ({found.reason})"
        age = local(found.mirror_updated_at, "UTC") if found.mirror_updated_at else "never copied"
        lines = [
            f"{obj.station}: {state}",
            f"mirror: {found.mirror_tickets} ticket(s), refreshed {age}",
            f"scans waiting to upload: {found.pending}",
        ]
        if found.refused:
            lines.append(f"scans the server refused (kept): {found.refused}")
        return "\n".join(lines)

    obj.emit(data, human)


COMMANDS = [sync, station]
