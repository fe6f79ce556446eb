"""A station checks itself before the doors open (``eventdesk doctor``, the app's Checks
screen): the devices' checks (the printer's status read back and a test label, the camera's
frames and a QR read from them, the scanner's keyboard layout, the sound), and every check in
one list (``run_checks``), the core's and the badges' included. Each check is one line: green,
or a sentence saying what to do."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from eventdesk.errors import EventdeskError
from eventdesk.i18n import _, ngettext
from eventdesk.services.stations.doctor import Finding, core_checks, problem_of
from eventdesk.values import number_text

if TYPE_CHECKING:
    from devices.printers import PrinterSpec
    from eventdesk.config import Config, SoundScreen
    from eventdesk.db import Store
    from eventdesk.services.stations.mirror import Mirror
    from eventdesk.services.stations.offline import Station

CAMERA_SECONDS = 5.0  # how long the camera is watched for frames and a QR
SOUND_SECONDS = 5.0  # how long the sound device may take to open


@dataclass(frozen=True)
class DoctorOptions:
    """What a run checks beyond the settings: a test label, a scanned line, the event."""

    event: str | None = None
    printer: str | None = None
    camera: str | None = None  # over [station] camera
    test_label: bool = False
    scan_line: str | None = None  # None: the scanner is not checked
    camera_seconds: float = CAMERA_SECONDS
    sound_backend: str | None = None  # EVENTDESK_SOUND_BACKEND's meaning; None: that variable
    screen: SoundScreen | None = None  # where the answers are read (the app's mode), if known


# --- the printer ------------------------------------------------------------------------------
def check_printer(spec: PrinterSpec) -> Finding:
    """The printer's status read back (a Zebra's ~HS, an ESC/POS printer's DLE EOT), or where
    its badges go when it has none to read."""
    from devices.printers import PrinterProblem, escpos_status, zebra_status

    if spec.kind == "folder":
        folder, minutes = Path(str(spec.path)), spec.keep_seconds / 60
        problem = unwritable(folder)
        if problem is not None:
            return Finding(
                "printer",
                False,
                _("badges cannot be written to {folder} ({problem}): choose another folder").format(
                    folder=folder, problem=problem
                ),
            )
        return Finding(
            "printer",
            True,
            ngettext(
                "printer {name}: badges are written as files to {folder}, each deleted {minutes} "
                "minute after it was written unless taken before",
                "printer {name}: badges are written as files to {folder}, each deleted {minutes} "
                "minutes after it was written unless taken before",
                max(1, round(minutes)),
            ).format(
                name=spec.name,
                folder=folder,
                minutes=number_text(minutes, 0 if minutes == int(minutes) else 1),
            ),
        )
    if spec.kind != "tcp" or spec.language not in ("zpl", "escpos"):
        return Finding(
            "printer",
            True,
            _("printer {name}: its status cannot be read back from here (not checked)").format(
                name=spec.name
            ),
        )
    try:
        status = zebra_status(spec) if spec.language == "zpl" else escpos_status(spec)
    except PrinterProblem as exc:
        return Finding(
            "printer",
            False,
            _("{problem}: switch the printer on and check its cable and address").format(
                problem=problem_of(exc)
            ),
        )
    problem = status.problem
    if problem is not None:
        return Finding(
            "printer",
            False,
            _("printer {name}: {problem}: see to the printer").format(
                name=spec.name, problem=problem
            ),
        )
    return Finding(
        "printer",
        True,
        _("printer {name} at {host}:{port} answered: ready").format(
            name=spec.name, host=spec.host, port=spec.port
        ),
    )


def unwritable(folder: Path) -> str | None:
    """Why files cannot be written to ``folder`` (None: they can), found without making it
    or anything in it (a self-check creates nothing): a folder not made yet is made by the
    first badge (devices.printers), where its nearest existing parent lets it be."""
    import errno
    import os

    where = folder.absolute()
    while not where.exists() and where.parent != where:
        where = where.parent
    if not where.is_dir():
        return os.strerror(errno.ENOTDIR) + f": {where}"
    if not os.access(where, os.W_OK | os.X_OK):
        return os.strerror(errno.EACCES) + f": {where}"
    return None


def print_test_label(spec: PrinterSpec, layout: str | None = None) -> Finding:
    """A test badge printed, delivered when the printer said so (devices.printers.send)."""
    from badges.doctor import test_badge
    from badges.render import render
    from devices.printers import PrinterProblem, send

    badge = test_badge(layout) if layout else test_badge()
    try:
        data = render(badge, spec.language, **spec.render_options)
        where = send(spec, data, label="doctor-test-label")
    except (PrinterProblem, EventdeskError) as exc:
        return Finding(
            "test_label",
            False,
            _("the test label was not printed ({problem})").format(problem=problem_of(exc)),
        )
    return Finding(
        "test_label",
        True,
        _("a test label went to {where}: check that it came out whole and straight").format(
            where=where
        ),
    )


# --- the camera -------------------------------------------------------------------------------
def check_camera(source_text: str | None, decoder: str, seconds: float) -> Finding:
    """Frames arriving from the camera (or the file or folder standing in for it) within
    ``seconds``, and whether a QR was read in them."""
    from devices.capture import CaptureWorker, parse_source
    from devices.decoders import DecoderUnavailable, make_decoder

    if source_text is None:
        return Finding(
            "camera", True, _("no camera set for this station ([station] camera): not checked")
        )
    try:
        source = parse_source(source_text)
        reader = make_decoder(decoder)
    except (EventdeskError, DecoderUnavailable) as exc:
        return Finding("camera", False, problem_of(exc))
    worker = CaptureWorker(source, realtime=not source.live)
    worker.start()
    frames, read = 0, ""
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline and not read:
            frame = worker.next_frame(timeout=min(0.5, max(0.01, deadline - time.monotonic())))
            if frame is None:
                if worker.finished:
                    break
                continue
            frames += 1
            found = reader.decode(frame.image)
            if found:
                read = found[0]
    finally:
        worker.stop()
        worker.join(2)
    if frames == 0:
        why = problem_of(worker.error) if worker.error is not None else worker.state.value
        return Finding(
            "camera",
            False,
            _(
                "no picture from {camera} ({problem}): check its cable, and that no other "
                "program uses it"
            ).format(camera=source.label, problem=why),
        )
    if not read:
        return Finding(
            "camera",
            False,
            _(
                "{count} pictures from {camera}, but no QR read in them: hold a ticket's QR "
                "(on a phone or a card) 20 to 40 cm from it and check again; if it stays "
                "unread, focus the camera"
            ).format(count=frames, camera=source.label),
        )
    return Finding(
        "camera",
        True,
        _("{camera}: pictures arriving, a QR read in them").format(camera=source.label),
    )


# --- the scanner ------------------------------------------------------------------------------
def check_scan_line(line: str | None, store: Store | None = None) -> Finding:
    """One line a scanner typed (a ticket's QR scanned): whole as sent, or through which
    keyboard layout it came. With the station's database, the line's signature says which:
    a QWERTZ scanner's line (Y and Z swapped) has a ticket's shape but not its signature."""
    from eventdesk.keymaps import repairs
    from eventdesk.tickets import InvalidPayload, parse_payload

    if line is None:
        return Finding(
            "scanner",
            True,
            _("not checked: scan a ticket's QR here (or give --scan-line) to check the scanner"),
        )
    text = line.rstrip("\r\n")
    try:
        parse_payload(text)
    except InvalidPayload:
        pass
    else:
        if store is not None:
            return _signed_scan(text, store)
        return Finding("scanner", True, _("the scanned line arrived whole: the scanner is right"))
    for repair in repairs(text):
        try:
            parse_payload(repair.text)
        except InvalidPayload:
            continue
        return _through_layout(repair.note)
    return Finding(
        "scanner",
        False,
        _(
            "the scanned line is not a ticket's code ({count} characters arrived): scan a "
            "ticket's QR; if it was one, check the scanner's prefix and suffix settings"
        ).format(count=len(text)),
    )


def _signed_scan(text: str, store: Store) -> Finding:
    """A line of a ticket's shape, read as the door reads it (services.door: the line as it
    came, else a keyboard layout's repair that verifies)."""
    from eventdesk.outage import is_outage
    from eventdesk.tickets import InvalidPayload, Verifier

    try:
        found = Verifier(store).verify_scanned(text)
    except InvalidPayload:
        return Finding(
            "scanner",
            False,
            _(
                "the scanned line has a ticket's shape but no key of this server signed it: "
                "scan one of this event's tickets"
            ),
        )
    except Exception as exc:  # the database away: the line's shape is all that is known
        if not is_outage(exc):
            raise
        return Finding("scanner", True, _("the scanned line arrived whole: the scanner is right"))
    if found.repaired is None:
        return Finding("scanner", True, _("the scanned line arrived whole: the scanner is right"))
    return _through_layout(found.repaired)


def _through_layout(layout: str) -> Finding:
    return Finding(
        "scanner",
        False,
        _(
            "the scanned line came through another keyboard layout ({layout}): the door "
            "repairs it, but set the scanner to this computer's layout (its manual's "
            "setting codes) or Caps Lock off"
        ).format(layout=layout),
    )


# --- sound ------------------------------------------------------------------------------------
def check_sound(
    config: Config, backend: str | None = None, screen: SoundScreen | None = None
) -> Finding:
    """The station's sound device opened and a chime played through it (heard by whoever is
    there: nothing here listens). A missing device is a fault where answers sound: ``sound =
    "on"``, or "auto" on ``screen`` (a kiosk's); elsewhere it is said, and all is well."""
    from devices.sound import DoorSound

    if config.sound == "off":
        return Finding("sound", True, _("sound is off at this station ([station] sound)"))
    needed = config.sound == "on" or (screen is not None and config.sound_on(screen))
    sound = DoorSound(backend=backend)
    try:
        sound.ready.wait(SOUND_SECONDS)
        if sound.available is not True and not needed:
            return Finding(
                "sound",
                True,
                _(
                    "no sound device ({problem}): the desk answers in silence (sound = "
                    '"auto"); a kiosk here would ring only the terminal\'s bell: plug in a '
                    "speaker for one"
                ).format(problem=sound.unavailable or _("it did not open in time")),
            )
        if sound.available is not True:
            return Finding(
                "sound",
                False,
                _(
                    "no sound device ({problem}): answers ring only the terminal's bell; plug in "
                    'a speaker, or set sound = "off"'
                ).format(problem=sound.unavailable or _("it did not open in time")),
            )
        sound.play("yes")
        sound.close(wait=2.0)
        return Finding(
            "sound",
            True,
            _("a chime was played through {device}: did you hear it?").format(
                device=sound.backend_name or "?"
            ),
        )
    finally:
        sound.close()


# --- the door's events -----------------------------------------------------------------------
def door_events(
    config: Config, store: Store | None, station: Station | None, given: str | None
) -> str | None:
    """The events the station's door admits (``--event``, else the station's own setting:
    eventdesk.door_event), one slug or several comma-separated; with no database answering,
    as the station has them set, unchecked. None when none is set or chosen."""
    from eventdesk.door_event import settle_door
    from eventdesk.services.stations.doctor import now_of

    try:
        return settle_door(config, store, given=given, now=now_of(station), keep=False).slug
    except EventdeskError:
        raise
    except Exception:  # the server went away meanwhile (or its schema is not this build's)
        return settle_door(config, None, given=given, now=now_of(station), keep=False).slug


def readable_copy(station: Station | None) -> Mirror | None:
    """The station's copy, to check the event's names and layouts from while its server does
    not answer (None: no copy, or one never filled, or it cannot be opened)."""
    if station is None or not station.copy_exists():
        return None
    try:
        return station.mirror if station.mirror.refreshed_at() is not None else None
    except Exception:  # locked, damaged: the copy's own check says so
        return None


# --- every check ------------------------------------------------------------------------------
def run_checks(
    config: Config,
    opener: Callable[[], Store],
    station: Station | None,
    options: DoctorOptions,
    *,
    on_finding: Callable[[Finding], None] | None = None,
) -> list[Finding]:
    """Every check, in order, each said through ``on_finding`` as soon as it is made."""
    from badges.doctor import check_fonts, check_label
    from devices.printers import spec_of

    findings: list[Finding] = []

    def add(found: Finding) -> None:
        findings.append(found)
        if on_finding is not None:
            on_finding(found)

    made, store = core_checks(opener, station, config.data_dir)
    if station is not None and store is not None:  # a server: its standby, after its line
        from eventdesk.services.stations.standby import check_standby

        pair = check_standby(store)
        made[1:1] = [pair] if pair is not None else []
    for found in made:
        add(found)
    event = door_events(config, store, station, options.event)
    copy = readable_copy(station) if store is None else None
    name = options.printer or config.printer
    spec = spec_of(name, config.printer_settings(name), config.data_dir)
    add(check_printer(spec))
    add(check_label(store, event, name, spec.label_mm, copy=copy))
    if options.test_label:
        layout = None
        if store is not None and event is not None:
            from badges.doctor import layouts_of
            from eventdesk.config import event_refs

            try:
                layout = next(iter(layouts_of(store, event_refs(event)[0])))
            except Exception:  # the default layout then
                layout = None
        add(print_test_label(spec, layout))
    camera = options.camera if options.camera is not None else config.camera
    add(check_camera(camera, config.decoder, options.camera_seconds))
    add(check_scan_line(options.scan_line, store))
    add(check_sound(config, options.sound_backend, options.screen))
    add(check_fonts(store, event, spec.fonts, copy=copy))
    return findings
