"""A station's settings, read and checked once: options, then ``EVENTDESK_*`` variables, then
``DATA_DIR/eventdesk.toml``, then the one default each setting has (below).

    station = "Door 1"          # or a [station] table with name = "Door 1"
    event = "summit-2030"       # the event this door admits; "Use at this door" in the app
                                # changes it until this line is changed (eventdesk.door_event)
                                # ("fri,sat,sun": several, as [station] events)

    [station]
    name = "Door 1"
    events = ["fri", "sat"]     # a door for several events (instead of event =)
    role = "desk"               # organizer | desk | kiosk: a desk or kiosk station refuses
                                # the organizer's commands (unset: any)
    camera = "0"                # a camera number, a video file, a folder, a stream URL
    decoder = "auto"            # auto | zxing | zbar | opencv
    printer = "front"           # where this station's badges go (default: "badges")
    auto_print = true           # print a badge at each check-in
    offline_after = 1.0         # on a server: seconds without an answer before deciding
                                # from the station's mirror
    sync_every = 3.0            # on a server: seconds between refreshes of the mirror
    sound = "auto"              # auto | on | off: a sound per answer (auto: on at a kiosk
                                # and `scan`, off at the desk)
    kiosk_theme = "standard"    # standard | high-contrast
    gate = "entry"              # entry | exit: an exit gate's scans let people out (events
                                # with re-entry); the desk switches with Ctrl+E
    purpose = "checkin"         # checkin | badges: a badge station's kiosk and `scan` print
                                # a badge for each valid ticket and check no one in
    list = "lounge"             # the check-in list this station decides on (its slug, id or
                                # EVENT/SLUG; unset: each event's default list)
    scanner_suffix = "enter"    # enter | tab | none: what ends a keyboard-wedge scanner's
                                # line ("none": a pause)
    scanner_prefix = ""         # a prefix the scanner is set to send (taken off each line)
    scanner_key_gap_ms = 30     # keys closer together than this are a scanner's
    scanner_min_length = 8      # the fewest characters a scanned line has
    scanner = "serial:/dev/ttyACM0"  # a scanner in serial (USB CDC) mode, not a keyboard

    [database]
    url = "postgresql+psycopg://door@server/eventdesk"
    sqlite_synchronous = "FULL" # NORMAL | FULL
    reads = "standby"           # primary | standby: the reports, exports and the stats read
                                # from a standby when one answers (docs/standby.md)

    [backup]
    keep = 24                   # automatic backups kept
    every_minutes = 60          # the app backs up on its own

    [printers.front]
    type = "tcp"                # folder | tcp | device | cups | file
    host = "192.168.1.50"       # tcp: raw port 9100 (Zebra ZPL, ESC/POS)
    language = "zpl"            # text | zpl | escpos | png | ql
    width_mm = 62               # the labels loaded (unset: each badge layout's own size)
    height_mm = 100
    dpi = 300

    [printers.labels]
    kind = "ql"                 # a Brother QL label printer (badges.brother)
    model = "QL-820NWB"
    label = "62"                # 62 mm endless tape; "62x100": die-cut labels
    target = "tcp://192.168.1.51:9100"  # or a device file (/dev/usb/lp0), or file:PATH
    status = "auto"             # auto | on | off: read the printer's status back

The variables (``eventdesk.variables`` has them all, each with its kind and default):
``EVENTDESK_DATA_DIR``, ``EVENTDESK_DATABASE_URL``, ``EVENTDESK_STATION``,
``EVENTDESK_OFFLINE_AFTER``, ``EVENTDESK_SOUND`` and ``EVENTDESK_KIOSK_THEME``.

A key the file does not know (a typo) or a value of the wrong kind is an error that names the
file and the key, and a bad variable names the variable: a station never runs on a setting it
silently ignored.
"""

from __future__ import annotations

import dataclasses
import os
import re
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlsplit

import msgspec

from eventdesk import variables
from eventdesk.errors import InvalidInput, NotFound
from eventdesk.i18n import ENV as LANGUAGE_VARIABLE
from eventdesk.i18n import SOURCE, _, parse_language

CONFIG_FILE = "eventdesk.toml"
SYNCHRONOUS_MODES = ("NORMAL", "FULL")
DEFAULT_PRINTER = "badges"  # always there: text badges written into DATA_DIR/badges/
# How long a folder's or a file printer's badge file nobody took stays (minutes; at most a day).
KEEP_MINUTES = 10.0
KEEP_MINUTES_MAX = 24 * 60

