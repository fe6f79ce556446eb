"""The devices' commands: `scan` (camera or keyboard wedge) and `doctor` (its run in
devices/doctor_cli.py); `print` and `print-queue` are devices/print_cli.py's."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from devices.assembly import StationParts
from devices.doctor_cli import doctor_options, run_doctor
from devices.news import outcome_news
from devices.print_cli import finish_printing, printers_of
from eventdesk.cli.common import (
    PRINT_ONLY_NO_EXIT,
    Ctx,
    door_options,
    json_text,
    pass_ctx,
    scan_human,
    scan_json,
)
from eventdesk.cli.common import (
    say as tell,
)
from eventdesk.config import DECODERS
from eventdesk.errors import EnvironmentProblem, InvalidInput
from eventdesk.i18n import N_, _, ngettext
from eventdesk.labels import label
from eventdesk.services.door.door import Door, DoorSettings

if TYPE_CHECKING:
    from devices.outage import DatabaseState
    from devices.sound import DoorSound
    from devices.wedge import Decision
    from eventdesk.db import Store


@click.command()
@click.option(
    "--source",
    required=True,
    metavar="0|FILE|DIR|URL|-|serial:PATH",
    help="A camera number, a video file, a folder of images, a stream URL, - for a "
    "keyboard-wedge scanner on stdin, or serial:/dev/ttyACM0 for a scanner in serial (USB CDC) "
    "mode.",
)
@click.option(
    "--baud",
    type=click.IntRange(50, 4_000_000),
    default=None,
    help="A serial scanner's speed (default 9600, or the @SPEED in serial:PATH@SPEED).",
)
@click.option(
    "--decoder",
    "decoder_name",
    type=click.Choice(DECODERS),
    default=None,
    help="How QR codes are read (default: [station] decoder in eventdesk.toml, else auto).",
)
@click.option("--session", "session_id", type=int, metavar="ID", help="A session door.")
@click.option(
    "--event",
    "event_ref",
    metavar="EVENT",
    help="This door's event, or several (fri,sat,sun): others are refused.",
)
@click.option(
    "--debounce",
    type=click.FloatRange(0, 3600),
    default=3.0,
    show_default=True,
    help="Seconds a code is ignored after its decision while it stays in view.",
)
@click.option(
    "--realtime", is_flag=True, help="Play a video file at its frame rate, like a camera."
)
@click.option(
    "--list",
    "list_ref",
    metavar="LIST",
    help="The check-in list to decide on (default: [station] list, else the event's default).",
)
@click.option(
    "--exit",
    "is_exit",
    is_flag=True,
    help="An exit gate: every scan is an exit (events with re-entry); who is inside goes down.",
)
@click.option("--width", type=click.IntRange(160, 7680), default=1280, show_default=True)
@click.option("--height", type=click.IntRange(120, 4320), default=720, show_default=True)
@click.option(
    "--sound/--no-sound",
    "sound",
    default=None,
    help="A sound per answer: yes, see the desk, no (default: the station's sound setting; "
    "auto is on here).",
)
@click.option(
    "--print-only",
    "print_only",
    is_flag=True,
    default=None,
    help="A badge station: print a badge for each valid ticket and check no one in "
    '(printed, or reprinted) (default: [station] purpose = "badges").',
)
@door_options
@pass_ctx
def scan(
    obj: Ctx,
    source: str,
    decoder_name: str | None,
    session_id: int | None,
    event_ref: str | None,
    debounce: float,
    realtime: bool,
    list_ref: str | None,
    is_exit: bool,
    width: int,
    height: int,
    sound: bool | None,
    baud: int | None,
    operator: str | None,
    auto_print: bool | None,
    printer: str | None,
    self_service: bool,
    print_only: bool | None,
) -> None:
    """Run the scanner: one decision a line, until a file source ends (or Ctrl-C).

    A database that does not answer (busy, locked, away) never ends it: that is said once on
    stderr, every scan read meanwhile is kept and decided in order when it answers again."""
    port = _serial_port(source, baud)  # a typo, or a port that is not there, before the database
    spec = None if source.strip() == "-" or port else _camera_source(source)
    # Asked from now on, while what decides loads (services.stations.reach); a scan goes on
    # deciding while a link comes and goes, so each call may try a refusing server again.
    obj.reach_server(one_shot=False)
    from eventdesk.door_event import door_for_command
    from eventdesk.values import utcnow

    door_event = door_for_command(  # the station's own setting, kept (eventdesk.door_event)
        obj.config,
        (lambda: obj.door_station().reach()) if obj.on_server else (lambda: obj.store),
        event_ref,
        now=utcnow(),
        warn=lambda text: tell(f"eventdesk scan: {text}", err=True),  # not for translation: name
    )
    if print_only is None:
        print_only = obj.config.print_only
    if print_only and is_exit:
        raise InvalidInput(_(PRINT_ONLY_NO_EXIT), field="exit")
    # A badge station always prints (services.door.badge_only), whatever auto_print says.
    print_to = obj.config.badge_printer(printer, True if print_only else auto_print)

    def say(text: str) -> None:
        tell(f"eventdesk scan: {text}", err=True)  # not for translation: the command's name

    def database(state: DatabaseState) -> None:
        say(state.sentence())

    station = obj.door_station() if obj.on_server else None
    sync_loop = None
    store: Store | None = None
    if station is None:
        store = obj.store
    else:  # a station on a server starts, and decides, even while its server is away
        from eventdesk.services.folder_lock import FolderLock
        from eventdesk.services.stations.link import ServerAway

        FolderLock.purpose = "eventdesk scan"  # not for translation: a command

        try:
            store = station.reached()
        except ServerAway:
            say(
                _(
                    "OFFLINE ({reason}): deciding from this station's copy; badges are not "
                    "printed until the server is back"
                ).format(reason=station.link.reason)
            )

        def link_changed(online: bool, reason: str) -> None:
            if online:
                say(_("server back: online again, every offline scan uploaded"))
            else:
                say(
                    _(
                        "OFFLINE ({reason}): deciding from this station's copy, uploading when "
                        "the server is back"
                    ).format(reason=reason)
                )

        copied: list[bool] = []

        def round_done(report: Any) -> None:
            if report.online and not copied:
                copied.append(True)
                tickets = station.mirror_status().tickets
                say(
                    ngettext(
                        "offline copy ready: {count} ticket, refreshed every few seconds",
                        "offline copy ready: {count} tickets, refreshed every few seconds",
                        tickets,
                    ).format(count=tickets)
                )
            if report.conflicts:
                say(
                    ngettext(
                        "{count} conflict on upload: see `eventdesk report conflicts EVENT`",
                        "{count} conflicts on upload: see `eventdesk report conflicts EVENT`",
                        report.conflicts,
                    ).format(count=report.conflicts)
                )

        station.link.listeners.append(link_changed)
    # The station's parts, made as the app makes them (devices.assembly).
    parts = StationParts(obj.station, store, station, printers_of(obj) if print_to else {})
    if station is not None:
        sync_loop = parts.sync(on_round=round_done, on_error=lambda exc: say(f"sync: {exc}"))
    printer_worker = None
    if print_to:
        printer_worker = parts.printer(
            on_outcome=outcome_news(say),  # a printer off: said once, and when it is back
            on_database=lambda state: say(_("print queue: {state}").format(state=state.sentence())),
            only=print_to,  # with the badges of offline check-ins, from the station's copy
        )
    if printer_worker is not None:
        printer_worker.start()

    def show(decision: Decision) -> None:
        result = decision.result
        if obj.as_json:
            click.echo(json_text(scan_json(result, decision)))
        else:
            tell(f"{scan_human(result)}   ({decision.latency_ms:.0f} ms)")
        sys.stdout.flush()
        if door_sound is not None:
            from devices.sound import cue_for

            door_sound.play(cue_for(result))

    settings = DoorSettings(
        operator=operator,
        event=door_event,
        # A badge station queues its badges offline too (in its copy's own queue).
        print_to=print_to if (store is not None or print_only) and not is_exit else None,
        self_service=self_service,
        direction="exit" if is_exit else "entry",
        checkin_list=list_ref or obj.config.checkin_list,
        print_only=print_only,
    )

    def make_door() -> Door:
        return parts.door(settings)

    door_sound = _door_sound(obj, sound, say)
    if spec is None:
        if port is None:
            say(_("reading a keyboard-wedge scanner on stdin (one ticket a line)"))
        else:
            say(
                _("reading the serial scanner on {port} at {baud} baud (one ticket a line)").format(
                    port=port[0], baud=port[1]
                )
            )
        try:
            _scan_lines(make_door(), session_id, show, database, say, port)
        finally:
            finish_printing(obj, printer_worker, print_to, say)
            _finish_sync(sync_loop, station, say)
            _finish_sound(door_sound)
        return

    from devices.capture import CaptureState, CaptureWorker
    from devices.decoders import describe, make_decoder
    from devices.news import CameraNews
    from devices.outage import is_outage

    decoder = make_decoder(decoder_name or obj.config.decoder)
    say(
        # TRANSLATORS: {source} is "camera 0", "video file NAME"...; {decoder} a decoder's name
        _("{source} with decoder {decoder}, debounce {seconds:g} s").format(
            source=spec.label, decoder=describe(decoder), seconds=debounce
        )
    )
    camera_news = CameraNews()  # a camera reconnecting: said once, not at each try

    def camera_state(state: CaptureState, detail: str) -> None:
        if camera_news.tells(state, detail):
            say(_camera_said(spec.kind, state, detail))

    capture = CaptureWorker(
        spec, width=width, height=height, realtime=realtime, on_state=camera_state
    )
    capture.start()
    capture.wait_started()

    def failed(exc: BaseException) -> None:
        if not is_outage(exc):  # the database not answering is said once, by ``database``
            say(
                _(
                    "a check-in failed, that code is decided again when seen again: {problem}"
                ).format(problem=exc)
            )

    worker = parts.scanner(
        make_door,  # the one door, set as the command says (an exit gate, a list)
        capture,
        decoder,
        on_decision=show,
        debounce=debounce,
        session_id=session_id,
        on_failure=failed,
        on_database=database,
    )
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:
        say(_stopped(worker.waiting))
    finally:
        worker.stop()
        capture.stop()
        worker.join(5)
        capture.join(5)
        finish_printing(obj, printer_worker, print_to, say)
        _finish_sync(sync_loop, station, say)
        _finish_sound(door_sound)
    if worker.error is not None:
        raise worker.error
    if capture.error is not None:
        raise capture.error
    say(
        ngettext(
            "done: {frames} frame read, {decoded} decoded",
            "done: {frames} frames read, {decoded} decoded",
            capture.frames_read,
        ).format(frames=capture.frames_read, decoded=worker.frames_decoded)
    )


# The camera's kinds (codes: devices.capture.Source.kind) as `scan` says them; one not here is
# said as it comes (its states: eventdesk.labels).
CAMERA_KINDS = {
    # TRANSLATORS: where the scanner's pictures come from
    "camera": N_("camera"),
    # TRANSLATORS: where the scanner's pictures come from: a video file
    "file": N_("file"),
    # TRANSLATORS: where the scanner's pictures come from: a folder of images
    "folder": N_("folder"),
    # TRANSLATORS: where the scanner's pictures come from: a network stream
    "stream": N_("stream"),
}
# A serial scanner's states (devices.serial_scanner.SerialScanner's codes), as `scan` says them.
SERIAL_STATES = {
    "starting": N_("serial scanner starting"),
    "connected": N_("serial scanner connected"),
    "not answering": N_("serial scanner not answering"),
    "disconnected": N_("serial scanner disconnected"),
    # "connected" again after it was away
    "back": N_("serial scanner back"),
}


def _camera_said(kind: str, state: str, detail: str) -> str:
    """A camera's new state, as `scan` says it: its kind, its state, and the detail."""
    kind_said = _(CAMERA_KINDS[kind]) if kind in CAMERA_KINDS else kind
    state_said = label("camera_state", str(state))
    return f"{kind_said}: {state_said}" + (f" ({detail})" if detail else "")


