"""A roll call of who is inside now (``report inside``, services.stats.inside): by name, with
when and at which station each last came in, for the event, for a check-in list and for a
session. The names and the count are what the scan log says after entries, exits and
re-entries at two stations, and what ``checkin-list show`` counts inside. On SQLite and
PostgreSQL; the times are the door's clock moved by each scan's ``now``, from a moment before
now."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from eventdesk.db import Store
from eventdesk.errors import NotFound
from eventdesk.models import ScanLog
from eventdesk.services.catalogue.program import add_session
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.list_changes import ListChange, create_list, describe, find_list
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import register
from eventdesk.services.stats.inside import Present, RollCall, roll_call, since_text
from eventdesk.services.stats.reports import stats
from eventdesk.text import fold
from eventdesk.values import utcnow
from tests.clitools import Cli
from tests.helpers import add_type, make_event

NORTH, SOUTH, ROOM = "North door", "South door", "Room 2 door"
# Five people, not listed here by name; one lower-case, one accented.
NAMES = ["Zoë Adler", "Bruno Zimmer", "ana Meyer", "Yusuf Brandt", "Émile Ortiz"]


@dataclass
class Doors:
    """An event with re-entry open now, its people's tickets by name, and a clock that moves
    a minute a scan from 40 minutes ago."""

    slug: str
    tickets: dict[str, str]
    session_id: int
    start: datetime
    step: int = 0

    def tick(self) -> datetime:
        self.step += 1
        return self.start + timedelta(minutes=self.step)


@pytest.fixture
def doors(store: Store) -> Doors:
    now = utcnow().replace(microsecond=0)
    slug = make_event(
        store,
        name="Roll Call Fair",
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=8)).isoformat(),
        allow_reentry=True,
        timezone="Europe/Berlin",
    )
    add_type(store, slug, "Day", price_cents=0)
    add_type(store, slug, "Crew", price_cents=0)
    session = add_session(
        store,
        slug,
        name="Rope access workshop",
        starts=now - timedelta(minutes=30),
        ends=now + timedelta(hours=2),
    )
    emails = [f"rollcall-{n}@example.org" for n in range(len(NAMES))]
    attendees.add_attendees_bulk(
        store, [{"name": name, "email": e} for name, e in zip(NAMES, emails, strict=True)]
    )
    tickets = {
        name: register(store, slug, email, "Crew" if n == 3 else "Day", sessions=[session.id])
        .tickets[0]
        .ticket_id
        for n, (name, email) in enumerate(zip(NAMES, emails, strict=True))
    }
    return Doors(slug, tickets, session.id, now - timedelta(minutes=40))


def said_by_the_scan_log(
    store: Store, slug_id: int, *, session_id: int | None = None
) -> dict[str, tuple[datetime, str]]:
    """Who the scan log says is inside (ticket -> when and where they last came in): an
    admitted entry puts a ticket in, an admitted exit takes it out, in the order scanned."""
    with store.read() as session:
        rows = session.execute(
            select(ScanLog.ticket_id, ScanLog.direction, ScanLog.at, ScanLog.station)
            .where(
                ScanLog.event_id == slug_id,
                ScanLog.result == "ok",
                ScanLog.session_id.is_(None)
                if session_id is None
                else ScanLog.session_id == session_id,
            )
            .order_by(ScanLog.at, ScanLog.id)
        ).all()
    inside: dict[str, tuple[datetime, str]] = {}
    for ticket, direction, at, station in rows:
        if direction == "entry":
            inside[ticket] = (at, station)
        else:
            inside.pop(ticket, None)
    return inside


def _event_id(store: Store, slug: str) -> int:
    from eventdesk.models import Event

    with store.read() as session:
        found = session.scalar(select(Event.id).where(Event.slug == slug))
    assert found is not None
    return found


def named(call: RollCall) -> list[str]:
    return [p.name for p in call.people]


def by_name(names: Iterable[str]) -> list[str]:
    """As the desk's search lists them: accents and case set aside (Émile with the Es)."""
    return sorted(names, key=fold)


