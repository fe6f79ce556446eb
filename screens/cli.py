"""The app's own commands: `app`, `serve` (the app in a browser) and `demo`."""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from eventdesk import variables
from eventdesk.cli.common import (
    DEMO_DATABASE,
    STATION_DATABASE,
    Ctx,
    pass_ctx,
)
from eventdesk.config import KIOSK_THEMES, KioskTheme, sqlite_url
from eventdesk.errors import DatabaseUnavailable, InvalidInput
from eventdesk.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from eventdesk.db import Store

SIGN_IN_PIN = "EVENTDESK_SIGN_IN_PIN"
SERVED_DATABASE = "serve-database-url"  # in the data folder: the URL `serve`'s apps open
APP_MODES = ["desk", "kiosk", "organizer", "stats"]
DEFAULT_FONT_SIZE = 16  # CSS pixels: textual-serve's, for desk and kiosk in a browser
# The modes `serve` serves, as its banner and the browser's title say them.
SERVED_MODES = {
    # TRANSLATORS: served to a browser: "the stats screen of ..."
    "stats": N_("stats"),
    # TRANSLATORS: served to a browser: "the desk screen of ..."
    "desk": N_("desk"),
    # TRANSLATORS: served to a browser: "the kiosk screen of ..."
    "kiosk": N_("kiosk"),
}
WALL_FONT_SIZE = 22  # the wall screen at 1920x1080: 147 columns, 43 lines, read from afar


def app_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """What a station's app can be told: its event, camera and badge printer."""
    for option in reversed(
        [
            click.option("--event", "event_ref", metavar="EVENT", help="The event at this door."),
            click.option(
                "--camera",
                metavar="0|FILE|DIR|URL",
                help="A camera for the kiosk and desk (or [station] camera in eventdesk.toml).",
            ),
            click.option(
                "--decoder",
                "decoder_name",
                type=click.Choice(["auto", "zxing", "zbar", "opencv"]),
                default=None,
            ),
            click.option("--printer", help="The badge printer (default: the station's)."),
            click.option(
                "--print/--no-print",
                "auto_print",
                default=None,
                help="Print a badge at each check-in (default: the station's auto_print).",
            ),
            click.option(
                "--sound/--no-sound",
                default=None,
                help="A sound per answer (default: the station's sound; auto is on at a kiosk).",
            ),
            click.option(
                "--kiosk-theme",
                type=click.Choice(list(KIOSK_THEMES)),
                default=None,
                help="The kiosk's colours (default: the station's kiosk_theme).",
            ),
            click.option(
                "--scanner",
                metavar="serial:PATH[@BAUD]",
                help="A scanner in serial (USB CDC) mode (or [station] scanner); a keyboard-wedge "
                "scanner needs none.",
            ),
            click.option(
                "--list",
                "list_ref",
                metavar="LIST",
                help="The check-in list this station decides on (or [station] list; default: "
                "the event's default list).",
            ),
            click.option("--ready-file", hidden=True, metavar="FILE"),
            # For benchmarks and unattended kiosks started by the operator: no PIN asked.
            click.option("--sign-in-as", hidden=True, metavar="STAFF"),
        ]
    ):
        command = option(command)
    return command


@click.command("app")
@click.option("--mode", type=click.Choice(APP_MODES), default="desk", show_default=True)
@click.option(
    "--wall",
    is_flag=True,
    help="With --mode stats: show the stats without signing in (a screen on the wall).",
)
@app_options
@pass_ctx
def app_command(
    obj: Ctx,
    mode: str = "desk",
    wall: bool = False,
    event_ref: str | None = None,
    camera: str | None = None,
    decoder_name: str | None = None,
    printer: str | None = None,
    auto_print: bool | None = None,
    sound: bool | None = None,
    kiosk_theme: KioskTheme | None = None,
    scanner: str | None = None,
    list_ref: str | None = None,
    ready_file: str | None = None,
    sign_in_as: str | None = None,
    sign_in_pin: str | None = None,
) -> None:
    """Open the full-screen app (sign in with a staff PIN)."""
    if list_ref is not None:
        obj.config = dataclasses.replace(obj.config, checkin_list=list_ref)
    if wall and mode != "stats":
        raise InvalidInput(_("--wall goes with --mode stats"), field="wall")
    obj.config = obj.config.with_options(sound=sound)
    if kiosk_theme is not None:
        obj.config = dataclasses.replace(obj.config, kiosk_theme=kiosk_theme)
    if scanner is not None:
        from devices.serial_scanner import serial_source

        try:
            port = serial_source(scanner)
        except ValueError as exc:
            raise InvalidInput(str(exc), field="scanner") from None
        if port is None:
            raise InvalidInput(
                _("--scanner takes serial:PATH, e.g. serial:/dev/ttyACM0"), field="scanner"
            )
        obj.config = dataclasses.replace(obj.config, scanner=scanner)
    if sign_in_as is not None:
        sign_in_as = _signed_in(obj, sign_in_as, sign_in_pin)
    from screens.app import make_app

    obj.config = obj.config.with_options(
        event=event_ref,
        camera=camera,
        decoder=decoder_name,
        printer=printer,
        auto_print=auto_print,
    )
    app = make_app(
        obj.config,
        opens=lambda: station_store(obj),  # once the sign-in screen is drawn
        mode=mode,
        sign_in_as=sign_in_as,
        wall=wall,
        ready_file=ready_file,
    )
    app.run()
    if app.failure is not None:  # the station's database could not be opened: said as usual
        raise app.failure
    if app.return_code:
        raise click.exceptions.Exit(app.return_code)


