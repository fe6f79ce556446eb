"""`eventdesk checkin ... --override REASON --operator NAME` (docs/cli.md): a supervisor admits a
ticket the door refused, with their PIN and a reason; the answer, the scan log and the
transaction log say who, why and what was refused. A wrong PIN, an account without the right,
a line that is no valid ticket and a kiosk are refused, each with its own words."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from eventdesk.db import Store
from eventdesk.models import ScanLog
from eventdesk.services.txlog import recent
from eventdesk.values import utcnow
from tests.clitools import Cli

REASON = "wristband broke"


@pytest.fixture
def door(cli: Cli, tmp_path: Path) -> dict[str, str]:
    """An event open now, two tickets, a supervisor with the right and one without."""
    cli.json("init")
    now = utcnow()
    cli.json(
        "event",
        "create",
        "--name",
        "Override Fair",
        "--starts",
        (now - timedelta(hours=2)).isoformat(timespec="minutes"),
        "--ends",
        (now + timedelta(hours=6)).isoformat(timespec="minutes"),
    )
    cli.json("ticket-type", "add", "override-fair", "--name", "Day", "--price", "0")
    tickets = {}
    for who in ("ana", "ben"):
        cli.json("attendee", "add", "--name", who.title(), "--email", f"{who}@example.com")
        tickets[who] = cli.json(
            "register", "override-fair", "--attendee", f"{who}@example.com", "--ticket-type", "Day"
        )["ticket_id"]
    cli.json("staff", "add", "--name", "Olga", "--role", "staff", "--pin", "4321", "--can-override")
    cli.json("staff", "add", "--name", "Sam", "--role", "staff", "--pin", "2345")
    for name, pin in (("olga", "4321"), ("sam", "2345"), ("wrong", "9999")):
        (tmp_path / f"{name}.pin").write_text(pin + "\n")
    return tickets


def override(
    cli: Cli, tmp_path: Path, *what: str, by: str = "Olga", pin: str = "olga"
) -> list[str]:
    return [
        "checkin",
        *what,
        "--override",
        REASON,
        "--operator",
        by,
        "--pin-file",
        str(tmp_path / f"{pin}.pin"),
    ]


def test_a_supervisor_readmits_a_ticket_used_already(
    cli: Cli, door: dict[str, str], tmp_path: Path
) -> None:
    ticket = door["ana"]
    assert cli.json("checkin", "--ticket", ticket)["result"] == "ok"
    assert cli.json("checkin", "--ticket", ticket, code=1)["result"] == "already_checked_in"

    got = cli.json(*override(cli, tmp_path, "--ticket", ticket, "--nonce", "over-1"))
    assert got["result"] == "ok", got
    assert got["override"] == {
        "by": "Olga",
        "reason": REASON,
        "refused": "already_checked_in",
        "rule": None,
    }
    assert "override by Olga: wristband broke" in got["message"]
    human = cli.out(*override(cli, tmp_path, "--ticket", ticket)).splitlines()
    assert any("override by Olga" in line for line in human), human

    store = Store(cli.db_url)
    with store.read() as session:
        answer = session.scalar(select(ScanLog.answer).where(ScanLog.nonce == "over-1"))
    entries = [e for e in recent(store) if e.kind == "override"]
    store.dispose()
    assert answer is not None
    assert json.loads(answer)["override"]["refused"] == "already_checked_in"
    assert entries and entries[-1].ticket_id == ticket and entries[-1].station == "Desk 1"
    detail = json.loads(entries[-1].detail or "{}")
    assert (detail["by"], detail["reason"], detail["refused"]) == (
        "Olga",
        REASON,
        "already_checked_in",
    )
    # The same nonce again: the first answer, not a second override.
    again = cli.json(*override(cli, tmp_path, "--ticket", ticket, "--nonce", "over-1"))
    assert again["replayed"] is True and again["override"]["by"] == "Olga"


def test_a_ticket_the_door_admits_is_admitted_as_usual(
    cli: Cli, door: dict[str, str], tmp_path: Path
) -> None:
    got, err = cli.run(
        "--json", *override(cli, tmp_path, "--ticket", door["ben"], "--nonce", "b-1")
    )
    answer = json.loads(got)
    assert answer["result"] == "ok" and answer["override"] is None
    assert "nothing to override" in err
    # The same nonce again: that admission again, never an override of it.
    again = cli.json(*override(cli, tmp_path, "--ticket", door["ben"], "--nonce", "b-1"))
    assert again["override"] is None and again["replayed"] is True, again


def test_what_an_override_never_does(cli: Cli, door: dict[str, str], tmp_path: Path) -> None:
    ticket = door["ana"]
    cli.json("checkin", "--ticket", ticket)
    _out, err = cli.run(*override(cli, tmp_path, "--ticket", ticket, pin="wrong"), code=1)
    assert "name or PIN is wrong" in err, err
    _out, err = cli.run(*override(cli, tmp_path, "--ticket", ticket, by="Sam", pin="sam"), code=1)
    assert "Sam may not override a refusal" in err, err
    _out, err = cli.run(*override(cli, tmp_path, "--ticket", "NOSUCHTICKET"), code=1)
    assert "is never overridden" in err, err
    payload = cli.out("ticket", "show", door["ben"], "--payload").strip()
    forged = payload[:-2] + ("B" if payload[-2] == "A" else "A") + payload[-1]
    _out, err = cli.run(*override(cli, tmp_path, forged), code=1)
    assert "is never overridden" in err, err
    _out, err = cli.run(*override(cli, tmp_path, "--ticket", ticket), "--self-service", code=1)
    assert "a kiosk never overrides" in err, err
    # Nothing of these admitted anyone: ben's ticket is still unused.
    store = Store(cli.db_url)
    assert not [e for e in recent(store) if e.kind == "override"]
    store.dispose()
    assert cli.json("checkin", "--ticket", door["ben"])["result"] == "ok"


def test_the_report_and_the_stats_show_the_overrides(
    cli: Cli, door: dict[str, str], tmp_path: Path
) -> None:
    ticket = door["ana"]
    cli.json("checkin", "--ticket", ticket)
    assert "override" not in cli.json("stats", "override-fair")["scan_problems"]
    cli.json(*override(cli, tmp_path, "--ticket", ticket))
    (row,) = cli.json("report", "overrides", "override-fair")
    assert (row["ticket_id"], row["attendee"], row["station"]) == (ticket, "Ana", "Desk 1")
    assert (row["by"], row["reason"], row["refused"]) == ("Olga", REASON, "already_checked_in")
    human = cli.out("report", "overrides", "override-fair")
    assert "Olga" in human and REASON in human, human
    figures = cli.json("stats", "override-fair")
    assert figures["scan_problems"]["override"] == 1 and figures["overrides"] == 1


def test_the_migration_goes_down_and_up_again(db_url: str, store: Store) -> None:
    """Migration 0026 undone (no right to override, no server function) and made again: the
    right is given and kept as before."""
    from sqlalchemy import create_engine, text

    from eventdesk.services.people.auth import add_staff, list_staff
    from tests.helpers import migrate

    add_staff(store, name="Olga Migrates", role="staff", pin="4321", can_override=True)
    store.dispose()
    engine = create_engine(db_url)
    try:
        migrate(engine, "0026", down=True)
        with engine.connect() as conn:
            columns = list(conn.execute(text("SELECT * FROM staff WHERE 1 = 0")).keys())
            assert "can_override" not in columns
            if engine.dialect.name == "postgresql":
                found = conn.execute(
                    text("SELECT to_regproc('station_api.override_admit')")
                ).scalar()
                assert found is None
        migrate(engine, "head")
    finally:
        engine.dispose()
    again = Store(db_url)
    try:
        (olga,) = [s for s in list_staff(again) if s.name == "Olga Migrates"]
        assert olga.can_override is False  # the right is given again after a downgrade
        add_staff(again, name="Olga Again", role="staff", pin="4321", can_override=True)
        assert [s.can_override for s in list_staff(again) if s.name == "Olga Again"] == [True]
    finally:
        again.dispose()


def test_an_override_is_never_a_badge_stations_print(tmp_path: Path) -> None:
    """--override admits a person; --print-only admits no one: both at once is a usage error
    (exit 2), said before anything is decided."""
    from click.testing import CliRunner

    from eventdesk.cli.root import cli

    done = CliRunner().invoke(
        cli,
        [
            "--data-dir",
            str(tmp_path),
            "checkin",
            "--ticket",
            "T1",
            "--print-only",
            "--override",
            "wristband broke",
            "--operator",
            "Olivia Organizer",
        ],
    )
    assert done.exit_code == 2, done.output
    assert "--print-only admits no one" in done.output


def test_an_override_says_what_an_admission_says_of_the_person(
    cli: Cli, door: dict[str, str], tmp_path: Path
) -> None:
    """An awaited person let in by a supervisor is an arrival like any other: the answer, and
    the scan log's copy of it, carry the arrival alert and the ticket type's attention note."""
    cli.json("ticket-type", "add", "override-fair", "--name", "Speaker", "--price", "0",
             "--attention", "Hand over the gold lanyard")  # fmt: skip
    cli.json("attendee", "add", "--name", "Cleo", "--email", "cleo@example.com")
    cli.json("attendee", "update", "cleo@example.com", "--alert", "keynote, take to green room")
    ticket = cli.json(
        "register", "override-fair", "--attendee", "cleo@example.com", "--ticket-type", "Speaker"
    )["ticket_id"]
    assert cli.json("checkin", "--ticket", ticket)["alert"] == "keynote, take to green room"

    got = cli.json(*override(cli, tmp_path, "--ticket", ticket, "--nonce", "over-c"))
    assert got["result"] == "ok" and got["override"]["refused"] == "already_checked_in", got
    assert got["alert"] == "keynote, take to green room", got
    assert got["attention"] == "Hand over the gold lanyard", got
    store = Store(cli.db_url)
    with store.read() as session:
        answer = session.scalar(select(ScanLog.answer).where(ScanLog.nonce == "over-c"))
    store.dispose()
    assert answer is not None
    kept = json.loads(answer)
    assert (kept["alert"], kept["attention"]) == (
        "keynote, take to green room",
        "Hand over the gold lanyard",
    )
    # The scan log shows both: in its table's note and in --json.
    logged = cli.json("scan-log", "override-fair")
    mine = next(r for r in logged if r["ticket_id"] == ticket and r["override"] is not None)
    assert mine["override"]["by"] == "Olga" and mine["alert"] == "keynote, take to green room"
    shown = cli.out("scan-log", "override-fair")
    assert "override by Olga: wristband broke; arrival alert: keynote, take to green room" in (
        " ".join(shown.split())
    ), shown
