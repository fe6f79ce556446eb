"""A person's badge name (issue 44): the shorter name their badges print instead of their full
name. Kept with the attendee (checked as a name is, "" clears it), read by an import's column,
written in the exports and what a person is given, erased when they are forgotten; a badge and a
sheet of badges print it on the tickets that are their own, never on one bought for someone
else, and a sheet sorted by surname still sorts on the full name. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest

from badges.badge import event_badges, load_badge
from badges.fonts import has_font_for
from badges.render import render
from eventdesk.db import Store
from eventdesk.errors import InvalidInput
from eventdesk.services.data.csvexport import export
from eventdesk.services.data.csvio import import_attendees
from eventdesk.services.people.attendees import (
    add_attendee,
    find_attendees,
    set_badge_name,
    show_attendee,
    update_attendee,
)
from eventdesk.services.people.forget import forget_attendee, personal_data
from eventdesk.services.people.registration import register
from tests.helpers import add_type, make_event

LONG_NAME = "Maximiliane Alexandra von Hohenzollern-Sigmaringen-Württemberg"
SHORT = "Maxi von Hohenzollern"
pdftotext = shutil.which("pdftotext")


def test_a_badge_name_is_kept_changed_and_cleared(store: Store) -> None:
    made = add_attendee(store, name=LONG_NAME, email="maxi@example.de", badge_name=f"  {SHORT} ")
    assert made.badge_name == SHORT  # trimmed
    assert show_attendee(store, made.id).badge_name == SHORT
    # Another change keeps it; None keeps it; "" (or blanks) clears it.
    assert update_attendee(store, made.id, company="Haus Hohenzollern").badge_name == SHORT
    assert update_attendee(store, made.id, badge_name="Maxi").badge_name == "Maxi"
    assert update_attendee(store, made.id, badge_name="   ").badge_name is None
    assert set_badge_name(store, made.id, "Maxi H.").badge_name == "Maxi H."
    assert set_badge_name(store, "maxi@example.de", "").badge_name is None
    assert show_attendee(store, made.id).badge_name is None
    plain = add_attendee(store, name="Bo Li", email="bo@example.com")
    assert plain.badge_name is None


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("M" * 101, "badge name is longer than 100 characters"),
        ("Maxi\x1b[31m", "badge name contains control characters"),
        ("Maxi\u202eiskaM", "badge name contains control characters"),
    ],
    ids=["too-long", "escape", "bidi-override"],
)
def test_a_badge_name_is_checked_as_a_name_is(store: Store, given: str, says: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        add_attendee(store, name="Bo Li", email="bo@example.com", badge_name=given)
    assert says in refused.value.message and refused.value.field == "badge_name"
    assert find_attendees(store, "bo") == []  # nothing was added
    person = add_attendee(store, name="Bo Li", email="bo@example.com", badge_name="Bo")
    for change in (update_attendee, set_badge_name):
        with pytest.raises(InvalidInput, match=says):
            change(store, person.id, badge_name=given)  # type: ignore[operator]
    assert show_attendee(store, person.id).badge_name == "Bo"


def test_a_badge_prints_the_badge_name_only_on_a_ticket_of_their_own(store: Store) -> None:
    event = make_event(store)
    add_type(store, event, "Regular", price_cents=0)
    maxi = add_attendee(store, name=LONG_NAME, email="maxi@example.de", badge_name=SHORT)
    own = register(store, event, maxi.id, "Regular").tickets[0].ticket_id
    # Bought for someone else, the ticket prints its holder, whatever the buyer's badge name;
    # named after the buyer, it is theirs.
    order = register(store, event, maxi.id, "Regular", holders=["Zoë Adler", LONG_NAME])
    other, named_self = (t.ticket_id for t in order.tickets)
    ann = add_attendee(store, name="Ann Aaberg", email="ann@example.com")
    plain = register(store, event, ann.id, "Regular").tickets[0].ticket_id
    bea = add_attendee(store, name="Bea Zuse", email="bea@example.com", badge_name="Bea Abel")
    last = register(store, event, bea.id, "Regular").tickets[0].ticket_id

    tickets = (own, other, named_self, plain, last)
    printed = {t: load_badge(store, t).name for t in tickets}
    assert printed == {
        own: SHORT,
        other: "Zoë Adler",
        named_self: SHORT,
        plain: "Ann Aaberg",
        last: "Bea Abel",
    }
    on_sheet = event_badges(store, event, sort="surname")
    assert {b.ticket_id: b.name for b in on_sheet} == printed
    # Sorted on the full names' surnames (Aaberg, Adler, Hohenzollern..., Zuse): Bea's badge
    # name (Abel) would put her second.
    order = [b.ticket_id for b in on_sheet]
    assert order[:2] == [plain, other] and order[-1] == last, order
    update_attendee(store, maxi.id, badge_name="")
    assert load_badge(store, own).name == LONG_NAME


def test_an_import_reads_a_badge_name_column(store: Store, tmp_path: Path) -> None:
    event = make_event(store)
    add_type(store, event, "Regular", price_cents=0)
    sheet = tmp_path / "people.csv"
    too_long = "B" * 101
    rows = [
        "First Name,Last Name,Email,Name on Badge",
        f"Maximiliane Alexandra,von Hohenzollern-Sigmaringen-Württemberg,maxi@example.de,{SHORT}",
        "Ben,Lang,ben@example.com,",
        f"Cy,Lang,cy@example.com,{too_long}",
    ]
    sheet.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as refused:  # all or nothing: the bad row is named
        import_attendees(store, sheet, event)
    assert "row 4 (badge name)" in refused.value.message, refused.value.message
    assert find_attendees(store, "lang") == []
    sheet.write_text("\n".join(rows[:-1]) + "\n", encoding="utf-8")
    import_attendees(store, sheet, event)
    kept = {p.email: show_attendee(store, p.id).badge_name for p in find_attendees(store, "")}
    assert kept == {"maxi@example.de": SHORT, "ben@example.com": None}


@pytest.mark.parametrize("header", ["Badge Name", "badge_name", "Namensschild", "Nickname"])
def test_an_import_knows_the_badge_name_column_by_its_usual_names(
    store: Store, tmp_path: Path, header: str
) -> None:
    event = make_event(store)
    add_type(store, event, "Regular", price_cents=0)
    sheet = tmp_path / "people.csv"
    sheet.write_text(f"Name,Email,{header}\nMaxi Hohenzollern,maxi@example.de,Maxi\n", "utf-8")
    import_attendees(store, sheet, event)
    [person] = find_attendees(store, "maxi")
    assert show_attendee(store, person.id).badge_name == "Maxi"


def test_the_exports_and_what_a_person_is_given_hold_it_and_forgetting_erases_it(
    store: Store, tmp_path: Path
) -> None:
    event = make_event(store)
    add_type(store, event, "Regular", price_cents=0)
    maxi = add_attendee(store, name=LONG_NAME, email="maxi@example.de", badge_name=SHORT)
    own = register(store, event, maxi.id, "Regular").tickets[0].ticket_id
    other = register(store, event, maxi.id, "Regular", holders=["Zoë Adler"]).tickets[0].ticket_id
    out = tmp_path / "attendees.csv"
    assert export(store, "attendees", event, out) == 2
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = {row["Ticket ID"]: row for row in csv.DictReader(fh)}
    assert rows[own]["Badge Name"] == SHORT and rows[own]["Name"] == LONG_NAME
    assert rows[other]["Badge Name"] == ""  # Zoë's badge prints her name
    # The export goes back in as it came out: the column is the import's.
    again = make_event(store)
    add_type(store, again, "Regular", price_cents=0)
    forget_attendee(store, maxi.id)  # ...once the person it names is gone from here
    import_attendees(store, out, again)
    reimported = [p for p in find_attendees(store, "hohenzollern") if p.id != maxi.id]
    assert [show_attendee(store, p.id).badge_name for p in reimported] == [SHORT]

    assert personal_data(store, reimported[0].id)["attendee"]["badge_name"] == SHORT
    forgotten = show_attendee(store, maxi.id)
    assert forgotten.badge_name is None and forgotten.name.startswith("Forgotten ")
    assert personal_data(store, maxi.id)["attendee"]["badge_name"] is None


@pytest.mark.skipif(pdftotext is None, reason="pdftotext (poppler-utils) is not installed")
@pytest.mark.skipif(
    not has_font_for(LONG_NAME),
    reason="no font on this machine draws Latin names (.ci/run installs fonts-noto-core)",
)
def test_the_pdf_badge_prints_the_badge_name(store: Store, tmp_path: Path) -> None:
    event = make_event(store)
    add_type(store, event, "Regular", price_cents=0)
    maxi = add_attendee(store, name=LONG_NAME, email="maxi@example.de", badge_name=SHORT)
    ticket = register(store, event, maxi.id, "Regular").tickets[0].ticket_id
    path = tmp_path / "badge.pdf"
    path.write_bytes(render(load_badge(store, ticket), "pdf"))
    text = subprocess.run(
        [str(pdftotext), str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    words = text.split()
    assert " ".join(SHORT.split()) in " ".join(words), text
    assert "Maximiliane" not in text and "Württemberg" not in text
