"""The `eventdesk` command line: the headless face of the product (see docs/cli.md).

The core builds the one click group and its own commands (one module per command group); the
layers above it (screens, kiosk, badges) add theirs through the ``eventdesk.commands`` entry
points in pyproject.toml, so the core never imports them.

Exit codes: 0 done; 1 refused by the rules; 2 bad input or usage (one line on stderr, never a
traceback); 3 the environment (database, camera or printer unreachable).
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import importlib.metadata
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from eventdesk import variables
from eventdesk.cli.common import (
    CREATING_COMMANDS,
    DEMO_DATABASE,
    EXIT_BAD_INPUT,
    EXIT_ENVIRONMENT,
    EXIT_INTERNAL,
    EXIT_REFUSED,
    STATION_DATABASE,
    TIDY_COMMANDS,
    Ctx,
    json_text,
    say,
)
from eventdesk.cli.help import ARGS, HelpContext, speak_help
from eventdesk.cli.json_option import JSON_HELP, accept_json, json_wanted
from eventdesk.config import Config, load_config, sqlite_url
from eventdesk.errors import EventdeskError, InvalidInput
from eventdesk.i18n import _, set_language
from eventdesk.private import keep_private

# --- the group ------------------------------------------------------------------------------
COMMAND_ENTRY_POINTS = "eventdesk.commands"
DISTRIBUTION = "eventdesk"
# The core's commands and the module (in eventdesk.cli) that makes each, imported when one of
# its commands runs: a command loads the database layer only if it uses it, and the app draws
# its first screen before SQLAlchemy is loaded. Each module lists its commands in COMMANDS.
CORE_COMMANDS = {
    **dict.fromkeys(("event", "session", "ticket-type", "venue"), "catalogue"),
    **dict.fromkeys(("attendee", "staff"), "people"),
    **dict.fromkeys(
        ("cancel", "pay", "payment", "promote", "refund", "register", "ticket", "waitlist"),
        "sales",
    ),
    **dict.fromkeys(("checkin", "scan-log", "stats"), "door"),
    **dict.fromkeys(("export", "import", "log", "report"), "data"),
    **dict.fromkeys(("backup", "init", "restore"), "backups"),
    **dict.fromkeys(("station", "sync"), "stations"),
    "roles": "roles",
    "checkin-list": "lists",
    "question": "questions",
    "order": "orders",
    "shop": "shops",
    "db": "database",
    "watch": "watch",
}


# Commands that answer from a station's copy when its server does not (or have a subcommand
# that does): services.stations.reach.
ANSWER_FROM_THE_COPY = frozenset({"checkin", "scan", "attendee", "ticket", "print", "report"})


class EventdeskGroup(click.Group):
    """The core's commands, and those the layers above register as ``eventdesk.commands`` entry
    points. Each is loaded only when it runs or help lists it, so a core command never imports
    Textual, OpenCV or Pillow, and a command imports no other command's module. Each writes its
    help in the station's language (cli/help.py)."""

    context_class = HelpContext

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[ARGS] = list(args)  # the language of the group's own help (cli/help.py)
        return super().parse_args(ctx, args)

    def _entry_points(self) -> dict[str, importlib.metadata.EntryPoint]:
        found = importlib.metadata.entry_points(group=COMMAND_ENTRY_POINTS)
        known = {*self.commands, *CORE_COMMANDS}
        return {point.name: point for point in found if point.name not in known}

    def _core_command(self, name: str) -> click.Command | None:
        module = CORE_COMMANDS.get(name)
        if module is None:
            return None
        for command in importlib.import_module(f"eventdesk.cli.{module}").COMMANDS:
            self.add_command(command)
        return self.commands.get(name)

    def _own_entry_point(self, name: str) -> importlib.metadata.EntryPoint | None:
        """The command ``name`` as eventdesk's own distribution registers it: read from its
        metadata alone, without reading every installed distribution's (start-up time)."""
        try:
            points = importlib.metadata.distribution(DISTRIBUTION).entry_points
        except importlib.metadata.PackageNotFoundError:
            return None
        found = points.select(group=COMMAND_ENTRY_POINTS, name=name)
        return next(iter(found), None)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *CORE_COMMANDS, *self._entry_points()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = self.commands.get(cmd_name) or self._core_command(cmd_name)
        if command is None:
            point = self._own_entry_point(cmd_name) or self._entry_points().get(cmd_name)
            if point is None:
                return None
            command = point.load()
            if not isinstance(command, click.Command):
                raise TypeError(f"entry point {point.value} is not a click command")
        return speak_help(accept_json(command))


