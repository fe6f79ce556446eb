"""A station on a server: its offline mirror and outbox (``sync``), and how it stands
(``station status``). An SQLite station is its own server: nothing to sync."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from eventdesk.cli.access import organizer_only
from eventdesk.cli.common import (
    EXIT_ENVIRONMENT,
    Ctx,
    answers_offline,
    local,
    pass_ctx,
    say,
    secret_from_file,
    table,
    to_jsonable,
)
from eventdesk.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from eventdesk.services.stations.offline import SyncReport

ONE_BOX = N_("this station's database is on this machine: it has no mirror and nothing to sync")


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
        "sales_uploaded": report.sales_uploaded,
        "sales_pending": report.sales_pending,
        # Another process of this station holds its copy's sync ("PID WHAT"): nothing here.
        "beside": report.beside,
        "complete": report.complete,
        "login_refused": report.login_refused,
    }


def holder_words(holder: str) -> str:
    """'1234 eventdesk app' as people read it: 'eventdesk app (pid 1234)'."""
    pid, _space, what = holder.partition(" ")
    return f"{what or 'eventdesk'} (pid {pid})" if pid.isdigit() else holder


def _sales_waiting(count: int) -> str:
    # TRANSLATORS: walk-ins sold offline from the station's quota, not uploaded yet
    return ngettext(
        "{count} walk-in sale waiting to upload",
        "{count} walk-in sales waiting to upload",
        count,
    ).format(count=count)


def _report_human(report: SyncReport) -> str:
    said = "".join(f"{notice}\n" for notice in report.notices)  # a mirror moved aside
    if report.login_refused:
        return said + report.login_refused
    if report.beside is not None:
        return said + _beside_words(report)
    if not report.online:
        away = ngettext(
            "server not answering ({reason}): {count} scan waiting to upload; this station "
            "decides from its mirror meanwhile",
            "server not answering ({reason}): {count} scans waiting to upload; this station "
            "decides from its mirror meanwhile",
            report.pending,
        ).format(reason=report.reason, count=report.pending)
        if report.uploaded:
            # TRANSLATORS: a sync the server stopped answering half-way
            away += "\n" + ngettext(
                "{count} uploaded before it stopped answering",
                "{count} uploaded before it stopped answering",
                report.uploaded,
            ).format(count=report.uploaded)
        if report.sales_pending:
            away += "\n" + _sales_waiting(report.sales_pending)
        return said + away
    # The round's figures, said one after the other and separated by commas.
    copied = (
        ngettext(
            "{count} row copied (a whole new copy)",
            "{count} rows copied (a whole new copy)",
            report.downloaded,
        )
        if report.full
        else ngettext("{count} row copied", "{count} rows copied", report.downloaded)
    )
    scans = report.uploaded - report.sales_uploaded
    parts = [
        ngettext("online: {count} scan uploaded", "online: {count} scans uploaded", scans).format(
            count=scans
        ),
        copied.format(count=report.downloaded),
    ]
    if report.sales_uploaded:
        parts.insert(
            1,
            # TRANSLATORS: walk-ins sold offline from the station's quota, uploaded now
            ngettext(
                "{count} walk-in sale uploaded",
                "{count} walk-in sales uploaded",
                report.sales_uploaded,
            ).format(count=report.sales_uploaded),
        )
    if report.conflicts:
        parts.append(
            ngettext(
                "{count} conflict: see `eventdesk report conflicts EVENT`",
                "{count} conflicts: see `eventdesk report conflicts EVENT`",
                report.conflicts,
            ).format(count=report.conflicts)
        )
    if report.pending:
        # TRANSLATORS: scans still waiting to upload
        parts.append(_("{count} still waiting").format(count=report.pending))
    if report.sales_pending:
        parts.append(_sales_waiting(report.sales_pending))
    lines = [", ".join(parts)]
    if report.refused:
        lines.append(
            ngettext(
                "{count} scan refused by the server and kept:",
                "{count} scans refused by the server and kept:",
                report.refused,
            ).format(count=report.refused)
        )
        lines.extend(f"  {problem}" for problem in report.problems)
    return said + "\n".join(lines)


def _beside_words(report: SyncReport) -> str:
    """A round that another process of the station kept from the copy."""
    from eventdesk.services.stations.link import SILENCE_SECONDS

    assert report.beside is not None
    return ngettext(
        "another process of this station ({holder}) holds its copy's sync and did not let go "
        "within {seconds:g} s: nothing uploaded by this command, {count} scan still waiting",
        "another process of this station ({holder}) holds its copy's sync and did not let go "
        "within {seconds:g} s: nothing uploaded by this command, {count} scans still waiting",
        report.pending,
    ).format(holder=holder_words(report.beside), seconds=SILENCE_SECONDS, count=report.pending)


def _one_round(station: Any, *, full: bool) -> SyncReport:
    """``sync``'s round, ended within its bound: it waits for another process of the station
    that holds the copy at most SILENCE_SECONDS, and the server's silence as long; a round the
    server cut short is made again while the server answers, within the same bound."""
    import time

    from eventdesk.services.stations.link import SILENCE_SECONDS

    ends = time.monotonic() + SILENCE_SECONDS
    report: SyncReport = station.sync_round(full=full, wait_for_copy=SILENCE_SECONDS)
    while report.online and not report.complete and time.monotonic() < ends:
        report = station.sync_round(full=full)
    return report


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
    """Upload this station's offline scans, then refresh its offline mirror; and exchange with
    the shops this station holds connections to (`shop connect`)."""
    if not obj.on_server:
        if watch:
            _shops_watched(obj, threading.Event())
            return
        shops = _shops_once(obj)
        obj.emit(
            {
                "online": True,
                "downloaded": 0,
                "uploaded": 0,
                "conflicts": 0,
                "pending": 0,
                "shops": [r.as_json() for r in shops],
            },
            lambda: "\n".join([_(ONE_BOX), *(r.words() for r in shops)]),
        )
        return
    station = obj.door_station()
    if not watch:
        report = _one_round(station, full=full)
        shops = _shops_once(obj) if report.online else []
        obj.emit(
            {**_report_json(report), "shops": [r.as_json() for r in shops]},
            lambda: "\n".join([_report_human(report), *(r.words() for r in shops)]),
        )
        if report.login_refused:
            say("eventdesk: " + report.login_refused, err=True)  # not for translation
            raise click.exceptions.Exit(EXIT_ENVIRONMENT)
        if report.beside is not None:
            say("eventdesk: " + _beside_words(report), err=True)  # not for translation
            raise click.exceptions.Exit(EXIT_ENVIRONMENT)
        if not report.online:
            waiting = (
                ngettext(
                    "server not answering ({reason}): {uploaded} uploaded before it stopped "
                    "answering, {count} scan still waiting",
                    "server not answering ({reason}): {uploaded} uploaded before it stopped "
                    "answering, {count} scans still waiting",
                    report.pending,
                )
                if report.uploaded
                else ngettext(
                    "server not answering ({reason}): nothing synced, {count} scan still waiting",
                    "server not answering ({reason}): nothing synced, {count} scans still waiting",
                    report.pending,
                )
            )
            say(
                "eventdesk: "  # not for translation: the program's name
                + waiting.format(
                    reason=report.reason, uploaded=report.uploaded, count=report.pending
                ),
                err=True,
            )
            raise click.exceptions.Exit(EXIT_ENVIRONMENT)
        return
    from eventdesk.services.folder_lock import FolderLock

    FolderLock.purpose = "eventdesk sync --watch"  # not for translation: a command
    halt = threading.Event()
    shops = _shops_watched(obj, halt, wait=False)
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
    finally:
        if shops is not None:
            shops.stop()


def _shops_once(obj: Ctx) -> list[Any]:
    """The station's shops exchanged with once (none connected: nothing)."""
    from eventdesk.services.data.shop_loop import exchange_all

    return exchange_all(obj.store, obj.config.data_dir)


