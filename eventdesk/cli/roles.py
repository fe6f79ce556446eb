"""Station logins on a PostgreSQL server (``eventdesk roles``): what each station may do is the
server's to decide (eventdesk/services/stations/roles.py)."""

from __future__ import annotations

import sys

import click

from eventdesk.cli.access import organizer_only
from eventdesk.cli.common import Ctx, pass_ctx, secret_from_file, table
from eventdesk.errors import InvalidInput
from eventdesk.i18n import _


@click.group()
def roles() -> None:
    """Station logins on a PostgreSQL server: a door's or a desk's, each bound to its station."""


@roles.command("setup")
@pass_ctx
@organizer_only
def roles_setup(obj: Ctx) -> None:
    """Make the door's and the desk's group roles and their grants (again after an upgrade)."""
    from eventdesk.services.stations import roles as service

    names = service.setup(obj.store)
    obj.emit(
        names,
        _("group roles: {door} (doors), {desk} (desks)").format(
            door=names["door"], desk=names["desk"]
        ),
    )


def _password(given: str | None, file: str | None) -> str:
    if given is not None and file is not None:
        raise InvalidInput(_("give --password or --password-file, not both"), field="password")
    if file is not None:
        return secret_from_file(file, "password")
    if given is not None:
        return given
    if not sys.stdin.isatty():
        raise InvalidInput(_("a login needs a password: --password-file FILE"), field="password")
    return str(click.prompt(_("Password for the login"), hide_input=True, confirmation_prompt=True))


# An option's help (two options'), translated where --help shows it (eventdesk/cli/help.py).
EVENTS_HELP = (  # not for translation here
    "The events it admits, by id or slug, separated by commas (the server refuses every other "
    "event's ticket from it); 'all': every event's."
)


def _events(given: str | None) -> list[str] | None:
    """--event E1,E2 as the events named; None for 'all' (or not given)."""
    if given is None or given.strip().lower() == "all":
        return None
    named = [part.strip() for part in given.split(",") if part.strip()]
    if not named:
        raise InvalidInput(_("--event names the events it admits, or 'all'"), field="event")
    return named


def _bound_words(events: tuple[str, ...]) -> str:
    # TRANSLATORS: a station login bound to no event admits the tickets of every event
    return ", ".join(events) if events else _("every event (not bound: roles bind LOGIN --event)")


@roles.command("add")
@click.argument("login")
@click.option("--kind", type=click.Choice(["door", "desk"]), required=True)
@click.option("--station", "station_name", required=True, help="The station this login is.")
@click.option("--event", "events", metavar="E1[,E2]", help=EVENTS_HELP)
@click.option("--password", help="The login's password (else asked, or --password-file).")
@click.option("--password-file", type=click.Path(dir_okay=False))
@pass_ctx
@organizer_only
def roles_add(
    obj: Ctx,
    login: str,
    kind: str,
    station_name: str,
    events: str | None,
    password: str | None,
    password_file: str | None,
) -> None:
    """A station's own login: a door (kiosks, scanners) or a desk, bound to its station and
    to the events it admits."""
    from eventdesk.services.stations import roles as service

    named = _events(events)
    made = service.add(
        obj.store,
        login,
        kind="door" if kind == "door" else "desk",
        station=station_name,
        password=_password(password, password_file),
        events=named,
    )
    row = next(r for r in service.listed(obj.store) if r.login == made.login)
    obj.emit(
        row,
        # TRANSLATORS: {kind} is the login's kind as given to --kind: door or desk
        _("login {login}: the {kind} station {station}").format(
            login=made.login, kind=made.kind, station=made.station
        )
        # TRANSLATORS: after "login door1: the door station Door 1": the events it admits
        + _(", admitting {events}").format(events=_bound_words(row.events)),
    )


@roles.command("bind")
@click.argument("login")
@click.option("--event", "events", metavar="E1[,E2]", required=True, help=EVENTS_HELP)
@pass_ctx
@organizer_only
def roles_bind(obj: Ctx, login: str, events: str) -> None:
    """Bind a station's login to the events it admits (the server refuses the others)."""
    from eventdesk.services.stations import roles as service

    row = service.bind(obj.store, login, _events(events))
    obj.emit(
        row,
        _("login {login} ({station}) admits {events}").format(
            login=row.login, station=row.station, events=_bound_words(row.events)
        ),
    )


@roles.command("list")
@pass_ctx
@organizer_only
def roles_list(obj: Ctx) -> None:
    """The station logins, the station each one is, and the events each admits."""
    from eventdesk.services.stations import roles as service

    found = service.listed(obj.store)
    obj.emit(
        found,
        table(
            # TRANSLATORS: the headings of the table of station logins
            [_("login"), _("station"), _("kind"), _("events")],
            [(r.login, r.station, r.kind, _bound_words(r.events)) for r in found],
        ),
    )


@roles.command("remove")
@click.argument("login")
@pass_ctx
@organizer_only
def roles_remove(obj: Ctx, login: str) -> None:
    """Drop a station's login: that station no longer reaches the server."""
    from eventdesk.services.stations import roles as service

    gone = service.remove(obj.store, login)
    obj.emit(
        gone, _("login {login} ({station}) removed").format(login=gone.login, station=gone.station)
    )


COMMANDS = [roles]
