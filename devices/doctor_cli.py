"""`eventdesk doctor`: its options and its run (the command itself is in devices/cli.py, with
the devices' other commands). Exit 0 only when every check is well, else 3 (the environment:
docs/cli.md); a bad option is 2."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from eventdesk.cli.common import EXIT_ENVIRONMENT, Ctx, say
from eventdesk.errors import InvalidInput
from eventdesk.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from eventdesk.services.stations.doctor import Finding

F = TypeVar("F", bound=Callable[..., Any])

# Each check's name for people: its JSON key (a contract: never renamed), translated.
CHECK_NAMES = {
    # TRANSLATORS: a check's name in `eventdesk doctor` and the app's Checks screen
    "database": N_("database"),
    # TRANSLATORS: a check's name: the server's standby (a second PostgreSQL server)
    "standby": N_("standby"),
    # TRANSLATORS: a check's name: the station's offline copy
    "copy": N_("copy"),
    # TRANSLATORS: a check's name: the scans decided offline that wait to upload
    "outbox": N_("outbox"),
    # TRANSLATORS: a check's name
    "clock": N_("clock"),
    # TRANSLATORS: a check's name
    "printer": N_("printer"),
    # TRANSLATORS: a check's name (as its JSON key, `label`): the label size against the badge
    # layout
    "label": N_("label"),
    # TRANSLATORS: a check's name
    "test_label": N_("test label"),
    # TRANSLATORS: a check's name
    "camera": N_("camera"),
    # TRANSLATORS: a check's name: the barcode scanner
    "scanner": N_("scanner"),
    # TRANSLATORS: a check's name
    "sound": N_("sound"),
    # TRANSLATORS: a check's name: free disk space
    "disk": N_("disk"),
    # TRANSLATORS: a check's name
    "fonts": N_("fonts"),
}


def check_name(check: str) -> str:
    return _(CHECK_NAMES[check]) if check in CHECK_NAMES else check


def finding_line(found: Finding) -> str:
    """One check as a line for people: ``ok`` or ``!!``, its name, what it says."""
    mark = "ok" if found.ok else "!!"  # not for translation: marks
    return f"{mark}  {check_name(found.check)}: {found.says}"


def doctor_options(command: F) -> F:
    """The options of `eventdesk doctor`."""
    for option in reversed(
        [
            click.option(
                "--test-label", is_flag=True, help="Print a test label on the station's printer."
            ),
            click.option(
                "--scan-line",
                metavar="LINE",
                help="A line the scanner typed (scan a ticket's QR); - reads one from stdin.",
            ),
            click.option(
                "--event", metavar="EVENT", help="The door's event (default: this door's)."
            ),
            click.option("--printer", metavar="NAME", help="A printer of eventdesk.toml."),
            click.option(
                "--camera", metavar="SOURCE", help="A camera number, video file or image folder."
            ),
            click.option(
                "--camera-seconds",
                type=click.FloatRange(0.5, 60),
                default=5.0,
                show_default=True,
                help="How long the camera is watched for a QR.",
            ),
        ]
    ):
        command = option(command)
    return command


def run_doctor(
    obj: Ctx,
    *,
    test_label: bool,
    scan_line: str | None,
    event: str | None,
    printer: str | None,
    camera: str | None,
    camera_seconds: float,
) -> None:
    """Every check, said as it is made (or one JSON list at the end); exit 3 unless all is well."""
    from devices.doctor import DoctorOptions, run_checks

    if scan_line == "-":
        read = sys.stdin.readline()
        if not read:
            raise InvalidInput(_("--scan-line -: no line came on stdin"), field="scan-line")
        scan_line = read
    if printer is not None:
        obj.config.printer_settings(printer)  # a typo is bad input (exit 2), not a red line
    options = DoctorOptions(
        event=event,
        printer=printer,
        camera=camera,
        test_label=test_label,
        scan_line=scan_line,
        camera_seconds=camera_seconds,
    )
    station = obj.door_station() if obj.on_server else None

    def shown(found: Finding) -> None:
        if not obj.as_json:
            say(finding_line(found))

    findings = run_checks(obj.config, lambda: obj.store, station, options, on_finding=shown)
    if obj.as_json:
        obj.emit([found.as_json() for found in findings], "")
    if not all(found.ok for found in findings):
        if not obj.as_json:
            bad = sum(not found.ok for found in findings)
            said = ngettext(
                "{count} of {total} checks needs something done",
                "{count} of {total} checks need something done",
                bad,
            )
            say(said.format(count=bad, total=len(findings)))
        raise click.exceptions.Exit(EXIT_ENVIRONMENT)
