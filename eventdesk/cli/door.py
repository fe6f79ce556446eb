"""The door: check-in by QR payload or ticket id, the scan log and the live figures."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from eventdesk.cli.access import BY_ID_AT_A_DOOR
from eventdesk.cli.common import (
    EXIT_REFUSED,
    PRINT_BADGE,
    PRINT_ONLY_NO_EXIT,
    Ctx,
    device,
    door_options,
    local,
    pass_ctx,
    say,
    scan_human,
    scan_json,
    table,
    to_jsonable,
)
from eventdesk.errors import InvalidInput, NotAllowed
from eventdesk.event_time import event_zone
from eventdesk.i18n import N_, _, ngettext
from eventdesk.labels import label

if TYPE_CHECKING:
    from eventdesk.services.door.door import Door
    from eventdesk.services.door.scan_result import Direction, ScanResult
    from eventdesk.services.door.scans import ScanEntry

NOTHING_TO_OVERRIDE = N_("nothing to override: the door admits this ticket (admitted as usual)")

PRINTED = ("printed", "reprinted")  # a badge station's answers (services.door.badge_only)


@click.command()
@click.argument("words", nargs=-1, metavar="PAYLOAD | undo TICKET | import-ticks FILE")
@click.option("--ticket", "ticket_id", metavar="TICKET", help="Check in by ticket id (the desk).")
@click.option("--session", "session_id", type=int, metavar="ID", help="A session door.")
@click.option(
    "--event",
    "event_ref",
    metavar="EVENT",
    help="This door's event, or several (fri,sat,sun): others are refused.",
)
@click.option("--exit", "is_exit", is_flag=True, help="An exit scan (events with re-entry).")
@click.option(
    "--list",
    "list_ref",
    metavar="LIST",
    help="The check-in list to decide on (default: the event's default list).",
)
@click.option(
    "--answer",
    "answer_specs",
    multiple=True,
    metavar="KEY=VALUE",
    help="An answer to one of the list's questions (again for more).",
)
@click.option(
    "--nonce",
    metavar="ID",
    help="This scan's own id: sent again (a retry), it gets the first answer back.",
)
@click.option(
    "--print-only",
    "print_only",
    is_flag=True,
    help="As a badge station: print the ticket's badge and check no one in (exit 0 when "
    "printed or reprinted).",
)
@click.option(
    "--override",
    "override_reason",
    metavar="REASON",
    help="A supervisor (--operator, PIN asked) admits despite a refusal, for REASON.",
)
@click.option(
    "--pin-file",
    type=click.File("r"),
    metavar="F",
    help="With --override: the supervisor's PIN, read from F (else asked, hidden).",
)
@click.option(
    "--at",
    "ticked_at",
    metavar="TIME",
    help="import-ticks: when the paper was ticked, in the event's zone (ISO 8601, or HH:MM).",
)
@click.option(
    "--station",
    "paper_station",
    metavar="NAME",
    help="import-ticks: the station the ticks are entered as (e.g. Paper).",
)
@door_options
@pass_ctx
def checkin(
    obj: Ctx,
    words: tuple[str, ...],
    ticket_id: str | None,
    session_id: int | None,
    event_ref: str | None,
    is_exit: bool,
    list_ref: str | None,
    answer_specs: tuple[str, ...],
    nonce: str | None,
    override_reason: str | None,
    pin_file: Any,
    operator: str | None,
    auto_print: bool | None,
    printer: str | None,
    self_service: bool,
    print_only: bool,
    ticked_at: str | None,
    paper_station: str | None,
) -> None:
    """Check in one ticket; exit 0 only when admitted. `checkin undo TICKET` annuls a check-in.
    With --override REASON, a supervisor (--operator) admits despite a refusal. `checkin
    import-ticks FILE --at TIME --station NAME [--event EVENT] [--list LIST]` enters the ticks
    of a paper door list (a ticket id a line, or a CSV with a ticket column; at most 5 MB) as
    admissions from paper, decided as the door of the event and list would have at that time."""
    if words and words[0] == "import-ticks":
        from eventdesk.cli.paper import import_ticks

        import_ticks(obj, words, ticked_at, paper_station, operator, event_ref, list_ref)
        return
    if ticked_at is not None or paper_station is not None:
        raise click.UsageError(_("--at and --station are for `checkin import-ticks FILE`"))
    obj.reach_server()  # asked from now on, while what decides loads (services.stations.reach)
    from eventdesk.door_event import door_for_command
    from eventdesk.services.door.door import DoorSettings
    from eventdesk.services.stations.doors import open_door
    from eventdesk.values import utcnow

    if obj.on_server:  # decided on the server while it answers, else from this station's mirror
        station = obj.door_station()
        station.catch_up()
    if words and words[0] == "undo":
        if len(words) != 2:
            raise click.UsageError(_("usage: eventdesk checkin undo TICKET [--session ID]"))
        undoer = open_door(
            station if obj.on_server else obj.store,
            DoorSettings(operator=operator),
            station=obj.station,
        )
        door: Door = undoer
        undone = door.undo(words[1], session_id=session_id)
        offline = bool(getattr(undoer, "offline", False))  # a station's: decided from the copy
        zone = (
            station.zone_of(undone.ticket_id)
            if offline
            else obj.zones(tickets=[undone.ticket_id]).of_ticket(undone.ticket_id)
        )
        obj.emit(
            {
                "result": "undone",
                "ticket_id": undone.ticket_id,
                "session_id": undone.session_id,
                "was_checked_in_at": to_jsonable(undone.was_checked_in_at),
                "was_station": undone.was_station,
                "offline": offline,
            },
            (
                _(
                    "check-in of ticket {ticket} undone (was {when} at {station}) (OFFLINE: "
                    "uploaded when the server is back)"
                )
                if offline
                else _("check-in of ticket {ticket} undone (was {when} at {station})")
            ).format(
                ticket=undone.ticket_id,
                when=local(undone.was_checked_in_at, zone),
                station=undone.was_station,
            ),
        )
        return
    if ticket_id is not None and not ticket_id.strip():
        raise click.UsageError(_("--ticket needs a ticket id"))
    if len(words) > 1 or (len(words) == 1) == (ticket_id is not None):
        raise click.UsageError(_("give one PAYLOAD, or --ticket TICKET"))
    if ticket_id is not None and not is_exit and obj.on_server and obj.login().kind == "door":
        raise NotAllowed(_(BY_ID_AT_A_DOOR))
    if print_only and override_reason is not None:
        raise click.UsageError(_("--override admits a person; --print-only admits no one"))
    supervisor = (
        override_options(obj, override_reason, operator, pin_file, self_service, is_exit)
        if override_reason is not None
        else None
    )
    door_event = door_for_command(  # the station's own setting (eventdesk.door_event)
        obj.config,
        (lambda: obj.door_station().reach()) if obj.on_server else (lambda: obj.store),
        event_ref,
        now=utcnow(),
        warn=lambda text: say(f"eventdesk: {text}", err=True),
    )
    if print_only and is_exit:
        raise InvalidInput(_(PRINT_ONLY_NO_EXIT), field="exit")
    # A badge station always prints (services.door.badge_only), whatever auto_print says.
    print_to = obj.config.badge_printer(printer, True if print_only else auto_print)
    settings = DoorSettings(
        operator=operator,
        event=door_event,
        print_to=print_to,
        self_service=self_service,
        checkin_list=list_ref or obj.config.checkin_list,
        print_only=print_only,
    )
    answers = parse_answers(answer_specs)
    door = open_door(station if obj.on_server else obj.store, settings, station=obj.station)
    direction: Direction = "exit" if is_exit else "entry"
    if supervisor is not None and override_reason is not None:
        result = override_checkin(
            door, words, ticket_id, session_id, nonce, answers, supervisor, override_reason
        )
    elif ticket_id is not None:
        result = door.checkin_ticket(
            ticket_id, session_id=session_id, direction=direction, nonce=nonce, answers=answers
        )
    else:
        result = door.scan(
            words[0], session_id=session_id, direction=direction, nonce=nonce, answers=answers
        )
    obj.emit(scan_json(result), lambda: scan_human(result))
    if result.offline:
        waiting = obj.door_station().pending
        reason = obj.door_station().link.reason or _("server not answering")
        say(
            "eventdesk: "  # not for translation: the program's name
            + ngettext(
                "OFFLINE ({reason}): decided from this station's copy; {count} scan(s) waiting "
                "to upload",
                "OFFLINE ({reason}): decided from this station's copy; {count} scan(s) waiting "
                "to upload",
                waiting,
            ).format(reason=reason, count=waiting),
            err=True,
        )
    if print_to and result.badge_queued and not result.replayed:  # now its badge
        print_badge = device(PRINT_BADGE)
        if print_badge is None:
            lines = [
                _("badge for {ticket} queued for {printer} (no printing here)").format(
                    ticket=result.ticket_id, printer=print_to
                )
            ]
        else:
            lines = print_badge(obj, print_to, result.ticket_id or "")
        for line in lines:
            say(f"eventdesk: {line}", err=True)
    if not (result.admitted or (print_only and result.result in PRINTED)):
        raise click.exceptions.Exit(EXIT_REFUSED)


def override_options(
    obj: Ctx,
    reason: str,
    operator: str | None,
    pin_file: Any,
    self_service: bool,
    is_exit: bool,
) -> tuple[str, str]:
    """``--override``'s supervisor (``--operator``) and PIN (``--pin-file``, else asked on the
    terminal, hidden), after what an override never is (at a kiosk, at an exit)."""
    from eventdesk.cli.access import station_rights
    from eventdesk.services.door import override

    if self_service or station_rights(obj).role == "kiosk":
        raise override.kiosk_refuses()
    if is_exit:
        raise click.UsageError(_("--override admits a person: it lets no one out (--exit)"))
    if not operator:
        raise click.UsageError(_("--override needs the supervisor's name: --operator NAME"))
    override.reason_of(reason)
    if pin_file is not None:
        pin = pin_file.readline().strip()
    else:
        pin = click.prompt(_("PIN of {name}").format(name=operator), hide_input=True, err=True)
    return operator, pin


def override_checkin(
    door: Door,
    words: tuple[str, ...],
    ticket_id: str | None,
    session_id: int | None,
    nonce: str | None,
    answers: dict[str, str] | None,
    supervisor: tuple[str, str],
    reason: str,
) -> ScanResult:
    """``checkin --override``: a scanned line is decided first (a line that is no ticket of
    this event is never overridden); the ticket is then admitted by the supervisor when the
    door refuses it, or as usual when it does not."""
    from eventdesk.services.door import override

    name, pin = supervisor
    if ticket_id is None:
        first = door.scan(words[0], session_id=session_id, answers=answers)
        if first.admitted:
            say(f"eventdesk: {_(NOTHING_TO_OVERRIDE)}", err=True)
            return first
        override.check_overridable(first)
        assert first.ticket_id is not None
        ticket_id = first.ticket_id
    result = door.override(
        ticket_id,
        supervisor=name,
        pin=pin,
        reason=reason,
        session_id=session_id,
        nonce=nonce,
        answers=answers,
    )
    if result.override is None and result.admitted:
        say(f"eventdesk: {_(NOTHING_TO_OVERRIDE)}", err=True)
    return result


def parse_answers(specs: tuple[str, ...]) -> dict[str, str] | None:
    """``--answer KEY=VALUE`` options as a dict (checked against the list's questions by the
    door)."""
    found: dict[str, str] = {}
    for spec in specs:
        key, sep, value = spec.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(
                _("{answer!r} is not KEY=VALUE").format(answer=spec), param_hint="--answer"
            )
        found[key.strip().lower()] = value
    return found or None


@click.command("scan-log")
@click.argument("event_ref", metavar="EVENT", required=False)
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@pass_ctx
def scan_log(obj: Ctx, event_ref: str | None, limit: int) -> None:
    """The latest scans, good and bad, newest first."""
    from eventdesk.services.door.scans import recent_scans

    rows = recent_scans(obj.store, event_ref, limit=limit)
    zones = obj.zones()
    obj.emit(
        rows,
        lambda: table(
            # TRANSLATORS: the headings of the scan log's table
            [
                _("at"),
                _("station"),
                _("result"),
                _("ticket"),
                _("session"),
                _("direction"),
                _("operator"),
                _("note"),
            ],
            [
                (
                    local(r.at, zones.of(r.event_id)),
                    r.station,
                    r.result,
                    r.ticket_id,
                    r.session_id,
                    label("direction", r.direction),
                    r.operator,
                    scan_note(r),
                )
                for r in rows
            ],
        ),
    )


def scan_note(entry: ScanEntry) -> str:
    """The scan log's note on a scan: its conflict, where it was decided (paper, offline),
    the supervisor's override and the arrival alert it raised."""
    notes = []
    if entry.conflict:
        notes.append(_("conflict: {conflict}").format(conflict=entry.conflict))
    elif entry.source == "paper":
        # TRANSLATORS: a tick on the paper door list entered afterwards
        notes.append(_("from paper"))
    elif entry.offline:
        # TRANSLATORS: a scan decided while the station was offline
        notes.append(_("offline"))
    if entry.override is not None:
        said = (
            # TRANSLATORS: a supervisor admitted the person despite the door's refusal; the
            # station checked their PIN against its copy, offline (the server could not)
            _("override by {name}: {reason} (PIN checked offline by the station, not the server)")
            if entry.offline
            # TRANSLATORS: a supervisor admitted the person despite the door's refusal
            else _("override by {name}: {reason}")
        )
        notes.append(
            said.format(name=entry.override.get("by", ""), reason=entry.override.get("reason", ""))
        )
    if entry.alert:
        # TRANSLATORS: the organizer awaited this person; {reason} is why
        notes.append(_("arrival alert: {reason}").format(reason=entry.alert))
    return "; ".join(notes)


