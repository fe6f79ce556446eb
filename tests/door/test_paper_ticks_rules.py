"""Paper ticks decided as the door would have decided them (issue 57, item 6): a time within the
event's days only (else exit 2, nothing entered), the door's event(s) (another event's ticket
refused as ``wrong_event``), its check-in list's rules (named), unpaid tickets as the event
says; a file within a size bound; any byte answered in one line, never a traceback. On SQLite
and PostgreSQL as the organizer, and on PostgreSQL as a desk's own login."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from eventdesk.db import Store
from eventdesk.event_time import DAY_CHANGE_HOURS, event_day, event_zone, in_zone
from eventdesk.models import ListEntry, ScanLog, Ticket
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import register
from eventdesk.services.stations.paper_file import MAX_BYTES, MAX_TICKS
from eventdesk.values import utcnow
from tests.clitools import Cli
from tests.door.test_outage import POSTGRESQL, backend_fixed
from tests.helpers import add_type, make_event, station_logins

__all__ = ["backend_fixed"]  # a fixture
ZONE = "Europe/Berlin"
PASSWORD = "paper-rules-pw"


@dataclass
class Door:
    slug: str
    day: list[str]  # free "Day" tickets
    vip: list[str]  # free "VIP" tickets
    paid: list[str]  # "Paid" tickets, nothing paid
    starts: datetime


def running_event(store: Store, tag: str, *, unpaid: str = "refuse", people: int = 3) -> Door:
    """An event running now (from two hours ago), in ZONE, with free Day and VIP tickets and
    unpaid Paid ones."""
    now = utcnow().replace(microsecond=0)
    starts = now - timedelta(hours=2)
    slug = make_event(
        store,
        name=f"Paper Rules {tag}",
        starts=starts.isoformat(),
        ends=(now + timedelta(hours=6)).isoformat(),
        timezone=ZONE,
        unpaid_policy=unpaid,
    )
    add_type(store, slug, "Day", price_cents=0)
    add_type(store, slug, "VIP", price_cents=0)
    add_type(store, slug, "Paid", price_cents=1250)
    tickets: dict[str, list[str]] = {}
    for kind in ("Day", "VIP", "Paid"):
        emails = [f"rules-{tag}-{kind}-{n}@example.org".lower() for n in range(people)]
        attendees.add_attendees_bulk(
            store, [{"name": f"{kind} Person{n}", "email": e} for n, e in enumerate(emails)]
        )
        tickets[kind] = [register(store, slug, e, kind).tickets[0].ticket_id for e in emails]
    return Door(slug, tickets["Day"], tickets["VIP"], tickets["Paid"], starts)


def typed(moment: datetime) -> str:
    """``moment`` as a person types it: the event's wall clock, no offset."""
    return in_zone(moment, event_zone(ZONE)).replace(tzinfo=None).isoformat(timespec="minutes")


def ticked_at() -> datetime:
    return (utcnow() - timedelta(minutes=20)).replace(second=0, microsecond=0)


def arrived(store: Store, tickets: list[str]) -> dict[str, str | None]:
    with store.read() as session:
        return dict(
            session.execute(
                select(Ticket.id, Ticket.checked_in_station).where(Ticket.id.in_(tickets))
            ).all()
        )


def logged(store: Store, tickets: list[str]) -> int:
    with store.read() as session:
        return int(session.scalar(select(func.count()).where(ScanLog.ticket_id.in_(tickets))) or 0)


def ticks_file(tmp_path: Path, tickets: list[str], name: str = "ticks.txt") -> Path:
    file = tmp_path / name
    file.write_text("\n".join(tickets) + "\n")
    return file


def refused_in_one_line(cli: Cli, *args: str) -> str:
    code, out, err = cli.call("checkin", "import-ticks", *args)
    assert code == 2, (args, code, out, err)
    assert out == "" and len(err.strip().splitlines()) == 1, (args, err)
    return err