def _stopped(waiting: int) -> str:
    """A scanner stopped with Ctrl-C, and the scans it had not decided."""
    if not waiting:
        # TRANSLATORS: the scanner was stopped (Ctrl-C)
        return _("stopped")
    return ngettext(
        "stopped: {count} scan(s) not decided", "stopped: {count} scan(s) not decided", waiting
    ).format(count=waiting)


def _door_sound(obj: Ctx, sound: bool | None, say: Callable[[str], None]) -> DoorSound | None:
    """The door's sound when it is on for `scan` (``--sound``, else the station's setting),
    else None. A station with no sound device still scans: that is said once, not per scan."""
    if not (obj.config.sound_on("scan") if sound is None else sound):
        return None
    from devices.sound import DoorSound

    return DoorSound(
        on_unavailable=lambda reason: say(_("sound unavailable: {reason}").format(reason=reason))
    )


def _finish_sound(door_sound: DoorSound | None) -> None:
    """At the end of a scanner: the last answer's sound is heard to its end, then closed."""
    if door_sound is not None:
        door_sound.close(wait=1.0)


def _finish_sync(sync_loop: Any, station: Any, say: Callable[[str], None]) -> None:
    """At the end of a scanner on a server: one last upload, and what still waits, said."""
    if sync_loop is None:
        return
    from eventdesk.services.stations.link import ServerAway

    sync_loop.stop()
    # A round under way is let finish; one waiting on a server that does not answer is not
    # (what it would have sent waits in the mirror, said below).
    sync_loop.join(10 if station.link.online else station.link.threshold)
    if station.pending:
        if station.link.worth_asking():
            with contextlib.suppress(ServerAway):  # one last upload, at most 10 s
                station.link.call(
                    lambda: station.sync_round(refresh_mirror=False),
                    timeout=10,
                    answered=lambda report: report.online,
                )
        if station.pending:
            say(
                ngettext(
                    "{count} offline scan still waiting to upload: it is kept in this station's "
                    "mirror; `eventdesk sync` uploads it",
                    "{count} offline scans still waiting to upload: they are kept in this "
                    "station's mirror; `eventdesk sync` uploads them",
                    station.pending,
                ).format(count=station.pending)
            )