def test_the_event_s_roll_call_is_the_scan_log_s_after_exits_and_re_entries(
    store: Store, doors: Doors
) -> None:
    zoe, bruno, ana, yusuf, emile = (doors.tickets[n] for n in NAMES)
    north = Checkin(store, station=NORTH, event=doors.slug)
    south = Checkin(store, station=SOUTH, event=doors.slug)
    gate = Checkin(store, station=SOUTH, event=doors.slug, direction="exit")
    steps = [
        (north, zoe),  # in at the north door, stays
        (north, bruno),  # in at the north door...
        (south, ana),
        (gate, bruno),  # ...out...
        (south, bruno),  # ...and back in at the south door
        (north, yusuf),
        (gate, yusuf),  # in and out: not inside
        (south, emile),
        (gate, emile),
        (north, emile),  # back in at the north door...
        (gate, emile),  # ...and out again
        (south, emile),  # ...and in once more, at the south door
    ]
    for door, ticket in steps:
        assert door.checkin_ticket(ticket, now=doors.tick()).admitted

    call = roll_call(store, doors.slug)
    log = said_by_the_scan_log(store, _event_id(store, doors.slug))
    assert {p.ticket_id for p in call.people} == set(log)
    assert call.count == len(log) == 4
    assert named(call) == by_name(["Zoë Adler", "Bruno Zimmer", "ana Meyer", "Émile Ortiz"])
    for person in call.people:  # when and where each came in last
        assert (person.since, person.station) == log[person.ticket_id], person
    assert {p.ticket_id: p.ticket_type for p in call.people}[zoe] == "Day"
    # ...as `checkin-list show` and the stats screen count them
    default = describe(store, find_list(store, f"{doors.slug}/default"))
    assert default["inside"] == call.count == stats(store, doors.slug).inside
    assert (call.event, call.list_slug, call.session) == (doors.slug, "default", None)


def test_a_list_s_roll_call_is_the_scan_log_s(store: Store, doors: Doors) -> None:
    create_list(store, doors.slug, ListChange(name="Climbing hall", entries="unlimited"))
    hall = f"{doors.slug}/climbing-hall"
    north = Checkin(store, station=NORTH, checkin_list=hall)
    south = Checkin(store, station=SOUTH, checkin_list=hall)
    zoe, bruno, ana, _yusuf, emile = (doors.tickets[n] for n in NAMES)
    steps = [
        (north, zoe, "entry"),
        (south, bruno, "entry"),
        (north, bruno, "exit"),
        (south, ana, "entry"),
        (north, ana, "exit"),
        (south, ana, "entry"),  # back in on the list, at the south door
        (north, emile, "entry"),
        (north, emile, "exit"),
    ]
    for door, ticket, direction in steps:
        assert door.checkin_ticket(ticket, now=doors.tick(), direction=direction).admitted

    call = roll_call(store, doors.slug, checkin_list="climbing-hall")
    log = said_by_the_scan_log(store, _event_id(store, doors.slug))  # every scan is the list's
    assert {p.ticket_id for p in call.people} == set(log) == {zoe, ana}
    assert named(call) == by_name(["Zoë Adler", "ana Meyer"])
    for person in call.people:
        assert (person.since, person.station) == log[person.ticket_id], person
    shown = describe(store, find_list(store, hall))
    assert shown["inside"] == call.count == 2
    assert (call.list_slug, call.list_name) == ("climbing-hall", "Climbing hall")
    # The list's admissions are its own: nobody is inside the event's default list.
    assert roll_call(store, doors.slug).count == 0
    assert roll_call(store, doors.slug, checkin_list=hall).count == 2  # EVENT/SLUG too


