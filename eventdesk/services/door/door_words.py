"""What a door says that both of its judges say (the event's rules, services.door.rules, and a
check-in list's, services.door.list_door): the welcome, a time on the door's clock, the
desk's message, the money a ticket still owes; and when an event's door opens and closes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventdesk.door_event import DOOR_CLOSES_AFTER, DOOR_OPENS_BEFORE
from eventdesk.event_time import event_zone, show
from eventdesk.i18n import N_, _

NEEDS_STAFF_MESSAGE = N_("Please see the desk (ID check).")


def door_times(row: Any) -> tuple[datetime, datetime]:
    """When the event's door opens and closes (its own times, else a while around it)."""
    return (
        row["checkin_opens_at"] or row["starts_at"] - DOOR_OPENS_BEFORE,
        row["checkin_closes_at"] or row["ends_at"] + DOOR_CLOSES_AFTER,
    )


def welcome(row: Any) -> str:
    return _("Welcome, {attendee} ({ticket_type}).").format(
        attendee=row["attendee"], ticket_type=row["ticket_type"]
    )


def welcome_back(row: Any) -> str:
    """The welcome of a person let in again (an event or list with re-entry)."""
    # TRANSLATORS: a person let in again (after an exit)
    return _("Welcome back, {attendee} ({ticket_type}).").format(
        attendee=row["attendee"], ticket_type=row["ticket_type"]
    )


def money_due(row: Any) -> dict[str, Any]:
    """What a ticket's row still owes, as a decision's fields (none: paid, or free)."""
    due = max(row["price_cents"] - int(row["paid"] or 0), 0)
    if due <= 0:
        return {}
    return {"due": due, "currency": row["currency"], "see_desk": True}


def clock(moment: datetime | None, row: Any) -> str:
    """A time as the door says it: today's clock in the event's zone ("?": not known)."""
    return show(moment, event_zone(row["timezone"]), "clock", none="?")