def test_a_time_outside_the_event_s_days_enters_nothing(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    """Before, `--at 1999-01-01T10:00` admitted the ticket in 1999."""
    door = running_event(store, "days")
    file = ticks_file(tmp_path, door.day[:1])
    zone = event_zone(ZONE)
    first_day = event_day(door.starts, zone)
    opens = datetime.combine(first_day, time(DAY_CHANGE_HOURS), tzinfo=zone)
    before = opens - timedelta(minutes=1)  # a minute before its first day's 05:00
    for when in ("1999-01-01T10:00", typed(door.starts - timedelta(days=2)), typed(before)):
        err = refused_in_one_line(
            cli, str(file), "--at", when, "--station", "Paper", "--event", door.slug
        )
        assert "outside the days of the door's event (Paper Rules days:" in err, (when, err)
    assert logged(store, door.day) == 0 and arrived(store, door.day[:1]) == {door.day[0]: None}
    # Its first day's 05:00 is within its days.
    ticks = cli.json(
        "checkin", "import-ticks", str(file), "--at", typed(opens), "--station", "Paper"
    )
    assert ticks["admitted"] == door.day[:1], ticks
    # Later than now: refused too.
    err = refused_in_one_line(
        cli, str(file), "--at", typed(utcnow() + timedelta(hours=1)), "--station", "Paper"
    )
    assert "later than now" in err


def test_another_event_s_ticket_is_refused_as_wrong_event(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    """Before, the ticks of any event's tickets were admitted."""
    ours, theirs = running_event(store, "ours"), running_event(store, "theirs")
    file = ticks_file(tmp_path, [ours.day[0], theirs.day[0], theirs.vip[0]])
    at = typed(ticked_at())
    ticks = cli.json(
        "checkin", "import-ticks", str(file), "--at", at, "--station", "Paper", "--event", ours.slug
    )
    assert ticks["admitted"] == [ours.day[0]]
    refused = {r["ticket"]: r for r in ticks["refused"]}
    assert set(refused) == {theirs.day[0], theirs.vip[0]}
    for ticket, entry in refused.items():
        assert entry["ticket_id"] == ticket and entry["status"] == "registered"
        assert entry["result"] == "wrong_event" and entry["rule"] == "other_event"
        assert "another event" in entry["why"] and theirs.slug in entry["why"], entry
    assert arrived(store, [theirs.day[0], theirs.vip[0]]) == {
        theirs.day[0]: None,
        theirs.vip[0]: None,
    }
    human = cli.out(
        "checkin", "import-ticks", str(file), "--at", at, "--station", "Paper", "--event", ours.slug
    )
    assert f"{theirs.day[0]} Day Person0: refused: This ticket is for another event" in human
    # The station's own door setting, as `checkin` takes it: a door for both events admits both.
    (tmp_path / "eventdesk.toml").write_text(
        f'[station]\nevents = ["{ours.slug}", "{theirs.slug}"]\n'
    )
    both = cli.json("checkin", "import-ticks", str(file), "--at", at, "--station", "Paper")
    assert both["admitted"] == [ours.day[0], theirs.day[0], theirs.vip[0]], both
    assert both["refused"] == []


def test_a_list_s_rules_refuse_a_tick_naming_the_rule(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    """A door on a list for VIP tickets: a Day ticket's tick is refused by the list's rule
    (before, admitted); a VIP's is admitted on the list."""
    door = running_event(store, "list")
    cli.json("checkin-list", "create", door.slug, "--name", "Lounge", "--ticket-types", "VIP")
    file = ticks_file(tmp_path, [door.vip[0], door.day[0]])
    at = ticked_at()
    ticks = cli.json(
        "checkin",
        "import-ticks",
        str(file),
        "--at",
        typed(at),
        "--station",
        "Paper",
        "--event",
        door.slug,
        "--list",
        "lounge",
    )
    assert ticks["admitted"] == [door.vip[0]], ticks
    (entry,) = ticks["refused"]
    assert entry["ticket"] == door.day[0] and entry["result"] == "wrong_type"
    assert entry["rule"] == "ticket_types" and "Lounge: VIP only." in entry["why"], entry
    with store.read() as session:
        entries = session.execute(
            select(ListEntry.ticket_id, ListEntry.station, ListEntry.first_at)
        ).all()
    assert [tuple(e) for e in entries] == [(door.vip[0], "Paper", at)]


def test_an_unpaid_ticket_is_refused_or_admitted_owing_as_the_event_says(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    """Before, an unpaid ticket was admitted silently, whatever the event's policy."""
    strict = running_event(store, "strict", people=1)
    lenient = running_event(store, "lenient", unpaid="admit", people=1)
    at = typed(ticked_at())
    file = ticks_file(tmp_path, strict.paid)
    ticks = cli.json(
        "checkin",
        "import-ticks",
        str(file),
        "--at",
        at,
        "--station",
        "Paper",
        "--event",
        strict.slug,
    )
    assert ticks["admitted"] == [] and ticks["due"] == []
    (entry,) = ticks["refused"]
    assert entry["result"] == "unpaid" and "12.50 EUR due" in entry["why"], entry
    assert arrived(store, strict.paid) == {strict.paid[0]: None}
    file = ticks_file(tmp_path, lenient.paid)
    args = ["import-ticks", str(file), "--at", at, "--station", "Paper", "--event", lenient.slug]
    ticks = cli.json("checkin", *args)
    assert ticks["admitted"] == lenient.paid and ticks["refused"] == []
    assert ticks["due"] == [{"ticket": lenient.paid[0], "due": 1250, "currency": "EUR"}]
    human = cli.out("checkin", *args)
    assert f"{lenient.paid[0]} Paid Person0: admitted from paper; 12.50 EUR still due" in human


def test_any_byte_is_answered_in_one_line(cli: Cli, store: Store, tmp_path: Path) -> None:
    """Before, a NUL byte ended in a traceback (exit 70 on PostgreSQL)."""
    door = running_event(store, "bytes", people=1)
    at = typed(ticked_at())
    where = ["--at", at, "--station", "Paper", "--event", door.slug]
    nul = tmp_path / "nul.txt"
    nul.write_bytes(f"{door.day[0]}\nAB\x00CD\n".encode())
    assert "line 2 holds a NUL byte" in refused_in_one_line(cli, str(nul), *where)
    latin = tmp_path / "latin1.txt"
    latin.write_bytes(f"{door.day[0]}\nM\xfcller\n".encode("latin-1"))
    assert "line 2 is not UTF-8 text" in refused_in_one_line(cli, str(latin), *where)
    noise = tmp_path / "noise.bin"
    noise.write_bytes(random.Random(57).randbytes(64_000))
    assert "cannot read" in refused_in_one_line(cli, str(noise), *where)
    assert logged(store, door.day) == 0
    # Text that is no ticket ids: each word listed as unknown, shown within a line.
    odd = tmp_path / "odd.txt"
    words = ["\x01\x02\x7f", "ticket-with-dashes", "Ünïcödé", "X" * 3_000_000, door.day[0]]
    odd.write_text("\n".join(words) + "\n")
    ticks = cli.json("checkin", "import-ticks", str(odd), *where)
    assert ticks["admitted"] == door.day[:1]
    assert len(ticks["unknown"]) == 4 and all(len(u) <= 41 for u in ticks["unknown"]), ticks
    # A CSV whose cell is larger than a CSV reader takes.
    huge = tmp_path / "huge.csv"
    huge.write_text(f'name,ticket_id\nA,{door.day[0]}\nB,"{"Y" * 200_000}"\n')
    err = refused_in_one_line(cli, str(huge), *where)
    assert "cannot be read" in err
    # A quote never closed: said, not read as one cell to the end of the file.
    unclosed = tmp_path / "unclosed.csv"
    unclosed.write_text(f'name;ticket_id\n"Ann;{door.day[0]}\nBen;{door.vip[0]}\n')
    assert "cannot be read: unexpected end of data" in refused_in_one_line(
        cli, str(unclosed), *where
    )
    assert logged(store, [*door.day, *door.vip]) == 1  # the one admitted above


def test_a_file_over_the_bound_is_refused_before_it_is_read(
    cli: Cli, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before, a file of any size was read whole and entered (100 MB: 275 s, 3.7 GB)."""
    door = running_event(store, "bound", people=1)
    where = ["--at", typed(ticked_at()), "--station", "Paper", "--event", door.slug]
    big = tmp_path / "big.txt"
    with big.open("w") as out:
        out.write(door.day[0] + "\n")
        line = "#" + "-" * 99 + "\n"
        out.write(line * (MAX_BYTES // len(line) + 1))
    err = refused_in_one_line(cli, str(big), *where)
    assert "larger than 5 MB" in err and "100,000 ticket ids" in err, err
    many = tmp_path / "many.txt"
    many.write_text(door.day[0] + "\n" + "".join(f"X{n}\n" for n in range(MAX_TICKS)))
    err = refused_in_one_line(cli, str(many), *where)
    assert "100,001 ticket ids" in err and "at most 100,000" in err, err
    # Standard input is read up to the bound, no further.
    with big.open("rb") as stdin:
        monkeypatch.setattr("sys.stdin", type("Stdin", (), {"buffer": stdin})())
        err = refused_in_one_line(cli, "-", *where)
        assert stdin.tell() == MAX_BYTES + 1
    assert "standard input" in err and "larger than 5 MB" in err
    assert logged(store, door.day) == 0


@pytest.fixture
def logins(db_url: str, store: Store) -> Iterator[dict[str, str]]:
    with station_logins(db_url, store, "paperrules", PASSWORD) as names:
        yield names


@POSTGRESQL
def test_a_desk_s_own_login_refuses_another_event_s_ticks(
    backend_fixed: None,
    capsys: pytest.CaptureFixture[str],
    db_url: str,
    store: Store,
    logins: dict[str, str],
    tmp_path: Path,
) -> None:
    """The server's functions let a desk's login admit any event's ticket (no event is bound to
    a login yet): the desk refuses another event's tick itself, and a time outside the days."""
    ours, theirs = running_event(store, "deskours"), running_event(store, "desktheirs")
    url = make_url(db_url).set(username=logins["desk"], password=PASSWORD)
    desk = Cli(capsys, url.render_as_string(False), tmp_path / "desk", station="Desk 1")
    file = ticks_file(tmp_path, [ours.day[0], theirs.day[0], ours.paid[0]])
    where = ["--station", "Desk 1", "--event", ours.slug]
    ticks = desk.json("checkin", "import-ticks", str(file), "--at", typed(ticked_at()), *where)
    assert ticks["admitted"] == [ours.day[0]]
    assert {r["ticket"]: r["result"] for r in ticks["refused"]} == {
        theirs.day[0]: "wrong_event",
        ours.paid[0]: "unpaid",
    }
    assert arrived(store, [ours.day[0], theirs.day[0]]) == {
        ours.day[0]: "Desk 1",
        theirs.day[0]: None,
    }
    err = refused_in_one_line(desk, str(file), "--at", "1999-01-01T10:00", *where)
    assert "outside the days" in err
    # On a list of the event's own, through the server's functions for lists.
    Cli(capsys, db_url, tmp_path / "office").json(
        "checkin-list", "create", ours.slug, "--name", "Lounge", "--ticket-types", "VIP"
    )
    file = ticks_file(tmp_path, [ours.vip[0], ours.day[1]])
    at = ticked_at()
    ticks = desk.json(
        "checkin", "import-ticks", str(file), "--at", typed(at), *where, "--list", "lounge"
    )
    assert ticks["admitted"] == [ours.vip[0]], ticks
    assert [(r["ticket"], r["rule"]) for r in ticks["refused"]] == [(ours.day[1], "ticket_types")]
    with store.read() as session:
        entries = session.execute(select(ListEntry.ticket_id, ListEntry.station)).all()
    assert [tuple(e) for e in entries] == [(ours.vip[0], "Desk 1")]