def _shops_watched(obj: Ctx, halt: threading.Event, *, wait: bool = True) -> Any:
    """The station's shops exchanged with every while (each round said), in a thread until
    ``halt`` (``wait``: this thread waits for it, Ctrl-C); None when none is connected."""
    from eventdesk.services.data import pretix
    from eventdesk.services.data.shop_loop import ShopLoop

    if not pretix.connected(obj.config.data_dir):
        if wait:
            obj.emit({"online": True, "shops": []}, _(ONE_BOX))
        return None

    def said(rounds: list[Any]) -> None:
        for done in rounds:
            obj.emit({"shop": done.as_json()}, done.words)

    loop = ShopLoop(obj.store, obj.config.data_dir, on_round=said)
    loop.start()
    if wait:
        try:
            halt.wait()
        except KeyboardInterrupt:
            pass
        finally:
            loop.stop()
    return loop


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
                "sales_pending": 0,
            },
            f"{obj.station}: {_(ONE_BOX)}",
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
        "server_host": found.host,  # which of the server's hosts answers (several: a standby)
        "mirror_notice": found.notice,
        # The server's clock minus this station's (online the server's decides; offline the
        # station's, put right by this).
        "clock_skew_seconds": round(found.clock.seconds, 3) if found.clock else None,
        "clock_measured_at": to_jsonable(found.clock.measured_at) if found.clock else None,
        "sales_pending": found.sales_pending,
        "login_refused": found.login_refused,
        # Another process of this station syncing its copy now ("PID WHAT"), and since when
        # the copy says it decides offline.
        "beside": found.beside,
        "beside_offline_since": to_jsonable(found.beside_offline_since),
    }

    def human() -> str:
        state = (
            # TRANSLATORS: the station reaches its server
            _("online") if found.online else _("OFFLINE ({reason})").format(reason=found.reason)
        )
        if found.login_refused:
            state = _("REFUSED ({reason})").format(reason=found.login_refused)
        zone = obj.copy_zone()  # as the station's answers are read, not UTC
        age = (
            local(found.mirror_updated_at, zone)
            if found.mirror_updated_at
            # TRANSLATORS: completes "refreshed ...": the mirror was never copied
            else _("never copied")
        )
        if found.host:
            # TRANSLATORS: {state} is "online"; {host} the server's host:port that answered
            state = _("{state} (server {host})").format(state=state, host=found.host)
        lines = [
            f"{obj.station}: {state}",
            ngettext(
                "mirror: {count} ticket, refreshed {age}",
                "mirror: {count} tickets, refreshed {age}",
                found.mirror_tickets,
            ).format(count=found.mirror_tickets, age=age),
            _("scans waiting to upload: {count}").format(count=found.pending),
        ]
        if found.sales_pending:
            lines.append(
                # TRANSLATORS: walk-ins sold offline from the station's quota, not uploaded yet
                _("walk-in sales waiting to upload: {count}").format(count=found.sales_pending)
            )
        if found.refused:
            lines.append(
                _(
                    "scans the server refused (kept): {count} (see `eventdesk station outbox`)"
                ).format(count=found.refused)
            )
        if found.beside is not None:
            lines.append(
                _("syncing its copy now: {holder}").format(holder=holder_words(found.beside))
                if found.beside_offline_since is None
                else _(
                    "syncing its copy now: {holder}, which has decided OFFLINE since {time}"
                ).format(
                    holder=holder_words(found.beside),
                    time=local(found.beside_offline_since, zone),
                )
            )
        if found.notice:
            lines.append(_("mirror moved aside: {notice}").format(notice=found.notice))
        if found.clock is not None:
            said = (
                _(
                    "clock: {clock} against the server's (OFF: times are put right by the "
                    "server's clock)"
                )
                if found.clock.off
                else _("clock: {clock} against the server's")
            )
            lines.append(said.format(clock=found.clock.said()))
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
        raise InvalidInput(_("give --retry or --clear, not both"), field="outbox")
    if not obj.on_server:
        obj.emit(
            [],
            _("{station}: this station's database is on this machine: it has no outbox").format(
                station=obj.station
            ),
        )
        return
    from eventdesk.services.stations import outbox

    door = obj.door_station()
    mirror = door.mirror
    if retry_id is not None or clear_id is not None:
        if retry_id is not None:
            outbox.retry(mirror, retry_id)
            done = {"id": retry_id, "state": "pending"}
            said = _("outbox row {id} waits to be uploaded again at the next sync").format(
                id=retry_id
            )
        else:
            assert clear_id is not None
            outbox.clear(mirror, clear_id)
            done = {"id": clear_id, "state": "cleared"}
            said = _("outbox row {id} removed (the server's refusal accepted)").format(id=clear_id)
        obj.emit(done, said)
        return
    rows = outbox.outbox_rows(mirror)
    data = [{"id": r.id, "nonce": r.nonce, "state": r.state, "reason": r.reason} for r in rows]

    def human() -> str:
        if not rows:
            return _("{station}: nothing waiting to upload, nothing refused").format(
                station=obj.station
            )
        lines = [
            f"{r.id:>6}  {r.state:<8} {r.kind:<5} {r.result:<20} {r.ticket_id or '-':<16} "
            f"{r.reason}"
            for r in rows
        ]
        return "\n".join(lines)

    obj.emit(data, human)


