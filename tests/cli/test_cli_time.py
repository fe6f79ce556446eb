"""Times a person reads from the CLI are in the event's time zone, whatever the machine's zone.

Every command runs on a machine set to TZ=America/New_York (in this process, through the same
``main`` the console script calls; one of them also as a process of its own), for an event in
Europe/Berlin: the human output shows Berlin wall-clock times labelled with the zone; exports
and report CSV files write ISO 8601 with Berlin's offset; JSON keeps ISO 8601 with an offset.
"""

from __future__ import annotations

import csv
import os
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests import forks
from tests.clitools import Cli

EVENTDESK = forks.EVENTDESK  # what tests/forks.py forks
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


class Desk(Cli):
    """The command line on a machine set to New York time (``machine_in_new_york``), as the
    station the environment names."""

    def __init__(self, capsys: pytest.CaptureFixture[str], db_url: str, data_dir: Path) -> None:
        super().__init__(capsys, db_url, data_dir, station=None)

    def process(self, *args: str) -> str:
        """``args`` run by the console script in a process of its own."""
        done = forks.run(
            [EVENTDESK, "--db", self.db_url, "--data-dir", str(self.data_dir), *args],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "TZ": "America/New_York", "EVENTDESK_STATION": "Door 1"},
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
        return done.stdout


