"""What ``event update`` changed, said: each setting the event's summary does not show (the
door's re-entry, its unpaid policy and hours, the waitlist, the description) in a line of its
own, and the names of every field changed for ``--json``."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from eventdesk.cli.common import local
from eventdesk.i18n import _

# Compared, and named in "changed" as EventInfo names them (what registrations and scans
# change, not the organizer, are left out).
_NOT_SETTINGS = {"registered", "waitlisted", "status"}


def changed_fields(before: Any, after: Any) -> list[str]:
    """The names of the event's fields whose values ``event update`` changed, in their order."""
    return [
        f.name
        for f in fields(after)
        if f.name not in _NOT_SETTINGS and getattr(before, f.name) != getattr(after, f.name)
    ]


def _door_time(when: Any, after: Any) -> str:
    # TRANSLATORS: the door's opening or closing time when the event has none of its own
    return local(when, after.zone) if when is not None else _("the default")


def change_lines(changed: list[str], asked: set[str], after: Any) -> list[str]:
    """A line for each setting the event's summary leaves out that was changed or ``asked``
    (given on the command line, as it was already): how it stands now; "nothing changed" last
    when nothing did."""
    said = set(changed) | asked
    lines = []
    if "allow_reentry" in said:
        lines.append(
            _("re-entry is on: exit scans let people out and back in")
            if after.allow_reentry
            else _("re-entry is off: a ticket gets in once, and exit scans are refused")
        )
    if "waitlist_enabled" in said:
        lines.append(
            _("the waitlist is on: when the event is full, people are waitlisted")
            if after.waitlist_enabled
            else _("the waitlist is off: when the event is full, registrations are refused")
        )
    if "unpaid_policy" in said:
        lines.append(
            _("unpaid tickets are admitted at the door, with a flag to collect the money")
            if after.unpaid_policy == "admit"
            else _("unpaid tickets are refused at the door")
        )
    if "checkin_opens_at" in said:
        lines.append(
            _("the door opens at {time}").format(time=_door_time(after.checkin_opens_at, after))
        )
    if "checkin_closes_at" in said:
        lines.append(
            _("the door closes at {time}").format(time=_door_time(after.checkin_closes_at, after))
        )
    if "description" in changed:
        lines.append(_("the description is changed"))
    if not changed:
        lines.append(_("nothing changed"))
    return lines
