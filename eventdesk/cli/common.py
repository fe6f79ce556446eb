"""What every command shares: the context (configuration, store, output), tables and times for
people, JSON for scripts, the door's options and the exit codes (docs/cli.md)."""

from __future__ import annotations

import dataclasses
import functools
import importlib.metadata
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

import click

from eventdesk.config import Config
from eventdesk.event_time import UTC_ZONE, show
from eventdesk.i18n import N_, _
from eventdesk.services.door.scan_result import Said
from eventdesk.text import for_terminal, json_for_terminal
from eventdesk.values import parse_amount

if TYPE_CHECKING:  # the store loads SQLAlchemy: with the first command that opens it
    from eventdesk.db import Store
    from eventdesk.services.door.scan_result import ScanOutcome, ScanResult
    from eventdesk.services.door.scans import Zones
    from eventdesk.services.stations.mirror import Mirror
    from eventdesk.services.stations.offline import Station
    from eventdesk.services.stations.reach import LoginFacts, Probe

T = TypeVar("T")
EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2
EXIT_ENVIRONMENT = 3
EXIT_INTERNAL = 70
CREATING_COMMANDS = ("init", "demo", "restore")  # the commands that may make a database
# The office's commands that read people or counts: once one has answered, an import killed
# half-way is undone (services.data.import_runs.undo_stopped), with the organizer's rights.
# Never a door's commands: a door does not wait for thousands of rows to go.
TIDY_COMMANDS = frozenset(
    {"attendee", "badge", "event", "export", "init", "register", "report", "stats"}
    | {"ticket-type", "waitlist"}
)
STATION_DATABASE = "eventdesk.db"  # a data folder's own SQLite database (docs/cli.md)
DEMO_DATABASE = "demo.db"  # the one `eventdesk demo` builds in a data folder (unless --db)