def _scan_lines(
    door: Door,
    session_id: int | None,
    show: Callable[[Decision], None],
    database: Callable[[DatabaseState], None],
    say: Callable[[str], None],
    port: tuple[str, int] | None = None,
) -> None:
    """Keyboard-wedge lines from stdin (or a serial scanner's from ``port``), decided in order
    by a LineQueue: a thread reads them as they come, so every line is kept (and counted) while
    the database does not answer. At the end of input what waits is still decided (a serial
    port has no end: it is read again when it comes back); Ctrl-C (or SIGTERM) stops at once."""
    from devices.wedge import Line, LineQueue, read_lines

    queue = LineQueue(
        lambda: door,
        on_decision=lambda decision, _scan: show(decision),
        on_database=database,
        session_id=session_id,
    )

    def read() -> None:
        # The file descriptor itself, unbuffered: this thread may still be reading when the
        # process stops, and a buffered sys.stdin would then block the interpreter's exit.
        stdin = open(sys.stdin.fileno(), "rb", buffering=0, closefd=False)  # noqa: SIM115
        try:
            for line in read_lines(stdin):
                queue.put(line)
        finally:
            queue.close()
            if queue.outage.down and queue.waiting:
                say(
                    ngettext(
                        "end of input: {count} scan still waiting for the database",
                        "end of input: {count} scans still waiting for the database",
                        queue.waiting,
                    ).format(count=queue.waiting)
                )

    queue.start()
    if port is not None:
        from devices.serial_scanner import SerialScanner

        away = False

        def port_state(state: str, why: str | None) -> None:  # once a change (SerialScanner)
            nonlocal away
            if state == "connected" and away:
                state = "back"
            away = state in ("not answering", "disconnected")
            said = (
                _(SERIAL_STATES[state])
                if state in SERIAL_STATES
                else _("serial scanner {state}").format(state=state)
            )
            say(said + (f" ({why})" if why else ""))

        def port_line(line: Line, ended_at: float) -> None:
            queue.put(line, read_at=ended_at)

        SerialScanner(*port, port_line, port_state).start()
    else:
        threading.Thread(target=read, name="wedge input", daemon=True).start()
    try:
        while queue.is_alive():
            queue.join(0.2)
    except KeyboardInterrupt:
        queue.stop()
        queue.join(2.0)  # the lines being decided together are answered before it ends
        say(_stopped(queue.waiting))
        raise
    if queue.error is not None:
        raise queue.error