Decoder = Literal["auto", "zxing", "zbar", "opencv"]
StationRole = Literal["organizer", "desk", "kiosk"]
DECODERS: tuple[Decoder, ...] = ("auto", "zxing", "zbar", "opencv")
PrinterKind = Literal["folder", "tcp", "device", "cups", "file"]
LabelLanguage = Literal["text", "zpl", "escpos", "png", "ql"]
PrinterMake = Literal["ql"]  # a printer's ``kind``: a Brother QL (its model and label named)
# Whether a QL's status is read back: "auto" asks and, over the network, where many QLs never
# answer on port 9100, prints without it when no answer comes (devices.printers).
StatusReading = Literal["auto", "on", "off"]
SoundSetting = Literal["auto", "on", "off"]
SOUND_SETTINGS: tuple[SoundSetting, ...] = ("auto", "on", "off")
# Where a station answers scans: "auto" sound is on where attendees read the answer themselves
# (the kiosk, the headless `scan`), off at the desk, where staff read it.
SoundScreen = Literal["kiosk", "desk", "scan"]
SOUND_BY_DEFAULT: frozenset[SoundScreen] = frozenset({"kiosk", "scan"})
Gate = Literal["entry", "exit"]
KioskTheme = Literal["standard", "high-contrast"]
# What a station's kiosk and `scan` do with a ticket: check it in, or only print its badge.
Purpose = Literal["checkin", "badges"]
KIOSK_THEMES: tuple[KioskTheme, ...] = ("standard", "high-contrast")
ScannerSuffix = Literal["enter", "tab", "none"]  # "none": a pause ends the scanner's line
Choice = TypeVar("Choice", bound=str)


