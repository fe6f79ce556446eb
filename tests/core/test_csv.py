"""CSV import (awkward and broken files, all or nothing, idempotent) and export."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from eventdesk.db import Store
from eventdesk.errors import InvalidInput
from eventdesk.services.catalogue import events
from eventdesk.services.data.csvexport import export, neutralize
from eventdesk.services.data.csvio import import_attendees
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import tickets_of_attendee
from eventdesk.services.people.waitlist import list_waitlist
from tests.helpers import add_type, make_event

AWKWARD = (
    "\ufeff"  # a byte order mark, as Excel writes
    '"First Name";"Last Name";"E-Mail";"Ticket Type";"Company";"Order #"\r\n'
    'Zoë;Müller;zoe@example.com;VIP;"Nordlicht; GmbH";A-1\r\n'
    "\r\n"
    '"太郎";"山田";taro@example.jp;Regular;"株式会社 例";A-2\r\n'
    'Seán;"Ó Súilleabháin";SEAN@example.ie;regular;"Multi\r\nLine Ltd";A-2\r\n'
    ";;;;;\r\n"
    "Zoë;Müller;ZOE@example.com;VIP;Nordlicht;A-1\r\n"  # the same person again
    "Ana;Lima;ana@example.br;Regular;;\r\n"
)


@pytest.fixture
def event(store: Store) -> str:
    ev = make_event(store, capacity=3)
    add_type(store, ev, "VIP", tier=0)
    add_type(store, ev, "Regular")
    return ev


def write(tmp_path: Path, text: str, name: str = "people.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_awkward_file_imports_and_reimport_changes_nothing(
    store: Store, event: str, tmp_path: Path
) -> None:
    path = write(tmp_path, AWKWARD)
    dry = import_attendees(store, path, event, dry_run=True)
    assert (dry.imported, dry.skipped, dry.new_attendees, dry.waitlisted, dry.dry_run) == (
        4,
        1,
        4,
        1,
        True,
    )
    assert attendees.find_attendees(store, "") == []  # a dry run writes nothing
    done = import_attendees(store, path, event)
    assert (done.imported, done.skipped, done.new_attendees, done.waitlisted) == (4, 1, 4, 1)
    assert any("repeats row 2" in note for note in done.notes)
    people = {a.email: a for a in attendees.find_attendees(store, "")}
    assert set(people) == {
        "zoe@example.com",
        "taro@example.jp",
        "SEAN@example.ie",
        "ana@example.br",
    }
    assert (
        people["zoe@example.com"].name == "Zoë Müller"
        and people["zoe@example.com"].company == "Nordlicht; GmbH"
    )
    assert people["taro@example.jp"].name == "太郎 山田"
    assert people["SEAN@example.ie"].company == "Multi Line Ltd"  # the quoted line break
    assert [a.name for a in attendees.find_attendees(store, "sean o suil")] == [
        "Seán Ó Súilleabháin"
    ]
    assert events.show_event(store, event).registered == 3
    assert [w.email for w in list_waitlist(store, event)] == ["ana@example.br"]
    # The order number groups tickets into one order.
    taro, sean = (
        tickets_of_attendee(store, "taro@example.jp")[0],
        tickets_of_attendee(store, "SEAN@example.ie")[0],
    )
    assert taro.order_id == sean.order_id
    again = import_attendees(store, path, event)
    assert (again.imported, again.skipped, again.new_attendees) == (0, 5, 0)
    assert events.show_event(store, event).registered == 3


def test_single_name_column_comma_and_tabs(store: Store, event: str, tmp_path: Path) -> None:
    for n, (delimiter, name) in enumerate(((",", "Name"), ("\t", "Full Name"), ("|", "Attendee"))):
        row = delimiter.join([f"Pat Doe {n}", f"pat{n}@example.com", "VIP"])
        text = f"{name}{delimiter}Email{delimiter}Ticket\n{row}\n"
        assert import_attendees(store, write(tmp_path, text, f"f{n}.csv"), event).imported == 1


def test_broken_file_imports_nothing_and_names_every_bad_row(
    store: Store, event: str, tmp_path: Path
) -> None:
    text = (
        "Name,Email,Ticket Type,Company\n"
        "Good One,good@example.com,VIP,Acme\n"
        "No Email,,VIP,Acme\n"
        "Bad Type,bad@example.com,Platinum,Acme\n"
        "Too Many,many@example.com,VIP,Acme,extra,fields\n"
        "Not Email,not-an-email,Regular,\n"
    )
    with pytest.raises(InvalidInput) as caught:
        import_attendees(store, write(tmp_path, text), event)
    message = caught.value.message
    assert message.startswith("4 bad rows, nothing imported")
    assert "row 3 (email): missing" in message
    assert (
        "row 4 (ticket type): 'Platinum' is not a ticket type" in message
        and "known: Regular, VIP" in message
    )
    assert "row 5 (fields): 6 fields, the header has 4" in message
    assert "row 6 (email)" in message
    assert attendees.find_attendees(store, "") == []  # not even the good row


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "empty"),
        ("Name,Ticket\nA,VIP\n", "no email column"),
        ("Email,Ticket\na@example.com,VIP\n", "no name column"),
        ("Name,Email\nA,a@example.com\n", "no ticket type column"),
    ],
)
def test_files_that_cannot_be_read(
    store: Store, event: str, tmp_path: Path, text: str, says: str
) -> None:
    with pytest.raises(InvalidInput, match=says):
        import_attendees(store, write(tmp_path, text), event)


def test_not_utf8_and_missing_file(store: Store, event: str, tmp_path: Path) -> None:
    latin = tmp_path / "latin1.csv"
    latin.write_bytes("Name,Email,Ticket\nZoë,z@example.com,VIP\n".encode("latin-1"))
    with pytest.raises(InvalidInput, match="not UTF-8"):
        import_attendees(store, latin, event)
    with pytest.raises(InvalidInput, match="cannot read"):
        import_attendees(store, tmp_path / "nope.csv", event)


def test_export_round_trip_and_formula_cells(store: Store, event: str, tmp_path: Path) -> None:
    import_attendees(store, write(tmp_path, AWKWARD), event)
    attendees.add_attendee(
        store,
        name='=HYPERLINK("http://x","click")',
        email="evil@example.com",
        company="+1 cmd|' /C calc'!A0",
        phone="-2+3",
    )
    from eventdesk.services.people.registration import register

    register(store, event, "evil@example.com", "Regular")
    out = tmp_path / "attendees.csv"
    assert export(store, "attendees", event, out) == 5
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    evil = next(r for r in rows if r["Email"] == "evil@example.com")
    assert (
        evil["Name"].startswith("'=")
        and evil["Company"].startswith("'+")
        and evil["Phone"].startswith("'-")
    )
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())
    # Into another event: the same people, the formula guard taken off again.
    other = make_event(store)
    add_type(store, other, "VIP")
    add_type(store, other, "Regular")
    result = import_attendees(store, out, other)
    assert result.imported == 5 and result.new_attendees == 0
    assert (
        attendees.show_attendee(store, "evil@example.com").name == '=HYPERLINK("http://x","click")'
    )
    for kind in ("checkins", "scans", "payments"):
        assert export(store, kind, event, tmp_path / f"{kind}.csv") == 0
    assert (
        neutralize("@SUM(A1)") == "'@SUM(A1)" and neutralize(12) == "12" and neutralize(None) == ""
    )
