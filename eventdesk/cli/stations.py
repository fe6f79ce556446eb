"""A station on a server: its offline mirror and outbox (``sync``), and how it stands
(``station status``). An SQLite station is its own server: nothing to sync."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import click

from eventdesk.cli.common import EXIT_ENVIRONMENT, Ctx, local, pass_ctx, say, to_jsonable
from eventdesk.event_time import UTC_ZONE

if TYPE_CHECKING:
    from eventdesk.services.stations.offline import SyncReport

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
        "notices": list(report.notices),
    }


def _report_human(report: SyncReport) -> str:
    said = "".join(f"{notice}\n" for notice in report.notices)  # a mirror moved aside
    if not report.online:
        return said + (
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
    return said + "\n".join(lines)


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
            say(
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
        "mirror_notice": found.notice,
        # The server's clock minus this station's (online the server's decides; offline the
        # station's, put right by this).
        "clock_skew_seconds": round(found.clock.seconds, 3) if found.clock else None,
        "clock_measured_at": to_jsonable(found.clock.measured_at) if found.clock else None,
    }

    def human() -> str:
        state = "online" if found.online else f"OFFLINE ({found.reason})"
        age = (
            local(found.mirror_updated_at, UTC_ZONE) if found.mirror_updated_at else "never copied"
        )
        lines = [
            f"{obj.station}: {state}",
            f"mirror: {found.mirror_tickets} ticket(s), refreshed {age}",
            f"scans waiting to upload: {found.pending}",
        ]
        if found.refused:
            lines.append(
                f"scans the server refused (kept): {found.refused} (see `eventdesk station outbox`)"
            )
        if found.notice:
            lines.append(f"mirror moved aside: {found.notice}")
        if found.clock is not None:
            warn = " (OFF: times are put right by the server's clock)" if found.clock.off else ""
            lines.append(f"clock: {found.clock.said()} against the server's{warn}")
        return "\n".join(lines)

    obj.emit(data, human)


@station.command("outbox")
@click.option("--retry", "retry_id", type=int, metavar="ID", help="Upload a refused scan again.")
@click.option("--clear", "clear_id", type=int, metavar="ID", help="Remove a refused scan.")
@pass_ctx
def station_outbox(obj: Ctx, retry_id: int | None, clear_id: int | None) -> None:
    """The offline scans waiting to upload or refused by the server, with reasons."""
    from eventdesk.errors import InvalidInput

    if retry_id is not None and clear_id is not None:
        raise InvalidInput("give --retry or --clear, not both", field="outbox")
    if not obj.on_server:
        obj.emit([], f"{obj.station}: this station's database is on this machine: it has no outbox")
        return
    from eventdesk.services.stations import outbox

    door = obj.door_station()
    mirror = door.mirror
    if retry_id is not None or clear_id is not None:
        if retry_id is not None:
            outbox.retry(mirror, retry_id)
            done = {"id": retry_id, "state": "pending"}
            said = f"outbox row {retry_id} waits to be uploaded again at the next sync"
        else:
            assert clear_id is not None
            outbox.clear(mirror, clear_id)
            done = {"id": clear_id, "state": "cleared"}
            said = f"outbox row {clear_id} removed (the server's refusal accepted)"
        obj.emit(done, said)
        return
    rows = outbox.outbox_rows(mirror)
    data = [{"id": r.id, "nonce": r.nonce, "state": r.state, "reason": r.reason} for r in rows]

    def human() -> str:
        if not rows:
            return f"{obj.station}: nothing waiting to upload, nothing refused"
        lines = [
            f"{r.id:>6}  {r.state:<8} {r.kind:<5} {r.result:<20} {r.ticket_id or '-':<16} "
            f"{r.reason}"
            for r in rows
        ]
        return "\n".join(lines)

    obj.emit(data, human)


COMMANDS = [sync, station]