class _Table(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A table of eventdesk.toml: an unknown key is refused, not ignored."""


OffsetMm = Annotated[float, msgspec.Meta(ge=-20, le=20)]


class PrinterSettings(_Table):
    """One ``[printers.NAME]`` table."""

    type: PrinterKind = "folder"
    language: LabelLanguage | None = None  # default: text for a folder, zpl for the others
    host: str | None = None
    port: Annotated[int, msgspec.Meta(ge=1, le=65535)] = 9100
    path: str | None = None
    queue: str | None = None
    timeout: Annotated[float, msgspec.Meta(ge=0.1, le=300)] = 5.0
    # The labels loaded: a layout of another size is scaled to fit them, centred (unset: each
    # layout's own size; endless tape, or labels cut to the layout).
    width_mm: Annotated[float, msgspec.Meta(ge=20, le=300)] | None = None
    height_mm: Annotated[float, msgspec.Meta(ge=20, le=500)] | None = None
    dpi: Literal[150, 200, 203, 300, 600] = 300
    escpos_width_dots: Annotated[int, msgspec.Meta(ge=64, le=4096)] = 576
    zpl_font: Annotated[str, msgspec.Meta(pattern=r"^[A-Z0-9]$")] = "0"
    fonts: tuple[str, ...] = ()
    # A network printer is one machine every station may feed; a folder or USB printer belongs
    # to the station it hangs on, and only that station prints its jobs.
    shared: bool | None = None
    # A Brother QL: ``kind = "ql"`` with its model and label (checked against brother_ql's
    # lists when the station's printers are made: devices.printers.spec_of), and where it is:
    # ``target`` (tcp://HOST:9100, a device file, file:PATH) or type with host or path.
    kind: PrinterMake | None = None
    model: Annotated[str, msgspec.Meta(min_length=1, max_length=40)] | None = None
    label: Annotated[str, msgspec.Meta(min_length=1, max_length=20)] | int | None = None
    target: Annotated[str, msgspec.Meta(min_length=1)] | None = None
    status: StatusReading = "auto"
    # The printer's own feed error, in millimetres (x to the right, y down): a sheet of badges
    # printed on it is shifted by it (badges.sheets); `badge calibrate` prints the page that
    # measures it.
    offset_mm: tuple[OffsetMm, OffsetMm] = (0.0, 0.0)
    # A folder's or a file printer's badge file is the job handed to whoever prints it; one
    # nobody took is deleted this many minutes after it was written (devices.badge_files).
    keep_minutes: Annotated[float, msgspec.Meta(gt=0, le=KEEP_MINUTES_MAX)] | None = None

    def __post_init__(self) -> None:
        if (self.width_mm is None) != (self.height_mm is None):
            raise ValueError(_("a printer's label size needs both width_mm and height_mm"))
        if self.target is not None:
            self._take_target(self.target)
        self._take_ql()
        if self.type == "tcp" and not self.host:
            raise ValueError(_("a tcp printer needs host"))
        if self.type == "device" and not self.path:
            raise ValueError(_("a device printer needs path (e.g. /dev/usb/lp0)"))
        if self.type == "cups" and not self.queue:
            raise ValueError(_("a cups printer needs queue (the name lp -d takes)"))
        if self.type == "file" and not self.path:
            raise ValueError(_("a file printer needs path (the file each badge is written to)"))
        if self.language is None:
            self.language = "text" if self.type == "folder" else "zpl"
        if self.shared is None:
            self.shared = self.type in ("tcp", "cups")
        if self.keep_minutes is not None and self.type not in ("folder", "file"):
            raise ValueError(
                _(
                    "keep_minutes is for a folder or file printer (a {type} printer takes its "
                    "badges itself: no file is kept)"
                ).format(type=self.type)
            )

    def _take_target(self, target: str) -> None:
        """``target``: tcp://HOST[:PORT], a device file (/dev/usb/lp0, file:///dev/usb/lp0) or
        file:PATH (a plain file), put as type, host, port and path."""
        if self.host or self.path or self.type not in ("folder", "tcp", "device", "file"):
            raise ValueError(_("give target, or type with host or path, not both"))
        text = target.strip()
        kind: PrinterKind
        if text.startswith("tcp://"):
            try:
                where = urlsplit(text)
                port = where.port
            except ValueError:
                where, port = urlsplit("tcp://"), None
            if not where.hostname or where.path not in ("", "/"):
                raise ValueError(
                    _("target {target!r}: tcp://HOST:PORT (e.g. tcp://10.0.0.5:9100)").format(
                        target=target
                    )
                )
            kind, self.host, self.port = "tcp", where.hostname, port or self.port
        elif text.startswith(("file:", "/")):
            path = text.removeprefix("file:")
            if path.startswith("//"):  # file:///dev/usb/lp0, as brother_ql writes it
                path = path[2:]
            if not path.strip():
                raise ValueError(
                    _("target {target!r}: file:PATH names a file").format(target=target)
                )
            kind = "device" if path.startswith("/dev/") else "file"
            self.path = path
        else:
            raise ValueError(
                _(
                    "target {target!r}: tcp://HOST:9100, a device file (/dev/usb/lp0) or file:PATH"
                ).format(target=target)
            )
        if self.type not in ("folder", kind):  # "folder": the default, not a choice
            raise ValueError(
                _("target {target!r} is a {kind} printer, not {type}").format(
                    target=target, kind=kind, type=self.type
                )
            )
        self.type = kind

    def _take_ql(self) -> None:
        """A QL's kind, language, model and label agree; the label's name is text."""
        if self.kind == "ql" or self.language == "ql":
            if self.language not in (None, "ql"):
                raise ValueError(
                    _('a ql printer speaks ql, not language = "{language}"').format(
                        language=self.language
                    )
                )
            self.kind, self.language = "ql", "ql"
            if self.model is None:
                raise ValueError(_('a ql printer needs model (e.g. model = "QL-820NWB")'))
            if self.label is None:
                self.label = "62"
            self.label = str(self.label)
            if self.type == "folder" and self.path is None:
                raise ValueError(
                    _(
                        "a ql printer needs target: tcp://HOST:9100, a device file such as "
                        "/dev/usb/lp0, or file:PATH"
                    )
                )
            return
        for key, value in (("model", self.model), ("label", self.label)):
            if value is not None:
                raise ValueError(
                    _('{key} is for a Brother QL printer: add kind = "ql"').format(key=key)
                )
        if self.status != "auto":
            raise ValueError(
                _('{key} is for a Brother QL printer: add kind = "ql"').format(key="status")
            )


class StationSettings(_Table):
    """The ``[station]`` table."""

    name: str | None = None
    # What the station is for. A kiosk or desk station refuses the organizer's commands
    # (staff accounts, events and what they sell, import, restore); unset: any.
    role: StationRole | None = None
    camera: str | int | None = None
    decoder: Decoder = "auto"
    printer: Annotated[str, msgspec.Meta(min_length=1)] = DEFAULT_PRINTER
    auto_print: bool = False
    # A station on a server: seconds without an answer before it decides from its mirror, and
    # seconds between two refreshes of the mirror (see eventdesk.services.stations.offline).
    offline_after: Annotated[float, msgspec.Meta(ge=0.1, le=60)] = 1.0
    sync_every: Annotated[float, msgspec.Meta(ge=0.5, le=3600)] = 3.0
    # A sound per answer (devices.sound): auto is on at a kiosk and `scan`, off at the desk.
    sound: SoundSetting = "auto"
    kiosk_theme: KioskTheme = "standard"
    # An exit gate: the station's scans are exits (someone leaving an event with re-entry).
    gate: Gate = "entry"
    # A badge station: its kiosk and `scan` print badges and check no one in
    # (services.door.badge_only); its desk still checks in.
    purpose: Purpose = "checkin"
    # The check-in list this station decides on (services.door.lists; unset: the default).
    list: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    # A keyboard-wedge scanner (screens.scanner_keys): the key ending its lines, keys closer
    # together than this are a scanner's, and the fewest characters a scanned line has. A
    # prefix, when the scanner is set to send one, is required and taken off each line.
    scanner_suffix: ScannerSuffix = "enter"
    scanner_prefix: Annotated[str, msgspec.Meta(max_length=8)] = ""
    scanner_key_gap_ms: Annotated[float, msgspec.Meta(ge=2, le=200)] = 30.0
    scanner_min_length: Annotated[int, msgspec.Meta(ge=2, le=512)] = 8
    # A scanner that is not a keyboard: "serial:/dev/ttyACM0" (USB CDC, devices.serial_scanner)
    scanner: str | None = None
    # The language of every text the station shows (eventdesk.i18n): "de", "fr"...; a kiosk
    # offers these to choose from on its waiting screen (unset: every language there is).
    language: Annotated[str, msgspec.Meta(min_length=2, max_length=20)] | None = None
    kiosk_languages: (
        tuple[Annotated[str, msgspec.Meta(min_length=2, max_length=20)], ...] | None
    ) = None
    # A door for several events (eventdesk.door_event): their ids or slugs, instead of event =.
    events: Annotated[tuple[str | int, ...], msgspec.Meta(min_length=1)] | None = None


class DatabaseSettings(_Table):
    url: str | None = None
    sqlite_synchronous: str = "NORMAL"
    reads: Literal["primary", "standby"] = "primary"


class BackupSettings(_Table):
    keep: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 24
    every_minutes: Annotated[float, msgspec.Meta(gt=0, le=24 * 60)] | None = None


class FileSettings(_Table):
    """All of eventdesk.toml."""

    station: str | StationSettings = msgspec.field(default_factory=StationSettings)
    event: str | int | None = None
    database: DatabaseSettings = msgspec.field(default_factory=DatabaseSettings)
    backup: BackupSettings = msgspec.field(default_factory=BackupSettings)
    # Each printer is checked on its own, so that a mistake names the printer (parse_settings).
    printers: dict[str, dict[str, Any]] = msgspec.field(default_factory=dict)

    @property
    def station_table(self) -> StationSettings:
        return self.station if isinstance(self.station, StationSettings) else StationSettings()


_WHERE = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)


def _named(exc: msgspec.ValidationError, source: str, prefix: str = "") -> InvalidInput:
    """msgspec's "Expected `int` >= 1 - at `$.backup.keep`" as "FILE: backup.keep: ..."."""
    match = _WHERE.match(str(exc))
    what = match.group("what") if match else str(exc)
    key = ".".join(p for p in (prefix, (match.group("path") or "") if match else "") if p)
    key = key.replace("..", ".").strip(".")
    # TRANSLATORS: msgspec's "Object contains unknown field `colour`", a typo in a settings file
    what = what.replace("Object contains unknown field", _("unknown key"))
    return InvalidInput(
        # TRANSLATORS: {file} is a settings file, {key} a setting in it, {problem} what is wrong
        _("{file}: {key}: {problem}").format(file=source, key=key, problem=what)
        if key
        else _("{file}: {problem}").format(file=source, problem=what),
        field=key,
    )


def parse_settings(raw: bytes | Mapping[str, Any], source: str) -> FileSettings:
    """The file's settings, checked; a bad one is named with ``source`` and its key."""
    try:
        if isinstance(raw, bytes):
            settings = msgspec.toml.decode(raw, type=FileSettings)
        else:
            settings = msgspec.convert(dict(raw), type=FileSettings)
    except msgspec.ValidationError as exc:
        raise _named(exc, source) from None
    except msgspec.DecodeError as exc:
        raise InvalidInput(
            _("{file}: not valid TOML ({problem})").format(file=source, problem=exc), field=source
        ) from None
    printer_tables(settings, source)  # every printer is checked now, not at its first badge
    return settings


def printer_tables(settings: FileSettings, source: str) -> dict[str, PrinterSettings]:
    """The ``[printers.NAME]`` tables, each checked and named by its printer."""
    printers = {}
    for name, table in settings.printers.items():
        try:
            printers[name] = msgspec.convert(table, type=PrinterSettings)
        except msgspec.ValidationError as exc:
            raise _named(exc, source, f"printers.{name}") from None
    return printers


@dataclass(frozen=True)
class ScannerKeys:
    """How a keyboard-wedge scanner's keys are told from a person's typing (the station's
    ``scanner_*`` settings): keys at most ``gap`` seconds apart, at least ``min_length``
    characters, ended by ``suffix`` (or, with "none", by a pause of ``gap``), starting with
    ``prefix`` when one is set."""

    suffix: ScannerSuffix = "enter"
    prefix: str = ""
    gap: float = 0.030
    min_length: int = 8


@dataclass(frozen=True)
class Config:
    """Everything a station runs on, typed and checked; built once, passed down."""

    data_dir: Path
    database_url: str
    station: str
    sqlite_synchronous: str = "NORMAL"
    # "standby": what only reads (reports, exports, the stats) asks a server named as several
    # hosts for a standby first (target_session_attrs=prefer-standby), sparing the primary.
    database_reads: str = "primary"
    station_role: StationRole | None = None
    door_event: str | None = None  # ``--event``, else ``event =`` (eventdesk.door_event decides)
    door_event_in_file: str | None = None  # ``event =`` in the file, whatever the options say
    door_event_option: str | None = None  # ``--event``, when given
    camera: str | None = None
    decoder: Decoder = "auto"
    printer: str = DEFAULT_PRINTER
    auto_print: bool = False
    backup_keep: int = 24
    backup_every_minutes: float | None = None
    printers: Mapping[str, PrinterSettings] = field(default_factory=dict)
    database_from_file: bool = False
    database_given: bool = False  # by --db, EVENTDESK_DATABASE_URL or the file (not the default)
    offline_after: float = 1.0
    sync_every: float = 3.0
    sound: SoundSetting = "auto"
    kiosk_theme: KioskTheme = "standard"
    gate: Gate = "entry"
    checkin_list: str | None = None  # the station's check-in list (None: each event's default)
    scanner_keys: ScannerKeys = field(default_factory=ScannerKeys)
    scanner: str | None = None  # a scanner that is not a keyboard (serial:PATH)
    language: str = SOURCE  # --lang, else EVENTDESK_LANG, else [station] language, else English
    kiosk_languages: tuple[str, ...] = ()  # what a kiosk offers (empty: every language there is)
    purpose: Purpose = "checkin"  # "badges": the kiosk and `scan` print badges, check no one in
    station_from_host: bool = False  # no option, variable or file named it: it is the host's name

    @property
    def print_only(self) -> bool:
        """A badge station: its kiosk and `scan` only print badges (services.door.badge_only)."""
        return self.purpose == "badges"

    @property
    def is_sqlite(self) -> bool:
        """An SQLite database: a URL, or a plain file path (as ``--db data/demo.db``)."""
        return self.database_url.startswith("sqlite") or is_file_path(self.database_url)

    def with_options(
        self,
        *,
        event: str | None = None,
        camera: str | None = None,
        decoder: str | None = None,
        printer: str | None = None,
        auto_print: bool | None = None,
        sound: bool | None = None,
    ) -> Config:
        """These settings with a command's options put over them (None: not given)."""
        if decoder is not None and decoder not in DECODERS:
            raise InvalidInput(
                _("decoder must be one of {choices}").format(choices=", ".join(DECODERS)),
                field="decoder",
            )
        if printer is not None and not printer.strip():
            raise InvalidInput(_("--printer needs a printer's name"), field="printer")
        return dataclasses.replace(
            self,
            door_event=self.door_event if event is None else event,
            door_event_option=self.door_event_option if event is None else event,
            camera=self.camera if camera is None else camera,
            decoder=self.decoder if decoder is None else decoder,
            printer=self.printer if printer is None else printer,
            auto_print=self.auto_print if auto_print is None else auto_print,
            sound=self.sound if sound is None else ("on" if sound else "off"),
        )

    def sound_on(self, screen: SoundScreen) -> bool:
        """Whether ``screen`` plays a sound per answer: the station's ``sound`` setting, where
        "auto" is on at the kiosk and `scan` (attendees read the answer) and off at the desk."""
        if self.sound == "auto":
            return screen in SOUND_BY_DEFAULT
        return self.sound == "on"

    def printer_settings(self, name: str) -> PrinterSettings:
        """A configured printer by name (the built-in 'badges' folder included)."""
        if name not in self.printers:
            known = ", ".join(sorted(self.printers))
            raise NotFound(
                _("no printer {name!r} (known: {known}; add it to {file})").format(
                    name=name, known=known, file=CONFIG_FILE
                ),
                field="printer",
            )
        return self.printers[name]

    def badge_printer(self, printer: str | None = None, auto: bool | None = None) -> str | None:
        """The printer a check-in queues a badge for, or None: options over the station's
        settings. A typo in the printer's name is said now, not at the first badge."""
        if not (self.auto_print if auto is None else auto):
            return None
        name = printer or self.printer
        self.printer_settings(name)
        return name


def is_file_path(url: str) -> bool:
    """A database given as a plain path (an SQLite file), not as a URL."""
    return bool(url.strip()) and ":" not in url


def default_station() -> str:
    return socket.gethostname() or "station"


def read_station_file(path: Path) -> bytes | None:
    """A station's settings file as bytes; None when there is none. One that cannot be read
    is an error that names it."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InvalidInput(
            _("cannot read {path}: {problem}").format(path=path, problem=exc.strerror or exc),
            field=str(path),
        ) from None


def _read_file(data_dir: Path) -> FileSettings:
    path = data_dir / CONFIG_FILE
    raw = read_station_file(path)
    return FileSettings() if raw is None else parse_settings(raw, str(path))


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def event_refs(value: str | int | Sequence[str | int]) -> tuple[str, ...]:
    """The events a door admits, as written: ``"fri,sat,sun"`` (``--event``, ``event =``, the
    kept choice), a list (``events = [...]``), or one id or slug. Each named once, in the
    order given; an empty name (``"fri,,sat"``) is refused."""
    parts = (
        [str(value)]
        if isinstance(value, int)
        else str(value).split(",")
        if isinstance(value, str)
        else [p for v in value for p in str(v).split(",")]
    )
    refs = tuple(dict.fromkeys(p.strip() for p in parts))
    if not refs or "" in refs:
        raise InvalidInput(
            # TRANSLATORS: --event takes event ids or slugs separated by commas
            _("events are named by their ids or slugs, separated by commas: {given!r}").format(
                given=value if isinstance(value, str | int) else ",".join(map(str, value))
            ),
            field="event",
        )
    return refs


def joined(refs: Sequence[str]) -> str:
    """Several events' slugs as the door keeps and passes them on (``"fri,sat,sun"``)."""
    return ",".join(refs)


def _door_events(settings: FileSettings, source: object) -> str | None:
    """The file's door events: ``event =`` or ``[station] events =`` (not both), as one
    setting ("fri,sat": eventdesk.door_event)."""
    several = settings.station_table.events
    if several is None:
        return None if _text(settings.event) is None else joined(event_refs(settings.event or ""))
    if settings.event is not None:
        raise InvalidInput(
            # TRANSLATORS: two settings of eventdesk.toml that say the same thing
            _("{file}: give event = or [station] events =, not both").format(file=source),
            field="events",
        )
    return joined(event_refs(several))


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _seconds(name: str, env: Mapping[str, str], in_file: float) -> float:
    """A variable of seconds over the file's setting."""
    value = variables.read(name, env)
    return value if isinstance(value, float) else in_file


def _choice(
    name: str, env: Mapping[str, str], choices: tuple[Choice, ...], in_file: Choice
) -> Choice:
    """A variable naming one of ``choices`` over the file's setting."""
    value = variables.read(name, env)
    return next((choice for choice in choices if choice == value), in_file)


def load_config(
    *,
    data_dir: str | os.PathLike[str] | None = None,
    database_url: str | None = None,
    station: str | None = None,
    environ: Mapping[str, str] | None = None,
    language: str | None = None,
) -> Config:
    """Options win over ``EVENTDESK_*`` variables, which win over the file, then defaults."""
    env = os.environ if environ is None else environ
    root = Path(data_dir or variables.read_text("EVENTDESK_DATA_DIR", env) or "data").expanduser()
    settings = _read_file(root)
    source = root / CONFIG_FILE
    given_url = (
        database_url or variables.read_text("EVENTDESK_DATABASE_URL", env) or settings.database.url
    )
    url = given_url or sqlite_url(root.resolve() / "eventdesk.db")
    synchronous = settings.database.sqlite_synchronous.upper()
    if synchronous not in SYNCHRONOUS_MODES:
        raise InvalidInput(
            _("{file}: database.sqlite_synchronous must be NORMAL or FULL, not {value}").format(
                file=source, value=synchronous
            ),
            field="database.sqlite_synchronous",
        )
    table = settings.station_table
    in_file = settings.station if isinstance(settings.station, str) else table.name
    # A name that was given but is blank is a mistake (a script's empty variable), not a wish
    # for the host name: the scan log would not say which door it was.
    given = [
        (station, "--station"),
        (variables.read_text("EVENTDESK_STATION", env), "EVENTDESK_STATION"),
        # TRANSLATORS: where a setting came from: "(from station in /data/eventdesk.toml)"
        (in_file, _("station in {file}").format(file=source)),
    ]
    station_name, where = next(
        ((value, place) for value, place in given if value is not None),
        (default_station(), _("the host name")),
    )
    station_name = station_name.strip()
    if not station_name or len(station_name) > 100 or not station_name.isprintable():
        raise InvalidInput(
            _("station name must be 1 to 100 printable characters (from {where})").format(
                where=where
            ),
            field="station",
        )
    spoken = [
        (language, "--lang"),
        (variables.read_text(LANGUAGE_VARIABLE, env), LANGUAGE_VARIABLE),
        (table.language, _("station.language in {file}").format(file=source)),
    ]
    chosen = next(((value, place) for value, place in spoken if value), None)
    speaks = parse_language(chosen[0], chosen[1]) if chosen else SOURCE
    offered = tuple(
        dict.fromkeys(
            parse_language(code, _("station.kiosk_languages in {file}").format(file=source))
            for code in table.kiosk_languages or ()
        )
    )
    door_events = _door_events(settings, source)
    printers = {
        DEFAULT_PRINTER: PrinterSettings(type="folder"),
        **printer_tables(settings, str(source)),
    }
    return Config(
        data_dir=root,
        database_url=str(url),
        station=station_name,
        station_from_host=all(value is None for value, _place in given),
        sqlite_synchronous=synchronous,
        database_reads=settings.database.reads,
        station_role=table.role,
        door_event=door_events,
        door_event_in_file=door_events,
        camera=_text(table.camera),
        decoder=table.decoder,
        printer=table.printer,
        auto_print=table.auto_print,
        backup_keep=settings.backup.keep,
        backup_every_minutes=settings.backup.every_minutes,
        printers=printers,
        database_from_file=bool(settings.database.url),
        database_given=bool(given_url),
        offline_after=_seconds("EVENTDESK_OFFLINE_AFTER", env, table.offline_after),
        sync_every=table.sync_every,
        sound=_choice("EVENTDESK_SOUND", env, SOUND_SETTINGS, table.sound),
        kiosk_theme=_choice("EVENTDESK_KIOSK_THEME", env, KIOSK_THEMES, table.kiosk_theme),
        gate=table.gate,
        checkin_list=_text(table.list),
        scanner_keys=ScannerKeys(
            suffix=table.scanner_suffix,
            prefix=table.scanner_prefix,
            gap=table.scanner_key_gap_ms / 1000,
            min_length=table.scanner_min_length,
        ),
        scanner=_text(table.scanner),
        language=speaks,
        kiosk_languages=offered,
        purpose=table.purpose,
    )
