"""``station revoke STATION``: a lost station ended at once, then the PINs it gives away named,
and reset when the organizer says so (services.stations.exposed_pins; the guide's "A station
carried off").

At a terminal the organizer is asked, after the list; ``--reset-pins`` resets without asking
(scripts), ``--keep-pins`` lists and leaves them. Elsewhere (no terminal, no flag) nothing is
reset and the way to do it is said. The new PINs are shown once, in the text and in ``--json``
(``pins_reset``).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from eventdesk.cli.common import Ctx, say, table, to_jsonable
from eventdesk.i18n import _, ngettext
from eventdesk.labels import label

if TYPE_CHECKING:
    from eventdesk.services.stations.exposed_pins import ExposedAccount, NewPin


def revoke_station(obj: Ctx, station_name: str, reset: bool | None) -> None:
    from eventdesk.services.stations import roles
    from eventdesk.services.stations.exposed_pins import exposed_accounts, reset_pins

    done = roles.revoke(obj.store, station_name)
    exposed = exposed_accounts(obj.store, done.station)
    revoked = _(
        "{station} revoked: logins removed: {logins}; its copy stays locked (an organizer "
        "takes its outbox with `eventdesk station accept-outbox`)"
    ).format(station=done.station, logins=", ".join(done.logins) or "-")
    listed = _at_risk(done.station, exposed)
    if reset is None and exposed and sys.stdin.isatty() and sys.stderr.isatty():
        say(revoked, err=True)
        say(listed, err=True)
        reset = click.confirm(
            ngettext(
                "Reset this account's PIN now (a new one is shown once, to hand over)?",
                "Reset these {count} accounts' PINs now (new ones are shown once, to hand over)?",
                len(exposed),
            ).format(count=len(exposed)),
            default=True,
            err=True,
        )
        revoked = listed = ""  # said already
    made = reset_pins(obj.store, exposed) if reset and exposed else []
    lines = [line for line in (revoked, listed) if line]
    if made:
        lines.append(
            ngettext(
                "New PIN, shown this once: give it to its person (the old one no longer signs "
                "in; a station whose copy is not refreshed yet still takes the old one offline).",
                "New PINs, shown this once: give each to its person (the old ones no longer sign "
                "in; a station whose copy is not refreshed yet still takes them offline).",
                len(made),
            )
        )
        # TRANSLATORS: the headings of the table of new PINs
        lines.append(table([_("name"), _("role"), _("new PIN")], _rows(made)))
    elif exposed:
        lines.append(
            _(
                "PINs not reset: `eventdesk station revoke {station} --reset-pins` resets them "
                "all, `eventdesk staff reset-pin NAME --pin PIN` one."
            ).format(station=done.station)
        )
    obj.emit(
        {
            "station": done.station,
            "logins": done.logins,
            "revoked_at": to_jsonable(done.revoked_at),
            "pins_at_risk": [
                {
                    "id": a.id,
                    "name": a.name,
                    "role": a.role,
                    "active": a.active,
                    "in_copy": a.in_copy,
                    "signed_in": a.signed_in,
                }
                for a in exposed
            ],
            "pins_reset": [
                {"id": p.id, "name": p.name, "role": p.role, "pin": p.pin} for p in made
            ],
        },
        "\n".join(lines),
    )


def _rows(made: list[NewPin]) -> list[tuple[str, str, str]]:
    return [(p.name, label("staff_role", p.role), p.pin) for p in made]


def _at_risk(station: str, exposed: list[ExposedAccount]) -> str:
    """The accounts ``station`` gives away, a line each, with why."""
    if not exposed:
        return _(
            "No staff PIN at risk: {station}'s copy held none and nobody signed in there."
        ).format(station=station)
    lines = [
        ngettext(
            "{count} account's PIN can be found with this station's copy and key (a 4-digit "
            "PIN within hours):",
            "{count} accounts' PINs can be found with this station's copy and key (a 4-digit "
            "PIN within hours):",
            len(exposed),
        ).format(count=len(exposed))
    ]
    for account in exposed:
        lines.append(f"  {account.name} ({label('staff_role', account.role)}): {account.why()}")
    return "\n".join(lines)