@click.command()
@click.argument("event_ref", metavar="EVENT")
@pass_ctx
def stats(obj: Ctx, event_ref: str) -> None:
    """The live snapshot the stats screen shows."""
    from eventdesk.services.stations.clock import clock_words
    from eventdesk.services.stats.reports import stats as snapshot

    made = snapshot(obj.read_store, event_ref)
    obj.say_figures()  # from a standby: how old

    def human() -> str:
        figures = (
            _(
                "{title}: {checked_in} checked in / {registered} registered of {capacity}, "
                "{waitlisted} waiting, {arrivals} in the last 15 minutes"
            )
            if made.capacity
            else _(
                "{title}: {checked_in} checked in / {registered} registered, "
                "{waitlisted} waiting, {arrivals} in the last 15 minutes"
            )
        )
        lines = [
            figures.format(
                title=made.title,
                checked_in=made.checked_in,
                registered=made.registered,
                capacity=made.capacity,
                waitlisted=made.waitlisted,
                arrivals=made.arrivals_last_15_min,
            ),
            "",
            table(
                # TRANSLATORS: the headings of the table of ticket types in `stats`
                [_("ticket type"), _("registered"), _("checked in")],
                [(t["name"], t["registered"], t["checked_in"]) for t in made.by_ticket_type],
            ),
        ]
        if made.sessions:
            lines += [
                "",
                table(
                    # TRANSLATORS: the headings of the table of sessions in `stats`
                    [_("session"), _("registered"), _("capacity"), _("attended")],
                    [
                        (x["name"], x["registered"], x["capacity"], x["attended"])
                        for x in made.sessions
                    ],
                ),
            ]
        if made.stations:
            lines += [
                "",
                table(
                    # TRANSLATORS: the headings of the table of stations in `stats`
                    [
                        _("station"),
                        _("scans"),
                        _("admitted"),
                        _("problems"),
                        _("last"),
                        _("clock"),
                    ],
                    [
                        (
                            x["station"],
                            x["scans"],
                            x["admitted"],
                            x["problems"],
                            local(x["last"], event_zone(made.timezone)),
                            clock_words(x["clock_skew_seconds"])
                            if x.get("clock_skew_seconds") is not None
                            else "-",
                        )
                        for x in made.stations
                    ],
                ),
            ]
        if made.scan_problems:
            lines += [
                "",
                # TRANSLATORS: {problems} is a list of result codes and counts
                _("scan problems: {problems}").format(
                    problems=", ".join(f"{k} {v}" for k, v in sorted(made.scan_problems.items()))
                ),
            ]
        if made.days:
            lines += [
                "",
                # TRANSLATORS: {days} is a list of dates and counts
                _("first arrivals per day: {days}").format(
                    days=", ".join(f"{d['day']} {d['arrivals']}" for d in made.days)
                ),
            ]
        if made.lists:
            lines += [
                "",
                table(
                    # TRANSLATORS: the headings of the table of check-in lists in `stats`
                    [_("check-in list"), _("inside now"), _("admitted")],
                    [(x["name"], x["inside"], x["admitted"]) for x in made.lists],
                ),
            ]
        if made.conflicts:
            lines += [
                _("conflicts: {count} (see `eventdesk report conflicts {event}`)").format(
                    count=made.conflicts, event=made.event
                )
            ]
        if made.badges_printed or made.badges_reprinted:
            lines += [
                # TRANSLATORS: a badge station's scans (no check-in) in `stats`
                _("badge stations: {printed} printed, {reprinted} reprinted").format(
                    printed=made.badges_printed, reprinted=made.badges_reprinted
                )
            ]
        if made.offline_scans:
            lines += [
                _("offline scans: {count} (decided offline, uploaded later)").format(
                    count=made.offline_scans
                )
            ]
        if made.revenue:
            lines += [
                _("revenue (net): {amounts}").format(
                    amounts=", ".join(r["net"] for r in made.revenue)
                )
            ]
        return "\n".join(lines)

    obj.emit(made, human)


COMMANDS = [checkin, scan_log, stats]
