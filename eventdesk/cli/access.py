"""Who may run what from a station's command line: least privilege by default.

A station's role is its ``[station] role`` setting. A station that names none is a desk station,
unless it is the single-box install's own database: an SQLite file in its data folder (whoever
can run the command there can open the file itself, so a role would guard nothing), or a
PostgreSQL login that owns the database's tables (the organizer's). On a desk station an
organizer's command asks for an organizer's name and PIN on the terminal; without a terminal it
is refused. A kiosk station refuses the organizer's commands and the desk's (attendees' data,
registrations, payments, cancellations, badges of any ticket).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import click

from eventdesk.config import StationRole
from eventdesk.errors import NotAllowed
from eventdesk.i18n import N_, _

if TYPE_CHECKING:
    from eventdesk.cli.common import Ctx

Level = Literal["desk", "organizer"]
RANK: dict[StationRole, int] = {"kiosk": 0, "desk": 1, "organizer": 2}
FOR: dict[Level, str] = {
    # TRANSLATORS: completes "`COMMAND` is for ...": the stations a command may run on
    "organizer": N_("an organizer's station"),
    # TRANSLATORS: completes "`COMMAND` is for ...": the stations a command may run on
    "desk": N_("a desk or an organizer's station"),
}
# TRANSLATORS: "[station] role" is a setting's name in eventdesk.toml: keep it as it is
SET = N_("([station] role in eventdesk.toml)")
# TRANSLATORS: "[station] role" and 'role = "organizer"' are written in eventdesk.toml: keep them
UNSET = N_(
    "(no [station] role is set, and its database login is not the database's owner: "
    '[station] role = "organizer" makes it an organizer\'s)'
)


# TRANSLATORS: why a station may not run a desk's command: its PostgreSQL login is a door's
DOOR_LOGIN = N_(
    "(its database login is a door's own, which reads no e-mails or payments: a desk's login or "
    "the organizer's does that)"
)


# TRANSLATORS: a door's own database login asked to check a ticket in by its id
BY_ID_AT_A_DOOR = N_(
    "A door admits by a ticket's QR code, not by its id: a check-in by id is a desk's (or the "
    "attendee's own, with their e-mail and PIN at the kiosk)."
)


@dataclass(frozen=True)
class Rights:
    """The role a station's commands run with, and how it was decided (said in a refusal)."""

    role: StationRole
    why: str
    called: str | None = None  # what the station is called in a refusal, if not its role


def station_rights(obj: Ctx) -> Rights:
    """What this station's commands may do: its ``[station] role``, and never more than its
    database login may (a door's own login reads and writes what a kiosk does)."""
    role = obj.config.station_role
    login = obj.login().kind  # asked of the server, or as the station's copy kept it
    if login == "door" and (role is None or RANK[role] > RANK["kiosk"]):
        return Rights("kiosk", DOOR_LOGIN, called="door")
    if role is not None:
        return Rights(role, SET)
    if login == "organizer":
        return Rights("organizer", "")
    return Rights("desk", UNSET)


def needs(level: Level) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A command for a station of at least ``level``."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def guarded(obj: Ctx, *args: Any, **kwargs: Any) -> Any:
            rights = station_rights(obj)
            if RANK[rights.role] < RANK[level]:
                name = click.get_current_context().command_path.removeprefix("eventdesk ")
                if not (level == "organizer" and rights.role == "desk" and _asked(obj, name)):
                    hint = (
                        # TRANSLATORS: added at the end of "`COMMAND` is for ...: this one is a
                        # ROLE station (...)"
                        _("; on its terminal it asks for an organizer's name and PIN")
                        if level == "organizer" and rights.role == "desk"
                        else ""
                    )
                    raise NotAllowed(
                        # TRANSLATORS: {role} is the station's role as set in eventdesk.toml
                        # (kiosk, desk); {why} says how it was decided, {hint} what it may do
                        _(
                            "`{command}` is for {stations}: this one is a {role} station "
                            "{why}{hint}"
                        ).format(
                            command=name,
                            stations=_(FOR[level]),
                            role=rights.called or rights.role,
                            why=_(rights.why) if rights.why else "",
                            hint=hint,
                        ),
                        field="station.role",
                    )
            return command(obj, *args, **kwargs)

        return guarded

    return decorate


def _asked(obj: Ctx, name: str) -> bool:
    """An organizer, at the desk station's terminal, gives their name and PIN for ``name``:
    True once they did (a wrong PIN counts towards the account's lockout and is refused)."""
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return False
    from eventdesk.services.people.auth import verify_staff

    click.echo(
        _("`{command}` is an organizer's command: an organizer signs it.").format(command=name),
        err=True,
    )
    who = click.prompt(_("Organizer's name"), err=True)
    pin = click.prompt(_("PIN"), hide_input=True, err=True)
    signed = verify_staff(obj.store, who, pin)
    if signed.role != "organizer":
        raise NotAllowed(
            _("{name} is not an organizer: `{command}` needs an organizer's PIN").format(
                name=signed.name, command=name
            )
        )
    return True


organizer_only = needs("organizer")
desk_only = needs("desk")