COMMANDS = [sync, station]


def _typed_passphrase(file: str | None) -> str:
    """The passphrase from --passphrase-file, typed at the terminal (hidden), or read from
    standard input's first line."""
    if file is not None:
        return secret_from_file(file, "passphrase")
    if sys.stdin.isatty():
        return str(click.prompt(_("This station's passphrase"), hide_input=True, err=True))
    return sys.stdin.readline().strip()


@station.command("unlock")
@click.option(
    "--passphrase-file", type=click.Path(dir_okay=False), help="Read the passphrase from FILE."
)
@pass_ctx
def station_unlock(obj: Ctx, passphrase_file: str | None) -> None:
    """Unlock this station's copy with its passphrase (a start while its server is away)."""
    if not obj.on_server:
        obj.emit(
            {"station": obj.station, "unlocked": False},
            _("{station}: this station's database is on this machine: it has no copy").format(
                station=obj.station
            ),
        )
        return
    door = obj.door_station()
    door.unlock(_typed_passphrase(passphrase_file))
    obj.emit(
        {"station": obj.station, "unlocked": True},
        _("{station}: its copy is unlocked until this machine stops").format(station=obj.station),
    )


@station.command("passphrase")
@click.argument("station_name", metavar="STATION")
@pass_ctx
@organizer_only
def station_passphrase(obj: Ctx, station_name: str) -> None:
    """The passphrase that unlocks STATION's copy while its server is away (give it to that
    station's staff on paper)."""
    from eventdesk.services.stations.copy_key import fetch

    _require_server(obj)
    issued = fetch(obj.store, station_name)
    obj.emit(
        {"station": station_name, "passphrase": issued.passphrase},
        _("{station}: passphrase {passphrase}").format(
            station=station_name, passphrase=issued.passphrase
        ),
    )


