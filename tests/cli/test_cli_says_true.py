"""What the command line says is true: a payment `register --paid` did not record is said, a
door is given no places to sell, `event update` says what it changed, `attendee show` shows the
person's alert and answers, `export scans` has the override and the alert, and `event create
--help` says what each option is."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import click
import pytest

from eventdesk.cli import main
from eventdesk.db import Store
from eventdesk.values import utcnow
from tests.clitools import Cli
from tests.door.test_outage import POSTGRESQL, backend_fixed
from tests.helpers import station_logins

__all__ = ["backend_fixed"]  # a fixture
PASSWORD = "says-true-pw"


def _event(cli: Cli, name: str, *, open_now: bool = False, capacity: int | None = None) -> str:
    """An event to come (or open now), its slug; a ticket type "Day" at 20.00."""
    now = utcnow()
    starts = now - timedelta(hours=1) if open_now else now + timedelta(days=30)
    made = cli.json(
        "event", "create", "--name", name,
        "--starts", starts.isoformat(timespec="minutes"),
        "--ends", (starts + timedelta(hours=8)).isoformat(timespec="minutes"),
        *(["--capacity", str(capacity)] if capacity is not None else []),
    )  # fmt: skip
    cli.json("ticket-type", "add", made["slug"], "--name", "Day", "--price", "20")
    return str(made["slug"])


def _person(cli: Cli, name: str) -> str:
    email = name.lower().replace(" ", ".") + "@example.org"
    cli.json("attendee", "add", "--name", name, "--email", email)
    return email


def test_register_paid_on_a_full_event_says_no_payment_was_recorded(cli: Cli) -> None:
    """Before: "waitlisted: ticket T, position 1" and nothing of the cash taken, as if it had
    been recorded."""
    slug = _event(cli, "Full Cash Fair", capacity=1)
    first = cli.json("register", slug, "--attendee", _person(cli, "Ada First"),
                     "--ticket-type", "Day", "--paid", "cash")  # fmt: skip
    assert first["status"] == "registered" and first["payment_not_recorded"] == []
    late = _person(cli, "Lou Late")
    said = cli.out("register", slug, "--attendee", late, "--ticket-type", "Day", "--paid", "cash")
    ticket = cli.json("waitlist", slug)[0]["ticket_id"]
    assert f"waitlisted: ticket {ticket}, position 1" in said, said
    assert f"no payment recorded: ticket {ticket} is on the waitlist" in said, said
    assert cli.json("payment", "list", ticket)["payments"] == []

    other = _person(cli, "Max Later")
    got = cli.json("register", slug, "--attendee", other, "--ticket-type", "Day", "--paid", "card")
    assert got["status"] == "waitlisted", got
    assert got["payment_not_recorded"] == [{"ticket_id": got["ticket_id"], "why": "waitlisted"}]
    waiting = cli.json("register", slug, "--attendee", _person(cli, "Nia Unpaid"),
                       "--ticket-type", "Day")  # fmt: skip
    assert waiting["payment_not_recorded"] == []  # nothing was to be paid: nothing to say


@pytest.fixture
def logins(db_url: str, store: Store) -> Iterator[dict[str, str]]:
    """A door's own login ("Door 1") and a desk's ("Desk 1") on the test's database."""
    with station_logins(db_url, store, "quota", PASSWORD) as names:
        yield names


@POSTGRESQL
def test_a_door_is_given_no_places_to_sell(
    backend_fixed: None, cli: Cli, logins: dict[str, str]
) -> None:
    """Before: `station quota --station "Door 1"` took 3 places off sale (exit 0) for a door
    whose login the server refuses every sale."""
    slug = _event(cli, "Quota Door Fair", capacity=10)
    code, out, err = cli.call("station", "quota", slug, "--ticket-type", "Day", "--places", "3",
                              "--station", "Door 1")  # fmt: skip
    assert code == 2, (out, err)
    assert "Door 1 is a door" in err and "a door cannot sell" in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert cli.json("station", "quota", slug) == []
    # A desk may; a door's places given back (0) are still taken back.
    given = cli.json("station", "quota", slug, "--ticket-type", "Day", "--places", "3",
                     "--station", "Desk 1")  # fmt: skip
    assert (given["station"], given["places"]) == ("Desk 1", 3)
    back = cli.json("station", "quota", slug, "--ticket-type", "Day", "--places", "0",
                    "--station", "Door 1")  # fmt: skip
    assert back["places"] == 0
    # A station the server has no login of yet may be given places (its desk's login to come).
    later = cli.json("station", "quota", slug, "--ticket-type", "Day", "--places", "1",
                     "--station", "Desk 9")  # fmt: skip
    assert later["places"] == 1


def test_event_update_says_what_changed(cli: Cli) -> None:
    """Before: `event update --reentry` printed the event's summary, which says nothing of
    re-entry, so nothing said it was now on."""
    slug = _event(cli, "Reentry Fair")
    said = cli.out("event", "update", slug, "--reentry")
    assert "re-entry is on" in said and "nothing changed" not in said, said
    again = cli.out("event", "update", slug, "--reentry")
    assert "re-entry is on" in again and "nothing changed" in again, again
    got = cli.json("event", "update", slug, "--no-reentry", "--unpaid", "admit")
    assert (got["allow_reentry"], got["changed"]) == (False, ["unpaid_policy", "allow_reentry"])
    said = cli.out("event", "update", slug, "--no-waitlist")
    assert "the waitlist is off" in said, said
    assert cli.json("event", "update", slug, "--capacity", "5")["changed"] == ["capacity"]


