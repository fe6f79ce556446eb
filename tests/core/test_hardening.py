"""Awkward input found in review: every one answered with a typed error, never exit 70."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventdesk.db import Store
from eventdesk.errors import Conflict, InvalidInput, NotAllowed, NotFound, WrongPin
from eventdesk.services.catalogue import events
from eventdesk.services.people import attendees, auth, payments
from eventdesk.services.people.registration import register, show_ticket
from eventdesk.text import slugify
from tests import forks
from tests.clitools import Cli
from tests.helpers import add_type, make_event, people

EVENTDESK = forks.EVENTDESK  # what tests/forks.py forks


@pytest.mark.parametrize(
    "args",
    [
        ["event", "show", "²"],
        ["event", "show", "99999999999999999999"],
        ["event", "show", "3000000000"],
        ["event", "show", "bad\x01slug"],
        ["attendee", "show", "99999999999999999999"],
        ["staff", "disable", "99999999999"],
        ["cancel", "--order", "99999999999"],
        ["payment", "settle", "99999999999"],
        ["ticket", "show", "\u00e9\u00e9\u00e9"],
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
            "99999999999",
        ],
        [
            "event",
            "create",
            "--name",
            "X",
            "--starts",
            "9999-12-31T20:00-05:00",
            "--ends",
            "9999-12-31T23:00",
        ],
        [
            "event",
            "create",
            "--name",
            "X",
            "--starts",
            "0001-01-01T00:00",
            "--ends",
            "2030-01-01T00:00",
            "--timezone",
            "Asia/Tokyo",
        ],
        ["attendee", "add", "--name", "Fine", "--email", "ß" * 125 + "@example.com"],
        ["attendee", "add", "--name", "Bad\udcffName", "--email", "bad@example.com"],
        ["staff", "add", "--name", "ß" * 100, "--role", "staff", "--pin", "1234"],
        [
            "venue",
            "add",
            "--name",
            "Long seats",
            "--seats",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ1-ABCDEFGHIJKLMNOPQRSTUVWXYZ2",
        ],
        ["venue", "add", "--name", "Huge", "--seats", "A1-A999999999999"],
        ["cancel", ""],
        ["checkin", "--ticket", ""],
        ["checkin", "--ticket", "ABC", "--operator", "O" * 150],
        ["scan", "--source", "99999999999999999999"],
        ["print", "X", "--printer", ""],
    ],
)
def test_awkward_input_is_bad_input_not_a_crash(cli: Cli, args: list[str]) -> None:
    _, err = cli.run(*args, code=2)
    assert err.startswith("eventdesk: ") and len(err.strip().splitlines()) == 1


def test_register_with_a_huge_session_id(cli: Cli) -> None:
    cli.json(
        "event",
        "create",
        "--name",
        "Conf",
        "--starts",
        "2030-01-01T09:00",
        "--ends",
        "2030-01-01T10:00",
    )
    cli.json("ticket-type", "add", "conf", "--name", "R", "--price", "1")
    cli.json("attendee", "add", "--name", "A", "--email", "a@example.com")
    _, err = cli.run(
        "register",
        "conf",
        "--attendee",
        "a@example.com",
        "--ticket-type",
        "R",
        "--session",
        "99999999999",
        code=2,
    )
    assert "no session" in err


@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_long_station_name_and_unreachable_sqlite(tmp_path: Path) -> None:
    done = forks.run(
        [EVENTDESK, "--data-dir", str(tmp_path), "--station", "S" * 150, "event", "list"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "station name" in done.stderr
    done = forks.run(
        [EVENTDESK, "--db", "sqlite:////proc/nope/x.db", "event", "list"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3 and "no eventdesk database at /proc/nope/x.db" in done.stderr
    done = forks.run(
        [EVENTDESK, "--db", "sqlite:////proc/nope/x.db", "init"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3 and "cannot create /proc/nope" in done.stderr


def test_all_digit_names_never_make_a_slug_that_reads_as_an_id(store: Store) -> None:
    assert slugify("2031") == "event-2031"
    first = events.create_event(
        store, name="Conf", starts="2030-01-01T09:00", ends="2030-01-01T10:00"
    )
    year = events.create_event(
        store, name="2031", starts="2031-01-01T09:00", ends="2031-01-01T10:00"
    )
    forced = events.create_event(
        store, name="Other", slug="1", starts="2030-02-01T09:00", ends="2030-02-01T10:00"
    )
    assert (year.slug, forced.slug) == ("event-2031", "event-1")
    assert events.show_event(store, "1").title == "Conf" == first.title
    assert events.show_event(store, "event-1").title == "Other"
    assert events.show_event(store, year.slug).title == "2031"


def test_accented_categories_and_venues(store: Store) -> None:
    events.add_venue(store, name="Éclair Hall")
    with pytest.raises(Conflict):
        events.add_venue(store, name="éclair hall")
    for n in range(2):
        events.create_event(
            store,
            name=f"Talk {n}",
            starts="2030-01-01T09:00",
            ends="2030-01-01T10:00",
            category="Économie",
            venue="ÉCLAIR HALL",
        )
    assert events.list_categories(store) == ["Économie"]
    assert [e.title for e in events.list_events(store, category="économie")] == ["Talk 0", "Talk 1"]
    assert len(events.list_events(store, venue="éclair")) == 2


def test_bulk_add_names_the_rows_whose_emails_are_taken(store: Store) -> None:
    attendees.add_attendee(store, name="Here", email="here@example.com")
    rows = [
        {"name": "A", "email": "a@example.com"},
        {"name": "B", "email": "HERE@example.com"},
        {"name": "C", "email": "A@example.com"},
    ]
    with pytest.raises(
        Conflict, match=r"row 2: email HERE@example.com exists already; row 3: .*repeats row 1"
    ):
        attendees.add_attendees_bulk(store, rows)
    assert attendees.find_attendees(store, "") == attendees.find_attendees(
        store, "here"
    )  # nothing added


def test_demo_twice_on_the_same_database(cli: Cli) -> None:
    first = cli.json("demo", "--no-ui", "--attendees", "20")
    second = cli.json("demo", "--no-ui", "--attendees", "20")
    assert second["event"] == first["event"] + "-2"
    assert second["registered"] > 0


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("lukasz", "Łukasz Dvořák"),
        ("soren", "Søren Ævar Ørsted"),
        ("orsted", "Søren Ævar Ørsted"),
        ("aevar", "Søren Ævar Ørsted"),
        ("djordje", "Đorđe Yılmaz"),
        ("yilmaz", "Đorđe Yılmaz"),
        ("obrien", "Siobhán O'Brien"),
        ("o'brien", "Siobhán O'Brien"),
        ("jeanluc", "Jean-Luc Picard"),
        ("jean luc", "Jean-Luc Picard"),
        ("smith+events@gmail.com", "Anna Smith"),
        ("smith@gmail", "Anna Smith"),
        ("@gmail", "Anna Smith"),
        ("<anna.smith+events@gmail.com>,", "Anna Smith"),
    ],
)
def test_search_folds_every_letter_and_email_spelling(store: Store, query: str, name: str) -> None:
    for person, email in [
        ("Łukasz Dvořák", "lukasz@example.pl"),
        ("Søren Ævar Ørsted", "s1@example.dk"),
        ("Đorđe Yılmaz", "dj@example.rs"),
        ("Siobhán O'Brien", "sob@example.ie"),
        ("Jean-Luc Picard", "jlp@example.fr"),
        ("Anna Smith", "anna.smith+events@gmail.com"),
    ]:
        attendees.add_attendee(store, name=person, email=email)
    assert [a.name for a in attendees.find_attendees(store, query)] == [name]


def test_lookups_with_nul_bytes_and_surrogates(store: Store) -> None:
    for text in ("a\x00b", "\ud800x"):
        assert attendees.find_attendees(store, text) == []
        with pytest.raises(NotFound):
            show_ticket(store, text)
        with pytest.raises(NotFound):
            events.show_event(store, text)
        with pytest.raises(WrongPin):
            auth.verify_attendee(store, f"{text}@example.com", "1234")


def test_invoices_never_charge_twice(store: Store) -> None:
    ev = make_event(store)
    add_type(store, ev, "Regular", price_cents=1000)
    ticket = register(store, ev, people(store, 1)[0], "Regular").tickets[0].ticket_id
    invoice = payments.pay(store, ticket, method="invoice")
    assert invoice.due_cents == 1000 and invoice.payment_id is not None
    with pytest.raises(NotAllowed, match="pending"):
        payments.pay(store, ticket, method="cash")
    with pytest.raises(InvalidInput, match="pending"):
        payments.pay(store, ticket, method="cash", amount_cents=500)
    # Paid at the desk after all: the invoice can no longer be settled on top.
    other = register(store, ev, people(store, 1, prefix="other")[0], "Regular").tickets[0].ticket_id
    pending = payments.pay(store, other, method="invoice", amount_cents=400)
    payments.pay(store, other, method="card", amount_cents=600)
    assert payments.settle(store, pending.payment_id or 0).due_cents == 0
    assert payments.settle(store, invoice.payment_id).paid_cents == 1000