@station.command("revoke")
@click.argument("station_name", metavar="STATION")
@click.option(
    "--reset-pins/--keep-pins",
    "reset_pins",
    default=None,
    help="Give a new PIN to every staff account whose PIN the station gives away (its copy's "
    "desk and kiosk accounts, and who signed in there), or keep them; at a terminal, asked.",
)
@pass_ctx
@organizer_only
def station_revoke(obj: Ctx, station_name: str, reset_pins: bool | None) -> None:
    """End a lost station: its logins refused at once, its copy's key given to no one again;
    then the staff PINs it gives away listed, and reset when asked."""
    from eventdesk.cli.station_revoke import revoke_station

    _require_server(obj)
    revoke_station(obj, station_name, reset_pins)


@station.command("accept-outbox")
@click.argument("station_name", metavar="STATION")
@click.option(
    "--from",
    "source",
    required=True,
    type=click.Path(exists=True),
    help="The lost station's data folder (or its mirror.db).",
)
@click.option(
    "--dry-run", is_flag=True, help="List each row and what would become of it; take nothing."
)
@click.option("--yes", is_flag=True, help="Take the rows without asking (scripts).")
@pass_ctx
@organizer_only
def station_accept_outbox(
    obj: Ctx, station_name: str, source: str, dry_run: bool, yes: bool
) -> None:
    """Upload what a lost station's copy held in its outbox, through that station's own checks
    on the server, from its last complete upload up to its revocation."""
    from eventdesk.cli.lost_station import accept_outbox

    _require_server(obj)
    accept_outbox(obj, station_name, Path(source), dry_run=dry_run, yes=yes)


