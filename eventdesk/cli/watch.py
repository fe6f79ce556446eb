"""``eventdesk watch``: a line per arrival at an event, as the doors log them, until stopped."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from eventdesk.cli.access import organizer_only
from eventdesk.cli.common import Ctx, pass_ctx, say, to_jsonable
from eventdesk.i18n import _

if TYPE_CHECKING:  # the store loads SQLAlchemy: with the first command that opens it
    from zoneinfo import ZoneInfo

    from eventdesk.services.door.alerts import Arrival

FLAG = "⚑"  # marks an awaited person's line (not for translation: a sign)


@click.command()
@click.argument("event_ref", metavar="EVENT")
@click.option(
    "--only",
    type=click.Choice(["flagged"]),
    help="Only the arrivals of the people awaited (an attendee's or a ticket type's --alert).",
)
@click.option(
    "--every",
    type=click.FloatRange(0.1, 60),
    default=1.0,
    show_default=True,
    metavar="SECONDS",
    help="Seconds between two looks at the scan log.",
)
@click.option(
    "--count",
    type=click.IntRange(min=1),
    metavar="N",
    help="Stop after N lines (default: until stopped with Ctrl-C).",
)
@pass_ctx
@organizer_only
def watch(obj: Ctx, event_ref: str, only: str | None, every: float, count: int | None) -> None:
    """A line per arrival from now on (awaited people marked), until stopped."""
    from eventdesk.errors import DatabaseUnavailable
    from eventdesk.services.door.alerts import ArrivalWatch
    from eventdesk.services.door.scans import event_zones

    follow = ArrivalWatch(obj.store, event_ref, only_flagged=only == "flagged")
    zone = event_zones(obj.store).of(follow.event_id)
    # On stderr (the lines are stdout's): from here on, every arrival is told.
    say(
        "eventdesk: "  # not for translation: the program's name
        + _("watching the arrivals at {event} (Ctrl-C stops)").format(event=follow.event),
        err=True,
    )
    told = 0
    away = False  # the database did not answer the last look
    with _stopped_between_looks() as stopped:
        while not stopped:
            try:
                found = follow.new()
            except DatabaseUnavailable as exc:
                if not away:
                    say(
                        "eventdesk: "  # not for translation: the program's name
                        + _("database not answering ({problem}): trying again").format(
                            problem=exc.message
                        ),
                        err=True,
                    )
                away = True
                _pause(max(every, 1.0), stopped)
                continue
            if away:
                say("eventdesk: " + _("database answering again"), err=True)
                away = False
            for arrival in found:
                obj.emit(to_jsonable(arrival), lambda a=arrival: arrival_line(a, zone))  # type: ignore[misc]
                told += 1
                if count is not None and told >= count:
                    return
            _pause(every, stopped)


def _pause(seconds: float, stopped: list[int]) -> None:
    """Wait ``seconds`` before the next look, a tenth of a second at a time: a stop asked
    for meanwhile ends the wait within that."""
    until = time.monotonic() + seconds
    while not stopped and (left := until - time.monotonic()) > 0:
        time.sleep(min(left, 0.1))


@contextmanager
def _stopped_between_looks() -> Iterator[list[int]]:
    """Ctrl-C and SIGTERM stop the watch between two looks, never inside one: a signal is
    noted (the list it gives is no longer empty) and the look under way ends as it would, so
    that no database call is cut off halfway (which said "internal error" where a stop was
    asked for). The program's own handlers (cli/root.py) are back afterwards."""
    stopped: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield stopped  # signals reach the main thread alone: nothing to note here
        return

    def note(signum: int, _frame: object) -> None:
        stopped.append(signum)

    kept = {each: signal.signal(each, note) for each in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stopped
    finally:
        for each, handler in kept.items():
            signal.signal(each, handler)


def arrival_line(arrival: Arrival, zone: ZoneInfo) -> str:
    """One arrival for people: the time in the event's zone, who, their ticket type, the
    station; an awaited person's line starts with the flag and ends with why."""
    from eventdesk.event_time import show

    parts = [
        show(arrival.at, zone, "seconds"),
        arrival.name or arrival.ticket_id or "?",
        arrival.ticket_type or "",
        arrival.station or "",
    ]
    if arrival.offline:
        # TRANSLATORS: after an arrival a station decided without its server (uploaded since)
        parts.append(_("(offline)"))
    line = "  ".join(part for part in parts if part)
    if arrival.alert is None:
        return f"  {line}"
    return f"{FLAG} {line}  {FLAG} {arrival.alert}"


COMMANDS = [watch]