@pytest.fixture
def machine_in_new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process's local time is New York's (TZ and tzset, as a machine set so)."""
    monkeypatch.setenv("TZ", "America/New_York")
    monkeypatch.setenv("EVENTDESK_STATION", "Door 1")
    time.tzset()
    assert time.tzname[0] == "EST"
    yield
    monkeypatch.undo()
    time.tzset()


def berlin(moment: datetime) -> str:
    """How a person should read ``moment``: Berlin wall-clock time, labelled."""
    return moment.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M %Z")


def elsewhere(moment: datetime) -> list[str]:
    """The same moment as UTC and as New York wall-clock time (what must not be shown)."""
    return [moment.astimezone(z).strftime("%Y-%m-%d %H:%M") for z in (UTC, NEW_YORK)]


def moment(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    assert parsed.utcoffset() is not None, text  # JSON times carry their offset
    return parsed


@pytest.fixture
def festival(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], machine_in_new_york: None
) -> dict[str, Any]:
    """An event in Berlin running now: one guest checked in and paid, one on the waitlist."""
    desk = Desk(capsys, db_url, tmp_path / "data")
    desk.out("init")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    # Typed without an offset: Berlin wall-clock time. Odd offsets so no two times shown
    # below are a whole number of hours apart.
    starts = now - timedelta(minutes=97)
    ends = now + timedelta(hours=7, minutes=13)
    typed = {
        k: v.astimezone(BERLIN).strftime("%Y-%m-%dT%H:%M") for k, v in (("s", starts), ("e", ends))
    }
    desk.json(
        "event",
        "create",
        "--name",
        "Fest",
        "--starts",
        typed["s"],
        "--ends",
        typed["e"],
        "--timezone",
        "Europe/Berlin",
        "--capacity",
        "1",
    )
    session_starts = now + timedelta(minutes=41)
    desk.json(
        "session",
        "add",
        "fest",
        "--name",
        "Talk",
        "--starts",
        session_starts.isoformat(),
        "--ends",
        (session_starts + timedelta(minutes=50)).isoformat(),
    )
    desk.json("ticket-type", "add", "fest", "--name", "Regular", "--price", "10")
    for name in ("Ann", "Bo"):
        desk.json("attendee", "add", "--name", name, "--email", f"{name.lower()}@example.com")
    ann = desk.json("register", "fest", "--attendee", "ann@example.com", "--ticket-type", "Regular")
    bo = desk.json("register", "fest", "--attendee", "bo@example.com", "--ticket-type", "Regular")
    assert bo["status"] == "waitlisted"
    desk.json("pay", ann["ticket_id"], "--method", "cash")
    admitted = desk.json("checkin", "--ticket", ann["ticket_id"])
    assert admitted["result"] == "ok"
    return {
        "desk": desk,
        "starts": starts,
        "ends": ends,
        "session_starts": session_starts,
        "ticket": ann["ticket_id"],
        "waiting": bo["ticket_id"],
        "checked_in": moment(admitted["first_checked_in_at"]),
    }


def shows(text: str, when: datetime) -> None:
    assert berlin(when) in text, (berlin(when), text)
    for wrong in elsewhere(when):
        assert wrong not in text, (wrong, text)


def test_event_and_session_times_are_berlin_times(festival: dict[str, Any]) -> None:
    desk: Desk = festival["desk"]
    shown = desk.out("event", "show", "fest")
    shows(shown, festival["starts"])
    shows(shown, festival["ends"])
    shows(shown, festival["session_starts"])
    assert "Europe/Berlin" in shown
    shows(desk.out("event", "list"), festival["starts"])
    shows(desk.out("session", "list", "fest"), festival["session_starts"])
    data = desk.json("event", "show", "fest")
    assert moment(data["starts_at"]) == festival["starts"]  # JSON: ISO 8601 with an offset


@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_door_and_desk_times_are_berlin_times(festival: dict[str, Any]) -> None:
    desk: Desk = festival["desk"]
    checked_in: datetime = festival["checked_in"]
    shows(desk.out("scan-log", "fest"), checked_in)
    shows(desk.out("scan-log"), checked_in)
    logged = moment(desk.json("log", "fest")[0]["at"])  # the newest entry: a check-in is not one
    shows(desk.out("log", "fest"), logged)
    shows(desk.out("log"), logged)
    shows(desk.out("ticket", "show", festival["ticket"]), checked_in)
    shows(desk.out("attendee", "show", "ann@example.com"), checked_in)
    # The payment's own time (made before the check-in: a minute may have turned between them).
    paid_at = moment(desk.json("payment", "list", festival["ticket"])["payments"][0]["created_at"])
    shows(desk.out("payment", "list", festival["ticket"]), paid_at)
    shows(desk.out("stats", "fest"), checked_in)
    shows(desk.process("scan-log", "fest"), checked_in)  # a process of its own: the same
    since = moment(desk.json("waitlist", "fest")[0]["since"])
    shows(desk.out("waitlist", "fest"), since)
    assert all(moment(s["at"]) for s in desk.json("scan-log", "fest"))
    shows(desk.out("checkin", "undo", festival["ticket"]), checked_in)


def test_reports_show_berlin_times_and_write_iso_with_offset(
    festival: dict[str, Any], tmp_path: Path
) -> None:
    desk: Desk = festival["desk"]
    checked_in: datetime = festival["checked_in"]
    hour = checked_in.astimezone(BERLIN).replace(minute=0, second=0, microsecond=0)
    human = desk.out("report", "attendance", "fest", "--csv", str(tmp_path / "att.csv"))
    assert hour.strftime("%Y-%m-%d %H:%M %Z") in human and "Europe/Berlin" in human
    rows = list(csv.reader((tmp_path / "att.csv").open(encoding="utf-8-sig", newline="")))
    arrivals = [r for r in rows if r[0] == "arrivals by hour"]
    assert [datetime.fromisoformat(r[1]) for r in arrivals] == [hour]
    assert arrivals[0][1] == hour.isoformat()  # ISO 8601 with Berlin's offset
    as_json = desk.json("report", "attendance", "fest")
    assert [moment(r["item"]) for r in as_json if r["section"] == "arrivals by hour"] == [hour]

    desk.out("report", "waitlists", "fest", "--csv", str(tmp_path / "wait.csv"))
    [waiting] = list(csv.DictReader((tmp_path / "wait.csv").open(encoding="utf-8-sig")))
    since = datetime.fromisoformat(waiting["waiting_since"])
    assert since.utcoffset() == since.astimezone(BERLIN).utcoffset()
    assert since.utcoffset() is not None
    shows(desk.out("report", "waitlists", "fest"), since)

    minute = checked_in.astimezone(BERLIN).replace(second=0, microsecond=0)
    assert minute.strftime("%Y-%m-%d %H:%M %Z") in desk.out("report", "scans", "fest")


EXPORTS = {
    "attendees": "Checked In At",
    "checkins": "Checked In At",
    "scans": "At",
    "payments": "At",
}


def test_exports_write_iso_8601_with_the_events_offset(
    festival: dict[str, Any], tmp_path: Path
) -> None:
    desk: Desk = festival["desk"]
    checked_in: datetime = festival["checked_in"]
    for kind, column in EXPORTS.items():
        out = tmp_path / f"{kind}.csv"
        desk.out("export", kind, "fest", "--output", str(out))
        rows = list(csv.DictReader(out.open(encoding="utf-8-sig", newline="")))
        cells = [r[column] for r in rows if r[column]]
        assert cells, (kind, rows)
        for cell in cells:
            written = datetime.fromisoformat(cell)
            assert written.tzinfo is not None, (kind, cell)
            assert written.utcoffset() == written.astimezone(BERLIN).utcoffset(), (kind, cell)
        if kind != "payments":
            assert checked_in.astimezone(BERLIN).replace(microsecond=0).isoformat() in cells