def test_a_session_s_roll_call_is_who_came_in_at_its_door_and_has_not_left(
    store: Store, doors: Doors
) -> None:
    zoe, bruno, ana, yusuf, emile = (doors.tickets[n] for n in NAMES)
    north = Checkin(store, station=NORTH, event=doors.slug)
    gate = Checkin(store, station=SOUTH, event=doors.slug, direction="exit")
    room = Checkin(store, station=ROOM, event=doors.slug)
    session = doors.session_id
    assert north.checkin_ticket(zoe, now=doors.tick()).admitted
    assert room.checkin_ticket(zoe, session_id=session, now=doors.tick()).admitted  # in it
    assert north.checkin_ticket(bruno, now=doors.tick()).admitted
    assert room.checkin_ticket(bruno, session_id=session, now=doors.tick()).admitted
    assert gate.checkin_ticket(bruno, now=doors.tick()).admitted  # went home from it
    assert room.checkin_ticket(ana, session_id=session, now=doors.tick()).admitted  # its door only
    assert north.checkin_ticket(yusuf, now=doors.tick()).admitted  # inside, not in the session
    assert north.checkin_ticket(emile, now=doors.tick()).admitted
    assert gate.checkin_ticket(emile, now=doors.tick()).admitted

    call = roll_call(store, doors.slug, session=str(session))
    at_its_door = said_by_the_scan_log(store, _event_id(store, doors.slug), session_id=session)
    at_the_event = said_by_the_scan_log(store, _event_id(store, doors.slug))
    came_in = admitted_at_the_event(store)  # at the event's doors: still inside, or never came
    expected = {t: at for t, at in at_its_door.items() if t in at_the_event or t not in came_in}
    assert {p.ticket_id for p in call.people} == set(expected) == {zoe, ana}
    assert named(call) == by_name(["Zoë Adler", "ana Meyer"])
    for person in call.people:  # when and where they came in at the session's door
        assert (person.since, person.station) == expected[person.ticket_id], person
        assert person.station == ROOM
    assert (call.session, call.session_name) == (session, "Rope access workshop")
    named_so = roll_call(store, doors.slug, session="rope access workshop")  # by its name
    assert named(named_so) == named(call)
    # The event's own roll call: Zoë and Yusuf (Ana came in by the session's door only).
    assert set(named(roll_call(store, doors.slug))) == {"Zoë Adler", "Yusuf Brandt"}


def admitted_at_the_event(store: Store) -> set[str]:
    """Tickets with an admitted scan at the event's own doors (not a session's)."""
    with store.read() as session:
        return set(
            session.scalars(
                select(ScanLog.ticket_id).where(
                    ScanLog.result == "ok", ScanLog.session_id.is_(None)
                )
            )
        )


def test_an_unknown_event_list_or_session_is_named(store: Store, doors: Doors) -> None:
    with pytest.raises(NotFound, match="no event 'no-such-fair'") as found:
        roll_call(store, "no-such-fair")
    assert found.value.field == "event"
    with pytest.raises(NotFound, match="has no check-in list 'bar'") as found:
        roll_call(store, doors.slug, checkin_list="bar")
    assert found.value.field == "list"
    with pytest.raises(NotFound, match="has no session '9999'") as found:
        roll_call(store, doors.slug, session="9999")
    assert found.value.field == "session"


# --- the command ------------------------------------------------------------------------------
def admit_some(store: Store, doors: Doors) -> None:
    north = Checkin(store, station=NORTH, event=doors.slug)
    gate = Checkin(store, station=SOUTH, event=doors.slug, direction="exit")
    for name in NAMES:
        assert north.checkin_ticket(doors.tickets[name], now=doors.tick()).admitted
    assert gate.checkin_ticket(doors.tickets["Yusuf Brandt"], now=doors.tick()).admitted


def test_report_inside_names_them_in_json_csv_and_for_people(
    cli: Cli, store: Store, doors: Doors, tmp_path: Path
) -> None:
    admit_some(store, doors)
    call = roll_call(store, doors.slug)
    rows = cli.json("report", "inside", doors.slug)
    assert [r["name"] for r in rows] == named(call) == by_name(set(NAMES) - {"Yusuf Brandt"})
    first = rows[0]
    assert set(first) >= {"ticket_id", "name", "since", "station", "list", "ticket_type"}
    assert (first["station"], first["list"], first["ticket_type"]) == (NORTH, "default", "Day")
    assert datetime.fromisoformat(first["since"]) == call.people[0].since  # with its offset
    assert first["since"].endswith(("+01:00", "+02:00"))  # Berlin's

    sheet = tmp_path / "inside.csv"
    cli.out("report", "inside", doors.slug, "--csv", str(sheet))
    with sheet.open(encoding="utf-8-sig", newline="") as fh:
        written = list(csv.DictReader(fh))
    assert [r["name"] for r in written] == named(call)
    streamed = cli.out("report", "inside", doors.slug, "--csv", "-")  # to stdout
    assert next(csv.DictReader(streamed.splitlines()))["name"] == named(call)[0]

    human = cli.out("report", "inside", doors.slug)
    assert "4 people inside now" in human and "Europe/Berlin" in human
    lines = [line for line in human.splitlines() if any(n in line for n in NAMES)]
    assert [next(n for n in NAMES if n in line) for line in lines] == named(call)
    assert NORTH in lines[0]


