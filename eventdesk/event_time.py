"""Times as the people at an event read them: in the event's time zone, whatever the machine's.

One rule, kept here (docs/architecture.md#time): times are stored in UTC; a time a person reads
(a screen, a report, an export, a badge, a command's output) is the wall-clock time in the
event's zone. What travels between the layers is the zone's name, as the event stores it; it
becomes a ``ZoneInfo`` where a time is shown or a day counted (``event_zone``, cached). A zone is
checked once, when the event is saved (``zone_of``): an unknown name is refused then, never
guessed later. ``show`` is the one formatter; its styles are the few ways a time is written.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from eventdesk.errors import InvalidInput
from eventdesk.i18n import SOURCE, _, current, locale

Style = Literal["stamp", "stamp_seconds", "minute", "clock", "seconds", "form", "day", "date"]
FORMATS: dict[Style, str] = {
    "stamp": "%Y-%m-%d %H:%M %Z",  # '2030-05-14 09:00 CEST': a time that names its zone
    "stamp_seconds": "%Y-%m-%d %H:%M:%S %Z",
    "minute": "%Y-%m-%d %H:%M",  # in a table whose heading names the zone
    "clock": "%H:%M",  # at the door: today's time
    "seconds": "%H:%M:%S",
    "form": "%Y-%m-%dT%H:%M",  # a form's field, typed back as it is shown
    "day": "%d %b",
    "date": "%d %b %Y",
}
# The styles that name a month, as Babel writes them in another language ("25. Nov." in German,
# "25 nov." in French): the day and the month, and the year.
SKELETONS: dict[Style, str] = {"day": "MMMd", "date": "yMMMd"}
UTC_ZONE = ZoneInfo("UTC")


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone_of(name: str, field: str = "timezone") -> ZoneInfo:
    """The zone ``name`` says (an IANA name, 'Europe/Berlin'); an unknown one is refused."""
    try:
        return _zone(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            _("{field} {name!r} is not a known time zone").format(field=field, name=name),
            field=field,
        ) from None


def event_zone(name: str | None) -> ZoneInfo:
    """An event's zone, as it was checked when the event was saved. A name this machine does not
    know (a database edited by hand, or a zone database older than the one it was saved with)
    is said, not guessed."""
    if not name:
        return UTC_ZONE
    try:
        return _zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            _(
                "the event's time zone {name!r} is not known on this machine: set a known one "
                "with `eventdesk event update EVENT --timezone ZONE`"
            ).format(name=name),
            field="timezone",
        ) from None


def in_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    """``moment`` (stored as UTC; a naive one is UTC) as a wall clock in ``zone``."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone)


# An event's day (a check-in list's "once a day", arrivals per day) runs from this hour to the
# same hour the next morning, in the event's zone: a night that goes on past midnight is one day.
DAY_CHANGE_HOURS = 5


def event_day(moment: datetime, zone: ZoneInfo) -> date:
    """The day of the event ``moment`` belongs to, in ``zone`` (before 05:00: the day before)."""
    return (in_zone(moment, zone) - timedelta(hours=DAY_CHANGE_HOURS)).date()


def show(moment: datetime | None, zone: ZoneInfo, style: Style = "stamp", *, none: str = "") -> str:
    """``moment`` written in ``zone`` in ``style``; ``none`` for no time."""
    if moment is None:
        return none
    local = in_zone(moment, zone)
    skeleton = SKELETONS.get(style)
    if skeleton is not None and current() != SOURCE:  # a month's name, in the reader's language
        from babel.dates import format_skeleton

        return format_skeleton(skeleton, local, locale=locale())
    return local.strftime(FORMATS[style])


def show_day(day: date, *, weekday: bool = False) -> str:
    """A day of the event as a person reads it: '14 May' ('Thu 14 May' with its weekday), in
    the reader's language ("Do., 14. Mai")."""
    if current() == SOURCE:
        return day.strftime("%a %d %b" if weekday else "%d %b")
    from babel.dates import format_skeleton

    return format_skeleton("MMMEd" if weekday else "MMMd", day, locale=locale())


def iso(moment: datetime | None, zone: ZoneInfo) -> str:
    """A time for a file: ISO 8601 to the second with the zone's offset
    ('2030-05-14T09:00:00+02:00'). Empty for no time."""
    if moment is None:
        return ""
    return in_zone(moment, zone).replace(microsecond=0).isoformat()