# --- context and output ---------------------------------------------------------------------
class Ctx:
    """What every command gets: the configuration, the store (opened on first use), output."""

    def __init__(
        self, config: Config, *, as_json: bool, db_given: bool, may_create: bool = False
    ) -> None:
        self.config = config
        self.as_json = as_json
        self.db_given = db_given
        # Only init, demo and restore make a database; any other command refuses a missing one.
        self.may_create = may_create
        self._store: Store | None = None
        self._read_store: Store | None = None
        self._door_station: Station | None = None
        self._said_offline = False
        self._probe: Probe | None = None
        self.tidy_imports = False  # one of TIDY_COMMANDS: see close

    @property
    def on_server(self) -> bool:
        """This station's database is a server (it keeps a mirror and can go offline)."""
        return not self.config.is_sqlite

    def login(self) -> LoginFacts:
        """What this station's database login is (services.stations.reach): on a server, asked
        within the station's limit, else as its copy kept it; an SQLite file is its user's
        own (the organizer's)."""
        from eventdesk.services.stations.reach import LoginFacts, login_facts

        if self.config.is_sqlite:
            return LoginFacts("organizer")
        station = self._door_station
        if station is not None and station.reaching:  # a command that answers from the copy
            return login_facts(station)
        return LoginFacts.of(self.store)

    def reach_server(self, *, one_shot: bool = True) -> None:
        """A command that answers from the station's copy when its server does not: the server
        is asked from now on, while the command loads what it needs, and waited for no longer
        than the station's threshold (services.stations.reach). ``one_shot``: a command that
        answers once (not ``scan``, which goes on deciding while a link comes and goes)."""
        if self.on_server:
            self.door_station().reach_early(self._probe, one_shot=one_shot)

    def probe_server(self) -> None:
        """Ask the server whether it answers, now, before the command loads (a command that
        answers from the station's copy waits for it no longer than its threshold from here)."""
        if self.on_server and self._probe is None:
            from eventdesk.services.stations.reach import Probe

            self._probe = Probe(self.config.database_url)

    def server_or_copy(self, on_server: Callable[[Store], T], on_copy: Callable[[Mirror], T]) -> T:
        """A read on the server; at a station whose server does not answer within its limit,
        from the station's copy instead, said once on stderr (services.stations.reach)."""
        if not self.on_server:
            return on_server(self.store)
        from eventdesk.services.stations.link import ServerAway

        station = self.door_station()
        # With a copy to answer from, the server is waited for as a door waits; without one,
        # as long as a round of sync would (a station whose link died frees what it held on the
        # server within seconds), and a lock held longer is named.
        from eventdesk.services.stations.link import SILENCE_SECONDS

        limit = None if station.answers_offline() else max(station.link.threshold, SILENCE_SECONDS)
        try:
            server = station.reached()
            return station.link.call(lambda: on_server(server), timeout=limit, again=False)
        except ServerAway as away:
            if not station.answers_offline():
                station.busy(away)  # ServerBusy when a session holds what this waited for
            self.from_copy()
            return on_copy(station.mirror)

    def from_copy(self) -> None:
        """Said once, before an answer from the station's copy: why, and how old the copy is
        (DatabaseUnavailable when the station has none)."""
        from eventdesk.errors import DatabaseUnavailable
        from eventdesk.services.stations.station_door import no_copy

        station = self.door_station()
        reason = station.link.reason or _("server not answering")
        if not station.copy_exists() or station.mirror.refreshed_at() is None:
            raise DatabaseUnavailable(no_copy(reason))
        if self._said_offline:
            return
        self._said_offline = True
        updated = station.mirror.refreshed_at()
        say(
            "eventdesk: "  # not for translation: the program's name
            + _("OFFLINE ({reason}): from this station's copy, refreshed {when}").format(
                reason=reason, when=show(updated, self.copy_zone())
            ),
            err=True,
        )

    def copy_zone(self) -> ZoneInfo:
        """The zone this station's times are read in, as its copy has it: its event's (else
        the one zone all its events share, else UTC), as the answers beside them are."""
        from sqlalchemy.exc import SQLAlchemyError

        from eventdesk.errors import EventdeskError
        from eventdesk.services.stations.mirror_read import zones_in_copy

        station = self.door_station()
        if not station.copy_exists():
            return UTC_ZONE
        try:
            return zones_in_copy(station.mirror, self.config.door_event).fallback
        except (EventdeskError, SQLAlchemyError):
            return UTC_ZONE

    def door_station(self) -> Station:
        """This station as a door on its server: its link, mirror and outbox."""
        from eventdesk.services.stations.offline import Station

        if self._door_station is None:
            self._door_station = Station(self.config, self._shared_store)
        return self._door_station

    @property
    def station(self) -> str:
        return self.config.station

    @property
    def store(self) -> Store:
        station = self._door_station
        if self._store is None and station is not None and station.reaching:
            return station.server()  # the store it is opening, waited for (the same one)
        return self._shared_store()

    @property
    def read_store(self) -> Store:
        """The store of what only reads (the reports, the stats): a standby's when the station
        asks for one (``[database] reads = "standby"``) and its server names several hosts;
        else ``store``."""
        if self.config.database_reads != "standby" or self.config.is_sqlite:
            return self.store
        if self._read_store is None:
            from eventdesk.db import APPLICATION_PREFIX, Store, application_name
            from eventdesk.services.stations.standby import reads_url

            self._read_store = Store(
                reads_url(self.config.database_url),
                application=application_name(APPLICATION_PREFIX + self.config.station),
                read_only=True,
            )
        return self._read_store

    def say_figures(self) -> None:
        """Where the figures a read gave come from, on stderr, when a standby may give them."""
        if self._read_store is None:
            return
        from eventdesk.services.stations.standby import figures_from

        figures = figures_from(self._read_store)
        if figures is not None:
            say(figures.words(), err=True)

    def _shared_store(self) -> Store:
        if self._store is None:
            from eventdesk.opening import open_store

            self._store = open_store(self.config, create=self.may_create)
        return self._store

    def zones(self, tickets: Iterable[str] = ()) -> Zones:
        """Each event's time zone (and the events of ``tickets``), to show times in."""
        from eventdesk.services.door.scans import event_zones

        return event_zones(self.store, tickets=tickets, station_event=self.config.door_event)

    def use_store(self, store: Store) -> None:
        self._store = store

    def close(self) -> None:
        """Give the database connections back when the command is done (one of the office's
        commands first undoes an import killed half-way: ``undo_stopped_imports``)."""
        if self.tidy_imports and self._store is not None:
            self.undo_stopped_imports(self._store)
        if self._door_station is not None:
            self._door_station.close()
            self._door_station = None
        if self._store is not None:
            self._store.dispose()
            self._store = None
        if self._read_store is not None:
            self._read_store.dispose()
            self._read_store = None

    @staticmethod
    def undo_stopped_imports(store: Store) -> list[str]:
        """The rows of an import whose process was killed half-way, taken away now
        (services.data.import_runs.undo_stopped), each said on stderr: with the organizer's
        rights (a station's own login may not delete them); a database that does not let it
        (away, read-only, a standby) leaves them to the next command."""
        from sqlalchemy.exc import SQLAlchemyError

        from eventdesk.errors import EventdeskError
        from eventdesk.services.data.import_runs import undo_stopped

        try:
            if store.station_login() is not None:
                return []
            notes = undo_stopped(store)
        except (SQLAlchemyError, EventdeskError, OSError):
            return []
        for note in notes:
            say(f"eventdesk: {note}", err=True)  # not for translation: the program's name
        return notes

    def emit(
        self, data: Any, human: str | Callable[[], str] | None = None, *, raw: bool = False
    ) -> None:
        """``data`` as one JSON line with ``--json``, else ``human`` for people. What a
        terminal would act on in either (an escape sequence in a name) is written out;
        ``raw``: the human text carries this command's own terminal colours, and cleaned
        its values itself."""
        if self.as_json:
            click.echo(json_text(data))
            return
        text = human() if callable(human) else human
        if text is None:
            text = json_text(data, indent=2)
        click.echo(text if raw else for_terminal(text, lines=True))