def test_attendee_show_shows_the_alert_and_the_answers(cli: Cli) -> None:
    """Before: neither the arrival alert nor the answers to the event's questions were in
    `attendee show`, and its --json had no answers."""
    slug = _event(cli, "Answers Fair")
    cli.json("question", "add", slug, "--key", "diet", "--text", "Any dietary needs?",
             "--kind", "choice", "--choices", "none|vegetarian|vegan")  # fmt: skip
    email = _person(cli, "Quinn Answers")
    cli.json("attendee", "update", email, "--alert", "speaker, take to green room")
    ticket = cli.json("register", slug, "--attendee", email, "--ticket-type", "Day",
                      "--answer", "diet=vegan")["ticket_id"]  # fmt: skip
    shown = cli.out("attendee", "show", email)
    assert "arrival alert: speaker, take to green room" in shown, shown
    assert f"{ticket}  Any dietary needs?: vegan" in shown, shown
    got = cli.json("attendee", "show", email)
    assert got["alert"] == "speaker, take to green room"
    assert got["answers"] == {ticket: {"diet": "vegan"}}
    nobody = cli.json("attendee", "show", _person(cli, "Rae Plain"))
    assert (nobody["alert"], nobody["answers"]) == (None, {})


def test_export_scans_ends_with_the_override_and_the_alert(cli: Cli, tmp_path: Path) -> None:
    """Before: the columns ended at Payload; an override and an alert were not in the file."""
    slug = _event(cli, "Export Door Fair", open_now=True)
    awaited = _person(cli, "Cleo Awaited")
    cli.json("attendee", "update", awaited, "--alert", "keynote, take to green room")
    ticket = cli.json("register", slug, "--attendee", awaited, "--ticket-type", "Day")["ticket_id"]
    cli.json("pay", ticket, "--method", "cash")
    owing = cli.json("register", slug, "--attendee", _person(cli, "Otto Owing"),
                     "--ticket-type", "Day")["ticket_id"]  # fmt: skip
    cli.json("staff", "add", "--name", "Olga", "--role", "staff", "--pin", "4321", "--can-override")
    pin = tmp_path / "olga.pin"
    pin.write_text("4321\n")
    assert cli.json("checkin", "--event", slug, "--ticket", ticket)["result"] == "ok"
    assert cli.json("checkin", "--event", slug, "--ticket", owing, code=1)["result"] == "unpaid"
    cli.json("checkin", "--event", slug, "--ticket", owing, "--override", "pays at the bar",
             "--operator", "Olga", "--pin-file", str(pin))  # fmt: skip

    out = tmp_path / "scans.csv"
    cli.out("export", "scans", slug, "--output", str(out))
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["At", "Station", "Operator", "Ticket ID", "Result", "Session",
                       "Direction", "Payload", "Override", "Alert"]  # fmt: skip
    by = {(r[3], r[4], r[8]): r for r in rows[1:]}
    admitted = next(r for (t, result, _o), r in by.items() if t == ticket and result == "ok")
    assert (admitted[8], admitted[9]) == ("", "keynote, take to green room")
    refused = next(r for (t, result, _o), r in by.items() if t == owing and result == "unpaid")
    assert (refused[8], refused[9]) == ("", "")
    overridden = next(r for (t, result, _o), r in by.items() if t == owing and result == "ok")
    assert overridden[8].startswith("Olga: pays at the bar (refused: unpaid"), overridden
    assert overridden[9] == ""


def test_event_create_help_says_what_each_option_is(capsys: pytest.CaptureFixture[str]) -> None:
    """Before: no summary, and --name, --starts, --ends, --capacity, --venue, --category,
    --visibility, --description and --slug had no help text."""
    from eventdesk.cli.catalogue import event

    create = event.commands["create"]
    assert create.help and create.get_short_help_str(), "no summary"
    bare = [p.name for p in create.params if isinstance(p, click.Option) and not p.help]
    assert bare == [], bare
    assert main(["event", "create", "--help"]) == 0
    page = capsys.readouterr().out
    assert "Create an event" in page.split("Options:")[0], page
    assert "The event's title" in page and "When it starts" in page, page


def test_a_refused_paper_tick_is_said_in_the_readers_language(cli: Cli, tmp_path: Path) -> None:
    """A guard (it passed before too: the word is translated, "{ticket}: refused: {why}"): the
    refusal of a tick and its count are in German with --lang de; only the JSON's codes stay."""
    slug = _event(cli, "Paper Fair", open_now=True)
    ticket = cli.json("register", slug, "--attendee", _person(cli, "Cora Cancelled"),
                      "--ticket-type", "Day")["ticket_id"]  # fmt: skip
    cli.json("cancel", ticket)
    ticks = tmp_path / "ticks.txt"
    ticks.write_text(f"{ticket}\n")
    at = (utcnow() - timedelta(minutes=10)).replace(tzinfo=None).isoformat(timespec="minutes")
    args = ("checkin", "import-ticks", str(ticks), "--at", at, "--station", "Paper",
            "--event", slug)  # fmt: skip
    said = cli.out("--lang", "de", *args)
    assert f"{ticket} Cora Cancelled: abgelehnt: " in said and "1 abgelehnt" in said, said
    assert "refused" not in said, said
    got = cli.json(*args)
    assert [r["ticket"] for r in got["refused"]] == [ticket]
