"""The command line: the contract of docs/cli.md, JSON keys, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from eventdesk.cli import main
from eventdesk.values import utcnow
from tests import forks
from tests.clitools import Cli

EVENTDESK = forks.EVENTDESK  # what tests/forks.py forks


def test_whole_registration_flow(cli: Cli) -> None:
    made = cli.json(
        "event",
        "create",
        "--name",
        "DevConf",
        "--starts",
        "2030-05-14T09:00",
        "--ends",
        "2030-05-14T18:00",
        "--capacity",
        "1",
        "--category",
        "Conference",
    )
    assert {"id", "slug"} <= made.keys() and made["slug"] == "devconf"
    session = cli.json(
        "session",
        "add",
        "devconf",
        "--name",
        "Keynote",
        "--starts",
        "2030-05-14T09:00",
        "--ends",
        "2030-05-14T10:00",
        "--capacity",
        "100",
        "--room",
        "Hall",
    )
    assert isinstance(session["id"], int)
    vip = cli.json(
        "ticket-type",
        "add",
        "devconf",
        "--name",
        "VIP",
        "--price",
        "349",
        "--tier",
        "0",
        "--attention",
        "Gold lanyard",
    )
    regular = cli.json("ticket-type", "add", "devconf", "--name", "Regular", "--price", "12.50")
    assert isinstance(vip["id"], int) and regular["price_cents"] == 1250
    for name, email in [
        ("Ann Example", "ann@example.com"),
        ("Bo Example", "bo@example.com"),
        ("Cyril Example", "cy@example.com"),
    ]:
        assert isinstance(cli.json("attendee", "add", "--name", name, "--email", email)["id"], int)
    first = cli.json(
        "register",
        "devconf",
        "--attendee",
        "ann@example.com",
        "--ticket-type",
        "Regular",
        "--session",
        str(session["id"]),
    )
    assert first["status"] == "registered" and first["waitlist_position"] is None
    second = cli.json(
        "register", "devconf", "--attendee", "bo@example.com", "--ticket-type", "regular"
    )
    third = cli.json("register", "devconf", "--attendee", "cy@example.com", "--ticket-type", "VIP")
    assert (second["status"], second["waitlist_position"]) == ("waitlisted", 1)
    assert (third["status"], third["waitlist_position"]) == ("waitlisted", 1)  # VIP jumps ahead
    order = [w["email"] for w in cli.json("waitlist", "devconf")]
    assert order == ["cy@example.com", "bo@example.com"]
    money = cli.json("pay", first["ticket_id"], "--amount", "10", "--method", "cash")
    assert (money["paid"], money["due"]) == (10.0, 2.5)
    money = cli.json("refund", first["ticket_id"], "--amount", "4")  # goodwill: price drops
    assert (money["paid"], money["due"]) == (6.0, 2.5)
    cancelled = cli.json("cancel", first["ticket_id"])
    assert cancelled == {
        "status": "cancelled",
        "cancelled": [first["ticket_id"]],
        "promoted": [third["ticket_id"]],
        "paid": 6.0,  # not refunded by a cancellation: the refund is offered
        "paid_cents": 600,
        "currency": "EUR",
        "refundable": [first["ticket_id"]],
    }
    shown = cli.json("ticket", "show", third["ticket_id"])
    assert (shown["status"], shown["attention"], shown["due"]) == (
        "registered",
        "Gold lanyard",
        349.0,
    )
    # "cyril" has letters no ticket id has (I, L): only Cyril matches, whatever the random ids
    found = cli.json("attendee", "find", "CYRIL EXA")
    assert found == [
        {"id": found[0]["id"], "name": "Cyril Example", "email": "cy@example.com", "company": None}
    ]
    assert len(cli.json("attendee", "find")) == 3
    kinds = [e["kind"] for e in cli.json("log", "devconf", "--limit", "100")]
    assert kinds[:3] == ["promoted", "cancelled", "refund"] and "waitlisted" in kinds
    assert all(
        e["station"] == "Desk 1" for e in cli.json("log", "devconf") if e["kind"] != "event_created"
    )
    listed = cli.json("event", "list", "--category", "conference")
    assert [e["slug"] for e in listed] == ["devconf"] and listed[0]["registered"] == 1
    detail = cli.json("event", "show", "devconf")
    assert [t["name"] for t in detail["ticket_types"]] == ["VIP", "Regular"]
    human, _ = cli.run("event", "show", "devconf")
    assert "VIP" in human and "349.00 EUR" in human


def test_staff_and_pins(cli: Cli) -> None:
    assert isinstance(
        cli.json("staff", "add", "--name", "Olivia", "--role", "organizer", "--pin", "1234")["id"],
        int,
    )
    assert cli.json("staff", "login", "olivia", "--pin", "1234")["role"] == "organizer"
    _, err = cli.run("staff", "login", "olivia", "--pin", "9999", code=1)
    assert err.strip() == "eventdesk: name or PIN is wrong (4 tries left)"
    cli.json("attendee", "add", "--name", "Pia", "--email", "pia@example.com", "--pin", "5555")
    assert cli.json("attendee", "login", "pia@example.com", "--pin", "5555")["ok"] is True
    cli.run("attendee", "login", "pia@example.com", "--pin", "0000", code=1)
    cli.json("staff", "disable", "olivia")
    _, err = cli.run("staff", "login", "olivia", "--pin", "1234", code=1)
    assert "disabled" in err


def test_error_as_json_document(cli: Cli) -> None:
    doc = cli.json("event", "show", "nope", code=2)
    assert doc == {"error": "no event 'nope'", "field": "event", "exit_code": 2}


# --- the real console script, in a process of its own -------------------------------------------
def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return forks.run(
        [EVENTDESK, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def seeded_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("seeded") / "seeded.db"
    shutil.copy(sqlite_template, path)
    db = f"sqlite:///{path}"
    for args in (
        [
            "event",
            "create",
            "--name",
            "Full",
            "--starts",
            "2030-01-01T09:00",
            "--ends",
            "2030-01-01T10:00",
            "--capacity",
            "0",
            "--no-waitlist",
        ],
        ["ticket-type", "add", "full", "--name", "Regular", "--price", "5"],
        ["attendee", "add", "--name", "Ann", "--email", "ann@example.com"],
    ):
        assert run_cli("--db", db, *args).returncode == 0
    return path


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (
            ["event", "create", "--starts", "2030-01-01T09:00", "--ends", "2030-01-01T10:00"],
            2,
            "--name",
        ),
        (
            ["event", "create", "--name", "X", "--starts", "soon", "--ends", "2030-01-01T10:00"],
            2,
            "starts",
        ),
        (
            ["event", "create", "--name", "X", "--starts", "2030-01-02", "--ends", "2030-01-01"],
            2,
            "end after",
        ),
        (
            [
                "event",
                "create",
                "--name",
                "X",
                "--starts",
                "2030-01-01T09:00",
                "--ends",
                "2030-01-01T10:00",
                "--capacity",
                "-3",
            ],
            2,
            "capacity",
        ),
        (["event", "show", "nope"], 2, "no event 'nope'"),
        (["ticket-type", "add", "full", "--name", "Neg", "--price", "-5"], 2, "negative"),
        (["ticket-type", "add", "full", "--name", "Bad", "--price", "abc"], 2, "not an amount"),
        (["ticket-type", "add", "nope", "--name", "X", "--price", "5"], 2, "no event"),
        (["attendee", "add", "--name", "Bob", "--email", "bob"], 2, "not an email"),
        (["attendee", "add", "--name", "", "--email", "b@example.com"], 2, "name is required"),
        (["attendee", "add", "--name", "Ann", "--email", "ANN@example.com"], 2, "exists already"),
        (
            ["register", "full", "--attendee", "ann@example.com", "--ticket-type", "Gold"],
            2,
            "no ticket type",
        ),
        (
            ["register", "full", "--attendee", "zed@example.com", "--ticket-type", "Regular"],
            2,
            "no attendee",
        ),
        (
            ["register", "full", "--attendee", "ann@example.com", "--ticket-type", "Regular"],
            1,
            "sold out",
        ),
        (["pay", "NOTICKET", "--method", "cash"], 2, "no ticket"),
        (["pay", "NOTICKET", "--method", "bitcoin"], 2, "bitcoin"),
        (["staff", "add", "--name", "S", "--role", "staff", "--pin", "12"], 2, "4 to 12 digits"),
        (["cancel"], 2, "TICKET"),
        (["frobnicate"], 2, "No such command"),
    ],
)
@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_bad_input_gives_exit_code_and_one_line(
    seeded_template: Path, tmp_path: Path, args: list[str], code: int, says: str
) -> None:
    path = tmp_path / "seeded.db"
    shutil.copy(seeded_template, path)
    done = run_cli("--db", f"sqlite:///{path}", *args)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert says.lower() in lines[0].lower()


@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_unreachable_database_exits_3() -> None:
    done = run_cli("--db", "postgresql://postgres@127.0.0.1:1/none", "event", "list")
    assert done.returncode == 3
    assert (
        done.stderr.startswith("eventdesk: database unavailable") and "Traceback" not in done.stderr
    )


@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_init_and_environment_configuration(tmp_path: Path) -> None:
    done = run_cli("--json", "init", env={"EVENTDESK_DATA_DIR": str(tmp_path / "d")})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["database"].endswith("/d/eventdesk.db")
    assert (tmp_path / "d" / "eventdesk.db").exists()


@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_demo_no_ui(tmp_path: Path) -> None:
    done = run_cli(
        "--data-dir", str(tmp_path), "--json", "demo", "--no-ui", "--attendees", "60", "--seed", "3"
    )
    assert done.returncode == 0, done.stderr
    made = json.loads(done.stdout)
    assert made["attendees"] == 60 and made["event"].startswith("northwind-devconf")
    assert made["registered"] > 30 and made["waitlisted"] > 0 and made["paid"] > 0
    assert {s["role"] for s in made["staff"]} == {"organizer", "staff", "kiosk"}
    db = made["database"]
    assert db.endswith("demo.db")
    types = json.loads(run_cli("--db", db, "--json", "ticket-type", "list", made["event"]).stdout)
    assert [t["name"] for t in types] == ["VIP", "Regular", "Student"]
    found = json.loads(run_cli("--db", db, "--json", "attendee", "find", "a").stdout)
    assert found and all(set(f) == {"id", "name", "email", "company"} for f in found)
    # Running the demo again starts from a fresh demo database.
    again = json.loads(
        run_cli(
            "--data-dir",
            str(tmp_path),
            "--json",
            "demo",
            "--no-ui",
            "--attendees",
            "60",
            "--seed",
            "3",
        ).stdout
    )
    assert again["event"] == made["event"] and again["registered"] == made["registered"]


def test_signed_tickets_and_checkin_from_the_cli(cli: Cli, tmp_path: Path) -> None:
    keys = cli.json("init")
    assert keys["can_issue"] is True and keys["key_created"] is True and keys["known_keys"] == 1
    assert cli.json("init")["key_created"] is False
    cli.json(
        "event",
        "create",
        "--name",
        "Now",
        "--starts",
        "2020-01-01T00:00Z",
        "--ends",
        "2099-01-01T00:00Z",
    )
    cli.json(
        "ticket-type", "add", "now", "--name", "VIP", "--price", "0", "--attention", "Gold lanyard"
    )
    cli.json("attendee", "add", "--name", "Vera", "--email", "vera@example.com")
    ticket = cli.json("register", "now", "--attendee", "vera@example.com", "--ticket-type", "VIP")[
        "ticket_id"
    ]
    payload, _ = cli.run("ticket", "show", ticket, "--payload")
    payload = payload.strip()
    assert payload.startswith(f"ED1.{ticket}.") and len(payload) == 125
    human, _ = cli.run("ticket", "show", ticket)
    assert "▄" in human and payload in human
    png, svg = tmp_path / "t.png", tmp_path / "t.svg"
    written = cli.json("ticket", "show", ticket, "--png", str(png), "--svg", str(svg))
    assert (
        written["written"] == [str(png), str(svg)]
        and png.stat().st_size > 0
        and svg.stat().st_size > 0
    )
    first = cli.json("checkin", payload)
    assert {
        "result",
        "ticket_id",
        "attendee",
        "ticket_type",
        "attention",
        "first_checked_in_at",
        "first_station",
    } <= first.keys()
    assert (first["result"], first["attention"], first["first_station"]) == (
        "ok",
        "Gold lanyard",
        "Desk 1",
    )
    again = cli.json("checkin", payload, code=1)
    assert again["result"] == "already_checked_in"
    assert (
        again["first_checked_in_at"] == first["first_checked_in_at"]
        and again["first_station"] == "Desk 1"
    )
    damaged = payload[:-2] + ("B" if payload[-2] == "A" else "A") + payload[-1]
    assert cli.json("checkin", damaged, code=1)["result"] == "invalid"
    # Typed with Caps Lock on (a scanner on a station whose Caps Lock is on): repaired, and
    # the signature proves the repair.
    capitals = cli.json("checkin", payload.lower(), code=1)
    assert capitals["result"] == "already_checked_in"
    assert "repaired: Caps Lock on" in capitals["flags"]
    assert cli.json("checkin", "undo", ticket)["result"] == "undone"
    assert cli.json("checkin", "--ticket", ticket.lower())["result"] == "ok"
    _, err = cli.run("checkin", "undo", "NOSUCH00", code=2)
    assert err.strip() == "eventdesk: no ticket 'NOSUCH00'"
    cli.run("checkin", code=2)
    cli.run("checkin", payload, "--ticket", ticket, code=2)
    scans = cli.json("scan-log")  # a door with no event logs bad scans to the current event
    logged = ["ok", "already_checked_in", "invalid", "already_checked_in", "ok"]  # newest first
    assert [s["result"] for s in scans] == logged
    in_event = [s["result"] for s in cli.json("scan-log", "now")]
    assert in_event == logged
    assert cli.json("ticket", "show", ticket)["checked_in_station"] == "Desk 1"


def test_station_without_the_key_checks_but_cannot_issue(cli: Cli, tmp_path: Path) -> None:
    cli.json("init")
    cli.json(
        "event",
        "create",
        "--name",
        "Now",
        "--starts",
        "2020-01-01T00:00Z",
        "--ends",
        "2099-01-01T00:00Z",
    )
    cli.json("ticket-type", "add", "now", "--name", "Regular", "--price", "0")
    cli.json("attendee", "add", "--name", "Vera", "--email", "vera@example.com")
    cli.json("attendee", "add", "--name", "Walt", "--email", "walt@example.com")
    signed = cli.json(
        "register", "now", "--attendee", "vera@example.com", "--ticket-type", "Regular"
    )
    payload = cli.run("ticket", "show", signed["ticket_id"], "--payload")[0].strip()
    door = Cli(cli.capsys, cli.db_url, tmp_path / "door")
    assert door.json("init")["can_issue"] is False
    assert door.json("checkin", payload)["result"] == "ok"
    unsigned = door.json(
        "register", "now", "--attendee", "walt@example.com", "--ticket-type", "Regular"
    )
    _, err = door.run("ticket", "show", unsigned["ticket_id"], "--payload", code=1)
    assert "no QR yet" in err
    door.run("ticket", "issue", code=1)
    assert cli.json("ticket", "issue") == {"issued": 1}
    assert cli.run("ticket", "show", unsigned["ticket_id"], "--payload")[0].startswith("ED1.")


def test_badges_and_printing_from_the_cli(cli: Cli, tmp_path: Path) -> None:
    from testkit.zebra import FakeZebra

    zebra = FakeZebra()  # configured but switched off
    (tmp_path / "eventdesk.toml").write_text(
        f'[station]\nauto_print = true\n\n[printers.zebra]\ntype = "tcp"\nhost = "127.0.0.1"\n'
        f'port = {zebra.port}\nlanguage = "zpl"\ntimeout = 1\n'
    )
    cli.json("init")
    cli.json(
        "event",
        "create",
        "--name",
        "Now",
        "--starts",
        "2020-01-01T00:00Z",
        "--ends",
        "2099-01-01T00:00Z",
    )
    cli.json(
        "ticket-type", "add", "now", "--name", "VIP", "--price", "0", "--attention", "VIP: lanyard"
    )
    cli.json(
        "attendee",
        "add",
        "--name",
        "Vera Rubin",
        "--email",
        "vera@example.com",
        "--company",
        "Carnegie",
    )
    ticket = cli.json("register", "now", "--attendee", "vera@example.com", "--ticket-type", "VIP")[
        "ticket_id"
    ]
    zpl, _ = cli.run("badge", ticket, "--format", "zpl")
    assert zpl.startswith("^XA") and zpl.count("^XA") == 1 and "^GFA," in zpl  # Vera's name, drawn
    assert f"^FDMA,ED1.{ticket}." in zpl or ticket in zpl  # and her ticket's QR
    written = cli.json("badge", ticket, "--format", "png", "--output", str(tmp_path / "b.png"))
    assert written["bytes"] == (tmp_path / "b.png").stat().st_size > 1000
    # auto_print is on: the check-in queues a badge for the station's printer (the text folder).
    assert "badge queued" in cli.json("checkin", "--ticket", ticket)["flags"]
    badges = list((tmp_path / "badges").glob(f"{ticket}-*.txt"))
    assert len(badges) == 1 and "VERA RUBIN" in badges[0].read_text(encoding="utf-8")
    assert "badge queued" not in cli.json("checkin", "--ticket", ticket, code=1)["flags"]
    assert len(list((tmp_path / "badges").glob("*.txt"))) == 1  # a second scan prints nothing
    # An explicit reprint to a printer that is off: queued, exit 3, nothing lost.
    queued = cli.json("print", ticket, "--printer", "zebra", code=3)
    assert queued["state"] == "queued"
    jobs = cli.json("print-queue")
    assert [(j["printer"], j["state"], j["reason"]) for j in jobs] == [
        ("zebra", "queued", "reprint"),
        ("badges", "done", "checkin"),
    ]
    cli.run("print", ticket, "--printer", "nowhere", code=2)
    zebra.switch_on()
    try:
        done = cli.json("print", ticket, "--printer", "zebra")
        assert done["state"] == "done" and zebra.wait_for_labels(1)
    finally:
        zebra.switch_off()
    cli.json("checkin", "undo", ticket)
    assert "badge queued" not in cli.json("checkin", "--ticket", ticket, "--no-print")["flags"]


def test_reports_import_export_backup_from_the_cli(cli: Cli, tmp_path: Path) -> None:
    cli.json("init")
    cli.json(
        "event",
        "create",
        "--name",
        "Now",
        "--starts",
        "2020-01-01T00:00Z",
        "--ends",
        "2099-01-01T00:00Z",
    )
    cli.json("ticket-type", "add", "now", "--name", "Regular", "--price", "10")
    people = tmp_path / "people.csv"
    people.write_text(
        "First Name;Last Name;Email\nAda;Byron;ada@example.com\nAlan;Turing;alan@example.com\n"
    )
    assert (
        cli.json("import", "attendees", str(people), "--event", "now", "--dry-run")["imported"] == 2
    )
    done = cli.json("import", "attendees", str(people), "--event", "now")
    assert (done["imported"], done["skipped"]) == (2, 0)
    assert cli.json("import", "attendees", str(people), "--event", "now")["skipped"] == 2
    broken = tmp_path / "broken.csv"
    broken.write_text("Name,Email\nNo Mail,\n")
    _, err = cli.run("import", "attendees", str(broken), "--event", "now", code=2)
    assert err.strip() == "eventdesk: 1 bad row, nothing imported: row 2 (email): missing"
    ticket = cli.json("attendee", "show", "ada@example.com")["tickets"][0]["id"]
    cli.json("pay", ticket, "--method", "card")
    cli.json("checkin", "--ticket", ticket)
    sales = cli.json("report", "sales", "now", "--csv", str(tmp_path / "sales.csv"))
    assert sales == [
        {
            "ticket_type": "Regular",
            "price": "10.00 EUR",
            "quantity": None,
            "sold": 2,
            "remaining": None,
            "waitlisted": 0,
            "cancelled": 0,
        }
    ]
    assert (
        (tmp_path / "sales.csv")
        .read_text(encoding="utf-8-sig")
        .splitlines()[0]
        .startswith("ticket_type,price")
    )
    snap = cli.json("stats", "now")
    assert (snap["registered"], snap["checked_in"]) == (2, 1) and snap["revenue"][0][
        "net"
    ] == "10.00 EUR"
    human, _ = cli.run("stats", "now")
    assert "1 checked in / 2 registered" in human
    assert cli.json("export", "checkins", "now", "--output", str(tmp_path / "in.csv"))["rows"] == 1
    if cli.db_url.startswith("sqlite"):
        made = cli.json("backup")
        assert Path(made["path"]).exists() and made["checked_in"] == 1
        cli.json("checkin", "undo", ticket)
        assert cli.json("restore", made["path"])["checked_in"] == 1
        assert cli.json("stats", "now")["checked_in"] == 1
    else:
        _, err = cli.run("backup", code=2)
        assert "pg_dump" in err


def test_after_the_demo_the_cli_in_its_folder_works_on_the_demos_database(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`python3 dev.py demo`, then the README's commands from the checkout, no option given:
    they read the demo's data/demo.db while data/ holds no eventdesk.db of its own; init
    makes the station's own, and from then on the commands use it and the demo never
    touches it."""
    for name in ("EVENTDESK_DATA_DIR", "EVENTDESK_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)

    def run(*args: str, code: int = 0) -> Any:
        capsys.readouterr()
        got = main(["--station", "Desk 1", "--json", *args])
        out, err = capsys.readouterr()
        assert got == code, (args, out, err)
        return json.loads(out)

    made = run("demo", "--no-ui", "--attendees", "30", "--seed", "5")
    assert made["database"] == f"sqlite:///{tmp_path / 'data' / 'demo.db'}"
    assert run("stats", made["event"])["registered"] == made["registered"]
    found = run("attendee", "find", "")
    assert len(found) == 30
    assert [e["slug"] for e in run("event", "list")] == [made["event"]]
    assert not (tmp_path / "data" / "eventdesk.db").exists()
    # init makes the station's own database: the commands use it from then on...
    assert run("init")["database"] == f"sqlite:///{tmp_path / 'data' / 'eventdesk.db'}"
    assert run("event", "list") == []
    # ...and the demo, built again, keeps to its own file.
    run("demo", "--no-ui", "--attendees", "30", "--seed", "5")
    assert run("event", "list") == [] and run("attendee", "find", "") == []
    # A folder with neither database still creates nothing.
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    assert run("--data-dir", str(empty), "event", "list", code=3)["exit_code"] == 3
    assert list(empty.iterdir()) == []


def test_register_paid_for_a_free_ticket_registers_it_with_no_payment(cli: Cli) -> None:
    """Before: the ticket was registered, then `--paid card` failed with "nothing is due" and
    exit 2, as if nothing had been done."""
    starts = utcnow() + timedelta(days=30)  # an event to come, whatever the day
    cli.json("event", "create", "--name", "Gratis",
             "--starts", starts.isoformat(timespec="minutes"),
             "--ends", (starts + timedelta(hours=8)).isoformat(timespec="minutes"))  # fmt: skip
    cli.json("ticket-type", "add", "gratis", "--name", "Free", "--price", "0")
    cli.json("ticket-type", "add", "gratis", "--name", "Paid", "--price", "20")
    for who in ("fay", "pat"):
        cli.json("attendee", "add", "--name", who.title(), "--email", f"{who}@example.com")
    free = cli.json("register", "gratis", "--attendee", "fay@example.com", "--ticket-type", "Free",
                    "--paid", "card")  # fmt: skip
    assert free["status"] == "registered"
    nothing = cli.json("payment", "list", free["ticket_id"])
    assert (nothing["payments"], nothing["due_cents"]) == ([], 0), nothing
    paid = cli.json("register", "gratis", "--attendee", "pat@example.com", "--ticket-type", "Paid",
                    "--paid", "card")  # fmt: skip
    summary = cli.json("payment", "list", paid["ticket_id"])
    assert (summary["paid_cents"], summary["due_cents"]) == (2000, 0), summary
    [payment] = summary["payments"]
    assert payment["method"] == "card", payment
