"""Ticks from the paper door list entered back (``checkin import-ticks FILE --at TIME --station
Paper``, services.stations.paper_ticks): each an admission from paper in the scan log, at the
time the paper was ticked; a ticket another station admitted is a conflict as an offline
station's upload makes it (``report conflicts``, the stats); unknown ids listed, a cancelled
ticket refused and logged; the same file again changes nothing. On SQLite and PostgreSQL as
the organizer, and on PostgreSQL as a desk's own login (a door's is told it cannot)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from eventdesk.db import Store
from eventdesk.event_time import event_zone, in_zone
from eventdesk.models import ScanConflict, ScanLog, Ticket
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.people import attendees
from eventdesk.services.people.cancellation import cancel
from eventdesk.services.people.registration import register
from eventdesk.values import utcnow
from tests.clitools import Cli
from tests.door.test_outage import POSTGRESQL, backend_fixed
from tests.helpers import add_type, make_event, station_logins

__all__ = ["backend_fixed"]  # a fixture
PASSWORD = "paper-ticks-pw"
ZONE = "America/New_York"


@dataclass
class Ticked:
    slug: str
    tickets: list[str]  # five valid ones
    cancelled: str
    at: datetime  # when the paper was ticked (UTC)
    at_typed: str  # the same, typed in the event's zone without an offset
    other_at: datetime  # when Door A admitted tickets[0]


def ticked_event(store: Store, tag: str, *, since: timedelta = timedelta(hours=2)) -> Ticked:
    """An event that started ``since`` ago, its tickets, one of them admitted at Door A."""
    now = utcnow().replace(microsecond=0)
    slug = make_event(
        store,
        name=f"Paper Ticks {tag}",
        starts=(now - since).isoformat(),
        ends=(now + timedelta(hours=6)).isoformat(),
        timezone=ZONE,
    )
    add_type(store, slug, "Day", price_cents=0)
    emails = [f"paper-{tag}-{n}@example.org" for n in range(6)]
    attendees.add_attendees_bulk(
        store, [{"name": f"Ticked Person{n}", "email": e} for n, e in enumerate(emails)]
    )
    tickets = [register(store, slug, e, "Day").tickets[0].ticket_id for e in emails]
    cancel(store, tickets[5])
    other_at = now - timedelta(minutes=50)
    assert Checkin(store, station="Door A", event=slug).checkin_ticket(tickets[0], now=other_at)
    at = (now - timedelta(minutes=20)).replace(second=0)
    typed = in_zone(at, event_zone(ZONE)).replace(tzinfo=None).isoformat(timespec="minutes")
    return Ticked(slug, tickets[:5], tickets[5], at, typed, other_at)


def scan_rows(store: Store, tickets: list[str]) -> int:
    with store.read() as session:
        return int(session.scalar(select(func.count()).where(ScanLog.ticket_id.in_(tickets))) or 0)


def check_entered(
    cli: Cli, store: Store, t: Ticked, file: Path, station: str, organizer: Cli | None = None
) -> None:
    """``file``'s ticks entered by ``cli`` as ``station``: what the command says, the tickets,
    the scan log and the conflicts (read by ``organizer``, default ``cli``), and again."""
    ticks = cli.json("checkin", "import-ticks", str(file), "--at", t.at_typed, "--station", station)
    assert ticks["admitted"] == t.tickets[1:]
    assert [c["ticket_id"] for c in ticks["conflicts"]] == [t.tickets[0]]
    assert ticks["conflicts"][0]["other_station"] == "Door A"
    assert datetime.fromisoformat(ticks["conflicts"][0]["other_at"]) == t.other_at
    assert ticks["unknown"] == ["NOSUCH99"]
    (refused,) = ticks["refused"]
    assert {k: refused[k] for k in ("ticket_id", "status")} == {
        "ticket_id": t.cancelled,
        "status": "cancelled",
    }
    assert refused["ticket"] == t.cancelled and refused["why"] == "This ticket was cancelled."
    with store.read() as session:
        held = dict(
            session.execute(
                select(Ticket.id, Ticket.checked_in_station).where(Ticket.id.in_(t.tickets))
            ).all()
        )
        at = dict(
            session.execute(
                select(Ticket.id, Ticket.checked_in_at).where(Ticket.id.in_(t.tickets))
            ).all()
        )
        conflicts = session.scalars(
            select(ScanConflict.ticket_id).where(ScanConflict.station == station)
        ).all()
    assert held == {t.tickets[0]: "Door A", **{k: station for k in t.tickets[1:]}}
    assert all(at[k] == t.at for k in t.tickets[1:])
    assert list(conflicts) == [t.tickets[0]]
    # In the scan log, marked as from paper; in the conflicts report.
    log = cli.json("scan-log", t.slug, "--limit", "20")
    paper = [row for row in log if row["station"] == station]
    assert sorted(row["ticket_id"] for row in paper) == sorted([*t.tickets, t.cancelled])
    assert all(row["source"] == "paper" and row["offline"] for row in paper)
    assert {row["ticket_id"]: row["result"] for row in paper}[t.cancelled] == "revoked"
    assert "from paper" in cli.out("scan-log", t.slug, "--limit", "20")
    report = (organizer or cli).out("report", "conflicts", t.slug)
    assert t.tickets[0] in report and station in report and "Door A" in report
    # The same file again changes nothing, and says the same.
    before = scan_rows(store, [*t.tickets, t.cancelled])
    again = cli.json("checkin", "import-ticks", str(file), "--at", t.at_typed, "--station", station)
    assert again == ticks
    assert scan_rows(store, [*t.tickets, t.cancelled]) == before


def test_paper_ticks_are_admissions_from_paper_with_conflicts_as_offline(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    t = ticked_event(store, "lines")
    file = tmp_path / "ticks.txt"
    lines = ["# ticked at the north door", "", *t.tickets, t.cancelled, "NOSUCH99", ""]
    file.write_text("\n".join(lines))
    check_entered(cli, store, t, file, "Paper")
    human = cli.out("checkin", "import-ticks", str(file), "--at", t.at_typed, "--station", "Paper")
    assert "NOSUCH99: no such ticket" in human
    assert "7 ticks entered from paper: 4 admitted, 1 in conflict, 1 unknown, 1 refused" in human


def test_a_csv_of_ticks_with_a_ticket_column(cli: Cli, store: Store, tmp_path: Path) -> None:
    t = ticked_event(store, "csv")
    file = tmp_path / "ticks.csv"
    rows = [f"Ticked Person{n};{ticket}" for n, ticket in enumerate([*t.tickets, t.cancelled])]
    file.write_text("\n".join(["name;ticket_id", *rows, "Nobody;NOSUCH99", "", "# end"]))
    check_entered(cli, store, t, file, "Paper")


def test_import_ticks_says_what_is_wrong_in_one_line(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    t = ticked_event(store, "wrong")
    file = tmp_path / "ticks.txt"
    file.write_text(t.tickets[1] + "\n")
    csv_file = tmp_path / "no-column.csv"
    csv_file.write_text("name,email\nA,a@example.org\n")
    later = in_zone(utcnow() + timedelta(hours=2), event_zone(ZONE)).replace(tzinfo=None)
    for args, words in [
        ([str(tmp_path / "missing.txt"), "--at", "10:00"], "cannot read"),
        ([str(file), "--at", "yesterday"], "is not a date and time"),
        ([str(file), "--at", "25:10"], "is not a time of day"),
        ([str(file), "--at", later.isoformat(timespec="minutes")], "later than now"),
        ([str(csv_file), "--at", "10:00"], "no ticket column"),
    ]:
        code, out, err = cli.call("checkin", "import-ticks", *args, "--station", "Paper")
        assert code == 2, (args, out, err)
        assert out == "" and len(err.strip().splitlines()) == 1 and words in err, (args, err)
    code, _out, err = cli.call("checkin", "import-ticks", str(file), "--station", "Paper")
    assert code == 2 and "--at" in err
    assert scan_rows(store, [t.tickets[1]]) == 0


@pytest.fixture
def logins(db_url: str, store: Store) -> Iterator[dict[str, str]]:
    with station_logins(db_url, store, "paper", PASSWORD) as names:
        yield names


def _as(db_url: str, login: str) -> str:
    return make_url(db_url).set(username=login, password=PASSWORD).render_as_string(False)


@POSTGRESQL
def test_a_desk_s_own_login_enters_ticks_as_its_station_and_a_door_s_cannot(
    backend_fixed: None,
    capsys: pytest.CaptureFixture[str],
    db_url: str,
    store: Store,
    logins: dict[str, str],
    tmp_path: Path,
) -> None:
    t = ticked_event(store, "desk")
    file = tmp_path / "ticks.txt"
    file.write_text("\n".join([*t.tickets, t.cancelled, "NOSUCH99"]))
    desk = Cli(capsys, _as(db_url, logins["desk"]), tmp_path / "desk", station="Desk 1")
    code, out, err = desk.call(
        "checkin", "import-ticks", str(file), "--at", t.at_typed, "--station", "Paper"
    )
    assert code == 2 and "--station Desk 1" in err, (out, err)
    check_entered(desk, store, t, file, "Desk 1", Cli(capsys, db_url, tmp_path / "office"))
    door = Cli(capsys, _as(db_url, logins["door"]), tmp_path / "door", station="Door 1")
    code, out, err = door.call(
        "checkin", "import-ticks", str(file), "--at", t.at_typed, "--station", "Door 1"
    )
    assert code == 1 and "paper ticks are entered by a desk's login" in err, (out, err)


def test_a_clock_later_than_now_is_the_day_before_and_said(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    """`--at HH:MM` is the last such moment before now: a time not come yet today is the day
    before (the event's days hold it). Before, nothing said which day was taken."""
    t = ticked_event(store, "clock", since=timedelta(days=2))
    file = tmp_path / "ticks.txt"
    file.write_text(t.tickets[1] + "\n")
    zone = event_zone(ZONE)
    later = in_zone(utcnow() + timedelta(minutes=30), zone)  # today, not come yet
    typed = later.strftime("%H:%M")
    ticks = cli.json("checkin", "import-ticks", str(file), "--at", typed, "--station", "Paper")
    taken = datetime.fromisoformat(ticks["ticked_at"])
    expected = later.replace(second=0, microsecond=0) - timedelta(days=1)
    assert in_zone(taken, zone) == expected, (taken, expected)
    human = cli.out("checkin", "import-ticks", str(file), "--at", typed, "--station", "Paper")
    assert f"ticked at {expected.strftime('%Y-%m-%d %H:%M')}" in human, human
