"""The `eventdesk` command line: the headless face of the product (see CLI.md).

Exit codes: 0 done; 1 refused by the rules; 2 bad input or usage (one line on stderr, never a
traceback); 3 the environment (database, camera or printer unreachable).
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from eventdesk.config import Config, load_config, sqlite_url
from eventdesk.db import Store, open_store
from eventdesk.errors import EventdeskError, InvalidInput, NotAllowed
from eventdesk.values import format_cents, parse_amount

EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2
EXIT_ENVIRONMENT = 3
EXIT_INTERNAL = 70


# --- context and output ---------------------------------------------------------------------
class Ctx:
    """What every command gets: the configuration, the store (opened on first use), output."""

    def __init__(self, config: Config, *, as_json: bool, db_given: bool) -> None:
        self.config = config
        self.as_json = as_json
        self.db_given = db_given
        self._store: Store | None = None

    @property
    def station(self) -> str:
        return self.config.station

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.config)
        return self._store

    def use_store(self, store: Store) -> None:
        self._store = store

    def close(self) -> None:
        """Give the database connections back when the command is done."""
        if self._store is not None:
            self._store.dispose()
            self._store = None

    def emit(self, data: Any, human: str | Callable[[], str] | None = None) -> None:
        if self.as_json:
            click.echo(json.dumps(to_jsonable(data), ensure_ascii=False))
        else:
            text = human() if callable(human) else human
            if text is None:
                text = json.dumps(to_jsonable(data), ensure_ascii=False, indent=2)
            click.echo(text)


def to_jsonable(value: Any) -> Any:
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
    cells = [[("" if c is None else str(c)) for c in row] for row in rows]
    if not cells:
        return "(none)"
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells
    )
    return "\n".join(lines)


def local(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone().strftime("%Y-%m-%d %H:%M")


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
        ]
    ):
        command = option(command)
    return command


def _operator(value: str | None) -> str | None:
    if value is not None and (not value.strip() or len(value) > 100 or not value.isprintable()):
        raise click.BadParameter("must be 1 to 100 printable characters", param_hint="--operator")
    return value


def amount_option(value: str | None) -> int | None:
    return None if value is None else parse_amount(value)


# --- the group ------------------------------------------------------------------------------
@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db_url", metavar="URL", help="Database URL (or EVENTDESK_DATABASE_URL).")
@click.option(
    "--data-dir", metavar="DIR", help="Data folder (or EVENTDESK_DATA_DIR; default ./data)."
)
@click.option("--station", metavar="NAME", help="This station's name (default: the host name).")
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON document (a line per item for streams)."
)
@click.version_option(package_name="eventdesk")
@click.pass_context
def cli(
    ctx: click.Context, db_url: str | None, data_dir: str | None, station: str | None, as_json: bool
) -> None:
    """eventdesk: offline event registration and door check-in."""
    config = load_config(data_dir=data_dir, database_url=db_url, station=station)
    db_given = bool(
        db_url or os.environ.get("EVENTDESK_DATABASE_URL") or config.extra.get("database")
    )
    ctx.obj = Ctx(config, as_json=as_json, db_given=db_given)
    ctx.call_on_close(ctx.obj.close)
    if ctx.invoked_subcommand is None:
        ctx.invoke(app_command)


APP_MODES = ["desk", "kiosk", "organizer", "stats"]


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
            click.option("--ready-file", hidden=True, metavar="FILE"),
            # For benchmarks and unattended kiosks started by the operator: no PIN asked.
            click.option("--sign-in-as", hidden=True, metavar="STAFF"),
        ]
    ):
        command = option(command)
    return command


@cli.command("app")
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
    ready_file: str | None = None,
    sign_in_as: str | None = None,
) -> None:
    """Open the full-screen app (sign in with a staff PIN)."""
    if wall and mode != "stats":
        raise InvalidInput("--wall goes with --mode stats", field="wall")
    from screens.app import make_app

    app = make_app(
        config=obj.config,
        store=obj.store,
        mode=mode,
        event=event_ref,
        camera=camera,
        decoder=decoder_name,
        printer=printer,
        auto_print=auto_print,
        sign_in_as=sign_in_as,
        wall=wall,
        ready_file=ready_file,
    )
    app.run()
    if app.return_code:
        raise click.exceptions.Exit(app.return_code)


@cli.command()
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
@pass_ctx
def serve(
    obj: Ctx, mode: str, host: str, port: int, public_url: str | None, event_ref: str | None
) -> None:
    """Serve the app to a browser (textual-serve): e.g. the stats screen on a wall display.

    The stats screen is served without signing in (it shows figures only); desk and kiosk ask
    for a staff PIN as in the terminal. Each browser gets its own app process.
    """
    import shlex
    import socket

    from sqlalchemy.engine import make_url
    from textual_serve.server import Server

    obj.store  # noqa: B018 - the database is checked (and migrated) before serving
    # The database URL reaches the app processes through their environment (it may hold a
    # password: textual-serve prints its command, and `ps` shows it).
    os.environ["EVENTDESK_DATABASE_URL"] = obj.config.database_url
    command = [
        sys.executable,
        "-m",
        "eventdesk",
        "--data-dir",
        str(obj.config.data_dir.resolve()),
        "--station",
        obj.station,
        "app",
        "--mode",
        mode,
        *(["--wall"] if mode == "stats" else []),
        *(["--event", event_ref] if event_ref else []),
    ]
    if public_url is None and host in ("0.0.0.0", "::", ""):
        # The page tells the browser where its scripts and websocket are: never 0.0.0.0.
        public_url = f"http://{socket.getfqdn() or socket.gethostname()}:{port}"
    shown_db = make_url(obj.config.database_url).render_as_string(hide_password=True)
    click.echo(
        f"eventdesk serve: the {mode} screen of {shown_db} on "
        f"{public_url or f'http://{host}:{port}'}",
        err=True,
    )
    Server(
        shlex.join(command),
        host=host,
        port=port,
        title=f"eventdesk {mode}",
        public_url=public_url.rstrip("/") if public_url else None,
    ).serve()


@cli.command()
@click.option("--new-key", is_flag=True, help="Give this station a signing key of its own.")
@pass_ctx
def init(obj: Ctx, new_key: bool) -> None:
    """Create or upgrade the database and the ticket signing keys."""
    from eventdesk.migrations import HEAD_REVISION
    from eventdesk.tickets import ensure_keys, load_signer

    store = obj.store
    keys = ensure_keys(store, obj.config.data_dir, obj.station, new_key=new_key)
    store.signer = load_signer(obj.config.data_dir)
    if keys.can_issue:
        key_line = f"signing key {keys.key_id}: {keys.path}" + (" (new)" if keys.created else "")
    else:
        key_line = (
            "no signing key on this station: it checks tickets but cannot issue them "
            f"(copy {keys.path} from the issuing station, or run init --new-key)"
        )
    obj.emit(
        {
            "database": store.url,
            "schema": HEAD_REVISION,
            "data_dir": str(obj.config.data_dir),
            "key_id": keys.key_id,
            "can_issue": keys.can_issue,
            "key_created": keys.created,
            "known_keys": keys.known_keys,
        },
        f"database ready: {store.url} (schema {HEAD_REVISION})\n{key_line}",
    )


@cli.command()
@click.option(
    "--attendees", "attendee_count", type=click.IntRange(1, 200_000), default=300, show_default=True
)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--no-ui", is_flag=True, help="Only build the demo and print what was made.")
@pass_ctx
def demo(obj: Ctx, attendee_count: int, seed: int, no_ui: bool) -> None:
    """Build a demo event (fresh DATA_DIR/demo.db unless --db is given) and open the app on it."""
    from eventdesk.services.demo import build_demo

    if not obj.db_given:
        path = obj.config.data_dir.resolve() / "demo.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        obj.config = dataclasses.replace(obj.config, database_url=sqlite_url(path))
    from eventdesk.tickets import ensure_keys, load_signer

    ensure_keys(obj.store, obj.config.data_dir, obj.station)
    obj.store.signer = load_signer(obj.config.data_dir)
    made = build_demo(obj.store, attendee_count=attendee_count, seed=seed, station=obj.station)

    def human() -> str:
        lines = [
            f"demo event {made.title!r} (slug {made.event}) in {obj.store.url}",
            f"  {made.attendees} attendees: {made.registered} registered, "
            f"{made.waitlisted} on the waitlist, {made.paid} paid, {made.checked_in} checked in",
            "  staff accounts (name / role / PIN):",
            *(f"    {n} / {r} / {p}" for n, r, p in made.staff),
            "  attendees with a PIN for the kiosk lookup (email / PIN):",
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
            "database": obj.store.url,
            "staff": [{"name": n, "role": r, "pin": p} for n, r, p in made.staff],
            "attendee_pins": [{"email": e, "pin": p} for e, p in made.attendee_pins],
        },
        human,
    )
    if not no_ui:
        organizer = next(name for name, role, _pin in made.staff if role == "organizer")
        click.get_current_context().invoke(
            app_command, mode="desk", event_ref=made.event, sign_in_as=organizer
        )


# --- venues ---------------------------------------------------------------------------------
@cli.group()
def venue() -> None:
    """Venues (with optional numbered seats)."""


@venue.command("add")
@click.option("--name", required=True)
@click.option("--address")
@click.option("--capacity", type=int)
@click.option("--seats", metavar="SPEC", help="Numbered seats, e.g. 'A1-A20,B1-B20'.")
@pass_ctx
def venue_add(
    obj: Ctx, name: str, address: str | None, capacity: int | None, seats: str | None
) -> None:
    from eventdesk.services.events import add_venue

    made = add_venue(obj.store, name=name, address=address, capacity=capacity, seats=seats)
    obj.emit(made, f"venue {made.id}: {made.name} ({made.seats} seats)")


@venue.command("list")
@pass_ctx
def venue_list(obj: Ctx) -> None:
    from eventdesk.services.events import list_venues

    rows = list_venues(obj.store)
    obj.emit(
        rows,
        lambda: table(
            ["id", "name", "capacity", "seats", "address"],
            [(v.id, v.name, v.capacity, v.seats, v.address) for v in rows],
        ),
    )


# --- events ---------------------------------------------------------------------------------
@cli.group()
def event() -> None:
    """Events: create, list, show, update, cancel."""


def _event_human(e: Any) -> str:
    cap = "unlimited" if e.capacity is None else str(e.capacity)
    return "\n".join(
        [
            f"{e.title}  [{e.slug}, id {e.id}]  {e.status}, {e.visibility}",
            f"  {local(e.starts_at)} - {local(e.ends_at)} ({e.timezone})",
            f"  venue: {e.venue or '-'}   category: {e.category or '-'}",
            f"  registered {e.registered} / {cap}   waitlisted {e.waitlisted}",
        ]
    )


@event.command("create")
@click.option("--name", required=True)
@click.option("--starts", required=True, metavar="ISO")
@click.option("--ends", required=True, metavar="ISO")
@click.option("--capacity", type=int)
@click.option("--venue")
@click.option("--category")
@click.option("--visibility", type=click.Choice(["public", "private", "invite"]), default="public")
@click.option(
    "--timezone", default="UTC", show_default=True, help="Zone for times given without an offset."
)
@click.option("--description")
@click.option("--slug")
@click.option(
    "--no-waitlist", is_flag=True, help="Refuse registrations when full instead of waitlisting."
)
@click.option(
    "--unpaid",
    type=click.Choice(["refuse", "admit"]),
    default="refuse",
    show_default=True,
    help="At the door: refuse unpaid tickets, or admit them with a flag.",
)
@click.option("--reentry/--no-reentry", default=False, help="Allow exit scans and re-entry.")
@pass_ctx
def event_create(
    obj: Ctx,
    name: str,
    starts: str,
    ends: str,
    capacity: int | None,
    venue: str | None,
    category: str | None,
    visibility: str,
    timezone: str,
    description: str | None,
    slug: str | None,
    no_waitlist: bool,
    unpaid: str,
    reentry: bool,
) -> None:
    from eventdesk.services.events import create_event

    made = create_event(
        obj.store,
        name=name,
        starts=starts,
        ends=ends,
        capacity=capacity,
        venue=venue,
        category=category,
        visibility=visibility,
        timezone=timezone,
        description=description,
        slug=slug,
        waitlist=not no_waitlist,
        station=obj.station,
        unpaid_policy=unpaid,
        allow_reentry=reentry,
    )
    obj.emit({"id": made.id, "slug": made.slug, **to_jsonable(made)}, lambda: _event_human(made))


@event.command("list")
@click.option("--category")
@click.option("--venue")
@click.option("--from", "starts_from", metavar="ISO")
@click.option("--until", "starts_until", metavar="ISO")
@pass_ctx
def event_list(
    obj: Ctx,
    category: str | None,
    venue: str | None,
    starts_from: str | None,
    starts_until: str | None,
) -> None:
    from eventdesk.services.events import list_events

    rows = list_events(
        obj.store,
        category=category,
        venue=venue,
        starts_from=starts_from,
        starts_until=starts_until,
    )
    obj.emit(
        rows,
        lambda: table(
            ["id", "slug", "title", "starts", "status", "registered", "capacity", "waitlisted"],
            [
                (
                    e.id,
                    e.slug,
                    e.title,
                    local(e.starts_at),
                    e.status,
                    e.registered,
                    e.capacity,
                    e.waitlisted,
                )
                for e in rows
            ],
        ),
    )


@event.command("show")
@click.argument("event_ref", metavar="EVENT")
@pass_ctx
def event_show(obj: Ctx, event_ref: str) -> None:
    from eventdesk.services.events import list_sessions, list_ticket_types, show_event

    made = show_event(obj.store, event_ref)
    types = list_ticket_types(obj.store, made.slug)
    sessions = list_sessions(obj.store, made.slug)

    def human() -> str:
        return "\n".join(
            [
                _event_human(made),
                "",
                table(
                    ["ticket type", "price", "tier", "sold", "quantity", "attention"],
                    [
                        (
                            t.name,
                            format_cents(t.price_cents, t.currency),
                            t.priority_tier,
                            t.registered,
                            t.quantity,
                            t.attention,
                        )
                        for t in types
                    ],
                ),
                "",
                table(
                    ["session", "id", "room", "starts", "registered", "capacity"],
                    [
                        (s.name, s.id, s.room, local(s.starts_at), s.registered, s.capacity)
                        for s in sessions
                    ],
                ),
            ]
        )

    obj.emit({**to_jsonable(made), "ticket_types": types, "sessions": sessions}, human)


@event.command("update")
@click.argument("event_ref", metavar="EVENT")
@click.option("--name")
@click.option("--starts", metavar="ISO")
@click.option("--ends", metavar="ISO")
@click.option("--capacity", type=int)
@click.option("--unlimited", is_flag=True, help="Remove the capacity limit.")
@click.option("--venue")
@click.option("--category")
@click.option("--visibility", type=click.Choice(["public", "private", "invite"]))
@click.option("--description")
@click.option("--waitlist/--no-waitlist", default=None)
@click.option(
    "--unpaid", type=click.Choice(["refuse", "admit"]), help="Door policy for unpaid tickets."
)
@click.option("--reentry/--no-reentry", default=None, help="Allow exit scans and re-entry.")
@click.option(
    "--checkin-opens", metavar="ISO", help="When the door opens (default: a day before start)."
)
@click.option(
    "--checkin-closes", metavar="ISO", help="When the door closes (default: 6 h after the end)."
)
@pass_ctx
def event_update(
    obj: Ctx,
    event_ref: str,
    name: str | None,
    starts: str | None,
    ends: str | None,
    capacity: int | None,
    unlimited: bool,
    venue: str | None,
    category: str | None,
    visibility: str | None,
    description: str | None,
    waitlist: bool | None,
    unpaid: str | None,
    reentry: bool | None,
    checkin_opens: str | None,
    checkin_closes: str | None,
) -> None:
    """Change an event; more capacity promotes people from the waitlist at once."""
    from eventdesk.services.events import update_event

    made = update_event(
        obj.store,
        event_ref,
        name=name,
        starts=starts,
        ends=ends,
        capacity=capacity,
        clear_capacity=unlimited,
        venue=venue,
        category=category,
        visibility=visibility,
        description=description,
        waitlist=waitlist,
        station=obj.station,
        unpaid_policy=unpaid,
        allow_reentry=reentry,
        checkin_opens=checkin_opens,
        checkin_closes=checkin_closes,
    )
    obj.emit(made, lambda: _event_human(made))


@event.command("cancel")
@click.argument("event_ref", metavar="EVENT")
@pass_ctx
def event_cancel(obj: Ctx, event_ref: str) -> None:
    from eventdesk.services.events import cancel_event

    made = cancel_event(obj.store, event_ref, station=obj.station)
    obj.emit(made, f"event {made.slug} cancelled")


# --- sessions and ticket types --------------------------------------------------------------
@cli.group("session")
def session_group() -> None:
    """Sessions and workshops inside an event."""


@session_group.command("add")
@click.argument("event_ref", metavar="EVENT")
@click.option("--name", required=True)
@click.option("--starts", required=True, metavar="ISO")
@click.option("--ends", required=True, metavar="ISO")
@click.option("--capacity", type=int)
@click.option("--room")
@pass_ctx
def session_add(
    obj: Ctx,
    event_ref: str,
    name: str,
    starts: str,
    ends: str,
    capacity: int | None,
    room: str | None,
) -> None:
    from eventdesk.services.events import add_session

    made = add_session(
        obj.store, event_ref, name=name, starts=starts, ends=ends, capacity=capacity, room=room
    )
    obj.emit(made, f"session {made.id}: {made.name}")


@session_group.command("list")
@click.argument("event_ref", metavar="EVENT")
@pass_ctx
def session_list(obj: Ctx, event_ref: str) -> None:
    from eventdesk.services.events import list_sessions

    rows = list_sessions(obj.store, event_ref)
    obj.emit(
        rows,
        lambda: table(
            ["id", "name", "room", "starts", "registered", "capacity"],
            [(s.id, s.name, s.room, local(s.starts_at), s.registered, s.capacity) for s in rows],
        ),
    )


@cli.group("ticket-type", invoke_without_command=False)
def ticket_type_group() -> None:
    """Ticket types of an event."""


@ticket_type_group.command("add")
@click.argument("event_ref", metavar="EVENT")
@click.option("--name", required=True)
@click.option("--price", required=True, help="e.g. 12.50")
@click.option("--currency", default="EUR", show_default=True)
@click.option("--quantity", type=int)
@click.option(
    "--tier",
    type=int,
    default=1,
    show_default=True,
    help="Lower is served first from the waitlist.",
)
@click.option("--attention", metavar="TEXT", help="Shown at check-in, e.g. 'Check student ID'.")
@click.option("--sales-start", metavar="ISO")
@click.option("--sales-end", metavar="ISO")
@pass_ctx
def ticket_type_add(
    obj: Ctx,
    event_ref: str,
    name: str,
    price: str,
    currency: str,
    quantity: int | None,
    tier: int,
    attention: str | None,
    sales_start: str | None,
    sales_end: str | None,
) -> None:
    from eventdesk.services.events import add_ticket_type

    made = add_ticket_type(
        obj.store,
        event_ref,
        name=name,
        price_cents=parse_amount(price, "price"),
        currency=currency,
        quantity=quantity,
        tier=tier,
        attention=attention,
        sales_start=sales_start,
        sales_end=sales_end,
    )
    obj.emit(
        made, f"ticket type {made.id}: {made.name} {format_cents(made.price_cents, made.currency)}"
    )


@ticket_type_group.command("list")
@click.argument("event_ref", metavar="EVENT")
@pass_ctx
def ticket_type_list(obj: Ctx, event_ref: str) -> None:
    from eventdesk.services.events import list_ticket_types

    rows = list_ticket_types(obj.store, event_ref)
    obj.emit(
        rows,
        lambda: table(
            ["id", "name", "price", "tier", "sold", "quantity", "attention"],
            [
                (
                    t.id,
                    t.name,
                    format_cents(t.price_cents, t.currency),
                    t.priority_tier,
                    t.registered,
                    t.quantity,
                    t.attention,
                )
                for t in rows
            ],
        ),
    )


# --- attendees ------------------------------------------------------------------------------
@cli.group()
def attendee() -> None:
    """Attendee profiles, search and PINs."""


@attendee.command("add")
@click.option("--name", required=True)
@click.option("--email", required=True)
@click.option("--company")
@click.option("--phone")
@click.option("--pin", help="4 to 12 digits, for the kiosk lookup.")
@pass_ctx
def attendee_add(
    obj: Ctx, name: str, email: str, company: str | None, phone: str | None, pin: str | None
) -> None:
    from eventdesk.services.attendees import add_attendee

    made = add_attendee(obj.store, name=name, email=email, company=company, phone=phone, pin=pin)
    obj.emit(made, f"attendee {made.id}: {made.name} <{made.email}>")


@attendee.command("find")
@click.argument("query", default="", required=False)
@click.option("--limit", type=click.IntRange(1, 500), default=50, show_default=True)
@pass_ctx
def attendee_find(obj: Ctx, query: str, limit: int) -> None:
    """Search by name, email, company or ticket id, as typed (accents and case ignored)."""
    from eventdesk.services.attendees import find_attendees

    rows = find_attendees(obj.store, query, limit=limit)
    obj.emit(
        [{"id": a.id, "name": a.name, "email": a.email, "company": a.company} for a in rows],
        lambda: table(
            ["id", "name", "email", "company"], [(a.id, a.name, a.email, a.company) for a in rows]
        ),
    )


@attendee.command("show")
@click.argument("attendee_ref", metavar="ATTENDEE")
@pass_ctx
def attendee_show(obj: Ctx, attendee_ref: str) -> None:
    from eventdesk.services.attendees import show_attendee
    from eventdesk.services.registration import tickets_of_attendee

    person = show_attendee(obj.store, attendee_ref)
    tickets = tickets_of_attendee(obj.store, person.id)

    def human() -> str:
        head = f"{person.name} <{person.email}>  id {person.id}"
        extra = "  ".join(x for x in (person.company or "", person.phone or "") if x)
        return "\n".join(
            [
                head,
                *([f"  {extra}"] if extra else []),
                "",
                table(
                    ["ticket", "event", "type", "status", "seat", "waitlist"],
                    [
                        (t.id, t.event, t.ticket_type, t.status, t.seat, t.waitlist_position)
                        for t in tickets
                    ],
                ),
            ]
        )

    obj.emit({**to_jsonable(person), "tickets": tickets}, human)


@attendee.command("update")
@click.argument("attendee_ref", metavar="ATTENDEE")
@click.option("--name")
@click.option("--email")
@click.option("--company")
@click.option("--phone")
@pass_ctx
def attendee_update(
    obj: Ctx,
    attendee_ref: str,
    name: str | None,
    email: str | None,
    company: str | None,
    phone: str | None,
) -> None:
    from eventdesk.services.attendees import update_attendee

    made = update_attendee(
        obj.store, attendee_ref, name=name, email=email, company=company, phone=phone
    )
    obj.emit(made, f"attendee {made.id}: {made.name} <{made.email}>")


@attendee.command("set-pin")
@click.argument("attendee_ref", metavar="ATTENDEE")
@click.option("--pin", required=True)
@pass_ctx
def attendee_set_pin(obj: Ctx, attendee_ref: str, pin: str) -> None:
    from eventdesk.services.attendees import set_attendee_pin

    made = set_attendee_pin(obj.store, attendee_ref, pin)
    obj.emit({"id": made.id, "has_pin": True}, f"PIN set for {made.name}")


@attendee.command("login")
@click.argument("email")
@click.option("--pin", required=True)
@pass_ctx
def attendee_login(obj: Ctx, email: str, pin: str) -> None:
    """Check an attendee's email and PIN (exit 1 when wrong or locked)."""
    from eventdesk.services.attendees import show_attendee
    from eventdesk.services.auth import verify_attendee

    person = show_attendee(obj.store, verify_attendee(obj.store, email, pin))
    obj.emit({"ok": True, "id": person.id, "name": person.name}, f"PIN accepted: {person.name}")