@click.group(
    cls=EventdeskGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option("--db", "db_url", metavar="URL", help="Database URL (or EVENTDESK_DATABASE_URL).")
# The database URL in a file of its own (it may hold a password, which `ps` shows in an option
# and a child process sees in an environment): `serve` starts its app processes so.
@click.option("--db-file", hidden=True, type=click.Path(dir_okay=False), metavar="FILE")
@click.option(
    "--data-dir", metavar="DIR", help="Data folder (or EVENTDESK_DATA_DIR; default ./data)."
)
@click.option("--station", metavar="NAME", help="This station's name (default: the host name).")
@click.option(
    "--lang",
    "language",
    metavar="CODE",
    help="The language of every text (en, de, fr, es; or EVENTDESK_LANG, [station] language).",
)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.version_option(package_name="eventdesk")
@click.pass_context
def cli(
    ctx: click.Context,
    db_url: str | None,
    db_file: str | None,
    data_dir: str | None,
    station: str | None,
    language: str | None,
    as_json: bool,
) -> None:
    """eventdesk: offline event registration and door check-in."""
    if language:  # said first: a mistake in the settings is then said in that language
        set_language(language)
    if db_file is not None and db_url is None:
        db_url = _url_in(Path(db_file))
    config = load_config(data_dir=data_dir, database_url=db_url, station=station, language=language)
    set_language(config.language)
    keep_private(config.data_dir)
    db_given = config.database_given
    may_create = ctx.invoked_subcommand in CREATING_COMMANDS
    if not db_given and not may_create:
        config = _demo_in_an_empty_folder(config)
    ctx.obj = Ctx(config, as_json=as_json, db_given=db_given, may_create=may_create)
    ctx.obj.tidy_imports = ctx.invoked_subcommand in TIDY_COMMANDS
    ctx.call_on_close(ctx.obj.close)
    if ctx.invoked_subcommand in ANSWER_FROM_THE_COPY:  # the server asked while they load
        ctx.obj.probe_server()
    if ctx.invoked_subcommand is None:  # plain `eventdesk` opens the app
        app = cli.get_command(ctx, "app")
        if app is None:
            raise click.UsageError(_("the app is not installed: give a command (see --help)"))
        ctx.invoke(app)


def _url_in(path: Path) -> str:
    """The database URL written in ``path`` (its first line)."""
    try:
        url = path.read_text(encoding="utf-8").strip().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            _("cannot read the database URL in {path}: {problem}").format(path=path, problem=exc),
            field="db",
        ) from None
    if not url:
        raise InvalidInput(_("{path} holds no database URL").format(path=path), field="db")
    return url[0]


def _demo_in_an_empty_folder(config: Config) -> Config:
    """The data folder's database: its own DATA_DIR/eventdesk.db, or, while it has none, the
    demo's DATA_DIR/demo.db when `eventdesk demo` built one there, so the commands run after
    `python3 dev.py demo` read the demo. `init` and `restore` always make the folder's own
    eventdesk.db (they never come here), and from then on every command uses it."""
    folder = config.data_dir.resolve()
    own, demo = folder / STATION_DATABASE, folder / DEMO_DATABASE
    if config.database_url != sqlite_url(own) or own.exists() or not demo.is_file():
        return config
    return dataclasses.replace(config, database_url=sqlite_url(demo))


# --- entry point ----------------------------------------------------------------------------
def _fail(message: str, code: int, *, as_json: bool, field: str | None = None) -> int:
    say(f"eventdesk: {message}", err=True)
    if as_json:
        click.echo(json_text({"error": message, "field": field, "exit_code": code}))
    return code