def _serial_port(source: str, baud: int | None) -> tuple[str, int] | None:
    """``serial:PATH[@SPEED]`` as (path, baud), the port checked now: one that cannot be opened
    is said with exit code 3 before anything else starts."""
    from devices.serial_scanner import serial_source

    try:
        port = serial_source(source.strip())
    except ValueError as exc:
        raise InvalidInput(str(exc), field="source") from None
    if port is None:
        return None
    path, speed = port[0], baud or port[1]
    import serial

    try:
        serial.Serial(path, speed, timeout=0).close()
    except (OSError, serial.SerialException) as exc:
        why = (str(exc).strip() or type(exc).__name__).splitlines()[0]
        raise EnvironmentProblem(
            _("cannot open the serial scanner {path}: {problem}").format(path=path, problem=why)
        ) from None
    return path, speed


def _camera_source(source: str) -> Any:
    from devices.capture import parse_source

    return parse_source(source)


# --- badges and printing --------------------------------------------------------------------
COMMANDS = [scan]


@click.command("doctor")
@doctor_options
@pass_ctx
def doctor(
    obj: Ctx,
    test_label: bool,
    scan_line: str | None,
    event: str | None,
    printer: str | None,
    camera: str | None,
    camera_seconds: float,
) -> None:
    """Check this station before the doors open; exit 0 only when all is well, else 3."""
    run_doctor(
        obj,
        test_label=test_label,
        scan_line=scan_line,
        event=event,
        printer=printer,
        camera=camera,
        camera_seconds=camera_seconds,
    )