def station_store(obj: Ctx) -> Store:
    """The station's database, opened as every command opens it; or, when its server does not
    answer and this station keeps a copy of it, the server's store unopened: the station
    starts from its copy (sign-in, the door, search, badges) and reconnects by itself. Its
    schema was checked when the copy was made; a station that starts online checks it again."""
    try:
        return obj.store
    except DatabaseUnavailable as exc:
        from eventdesk.outage import is_outage  # (SQLAlchemy loads once the screen is drawn)

        cause = exc.__cause__  # the server did not answer (not: there is no database)
        if not obj.on_server or cause is None or not is_outage(cause):
            raise
        from eventdesk.services.stations.mirror_schema import MIRROR_FILE

        if not (obj.config.data_dir / MIRROR_FILE).is_file():
            raise
        from eventdesk.db import Store
        from eventdesk.tickets import load_signer

        store = Store.from_config(obj.config)
        store.signer = load_signer(obj.config.data_dir)
        obj.use_store(store)
        return store


def _signed_in(obj: Ctx, name: str, pin: str | None) -> str:
    """``--sign-in-as`` (an unattended kiosk, a benchmark) opens an account only with its PIN:
    given by the caller, in EVENTDESK_SIGN_IN_PIN, or typed when asked."""
    from eventdesk.services.people.auth import verify_staff

    pin = pin or variables.read_text(SIGN_IN_PIN)
    if pin is None and sys.stdin.isatty():
        pin = click.prompt(
            _("PIN of {name}").format(name=name), hide_input=True, default="", show_default=False
        )
    if not pin:
        raise InvalidInput(
            _("--sign-in-as needs the account's PIN: type it when asked, or set {variable}").format(
                variable=SIGN_IN_PIN
            ),
            field="sign-in-as",
        )
    if not obj.on_server:
        return verify_staff(obj.store, name, pin).name
    # On a server: from the station's copy while the server does not answer
    # (services.stations.signin).
    from eventdesk.services.stations.signin import sign_in
    from eventdesk.values import utcnow

    return sign_in(station_store(obj), obj.door_station(), name, pin, now=utcnow()).name


@click.command()
@click.option(
    "--mode", type=click.Choice(["stats", "desk", "kiosk"]), default="stats", show_default=True
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--public-url",
    metavar="URL",
    help="The address browsers open, e.g. http://wall-pc:8000 (default: http://HOST:PORT, "
    "with this computer's name when HOST is 0.0.0.0 or ::).",
)
@click.option("--event", "event_ref", metavar="EVENT", help="The event to show.")
@click.option(
    "--font-size",
    type=click.IntRange(8, 96),
    metavar="PIXELS",
    help=f"The text size in the browser (default: {WALL_FONT_SIZE} for the stats wall screen, "
    f"{DEFAULT_FONT_SIZE} for desk and kiosk; a page opened with ?fontsize=N uses N).",
)
@pass_ctx
def serve(
    obj: Ctx,
    mode: str,
    host: str,
    port: int,
    public_url: str | None,
    event_ref: str | None,
    font_size: int | None = None,
) -> None:
    """Serve the app to a browser (textual-serve): e.g. the stats screen on a wall display.

    The stats screen is served as a wall screen: figures only, nobody signs in, large text.
    Desk and kiosk ask for a staff PIN as in the terminal. Each browser gets its own app
    process; the page loads everything (scripts, font) from this server.
    """
    import shlex
    import socket

    from sqlalchemy.engine import make_url

    from screens.serve import LocalServer

    obj.store  # noqa: B018 - the database is checked (and migrated) before serving
    # The database URL reaches the app processes in a file only this station's user reads (it
    # may hold a password: textual-serve prints its command, and `ps` shows it). A plain file
    # path (`--db data/demo.db`) is made a URL here: the app processes start elsewhere, and the
    # banner below reads a URL.
    from eventdesk.db import normalize_url

    database_url = normalize_url(obj.config.database_url)
    url_file = obj.config.data_dir.resolve() / SERVED_DATABASE
    url_file.touch(mode=0o600)
    url_file.chmod(0o600)
    url_file.write_text(database_url + "\n", encoding="utf-8")
    command = [
        sys.executable,
        "-P",  # not the folder it is started in first on the path: a data folder's badges/
        "-m",  # would be taken for the badges package
        "eventdesk",
        "--db-file",
        str(url_file),
        "--data-dir",
        str(obj.config.data_dir.resolve()),
        "--station",
        obj.station,
        "--lang",  # the served app speaks the language this command was given
        obj.config.language,
        "app",
        "--mode",
        mode,
        *(["--wall"] if mode == "stats" else []),
        *(["--event", event_ref] if event_ref else []),
    ]
    if public_url is None and host in ("0.0.0.0", "::", ""):
        # The page tells the browser where its scripts and websocket are: never 0.0.0.0.
        public_url = f"http://{socket.getfqdn() or socket.gethostname()}:{port}"
    shown_db = make_url(database_url).render_as_string(hide_password=True)
    served = _(SERVED_MODES[mode]) if mode in SERVED_MODES else mode
    click.echo(
        # TRANSLATORS: {mode} e.g. "stats"; {database} and {url} are addresses
        _("eventdesk serve: the {mode} screen of {database} on {url}").format(
            mode=served, database=shown_db, url=public_url or f"http://{host}:{port}"
        ),
        err=True,
    )
    server = LocalServer(
        shlex.join(command),
        host=host,
        port=port,
        # TRANSLATORS: the browser page's title
        title=_("eventdesk wall screen")
        if mode == "stats"
        else _("eventdesk {mode}").format(mode=served),
        public_url=public_url.rstrip("/") if public_url else None,
        font_size=font_size or (WALL_FONT_SIZE if mode == "stats" else DEFAULT_FONT_SIZE),
    )
    try:
        server.serve()
    finally:
        url_file.unlink(missing_ok=True)