def json_text(data: Any, *, indent: int | None = None) -> str:
    """One JSON document, safe to show in a terminal (the same document to a program)."""
    return json_for_terminal(json.dumps(to_jsonable(data), ensure_ascii=False, indent=indent))


def say(text: str, *, err: bool = False) -> None:
    """A line for people (stderr with ``err``), what a terminal would act on written out."""
    click.echo(for_terminal(text, lines=True), err=err)


def to_jsonable(value: Any) -> Any:
    if isinstance(value, Said):  # what a door tells, worded for this reader
        return value.words()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Columns lined up as a terminal shows them: each cell padded to its column's width in
    cells of the screen (a CJK letter takes two, a combining mark none: rich's ``cell_len``),
    not in characters."""
    from rich.cells import cell_len

    cells = [[("" if c is None else for_terminal(c)) for c in row] for row in rows]
    if not cells:
        # TRANSLATORS: a table with no rows
        return _("(none)")
    widths = [max(cell_len(h), *(cell_len(r[i]) for r in cells)) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        padded = (v + " " * (w - cell_len(v)) for v, w in zip(values, widths, strict=True))
        return "  ".join(padded).rstrip()

    lines = [line(headers), "  ".join("-" * w for w in widths)]
    lines.extend(line(r) for r in cells)
    return "\n".join(lines)


def local(moment: datetime | None, zone: ZoneInfo) -> str:
    """A time for people: in the event's zone (never the machine's), labelled."""
    return show(moment, zone)


pass_ctx = click.make_pass_decorator(Ctx)


def door_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options every scanning command has: who scans, and whether a badge prints."""
    for option in reversed(
        [
            click.option(
                "--operator",
                metavar="NAME",
                callback=lambda _c, _p, v: _operator(v),
                help="Who is scanning (goes into the scan log).",
            ),
            click.option(
                "--print/--no-print",
                "auto_print",
                default=None,
                help="Print a badge when admitted (default: the station's auto_print setting).",
            ),
            click.option("--printer", help="The printer for badges (default: the station's)."),
            click.option(
                "--self-service",
                is_flag=True,
                help="A self-service kiosk: a ticket that needs staff is sent to the desk.",
            ),
        ]
    ):
        command = option(command)
    return command


def _operator(value: str | None) -> str | None:
    if value is not None and (not value.strip() or len(value) > 100 or not value.isprintable()):
        raise click.BadParameter(
            _("must be 1 to 100 printable characters"), param_hint="--operator"
        )
    return value


DEVICE_ENTRY_POINTS = "eventdesk.devices"
PRINT_BADGE = "print_badge"  # (ctx, printer, ticket_id) -> lines: print a queued badge now


def device(name: str) -> Callable[..., Any] | None:
    """A device function the layers above offer the core's commands (an ``eventdesk.devices``
    entry point, e.g. printing a badge right after `checkin`), or None where none is installed.
    """
    for point in importlib.metadata.entry_points(group=DEVICE_ENTRY_POINTS, name=name):
        loaded = point.load()
        if callable(loaded):
            return loaded  # type: ignore[no-any-return]
    return None


def amount_option(value: str | None) -> int | None:
    return None if value is None else parse_amount(value)


