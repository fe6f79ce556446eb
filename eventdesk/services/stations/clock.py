"""A station's clock against its server's: online the server's clock decides.

A station on a server measures how far its own clock is from the server's (the server's time
against the middle of the round trip) when it first reaches the server in a process and at
every sync round, and every time it decides or records (a check-in, an undo, a scan's log row)
is its own clock plus that difference: the server's clock, to a few milliseconds. Offline it
goes on adding the difference last measured (kept in its mirror, so a station restarted during
an outage has it too). The station reports the difference to the server (``station_clock``) so
that the stats screen names a station whose clock is off; the station says it on its own
screen and in ``station status`` when it is off by more than ``OFF_AFTER``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, select, text
from sqlalchemy.dialects import postgresql

from eventdesk.db import Store
from eventdesk.errors import NotAllowed
from eventdesk.i18n import _
from eventdesk.models import StationClock

OFF_AFTER = timedelta(minutes=1)  # a clock off by more than this is said on screen
REPORT_AGAIN = timedelta(minutes=1)  # a station's measurement is sent again this often
REPORT_CHANGE = 1.0  # seconds: a change this large is sent at once


@dataclass(frozen=True)
class Skew:
    """The server's clock minus the station's, in seconds, and when it was measured (on the
    server's clock)."""

    seconds: float
    measured_at: datetime

    @property
    def off(self) -> bool:
        return abs(self.seconds) > OFF_AFTER.total_seconds()

    def said(self) -> str:
        """'3 h 0 min fast', '2 d 0 h slow', 'right' (within a second)."""
        return clock_words(self.seconds)


def clock_words(seconds: float) -> str:
    """How far a station's clock is from the server's, for people (``seconds``: the server's
    clock minus the station's)."""
    if abs(seconds) < 1:
        # TRANSLATORS: a station's clock is right: "This station's clock is right"
        return _("right")
    left = round(abs(seconds))
    days, left = divmod(left, 86_400)
    hours, left = divmod(left, 3_600)
    minutes, secs = divmod(left, 60)
    if days:
        amount = _("{days} d {hours} h").format(days=days, hours=hours)
    elif hours:
        amount = _("{hours} h {minutes} min").format(hours=hours, minutes=minutes)
    elif minutes:
        amount = _("{minutes} min {seconds} s").format(minutes=minutes, seconds=secs)
    else:
        amount = _("{seconds} s").format(seconds=secs)
    return (
        # TRANSLATORS: how far a station's clock is from the server's: "3 h 0 min fast"
        _("{amount} fast").format(amount=amount)
        if seconds < 0
        else _("{amount} slow").format(amount=amount)
    )


def measure(server: Store, local: Callable[[], datetime]) -> Skew:
    """The server's clock against ``local`` (one round trip; it also shows the server answers)."""
    with server.connect() as conn:
        before, started = local(), time.monotonic()
        server_now: datetime = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
        trip = time.monotonic() - started
    middle = before + timedelta(seconds=trip / 2)
    return Skew((server_now - middle).total_seconds(), server_now)


def report(server: Store, station: str, skew: Skew) -> None:
    """This station's measurement, for the stats screen (one row a station)."""
    # One statement the server completes alone: no row held while its answer comes back.
    if server.station_login() is not None:  # its own login: bound to its station
        with server.each_statement() as conn:
            conn.execute(
                text("SELECT station_api.report_clock(:station, :skew)"),
                {"station": station[:100], "skew": round(skew.seconds * 1000)},
            )
        return
    values = {
        "station": station[:100],
        "skew_ms": round(skew.seconds * 1000),
        "measured_at": skew.measured_at,
    }
    table = cast(Table, StationClock.__table__)
    upsert = postgresql.insert(table).values(values)
    upsert = upsert.on_conflict_do_update(
        index_elements=[table.c.station],
        set_={"skew_ms": upsert.excluded.skew_ms, "measured_at": upsert.excluded.measured_at},
    )
    with server.each_statement() as conn:
        conn.execute(upsert)


def station_clocks(server: Store) -> dict[str, Skew]:
    """Each station's last measurement, by its name."""
    with server.read() as session:
        rows = session.execute(
            select(StationClock.station, StationClock.skew_ms, StationClock.measured_at)
        ).all()
    return {row.station: Skew(row.skew_ms / 1000, row.measured_at) for row in rows}


class ServerTime:
    """A station's own clock, put right by the difference last measured against its server
    (measured once in this process before its first online decision, and at each sync);
    ``load`` and ``keep`` read and write the last difference where it outlives the process."""

    def __init__(
        self,
        local: Callable[[], datetime],
        *,
        load: Callable[[], Skew | None],
        keep: Callable[[Skew], None],
    ) -> None:
        self.local = local
        self._load = load
        self._keep = keep
        self.skew: Skew | None = None
        self._loaded = False
        self.measured_here = False
        self._reported: tuple[Skew, float] | None = None  # what the server has, and when sent

    @property
    def last(self) -> Skew | None:
        """The last measurement: this process's, or the one kept before it."""
        if self.skew is None and not self._loaded:
            self._loaded = True
            self.skew = self._load()
        return self.skew

    def corrected(self, moment: datetime) -> datetime:
        """A time on the station's own clock, on the server's."""
        last = self.last
        return moment + timedelta(seconds=last.seconds) if last is not None else moment

    def now(self) -> datetime:
        return self.corrected(self.local())

    def measure(self, server: Store, station: str) -> Skew:
        """Measured now, kept, and reported to the server when it changed (or a while ago)."""
        made = measure(server, self.local)
        self.skew, self._loaded, self.measured_here = made, True, True
        self._keep(made)
        sent = self._reported
        if (
            sent is None
            or abs(sent[0].seconds - made.seconds) >= REPORT_CHANGE
            or time.monotonic() - sent[1] >= REPORT_AGAIN.total_seconds()
        ):
            # A station role from before the clocks were kept: the stats lack it, nothing more.
            with contextlib.suppress(NotAllowed):
                report(server, station, made)
            self._reported = (made, time.monotonic())
        return made