def _stop_on_signals() -> None:
    """Ctrl-C stops a long command even if whoever started us ignored it, and so does SIGTERM
    (a service manager stopping a scanner or a print server): both end it cleanly."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, interrupt)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (the console script exits with it)."""
    args = list(sys.argv[1:] if argv is None else argv)
    _stop_on_signals()
    try:
        result = cli.main(args=args, prog_name="eventdesk", standalone_mode=False)
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except BrokenPipeError:
        return 0
    except (Exception, KeyboardInterrupt) as exc:
        # `--json` before the command or after it: the error is a JSON document too
        return _failed(exc, as_json=json_wanted(cli, args))
    return int(result) if isinstance(result, int) else 0


def _failed(exc: BaseException, *, as_json: bool) -> int:
    """An error said in one line (and as a JSON document with `--json`): its exit code."""
    if isinstance(exc, click.exceptions.Abort):
        # TRANSLATORS: the command was stopped (a question answered no, or Ctrl-D)
        return _fail(_("aborted"), EXIT_REFUSED, as_json=as_json)
    if isinstance(exc, click.ClickException):
        return _fail(exc.format_message(), EXIT_BAD_INPUT, as_json=as_json)
    if isinstance(exc, EventdeskError):
        return _fail(exc.message, exc.exit_code, as_json=as_json, field=exc.field)
    if isinstance(exc, KeyboardInterrupt):
        # TRANSLATORS: the command was stopped with Ctrl-C
        return _fail(_("interrupted"), 130, as_json=as_json)
    if isinstance(exc, Exception):
        failed = _database_failure(exc, as_json=as_json)
        if failed is not None:
            return failed
    # a bug: one line for the user, the traceback on request
    if _debugging():
        raise exc
    return _fail(
        _("internal error: {kind}: {problem} (set EVENTDESK_DEBUG=1 for details)").format(
            kind=type(exc).__name__, problem=exc
        ),
        EXIT_INTERNAL,
        as_json=as_json,
    )


def _database_failure(exc: Exception, *, as_json: bool) -> int | None:
    """The exit code of an error the database raised, said in one line; None for any other
    error. (Only a command that loaded SQLAlchemy can meet one of its errors.)"""
    if "sqlalchemy" not in sys.modules:
        return None
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    from eventdesk.sqlite_driver import OPERATIONAL

    if isinstance(exc, OPERATIONAL):  # the driver's own, raised beside SQLAlchemy
        return _fail(
            _("database problem: {problem}").format(problem=exc), EXIT_ENVIRONMENT, as_json=as_json
        )

    from eventdesk.db import permission_refusal

    if isinstance(exc, OperationalError):
        return _fail(
            _("database problem: {problem}").format(problem=str(exc.orig).strip().splitlines()[0]),
            EXIT_ENVIRONMENT,
            as_json=as_json,
        )
    if not isinstance(exc, SQLAlchemyError):
        return None
    refusal = permission_refusal(exc)  # PostgreSQL: this station's role lacks a GRANT
    if refusal is not None:
        return _fail(refusal.message, refusal.exit_code, as_json=as_json)
    return _fail(
        _("database error: {kind}: {problem}").format(
            kind=type(exc).__name__, problem=str(exc).splitlines()[0]
        ),
        EXIT_INTERNAL,
        as_json=as_json,
    )


def entry() -> None:
    """The console script. When the command is done (its work committed, its connections
    closed, what it says written) the process ends at once: the interpreter's own teardown,
    freeing everything the process is about to give back anyway, is half a second of a
    one-shot command's time (bench/cli_offline.py)."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(code)


def _debugging() -> bool:
    """``EVENTDESK_DEBUG=1``: a bug's traceback instead of its one line (a value that is not a
    flag counts as set: whoever set it wants to see)."""
    try:
        return variables.read("EVENTDESK_DEBUG") is True
    except InvalidInput:
        return True