# --- registration ---------------------------------------------------------------------------
@cli.command()
@click.argument("event_ref", metavar="EVENT")
@click.option("--attendee", "attendee_ref", required=True, metavar="ATTENDEE")
@click.option("--ticket-type", required=True, metavar="NAME")
@click.option("--session", "session_ids", type=int, multiple=True, metavar="ID")
@click.option("--seat", help="A numbered seat, where the venue has them.")
@click.option("--quantity", type=int, default=1, show_default=True, help="Tickets in this order.")
@pass_ctx
def register(
    obj: Ctx,
    event_ref: str,
    attendee_ref: str,
    ticket_type: str,
    session_ids: tuple[int, ...],
    seat: str | None,
    quantity: int,
) -> None:
    """Register an attendee, or put them on the waitlist when full."""
    from eventdesk.services.registration import register as do_register

    order = do_register(
        obj.store,
        event_ref,
        attendee_ref,
        ticket_type,
        sessions=session_ids,
        seat=seat,
        quantity=quantity,
        station=obj.station,
    )
    first = order.tickets[0]

    def human() -> str:
        lines = []
        for t in order.tickets:
            where = f" seat {t.seat}" if t.seat else ""
            if t.status == "waitlisted":
                lines.append(f"waitlisted: ticket {t.ticket_id}, position {t.waitlist_position}")
            else:
                lines.append(f"registered: ticket {t.ticket_id} ({t.ticket_type}){where}")
        return "\n".join(lines)

    obj.emit(
        {
            "status": first.status,
            "ticket_id": first.ticket_id,
            "waitlist_position": first.waitlist_position,
            "order_id": order.order_id,
            "seat": first.seat,
            "tickets": order.tickets,
        },
        human,
    )