# --- check-in -------------------------------------------------------------------------------
def scan_json(result: ScanResult, decision: Any = None) -> dict[str, Any]:
    """One decision as JSON: every field of the ScanResult (`checkin --json`), and for a
    scanner's decision (`scan --json`) also the payload read, the latency and the frame."""
    data: dict[str, Any] = {"result": result.result, "ticket_id": result.ticket_id}
    if decision is not None:
        data["payload"] = decision.payload[:200]
        data["latency_ms"] = round(decision.latency_ms, 2)
        data["frame"] = decision.frame_index
    from eventdesk.services.door import answer_words

    data.update(to_jsonable(result))
    # The door's sentence in full, and the marks as codes, as the JSON has always said them.
    del data["said"]
    data["message"] = answer_words.sentence(result)
    data["flags"] = answer_words.flag_codes(result)
    return data


# TRANSLATORS: --print-only (a badge station) and --exit (an exit gate) given together
PRINT_ONLY_NO_EXIT = N_(
    "--print-only and --exit do not go together: a badge station lets no one out"
)


def scan_human(result: ScanResult) -> str:
    marks: dict[ScanOutcome, str] = {
        # TRANSLATORS: the door's answer to a scan, in capitals: let the person in
        "ok": _("ADMIT"),
        # TRANSLATORS: the door's answer to a scan, in capitals: the ticket was used already
        "already_checked_in": _("ALREADY IN"),
        # TRANSLATORS: the door's answer to a scan, in capitals: send the person to the desk
        "needs_staff": _("SEE DESK"),
        # TRANSLATORS: a badge station's answer to a scan, in capitals: a badge printed
        "printed": _("PRINTED"),
        # TRANSLATORS: a badge station's answer to a scan, in capitals: a badge printed again
        "reprinted": _("REPRINTED"),
    }
    # TRANSLATORS: the door's answer to a scan, in capitals: the ticket is refused
    mark = marks.get(result.result, _("REFUSED"))
    if result.direction == "exit" and result.result == "ok":
        # TRANSLATORS: the door's answer to an exit scan, in capitals: the person goes out
        mark = _("EXIT")  # someone leaving: who is inside goes down
    from eventdesk.services.door import answer_words

    lines = [f"{mark}  [{result.result}]  {answer_words.sentence(result)}"]
    if result.event_title:
        # TRANSLATORS: under the answer of a door for several events: the ticket's event
        lines.append("  " + _("event: {event}").format(event=result.event_title))
    if result.seat:
        lines.append("  " + _("seat: {seat}").format(seat=result.seat))
    if result.attention and result.result == "ok":
        lines.append("  " + _("attention: {attention}").format(attention=result.attention))
    if result.alert and result.result == "ok":
        # TRANSLATORS: an admission of a person the organizer awaits (told of the arrival)
        lines.append("  " + _("awaited: {reason}").format(reason=result.alert))
    if result.note:
        # TRANSLATORS: under the door's answer: the staff's note on the person
        lines.append("  " + _("note: {note}").format(note=result.note))
    if result.order_note:
        # TRANSLATORS: under the door's answer: the staff's note on the ticket's order
        lines.append("  " + _("order note: {note}").format(note=result.order_note))
    lines.extend(f"  {flag}" for flag in answer_words.flag_codes(result))
    if result.replayed:
        lines.append("  " + _("(the answer given before to this nonce)"))
    if result.offline:
        lines.append(
            "  "
            + _("(OFFLINE: decided from this station's copy; uploaded when the server is back)")
        )
    return "\n".join(lines)


def answers_offline(command: Callable[..., Any]) -> Callable[..., Any]:
    """A command that answers from the station's copy when its server does not: it begins
    reaching the server before anything else (its access check included), so that it waits
    for it no longer than the station's threshold (services.stations.reach)."""

    @functools.wraps(command)
    def reaching(obj: Ctx, *args: Any, **kwargs: Any) -> Any:
        obj.reach_server()
        return command(obj, *args, **kwargs)

    return reaching


def secret_from_file(file: str, field: str) -> str:
    """A secret (a password, a passphrase) read from FILE, its first and last blanks off; a
    file that cannot be read is an error that names it."""
    from eventdesk.errors import InvalidInput

    try:
        return Path(file).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise InvalidInput(
            _("cannot read {path}: {problem}").format(path=file, problem=exc.strerror or exc),
            field=field,
        ) from None