def test_report_inside_for_a_list_and_a_session(cli: Cli, store: Store, doors: Doors) -> None:
    admit_some(store, doors)
    room = Checkin(store, station=ROOM, event=doors.slug)
    ana = doors.tickets["ana Meyer"]
    assert room.checkin_ticket(ana, session_id=doors.session_id, now=doors.tick()).admitted
    rows = cli.json("report", "inside", doors.slug, "--session", str(doors.session_id))
    assert [(r["name"], r["station"], r["session"]) for r in rows] == [
        ("ana Meyer", ROOM, "Rope access workshop")
    ]
    assert "1 person inside now" in cli.out(
        "report", "inside", doors.slug, "--session", str(doors.session_id)
    )
    create_list(store, doors.slug, ListChange(name="Lounge", entries="unlimited"))
    assert cli.json("report", "inside", doors.slug, "--list", "lounge") == []


def test_report_inside_says_what_is_wrong_in_one_line(
    cli: Cli, store: Store, doors: Doors, tmp_path: Path
) -> None:
    for args, words in [
        (["no-such-fair"], "no event 'no-such-fair'"),
        ([doors.slug, "--list", "bar"], "has no check-in list 'bar'"),
        ([doors.slug, "--session", "9999"], "has no session '9999'"),
        ([doors.slug, "--pdf", str(tmp_path / "no-folder" / "inside.pdf")], "cannot write"),
        ([doors.slug, "--csv", str(tmp_path / "no-folder" / "inside.csv")], "cannot write"),
    ]:
        code, out, err = cli.call("report", "inside", *args)
        assert code == 2, (args, out, err)
        assert out == "" and len(err.strip().splitlines()) == 1 and words in err, (args, err)
    assert not (tmp_path / "no-folder").exists()
    code, out, _err = cli.call("--json", "report", "inside", doors.slug, "--list", "bar")
    assert code == 2 and '"field": "list"' in out


pdftotext = shutil.which("pdftotext")


def test_report_inside_prints_an_evacuation_list_as_pdf(
    cli: Cli, store: Store, doors: Doors, tmp_path: Path
) -> None:
    admit_some(store, doors)
    many = [f"Guest Rollcall{n:03d}" for n in range(60)]  # more than a page
    emails = [f"rollcall-guest-{n}@example.org" for n in range(len(many))]
    attendees.add_attendees_bulk(
        store, [{"name": name, "email": e} for name, e in zip(many, emails, strict=True)]
    )
    north = Checkin(store, station=NORTH, event=doors.slug)
    for email in emails:
        ticket = register(store, doors.slug, email, "Day").tickets[0].ticket_id
        assert north.checkin_ticket(ticket, now=doors.tick()).admitted
    path = tmp_path / "evacuation.pdf"
    rows = cli.json("report", "inside", doors.slug, "--pdf", str(path))
    assert len(rows) == 64
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page\b", data))
    assert pages >= 2
    said = cli.out("report", "inside", doors.slug, "--pdf", str(path))
    assert str(path) in said and f"{pages} pages" in said
    if pdftotext is None:
        return
    text = subprocess.run(
        [pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Roll Call Fair" in text and "64 people inside" in text
    assert text.index("Bruno Zimmer") < text.index("Guest Rollcall000") < text.index("Zoë Adler")
    assert "Guest Rollcall059" in text


def test_the_times_of_one_roll_call_are_written_alike() -> None:
    """Everyone came in on the day it was made: each time is its clock, one before the event's
    day begins at 05:00 too (it said "04:51" beside "29 Nov 04:51" before); someone from the day
    before: each time with its day."""
    berlin = ZoneInfo("Europe/Berlin")
    day = datetime.now(berlin).date()

    def at(hours: int, minutes: int, days: int = 0) -> datetime:
        return datetime.combine(day + timedelta(days=days), time(hours, minutes), berlin)

    def call(*since: datetime) -> RollCall:
        people = tuple(
            Present(f"T{n}", f"P{n}", "Day", moment, NORTH, "registered")
            for n, moment in enumerate(since)
        )
        return RollCall("f", "F", "Europe/Berlin", "default", "D", None, None, at(10, 0), people)

    today = call(at(4, 51), at(5, 30))
    assert [since_text(today, p.since) for p in today.people] == ["04:51", "05:30"]
    since_yesterday = call(at(23, 10, days=-1), at(5, 30))
    written = [since_text(since_yesterday, p.since) for p in since_yesterday.people]
    assert [w.split()[-1] for w in written] == ["23:10", "05:30"]
    assert all(len(w.split()) == 3 for w in written), written  # "28 Nov 23:10": day and clock