@cli.command()
@click.argument("ticket_id", metavar="TICKET", required=False)
@click.option("--order", "order_id", type=int, help="Cancel every ticket of an order.")
@pass_ctx
def cancel(obj: Ctx, ticket_id: str | None, order_id: int | None) -> None:
    """Cancel a ticket (or an order); the freed place goes to the waitlist at once."""
    from eventdesk.services.registration import cancel as do_cancel
    from eventdesk.services.registration import cancel_order

    if (ticket_id is None) == (order_id is None) or (
        ticket_id is not None and not ticket_id.strip()
    ):
        raise click.UsageError("name a TICKET or --order ID")
    made = (
        do_cancel(obj.store, ticket_id, station=obj.station)
        if ticket_id
        else cancel_order(obj.store, order_id or 0, station=obj.station)
    )
    obj.emit(
        {"status": made.status, "cancelled": made.cancelled, "promoted": made.promoted},
        lambda: (
            f"cancelled {', '.join(made.cancelled)}"
            + (f"; promoted from the waitlist: {', '.join(made.promoted)}" if made.promoted else "")
        ),
    )


@cli.command()
@click.argument("event_ref", metavar="EVENT")
@pass_ctx
def waitlist(obj: Ctx, event_ref: str) -> None:
    """The waitlist in promotion order (tier, then arrival)."""
    from eventdesk.services.registration import list_waitlist

    rows = list_waitlist(obj.store, event_ref)
    obj.emit(
        rows,
        lambda: table(
            ["#", "ticket", "name", "email", "type", "tier", "since"],
            [
                (w.position, w.ticket_id, w.name, w.email, w.ticket_type, w.tier, local(w.since))
                for w in rows
            ],
        ),
    )


