"""What a door's decision did to its ticket, typed: the one vocabulary an offline decision is
kept in (the copy's outbox ``effect`` column) and done again by (the copy after a refresh,
services.stations.mirror; the server on upload, services.stations.replay).

The door decides (services.door.rules) and says what it did in a ``ScanResult``; ``effect_of``
reads the result once, and every reader after it matches on ``Effect``, never on the column's
text.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eventdesk.services.door.scan_result import ScanResult


class Effect(StrEnum):
    """One decision's change to its ticket (the outbox keeps the value)."""

    NONE = "none"  # refused, or nothing to change
    ADMIT = "admit"  # the event's first check-in
    READMIT = "readmit"  # back in after an exit
    LEAVE = "leave"  # out through an exit
    SESSION = "session"  # into a session
    LIST = "list"  # a check-in list's first entry of the day
    LIST_IN = "list_in"  # back in on a list's day
    LIST_OUT = "list_out"  # out on a list's day
    UNDO = "undo"  # a check-in annulled at the desk


def effect_of(result: ScanResult) -> Effect:
    """What the decision ``result`` did to its ticket."""
    if result.result != "ok" or result.ticket_id is None:
        return Effect.NONE
    if result.list_day is not None:
        if result.direction == "exit":
            return Effect.LIST_OUT
        return Effect.LIST_IN if result.reentry else Effect.LIST
    if result.direction == "exit":
        return Effect.LEAVE
    if result.session_id is not None:
        return Effect.SESSION
    return Effect.READMIT if result.reentry else Effect.ADMIT
