"""The demo's day is plausible: its people came in after its doors opened and before the
demo's now, on the event's day, whatever the hour it is built at; and `eventdesk demo` runs as a
desk's station, not as the machine's host name."""

from __future__ import annotations

import shutil
import socket
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from eventdesk.db import Store
from eventdesk.door_event import DOOR_CLOSES_AFTER, DOOR_OPENS_BEFORE
from eventdesk.event_time import event_day, event_zone, show
from eventdesk.models.door import ScanLog
from eventdesk.models.people import Ticket
from eventdesk.services.catalogue import events
from eventdesk.services.data.demo import DEMO_DOORS, DEMO_STATION, DEMO_ZONE, build_demo
from eventdesk.values import utcnow
from tests.clitools import Cli

# Times of day the demo may be built at (its day is today's, in the demo's zone): at night,
# early in the morning before its usual 08:00, while it runs, after its end, late in the evening.
HOURS = [time(0, 10), time(5, 50), time(8, 20), time(12, 30), time(20, 30)]


@pytest.mark.parametrize("hour", HOURS, ids=lambda at: at.strftime("%H%M"))
def test_the_demos_people_came_in_after_its_doors_opened_and_before_its_now(
    sqlite_template: Path, tmp_path: Path, hour: time
) -> None:
    """Before: built at 05:50, its check-ins were at 03:50 to 05:50 for an event starting at
    08:00 (and at 20:30, after its 18:00 end). The hours are the demo's, not a backend's: on
    SQLite."""
    shutil.copy(sqlite_template, tmp_path / "demo.db")
    store = Store(f"sqlite:///{tmp_path / 'demo.db'}")
    now = datetime.combine(utcnow().astimezone(DEMO_ZONE).date(), hour, DEMO_ZONE)
    summary = build_demo(store, attendee_count=25, seed=7, station="Desk 9", now=now)
    event = events.show_event(store, summary.event)
    zone = event_zone(event.timezone)
    starts, ends = event.starts_at.astimezone(zone), event.ends_at.astimezone(zone)
    doors_open = event.checkin_opens_at or event.starts_at - DOOR_OPENS_BEFORE
    doors_close = event.checkin_closes_at or event.ends_at + DOOR_CLOSES_AFTER
    assert summary.now == now and summary.day == event_day(starts, zone)
    assert doors_open <= starts < now < doors_close  # its door still admits the demo's users
    with store.read() as db:
        scans = db.execute(
            select(ScanLog.at, ScanLog.station).where(
                ScanLog.event_id == event.id, ScanLog.result == "ok"
            )
        ).all()
        arrivals = db.scalars(
            select(Ticket.checked_in_at).where(
                Ticket.event_id == event.id, Ticket.checked_in_at.is_not(None)
            )
        ).all()
    assert summary.checked_in > 0 and len(scans) == len(arrivals) == summary.checked_in
    opening = f"{show(starts, zone, 'minute')} to {show(ends, zone, 'minute')}"
    for at in [scan.at for scan in scans] + [moment for moment in arrivals if moment]:
        seen = at.astimezone(zone)  # as a person reads it: in the event's zone
        assert starts <= seen <= min(now, ends), (show(seen, zone, "minute"), opening)
        assert event_day(seen, zone) == summary.day  # one day in the arrivals per day
    assert {scan.station for scan in scans} <= set(DEMO_DOORS)
    # A real morning: the people came in during the two hours before now (or before the end).
    latest = min(now, ends)
    assert all(latest - timedelta(hours=2) <= at.astimezone(zone) for at, _door in scans)
    store.dispose()


def test_the_demo_runs_as_a_desk_not_as_the_machine(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: `eventdesk demo` (and `python3 dev.py demo`) took the host's name for its station,
    and the header said "station vm"."""
    monkeypatch.delenv("EVENTDESK_STATION", raising=False)
    cli.station = None  # no --station, no variable, no file: the host's name for other commands
    made = cli.json("demo", "--no-ui", "--attendees", "6")
    logged = {row["station"] for row in cli.json("log", made["event"])} - {None}
    assert logged == {DEMO_STATION} != {socket.gethostname()}  # its event, sales, payments
    assert made["station"] == DEMO_STATION
    # A station named by the command line (or the variable, or the file) keeps its name.
    cli.station = "Desk 7"
    again = cli.json("demo", "--no-ui", "--attendees", "6")
    assert again["station"] == "Desk 7"