@cli.command()
@click.argument("ticket_id", metavar="TICKET")
@click.option("--force", is_flag=True, help="Admit over capacity (organizer's call).")
@pass_ctx
def promote(obj: Ctx, ticket_id: str, force: bool) -> None:
    """Move a ticket off the waitlist now."""
    from eventdesk.services.registration import promote as do_promote

    made = do_promote(obj.store, ticket_id, force=force, station=obj.station)
    obj.emit(
        {"status": made.status, "ticket_id": made.ticket_id, "seat": made.seat},
        f"promoted: ticket {made.ticket_id} is registered",
    )


# --- payments -------------------------------------------------------------------------------
def _money_human(s: Any) -> str:
    return (
        f"ticket {s.ticket_id}: paid {format_cents(s.paid_cents, s.currency)}, "
        f"due {format_cents(s.due_cents, s.currency)}"
    )


def _money_json(s: Any) -> dict[str, Any]:
    return {
        "paid": s.paid_cents / 100,
        "due": s.due_cents / 100,
        "paid_cents": s.paid_cents,
        "due_cents": s.due_cents,
        "currency": s.currency,
        "ticket_id": s.ticket_id,
        "payment_id": s.payment_id,
    }


@cli.command()
@click.argument("ticket_id", metavar="TICKET")
@click.option("--amount", help="e.g. 12.50 (default: what is due)")
@click.option("--method", required=True, type=click.Choice(["cash", "card", "comp", "invoice"]))
@click.option("--reference")
@click.option(
    "--pending", is_flag=True, help="Record it as pending (an invoice is pending by default)."
)
@click.option("--completed", is_flag=True, help="Record an invoice as paid already.")
@pass_ctx
def pay(
    obj: Ctx,
    ticket_id: str,
    amount: str | None,
    method: str,
    reference: str | None,
    pending: bool,
    completed: bool,
) -> None:
    """Record a payment for a ticket."""
    from eventdesk.services.payments import pay as do_pay

    status = "pending" if pending else "completed" if completed else None
    made = do_pay(
        obj.store,
        ticket_id,
        method=method,
        amount_cents=amount_option(amount),
        reference=reference,
        status=status,
        station=obj.station,
    )
    obj.emit(_money_json(made), lambda: _money_human(made))


@cli.command()
@click.argument("ticket_id", metavar="TICKET")
@click.option("--amount", help="e.g. 12.50 (default: all that was paid)")
@click.option("--method", type=click.Choice(["cash", "card", "comp", "invoice"]))
@click.option("--reference")
@pass_ctx
def refund(
    obj: Ctx, ticket_id: str, amount: str | None, method: str | None, reference: str | None
) -> None:
    """Record a refund."""
    from eventdesk.services.payments import refund as do_refund

    made = do_refund(
        obj.store,
        ticket_id,
        amount_cents=amount_option(amount),
        method=method,
        reference=reference,
        station=obj.station,
    )
    obj.emit(_money_json(made), lambda: _money_human(made))


@cli.group()
def payment() -> None:
    """Payment records of a ticket."""


@payment.command("list")
@click.argument("ticket_id", metavar="TICKET")
@pass_ctx
def payment_list(obj: Ctx, ticket_id: str) -> None:
    from eventdesk.services.payments import list_payments, payment_summary

    rows = list_payments(obj.store, ticket_id)
    total = payment_summary(obj.store, ticket_id)
    obj.emit(
        {**_money_json(total), "payments": rows},
        lambda: "\n".join(
            [
                table(
                    ["id", "kind", "method", "amount", "status", "reference", "at"],
                    [
                        (
                            p.id,
                            p.kind,
                            p.method,
                            format_cents(p.amount_cents, p.currency),
                            p.status,
                            p.reference,
                            local(p.created_at),
                        )
                        for p in rows
                    ],
                ),
                _money_human(total),
            ]
        ),
    )


@payment.command("settle")
@click.argument("payment_id", type=int)
@pass_ctx
def payment_settle(obj: Ctx, payment_id: int) -> None:
    """Mark a pending payment (an invoice) as paid."""
    from eventdesk.services.payments import settle

    made = settle(obj.store, payment_id, station=obj.station)
    obj.emit(_money_json(made), lambda: _money_human(made))


# --- tickets --------------------------------------------------------------------------------
@cli.group()
def ticket() -> None:
    """Tickets."""