def _require_server(obj: Ctx) -> None:
    from eventdesk.errors import NotAllowed

    if not obj.on_server:
        raise NotAllowed(
            _(
                "this station's database is an SQLite file on this machine: it has no other "
                "stations (stations share a PostgreSQL server for that)"
            )
        )


@station.command("quota")
@click.argument("event_ref", metavar="EVENT")
@click.option("--ticket-type", metavar="NAME", help="The ticket type it sells (with --places).")
@click.option(
    "--places",
    type=int,
    help="Places it may still sell offline (0: give the unsold ones back).",
)
@click.option("--station", "station_name", metavar="NAME", help="The station (default: this one).")
@pass_ctx
@answers_offline
def station_quota(
    obj: Ctx,
    event_ref: str,
    ticket_type: str | None,
    places: int | None,
    station_name: str | None,
) -> None:
    """A station's quota: places of a ticket type it sells while its server is away (the
    quotas of the event without --places)."""
    from eventdesk.cli.access import desk_only
    from eventdesk.errors import InvalidInput
    from eventdesk.services.stations import quota

    name = station_name or obj.station
    if places is None:
        if ticket_type is not None:
            raise InvalidInput(_("--ticket-type needs --places"), field="places")
        desk_only(lambda _obj: None)(obj)
        listed = obj.server_or_copy(
            lambda store: quota.quotas(store, event_ref, station_name),
            lambda copy: _copy_quotas(copy, event_ref, name),
        )
        obj.emit(
            [_quota_json(q) for q in listed],
            lambda: table(
                # TRANSLATORS: the headings of the table of the stations' quotas
                [_("station"), _("ticket type"), _("places left"), _("sold offline")],
                [(q.station, q.ticket_type, q.places, q.sold) for q in listed],
            ),
        )
        return
    if ticket_type is None:
        raise InvalidInput(_("--places needs --ticket-type"), field="ticket_type")
    organizer_only(lambda _obj: None)(obj)
    given = quota.give(obj.store, event_ref, ticket_type, name, places)
    said = _(
        "{station} may sell {places} more place(s) of {ticket_type} offline ({sold} sold "
        "offline so far)"
    ).format(
        station=given.station,
        places=given.places,
        ticket_type=given.ticket_type,
        sold=given.sold,
    )
    if given.codes:
        # TRANSLATORS: after "Desk 2 may sell 5 more place(s) ...": QR codes signed ahead
        said += "; " + ngettext(
            "{count} QR code signed ahead for its walk-ins' badges",
            "{count} QR codes signed ahead for its walk-ins' badges",
            given.codes,
        ).format(count=given.codes)
    elif places and obj.store.signer is None:
        said += "; " + _(
            "no QR codes signed ahead (this station has no signing key): what it sells offline "
            "has its QR once uploaded"
        )
    obj.emit(_quota_json(given), said)


def _copy_quotas(copy: Any, event_ref: str, name: str) -> list[Any]:
    """This station's quotas as its copy counts them (its sales not uploaded yet are sold)."""
    from eventdesk.services.stations.quota import Quota
    from eventdesk.services.stations.quota_sale import copy_quotas

    return [
        Quota(q.event, q.ticket_type, q.station, q.left, q.sold + q.pending)
        for q in copy_quotas(copy, event_ref, name)
    ]


def _quota_json(given: Any) -> dict[str, Any]:
    return {
        "event": given.event,
        "ticket_type": given.ticket_type,
        "station": given.station,
        "places": given.places,
        "sold": given.sold,
        "codes": given.codes,
    }