@click.command()
@click.option(
    "--attendees", "attendee_count", type=click.IntRange(1, 200_000), default=300, show_default=True
)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--no-ui", is_flag=True, help="Only build the demo and print what was made.")
@pass_ctx
def demo(obj: Ctx, attendee_count: int, seed: int, no_ui: bool) -> None:
    """Build a demo event (fresh DATA_DIR/demo.db unless --db is given) and open the app on it.

    The other commands run on that folder use the demo's database while it has no
    eventdesk.db of its own (`eventdesk init` makes one)."""
    from eventdesk.services.data.demo import DEMO_STATION, build_demo

    if obj.config.station_from_host:  # a desk's name, not the machine's, unless one is given
        obj.config = dataclasses.replace(obj.config, station=DEMO_STATION, station_from_host=False)
    folder_note = None
    if not obj.db_given:
        path = obj.config.data_dir.resolve() / DEMO_DATABASE
        own = obj.config.data_dir / STATION_DATABASE
        folder = f"{obj.config.data_dir}{os.sep}"
        folder_note = "  " + (
            _(
                "the commands run on {folder} use it while {folder} has no {database} "
                "of its own (`eventdesk init` makes one)"
            ).format(folder=folder, database=STATION_DATABASE)
            if not own.exists()
            else _(
                "the commands run on {folder} use its own {own}: give --db {path} for the demo"
            ).format(folder=folder, own=own, path=path)
        )
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        obj.config = dataclasses.replace(obj.config, database_url=sqlite_url(path))
    from eventdesk.tickets import ensure_keys, load_signer

    ensure_keys(obj.store, obj.config.data_dir, obj.station)
    obj.store.signer = load_signer(obj.config.data_dir)
    made = build_demo(obj.store, attendee_count=attendee_count, seed=seed, station=obj.station)
    from eventdesk.door_event import keep_door
    from eventdesk.values import utcnow

    keep_door(obj.config, made.event, how="demo", now=utcnow())  # the demo is this door's event

    def human() -> str:
        from eventdesk.labels import label

        attendees = ngettext(
            "{count} attendee: {registered} registered, {waitlisted} on the waitlist, "
            "{paid} paid, {checked_in} checked in",
            "{count} attendees: {registered} registered, {waitlisted} on the waitlist, "
            "{paid} paid, {checked_in} checked in",
            made.attendees,
        ).format(
            count=made.attendees,
            registered=made.registered,
            waitlisted=made.waitlisted,
            paid=made.paid,
            checked_in=made.checked_in,
        )
        lines = [
            _("demo event {title!r} (slug {slug}) in {database}").format(
                title=made.title, slug=made.event, database=obj.store.url
            ),
            *([folder_note] if folder_note else []),
            "  " + attendees,
            "  " + _("staff accounts (name / role / PIN):"),
            *(f"    {n} / {label('staff_role', r)} / {p}" for n, r, p in made.staff),
            "  " + _("attendees with a PIN for the kiosk lookup (email / PIN):"),
            *(f"    {e} / {p}" for e, p in made.attendee_pins),
        ]
        return "\n".join(lines)

    obj.emit(
        {
            "event": made.event,
            "attendees": made.attendees,
            "registered": made.registered,
            "waitlisted": made.waitlisted,
            "paid": made.paid,
            "checked_in": made.checked_in,
            "station": obj.station,
            "database": obj.store.url,
            "staff": [{"name": n, "role": r, "pin": p} for n, r, p in made.staff],
            "attendee_pins": [{"email": e, "pin": p} for e, p in made.attendee_pins],
        },
        human,
    )
    if not no_ui:
        organizer, pin = next((name, pin) for name, role, pin in made.staff if role == "organizer")
        click.get_current_context().invoke(
            app_command, mode="desk", sign_in_as=organizer, sign_in_pin=pin
        )


COMMANDS = [app_command, serve, demo]