@ticket.command("show")
@click.argument("ticket_id", metavar="TICKET")
@click.option("--payload", "only_payload", is_flag=True, help="Print only the QR payload string.")
@click.option("--png", "png_path", type=click.Path(dir_okay=False), help="Write the QR as PNG.")
@click.option("--svg", "svg_path", type=click.Path(dir_okay=False), help="Write the QR as SVG.")
@pass_ctx
def ticket_show(
    obj: Ctx, ticket_id: str, only_payload: bool, png_path: str | None, svg_path: str | None
) -> None:
    """A ticket, with its QR drawn in the terminal (or written to a file)."""
    from eventdesk.services.payments import payment_summary
    from eventdesk.services.registration import show_ticket
    from eventdesk.tickets import qr_text, write_png, write_svg

    info = show_ticket(obj.store, ticket_id)
    money = payment_summary(obj.store, ticket_id)
    if (only_payload or png_path or svg_path) and info.qr_payload is None:
        raise NotAllowed(
            f"ticket {info.id} has no QR yet: it was made on a station without the signing key "
            "(run: eventdesk ticket issue, on the station that has it)"
        )
    if only_payload:
        obj.emit({"ticket_id": info.id, "payload": info.qr_payload}, info.qr_payload)
        return
    written = []
    for path, writer in ((png_path, write_png), (svg_path, write_svg)):
        if path:
            try:
                writer(info.qr_payload or "", Path(path))
            except OSError as exc:
                raise InvalidInput(
                    f"cannot write {path}: {exc.strerror or exc}", field="output"
                ) from None
            written.append(path)
    if written:
        obj.emit(
            {"ticket_id": info.id, "payload": info.qr_payload, "written": written},
            f"QR of ticket {info.id} written to {', '.join(written)}",
        )
        return

    def human() -> str:
        lines = [
            f"ticket {info.id}  {info.status}  {info.ticket_type}  {info.event}",
            f"  {info.attendee} <{info.email}>",
            f"  price {format_cents(info.price_cents, info.currency)}, "
            f"paid {format_cents(money.paid_cents, money.currency)}, "
            f"due {format_cents(money.due_cents, money.currency)}",
        ]
        if info.seat:
            lines.append(f"  seat {info.seat}")
        if info.sessions:
            lines.append(f"  sessions: {', '.join(info.sessions)}")
        if info.waitlist_position:
            lines.append(f"  waitlist position {info.waitlist_position}")
        if info.attention:
            lines.append(f"  attention: {info.attention}")
        if info.checked_in_at:
            lines.append(f"  checked in {local(info.checked_in_at)} at {info.checked_in_station}")
        if info.qr_payload:
            lines.extend(["", qr_text(info.qr_payload, color=sys.stdout.isatty()), info.qr_payload])
        return "\n".join(lines)

    obj.emit({**to_jsonable(info), **_money_json(money)}, human)


@ticket.command("issue")
@pass_ctx
def ticket_issue(obj: Ctx) -> None:
    """Sign the QR of every ticket that has none yet (needs this station's signing key)."""
    from eventdesk.tickets import issue_missing

    if obj.store.signer is None:
        raise NotAllowed("this station has no signing key: it can check tickets but not issue them")
    issued = issue_missing(obj.store, obj.store.signer)
    obj.emit({"issued": issued}, f"issued {issued} ticket QR code{'s' if issued != 1 else ''}")


# --- check-in -------------------------------------------------------------------------------
def _scan_json(result: Any) -> dict[str, Any]:
    return {
        "result": result.result,
        "ticket_id": result.ticket_id,
        "attendee": result.attendee,
        "ticket_type": result.ticket_type,
        "attention": result.attention,
        "first_checked_in_at": to_jsonable(result.first_checked_in_at),
        "first_station": result.first_station,
        "message": result.message,
        "event": result.event,
        "session_id": result.session_id,
        "direction": result.direction,
        "flags": list(result.flags),
        "at": to_jsonable(result.at),
    }


def _scan_human(result: Any) -> str:
    mark = {"ok": "ADMIT", "already_checked_in": "ALREADY IN"}.get(result.result, "REFUSED")
    lines = [f"{mark}  [{result.result}]  {result.message}"]
    if result.attention and result.result == "ok":
        lines.append(f"  attention: {result.attention}")
    lines.extend(f"  {flag}" for flag in result.flags)
    return "\n".join(lines)


@cli.command()
@click.argument("words", nargs=-1, metavar="PAYLOAD | undo TICKET")
@click.option("--ticket", "ticket_id", metavar="TICKET", help="Check in by ticket id (the desk).")
@click.option("--session", "session_id", type=int, metavar="ID", help="A session door.")
@click.option(
    "--event", "event_ref", metavar="EVENT", help="This door's event: others are refused."
)
@click.option("--exit", "is_exit", is_flag=True, help="An exit scan (events with re-entry).")
@door_options
@pass_ctx
def checkin(
    obj: Ctx,
    words: tuple[str, ...],
    ticket_id: str | None,
    session_id: int | None,
    event_ref: str | None,
    is_exit: bool,
    operator: str | None,
    auto_print: bool | None,
    printer: str | None,
) -> None:
    """Check in one ticket; exit 0 only when admitted. `checkin undo TICKET` annuls a check-in."""
    from eventdesk.services.checkin import Checkin, undo_checkin

    if words and words[0] == "undo":
        if len(words) != 2:
            raise click.UsageError("usage: eventdesk checkin undo TICKET [--session ID]")
        undone = undo_checkin(obj.store, words[1], session_id=session_id, station=obj.station)
        obj.emit(
            {
                "result": "undone",
                "ticket_id": undone.ticket_id,
                "session_id": undone.session_id,
                "was_checked_in_at": to_jsonable(undone.was_checked_in_at),
                "was_station": undone.was_station,
            },
            f"check-in of ticket {undone.ticket_id} undone "
            f"(was {local(undone.was_checked_in_at)} at {undone.was_station})",
        )
        return
    if ticket_id is not None and not ticket_id.strip():
        raise click.UsageError("--ticket needs a ticket id")
    if len(words) > 1 or (len(words) == 1) == (ticket_id is not None):
        raise click.UsageError("give one PAYLOAD, or --ticket TICKET")
    door_event = event_ref or obj.config.extra.get("event")
    print_to = _print_choice(obj, printer, auto_print)
    desk = Checkin(
        obj.store, station=obj.station, operator=operator, event=door_event, print_to=print_to
    )
    direction = "exit" if is_exit else "entry"
    if ticket_id is not None:
        result = desk.checkin_ticket(ticket_id, session_id=session_id, direction=direction)
    else:
        result = desk.scan(words[0], session_id=session_id, direction=direction)
    obj.emit(_scan_json(result), lambda: _scan_human(result))
    if print_to and "badge queued" in result.flags:  # the check-in is answered; now its badge
        from eventdesk.services.printing import latest_job
        from kiosk.print_worker import drain

        job = latest_job(obj.store, result.ticket_id or "", obj.station)
        printers = _printers(obj)
        for outcome in drain(
            obj.store,
            {print_to: printers[print_to]},
            worker=obj.station,
            job_id=job.id if job else None,
        ):
            click.echo(f"eventdesk: {_outcome_line(outcome)}", err=True)
    if not result.admitted:
        raise click.exceptions.Exit(EXIT_REFUSED)


@cli.command()
@click.option(
    "--source",
    required=True,
    metavar="0|FILE|DIR|URL|-",
    help="A camera number, a video file, a folder of images, a stream URL, or - for a "
    "keyboard-wedge scanner on stdin.",
)
@click.option(
    "--decoder",
    "decoder_name",
    type=click.Choice(["auto", "zxing", "zbar", "opencv"]),
    default="auto",
    show_default=True,
)
@click.option("--session", "session_id", type=int, metavar="ID", help="A session door.")
@click.option(
    "--event", "event_ref", metavar="EVENT", help="This door's event: others are refused."
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
@click.option("--width", type=click.IntRange(160, 7680), default=1280, show_default=True)
@click.option("--height", type=click.IntRange(120, 4320), default=720, show_default=True)
@door_options
@pass_ctx
def scan(
    obj: Ctx,
    source: str,
    decoder_name: str,
    session_id: int | None,
    event_ref: str | None,
    debounce: float,
    realtime: bool,
    width: int,
    height: int,
    operator: str | None,
    auto_print: bool | None,
    printer: str | None,
) -> None:
    """Run the scanner: one decision a line, until a file source ends (or Ctrl-C)."""
    from kiosk.scanner import Decision

    door_event = event_ref or obj.config.extra.get("event")
    print_to = _print_choice(obj, printer, auto_print)
    printer_worker = None
    if print_to:
        from kiosk.print_worker import PrintWorker

        printer_worker = PrintWorker(
            obj.store,
            {print_to: _printers(obj)[print_to]},
            station=obj.station,
            on_outcome=lambda outcome: say(_outcome_line(outcome)),
        )
        printer_worker.start()

    def say(text: str) -> None:
        click.echo(f"eventdesk scan: {text}", err=True)

    def show(decision: Decision) -> None:
        result = decision.result
        if obj.as_json:
            click.echo(
                json.dumps(
                    {
                        "result": result.result,
                        "ticket_id": result.ticket_id,
                        "payload": decision.payload[:200],
                        "latency_ms": round(decision.latency_ms, 2),
                        "attendee": result.attendee,
                        "ticket_type": result.ticket_type,
                        "attention": result.attention,
                        "first_checked_in_at": to_jsonable(result.first_checked_in_at),
                        "first_station": result.first_station,
                        "message": result.message,
                        "frame": decision.frame_index,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            click.echo(f"{_scan_human(result)}   ({decision.latency_ms:.0f} ms)")
        sys.stdout.flush()

    store = obj.store
    if source.strip() == "-":
        from eventdesk.services.checkin import Checkin
        from kiosk.scanner import check_lines
        from kiosk.wedge import read_lines

        desk = Checkin(
            store, station=obj.station, operator=operator, event=door_event, print_to=print_to
        )
        say("reading a keyboard-wedge scanner on stdin (one ticket a line)")
        try:
            for decision in check_lines(desk, read_lines(sys.stdin.buffer), session_id=session_id):
                show(decision)
        finally:
            _finish_printing(obj, printer_worker, print_to, say)
        return

    from kiosk.capture import CaptureWorker, parse_source
    from kiosk.decoders import describe, make_decoder
    from kiosk.scanner import ScanWorker

    spec = parse_source(source)
    decoder = make_decoder(decoder_name)
    say(f"{spec.label} with decoder {describe(decoder)}, debounce {debounce:g} s")
    capture = CaptureWorker(
        spec,
        width=width,
        height=height,
        realtime=realtime,
        on_state=lambda state, detail: say(
            f"{spec.kind}: {state}" + (f" ({detail})" if detail else "")
        ),
    )
    capture.start()
    capture.wait_started()
    worker = ScanWorker(
        store,
        capture,
        decoder,
        station=obj.station,
        on_decision=show,
        debounce=debounce,
        session_id=session_id,
        event=door_event,
        operator=operator,
        print_to=print_to,
        on_failure=lambda exc: say(f"a check-in failed, the next frame tries again: {exc}"),
    )
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:
        say("stopped")
    finally:
        worker.stop()
        capture.stop()
        worker.join(5)
        capture.join(5)
        _finish_printing(obj, printer_worker, print_to, say)
    if worker.error is not None:
        raise worker.error
    if capture.error is not None:
        raise capture.error
    say(f"done: {capture.frames_read} frames read, {worker.frames_decoded} decoded")


# --- badges and printing --------------------------------------------------------------------
def _finish_printing(
    obj: Ctx, worker: Any, print_to: str | None, say: Callable[[str], None]
) -> None:
    """Stop the background printer and print what is still due, so a scan run leaves no badge
    behind that the printer could take now (what it cannot stays queued)."""
    if worker is None or print_to is None:
        return
    from kiosk.print_worker import drain

    worker.stop()
    worker.join(10)
    for outcome in drain(obj.store, {print_to: _printers(obj)[print_to]}, worker=obj.station):
        say(_outcome_line(outcome))


def _printers(obj: Ctx) -> dict[str, Any]:
    from kiosk.printers import printers_from_config

    return printers_from_config(obj.config.extra, obj.config.data_dir)


def _print_choice(obj: Ctx, printer: str | None, auto: bool | None) -> str | None:
    """The printer a check-in queues a badge for, or None (station config, then options)."""
    from kiosk.printers import pick, station_printing

    station_printer, station_auto = station_printing(obj.config.extra)
    name = printer or station_printer
    if not (station_auto if auto is None else auto):
        return None
    pick(_printers(obj), name)  # a typo in the printer name is said now, not at the first badge
    return name


def _outcome_line(outcome: Any) -> str:
    job = outcome.job
    if outcome.state == "done":
        return f"badge for {job.ticket_id} printed on {job.printer} ({outcome.detail})"
    if outcome.state == "queued":
        return f"badge for {job.ticket_id} waits for {job.printer}: {outcome.detail} (will retry)"
    return f"badge for {job.ticket_id} NOT printed on {job.printer}: {outcome.detail}"


def _job_json(job: Any) -> dict[str, Any]:
    return to_jsonable(job)  # type: ignore[no-any-return]


@cli.command()
@click.argument("ticket_id", metavar="TICKET")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "zpl", "escpos", "png"]),
    default="text",
    show_default=True,
)
@click.option(
    "--output", type=click.Path(dir_okay=False), help="Write to a file (default: stdout)."
)
@click.option("--printer", help="Take the label size and fonts of this configured printer.")
@pass_ctx
def badge(obj: Ctx, ticket_id: str, fmt: str, output: str | None, printer: str | None) -> None:
    """Render a ticket's badge."""
    from badges import load_badge
    from badges.render import render
    from kiosk.printers import DEFAULT_PRINTER, pick

    spec = pick(_printers(obj), printer or DEFAULT_PRINTER)
    data = render(load_badge(obj.store, ticket_id), fmt, **spec.render_options)
    if output:
        try:
            Path(output).write_bytes(data)
        except OSError as exc:
            raise InvalidInput(
                f"cannot write {output}: {exc.strerror or exc}", field="output"
            ) from None
        obj.emit(
            {"ticket_id": ticket_id.upper(), "format": fmt, "path": output, "bytes": len(data)},
            f"{fmt} badge of {ticket_id.upper()} written to {output} ({len(data):,} bytes)",
        )
        return
    if obj.as_json:
        import base64

        text = fmt in ("text", "zpl")
        obj.emit(
            {
                "ticket_id": ticket_id.upper(),
                "format": fmt,
                "bytes": len(data),
                "encoding": "utf-8" if text else "base64",
                "content": data.decode("utf-8") if text else base64.b64encode(data).decode("ascii"),
            }
        )
        return
    if fmt in ("png", "escpos") and sys.stdout.isatty():
        raise click.UsageError(f"a {fmt} badge is binary: give --output FILE (or pipe it)")
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    except OSError as exc:
        raise InvalidInput(
            f"cannot write the badge to standard output: {exc.strerror or exc}", field="output"
        ) from None


@cli.command("print")
@click.argument("ticket_id", metavar="TICKET")
@click.option("--printer", help="A printer named in eventdesk.toml (default: this station's).")
@pass_ctx
def print_command(obj: Ctx, ticket_id: str, printer: str | None) -> None:
    """Queue a badge (a reprint) and print it now if the printer is there."""
    from eventdesk.services.printing import enqueue
    from kiosk.print_worker import drain
    from kiosk.printers import pick, station_printing

    printers = _printers(obj)
    if printer is not None and not printer.strip():
        raise click.UsageError("--printer needs a printer's name")
    name = printer or station_printing(obj.config.extra)[0]
    pick(printers, name)
    job = enqueue(obj.store, ticket_id, name, reason="reprint", station=obj.station)
    outcomes = drain(obj.store, {name: printers[name]}, worker=obj.station, job_id=job.id)
    outcome = outcomes[0] if outcomes else None
    state = outcome.state if outcome else "queued"
    obj.emit(
        {
            "job": job.id,
            "ticket_id": job.ticket_id,
            "printer": name,
            "state": state,
            "detail": outcome.detail if outcome else None,
        },
        _outcome_line(outcome) if outcome else f"badge queued as job {job.id}",
    )
    if state != "done":
        raise click.exceptions.Exit(EXIT_ENVIRONMENT)


@cli.command("print-queue")
@click.option("--state", type=click.Choice(["queued", "printing", "done", "failed"]))
@click.option("--retry", is_flag=True, help="Put failed jobs back and print what is due now.")
@click.option(
    "--run", "keep_running", is_flag=True, help="Keep printing as jobs come (Ctrl-C stops)."
)
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@pass_ctx
def print_queue(obj: Ctx, state: str | None, retry: bool, keep_running: bool, limit: int) -> None:
    """Show the print queue; retry failed jobs; or run as this station's print server."""
    from eventdesk.services.printing import list_jobs, retry_failed
    from kiosk.print_worker import PrintWorker, drain

    printers = _printers(obj)
    if retry:
        again = retry_failed(obj.store)
        outcomes = drain(obj.store, printers, worker=obj.station)
        if not obj.as_json:
            click.echo(f"{again} failed job(s) back in the queue")
            for outcome in outcomes:
                click.echo(_outcome_line(outcome))
    if keep_running:
        click.echo(
            f"eventdesk print-queue: printing for {', '.join(sorted(printers))} (Ctrl-C stops)",
            err=True,
        )

        def report(outcome: Any) -> None:
            if obj.as_json:
                click.echo(
                    json.dumps(
                        {
                            "job": outcome.job.id,
                            "ticket_id": outcome.job.ticket_id,
                            "printer": outcome.job.printer,
                            "state": outcome.state,
                            "detail": outcome.detail,
                        },
                        ensure_ascii=False,
                    )
                )
            else:
                click.echo(_outcome_line(outcome))

        worker = PrintWorker(obj.store, printers, station=obj.station, on_outcome=report)
        worker.start()
        try:
            while worker.is_alive():
                worker.join(0.5)
        except KeyboardInterrupt:
            worker.stop()
            worker.join(5)
        return
    rows = list_jobs(obj.store, state=state, limit=limit)
    obj.emit(
        rows,
        lambda: table(
            ["job", "ticket", "printer", "state", "tries", "reason", "updated", "last error"],
            [
                (
                    j.id,
                    j.ticket_id,
                    j.printer,
                    j.state,
                    j.attempts,
                    j.reason,
                    local(j.updated_at),
                    j.last_error,
                )
                for j in rows
            ],
        ),
    )


@cli.command("scan-log")
@click.argument("event_ref", metavar="EVENT", required=False)
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@pass_ctx
def scan_log(obj: Ctx, event_ref: str | None, limit: int) -> None:
    """The latest scans, good and bad, newest first."""
    from eventdesk.services.scans import recent_scans

    rows = recent_scans(obj.store, event_ref, limit=limit)
    obj.emit(
        rows,
        lambda: table(
            ["at", "station", "result", "ticket", "session", "direction", "operator"],
            [
                (
                    local(r.at),
                    r.station,
                    r.result,
                    r.ticket_id,
                    r.session_id,
                    r.direction,
                    r.operator,
                )
                for r in rows
            ],
        ),
    )


# --- reports, stats, import/export, backups -------------------------------------------------
@cli.command()
@click.argument(
    "name", type=click.Choice(["attendance", "revenue", "sales", "sessions", "waitlists", "scans"])
)
@click.argument("event_ref", metavar="EVENT")
@click.option(
    "--csv", "csv_path", type=click.Path(dir_okay=False), help="Also write the rows as CSV."
)
@pass_ctx
def report(obj: Ctx, name: str, event_ref: str, csv_path: str | None) -> None:
    """A report: attendance, revenue, sales, sessions, waitlists or scans."""
    import csv as csv_module

    from eventdesk.services.csvio import neutralize
    from eventdesk.services.reports import report as build

    made = build(obj.store, name, event_ref)
    if csv_path:
        try:
            with open(csv_path, "w", encoding="utf-8-sig", newline="") as fh:
                writer = csv_module.writer(fh, lineterminator="\r\n")
                writer.writerow(made.columns)
                writer.writerows(
                    [neutralize(local(v) if isinstance(v, datetime) else v) for v in row]
                    for row in made.rows
                )
        except OSError as exc:
            raise InvalidInput(
                f"cannot write {csv_path}: {exc.strerror or exc}", field="csv"
            ) from None
    obj.emit(
        made.as_dicts(),
        lambda: (
            f"{made.title}\n\n"
            + table(
                made.columns,
                [[local(v) if isinstance(v, datetime) else v for v in row] for row in made.rows],
            )
        ),
    )


@cli.command()
@click.argument("event_ref", metavar="EVENT")
@pass_ctx
def stats(obj: Ctx, event_ref: str) -> None:
    """The live snapshot the stats screen shows."""
    from eventdesk.services.reports import stats as snapshot

    made = snapshot(obj.store, event_ref)

    def human() -> str:
        cap = f" of {made.capacity}" if made.capacity else ""
        lines = [
            f"{made.title}: {made.checked_in} checked in / {made.registered} registered{cap}, "
            f"{made.waitlisted} waiting, {made.arrivals_last_15_min} in the last 15 minutes",
            "",
            table(
                ["ticket type", "registered", "checked in"],
                [(t["name"], t["registered"], t["checked_in"]) for t in made.by_ticket_type],
            ),
        ]
        if made.sessions:
            lines += [
                "",
                table(
                    ["session", "registered", "capacity", "attended"],
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
                    ["station", "scans", "admitted", "problems", "last"],
                    [
                        (x["station"], x["scans"], x["admitted"], x["problems"], local(x["last"]))
                        for x in made.stations
                    ],
                ),
            ]
        if made.scan_problems:
            lines += [
                "",
                "scan problems: "
                + ", ".join(f"{k} {v}" for k, v in sorted(made.scan_problems.items())),
            ]
        if made.revenue:
            lines += ["revenue (net): " + ", ".join(r["net"] for r in made.revenue)]
        return "\n".join(lines)

    obj.emit(made, human)


@cli.group("import")
def import_group() -> None:
    """Import from CSV files."""


@contextmanager
def _progress(file: str | None) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr for a long file (only on a terminal)."""
    if file is None or not Path(file).is_file():
        yield None
        return
    with open(file, "rb") as fh:
        rows = max(sum(1 for _ in fh) - 1, 1)
    with click.progressbar(length=rows, label="importing", file=sys.stderr) as bar:
        yield bar.update


@import_group.command("attendees")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--event", "event_ref", required=True, metavar="EVENT")
@click.option(
    "--dry-run", is_flag=True, help="Check the file and say what would happen; change nothing."
)
@pass_ctx
def import_attendees_command(obj: Ctx, file: str, event_ref: str, dry_run: bool) -> None:
    """Register everyone in a CSV file for an event. All or nothing."""
    from eventdesk.services.csvio import import_attendees

    show_bar = sys.stderr.isatty() and not obj.as_json and not dry_run
    with _progress(file if show_bar else None) as step:
        made = import_attendees(
            obj.store, file, event_ref, dry_run=dry_run, station=obj.station, progress=step
        )
    verb = "would import" if dry_run else "imported"
    obj.emit(
        {
            "imported": made.imported,
            "skipped": made.skipped,
            "new_attendees": made.new_attendees,
            "waitlisted": made.waitlisted,
            "rows": made.rows,
            "dry_run": made.dry_run,
            "notes": made.notes,
        },
        lambda: "\n".join(
            [
                f"{verb} {made.imported} registration(s) ({made.new_attendees} new attendees, "
                f"{made.waitlisted} on the waitlist); {made.skipped} row(s) already registered "
                "or repeated",
                *made.notes,
            ]
        ),
    )


@cli.command()
@click.argument("kind", type=click.Choice(["attendees", "checkins", "scans", "payments"]))
@click.argument("event_ref", metavar="EVENT")
@click.option("--output", required=True, type=click.Path(dir_okay=False))
@pass_ctx
def export(obj: Ctx, kind: str, event_ref: str, output: str) -> None:
    """Export attendees, check-ins, the scan log or payments as CSV."""
    from eventdesk.services.csvio import export as write

    count = write(obj.store, kind, event_ref, output)
    obj.emit({"path": output, "rows": count}, f"{count} row(s) written to {output}")


@cli.command()
@click.option(
    "--output", type=click.Path(dir_okay=False), help="Default: DATA_DIR/backups/eventdesk-TIME.db"
)
@click.option(
    "--keep", type=click.IntRange(1, 10_000), help="Then keep only the newest N automatic backups."
)
@click.option(
    "--every",
    "every_minutes",
    type=click.FloatRange(0.1, 24 * 60),
    help="Keep running: a backup every N minutes, keeping --keep (or [backup] keep) of them.",
)
@pass_ctx
def backup(obj: Ctx, output: str | None, keep: int | None, every_minutes: float | None) -> None:
    """Back up the live database (SQLite online backup), verified; or keep doing so."""
    from eventdesk.services.backup import BackupSchedule, prune
    from eventdesk.services.backup import backup as take

    settings = obj.config.extra.get("backup", {})
    if not isinstance(settings, dict):
        raise InvalidInput("[backup] in eventdesk.toml must be a table", field="backup")
    if every_minutes is not None:
        minutes = every_minutes
        count = keep or settings.get("keep", 20)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InvalidInput(
                "[backup] keep in eventdesk.toml must be a whole number, 1 or more",
                field="backup.keep",
            )
        made = take(obj.store, obj.config.data_dir)
        prune(obj.config.data_dir, count)
        click.echo(
            f"eventdesk backup: {made.path}; then every {minutes:g} min, keeping {count} "
            "(Ctrl-C stops)",
            err=True,
        )
        schedule = BackupSchedule(obj.store, obj.config.data_dir, minutes=minutes, keep=count)
        schedule.start()
        try:
            while schedule.is_alive():
                schedule.join(1.0)
                if schedule.error:
                    click.echo(f"eventdesk backup: {schedule.error}", err=True)
        except KeyboardInterrupt:
            schedule.stop()
        return
    made = take(obj.store, obj.config.data_dir, output=output)
    removed = prune(obj.config.data_dir, keep) if keep else []
    obj.emit(
        {
            "path": made.path,
            "bytes": made.size,
            "tickets": made.tickets,
            "checked_in": made.checked_in,
            "removed": [str(p) for p in removed],
        },
        f"backup written to {made.path} ({made.size:,} bytes, {made.tickets} tickets, "
        f"{made.checked_in} checked in, verified)",
    )


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@pass_ctx
def restore(obj: Ctx, file: str) -> None:
    """Replace the database with a backup (the current one is kept aside first)."""
    from eventdesk.services.backup import restore as put_back

    made = put_back(obj.store, obj.config.data_dir, file)
    obj.emit(
        {
            "path": file,
            "previous": made.path,
            "tickets": made.tickets,
            "checked_in": made.checked_in,
        },
        f"restored {file} ({made.tickets} tickets, {made.checked_in} checked in); "
        f"the database it replaced is in {made.path}",
    )


# --- staff ----------------------------------------------------------------------------------
@cli.group()
def staff() -> None:
    """Staff accounts (organizer, staff, kiosk)."""


@staff.command("add")
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(["organizer", "staff", "kiosk"]))
@click.option("--pin", required=True)
@pass_ctx
def staff_add(obj: Ctx, name: str, role: str, pin: str) -> None:
    from eventdesk.services.auth import add_staff

    made = add_staff(obj.store, name=name, role=role, pin=pin)
    obj.emit(
        {"id": made.id, "name": made.name, "role": made.role},
        f"staff {made.id}: {made.name} ({made.role})",
    )


@staff.command("list")
@pass_ctx
def staff_list(obj: Ctx) -> None:
    from eventdesk.services.auth import list_staff

    rows = list_staff(obj.store)
    obj.emit(
        rows,
        lambda: table(
            ["id", "name", "role", "active"],
            [(s.id, s.name, s.role, "yes" if s.active else "no") for s in rows],
        ),
    )


@staff.command("disable")
@click.argument("name")
@pass_ctx
def staff_disable(obj: Ctx, name: str) -> None:
    from eventdesk.services.auth import set_staff_active

    made = set_staff_active(obj.store, name, False)
    obj.emit(made, f"staff account {made.name} disabled")


@staff.command("enable")
@click.argument("name")
@pass_ctx
def staff_enable(obj: Ctx, name: str) -> None:
    from eventdesk.services.auth import set_staff_active

    made = set_staff_active(obj.store, name, True)
    obj.emit(made, f"staff account {made.name} enabled")


@staff.command("reset-pin")
@click.argument("name")
@click.option("--pin", required=True)
@pass_ctx
def staff_reset_pin(obj: Ctx, name: str, pin: str) -> None:
    from eventdesk.services.auth import reset_staff_pin

    made = reset_staff_pin(obj.store, name, pin)
    obj.emit(made, f"new PIN set for {made.name}")


@staff.command("login")
@click.argument("name")
@click.option("--pin", required=True)
@pass_ctx
def staff_login(obj: Ctx, name: str, pin: str) -> None:
    """Check a staff name and PIN (exit 1 when wrong, locked or disabled)."""
    from eventdesk.services.auth import verify_staff

    made = verify_staff(obj.store, name, pin)
    obj.emit(
        {"ok": True, "id": made.id, "name": made.name, "role": made.role},
        f"signed in: {made.name} ({made.role})",
    )


# --- the transaction log ----------------------------------------------------------------------
@cli.command("log")
@click.argument("event_ref", metavar="EVENT", required=False)
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@pass_ctx
def log_command(obj: Ctx, event_ref: str | None, limit: int) -> None:
    """The transaction log, newest first."""
    from eventdesk.services.txlog import recent

    rows = recent(obj.store, event_ref, limit=limit)
    obj.emit(
        rows,
        lambda: table(
            ["at", "kind", "ticket", "amount", "station", "detail"],
            [
                (
                    local(r.at),
                    r.kind,
                    r.ticket_id,
                    format_cents(r.amount_cents, r.currency or "")
                    if r.amount_cents is not None
                    else "",
                    r.station,
                    r.detail,
                )
                for r in rows
            ],
        ),
    )


# --- entry point ----------------------------------------------------------------------------
def _fail(message: str, code: int, *, as_json: bool, field: str | None = None) -> int:
    click.echo(f"eventdesk: {message}", err=True)
    if as_json:
        click.echo(
            json.dumps({"error": message, "field": field, "exit_code": code}, ensure_ascii=False)
        )
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
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    args = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in args[: args.index("--") if "--" in args else len(args)]
    _stop_on_signals()
    try:
        result = cli.main(args=args, prog_name="eventdesk", standalone_mode=False)
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except click.exceptions.Abort:
        return _fail("aborted", EXIT_REFUSED, as_json=as_json)
    except click.ClickException as exc:
        return _fail(exc.format_message(), EXIT_BAD_INPUT, as_json=as_json)
    except EventdeskError as exc:
        return _fail(exc.message, exc.exit_code, as_json=as_json, field=exc.field)
    except OperationalError as exc:
        return _fail(
            f"database problem: {str(exc.orig).strip().splitlines()[0]}",
            EXIT_ENVIRONMENT,
            as_json=as_json,
        )
    except SQLAlchemyError as exc:
        return _fail(
            f"database error: {type(exc).__name__}: {str(exc).splitlines()[0]}",
            EXIT_INTERNAL,
            as_json=as_json,
        )
    except KeyboardInterrupt:
        return _fail("interrupted", 130, as_json=as_json)
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: one line for the user, the traceback on request
        if os.environ.get("EVENTDESK_DEBUG"):
            raise
        return _fail(
            f"internal error: {type(exc).__name__}: {exc} (set EVENTDESK_DEBUG=1 for details)",
            EXIT_INTERNAL,
            as_json=as_json,
        )
    return int(result) if isinstance(result, int) else 0


def entry() -> None:
    sys.exit(main())
