"""The paper door list (``report door-list EVENT --pdf``, services.stats.door_list,
badges.door_list): every valid ticket's holder in the PDF, read back with pdftotext, sorted by
family name in the Unicode collation (Ångström with the As, "de la Cruz" under C, Nguyễn among
the Ns), with its ticket type, attention note and staff note, its ticket id; no cancelled
ticket. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from eventdesk.db import Store
from eventdesk.models import Ticket
from eventdesk.services.catalogue import events
from eventdesk.services.door.list_changes import ListChange, create_list
from eventdesk.services.people import attendees
from eventdesk.services.people.cancellation import cancel
from eventdesk.services.people.payments import pay
from eventdesk.services.people.registration import register
from eventdesk.services.stats.door_list import door_list
from eventdesk.values import money_text
from tests.clitools import Cli
from tests.helpers import add_type, make_event

pdftotext = shutil.which("pdftotext")
# The order a reader expects, by family name; listed here in another.
IN_ORDER = [
    "Ida Adler",  # a ticket its buyer (Olga Buyer) holds for her
    "Åsa Ångström",
    "Karl Berg",
    "Olga Buyer",
    "María de la Cruz",
    "Pieter van Dijk",
    "Tom Nash",
    "Lan Nguyễn",
    "Zoë Zorn",
]
REGISTERED = ["Zoë Zorn", "Lan Nguyễn", "Karl Berg", "Pieter van Dijk", "Tom Nash"]
REGISTERED += ["Åsa Ångström", "María de la Cruz"]


def pdf_text(path: Path) -> str:
    assert pdftotext is not None, "pdftotext (poppler-utils) is needed to read the PDF back"
    return subprocess.run(
        [pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def a_door_list_event(store: Store, tag: str) -> tuple[str, dict[str, str], str]:
    """An event with the people above (one with a staff note, one of a type with an attention
    note, a ticket bought for someone else) and a cancelled ticket; its slug, the tickets by
    holder, and the cancelled ticket."""
    slug = make_event(store, name=f"Door List Fair {tag}", timezone="Europe/Berlin")
    add_type(store, slug, "Day", price_cents=0)
    add_type(store, slug, "VIP", price_cents=0, attention="ID check: VIP wristband")
    people = [*REGISTERED, "Olga Buyer", "Rolf Gone"]
    emails = {name: f"doorlist-{tag}-{n}@example.org" for n, name in enumerate(people)}
    attendees.add_attendees_bulk(store, [{"name": n, "email": e} for n, e in emails.items()])
    attendees.set_attendee_column(store, emails["Karl Berg"], note="wheelchair: side door")
    tickets = {
        name: register(store, slug, emails[name], "VIP" if name == "Tom Nash" else "Day")
        .tickets[0]
        .ticket_id
        for name in REGISTERED
    }
    bought = register(
        store, slug, emails["Olga Buyer"], "Day", quantity=2, holders=[None, "Ida Adler"]
    )
    tickets["Olga Buyer"], tickets["Ida Adler"] = (t.ticket_id for t in bought.tickets)
    gone = register(store, slug, emails["Rolf Gone"], "Day").tickets[0].ticket_id
    cancel(store, gone)
    return slug, tickets, gone


def test_the_door_list_names_every_valid_ticket_by_family_name(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    slug, tickets, gone = a_door_list_event(store, "order")
    path = tmp_path / "door-list.pdf"
    made = cli.json("report", "door-list", slug, "--pdf", str(path))
    assert made == {"path": str(path), "people": len(IN_ORDER), "pages": 1, "list": None}
    text = pdf_text(path)
    places = [text.index(name) for name in IN_ORDER]
    assert places == sorted(places), text
    assert "Rolf Gone" not in text and gone not in text
    for name, ticket in tickets.items():  # each on its own row with its ticket id
        row = next(line for line in text.splitlines() if name in line)
        assert ticket in row, (name, row)
    berg = next(line for line in text.splitlines() if "Karl Berg" in line)
    assert "wheelchair: side door" in berg
    nash = next(line for line in text.splitlines() if "Tom Nash" in line)
    assert "VIP" in nash and "ID check: VIP wristband" in nash
    # Headed with the event, what it is for and when it was made, in the event's zone.
    assert "Door list: Door List Fair order" in text
    assert "9 valid tickets of the event: tick each person who comes in" in text
    assert re.search(r"made at \d{4}-\d\d-\d\d \d\d:\d\d CES?T; times in Europe/Berlin", text)
    assert "page 1 of 1" in text
    said = cli.out("report", "door-list", slug, "--pdf", str(path))
    assert f"door list written to {path} (1 page)" in said


def test_a_long_door_list_is_headed_and_numbered_on_every_page(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    slug, _tickets, _gone = a_door_list_event(store, "long")
    many = [f"Guest Doorlist{n:03d}" for n in range(70)]
    emails = [f"doorlist-many-{n}@example.org" for n in range(len(many))]
    attendees.add_attendees_bulk(
        store, [{"name": n, "email": e} for n, e in zip(many, emails, strict=True)]
    )
    for email in emails:
        register(store, slug, email, "Day")
    path = tmp_path / "long.pdf"
    made = cli.json("report", "door-list", slug, "--pdf", str(path))
    assert made["people"] == len(IN_ORDER) + len(many) and made["pages"] >= 3
    pages = pdf_text(path).split("\f")
    pages = [page for page in pages if page.strip()]
    assert len(pages) == made["pages"]
    for n, page in enumerate(pages, start=1):
        assert "Door list: Door List Fair long" in page and "made at" in page, n
        assert f"page {n} of {made['pages']}" in page
    text = "".join(pages)
    for name in [*IN_ORDER, *many]:
        assert text.count(name) == 1, name


def test_report_door_list_says_what_is_wrong_in_one_line(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    slug, _tickets, _gone = a_door_list_event(store, "wrong")
    for args, words in [
        (["no-such-fair", "--pdf", str(tmp_path / "x.pdf")], "no event 'no-such-fair'"),
        ([slug, "--pdf", str(tmp_path / "no-folder" / "x.pdf")], "cannot write"),
    ]:
        code, out, err = cli.call("report", "door-list", *args)
        assert code == 2, (args, out, err)
        assert out == "" and len(err.strip().splitlines()) == 1 and words in err, (args, err)


def test_a_self_service_kiosk_does_not_print_the_door_list(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    slug, _tickets, _gone = a_door_list_event(store, "kiosk")
    (cli.data_dir / "eventdesk.toml").write_text('[station]\nrole = "kiosk"\n')
    path = tmp_path / "kiosk.pdf"
    code, out, err = cli.call("report", "door-list", slug, "--pdf", str(path))
    assert code == 1 and "a self-service kiosk does not print it" in err, (out, err)
    assert not path.exists()


def test_the_door_list_marks_what_a_scan_would_refuse_or_ask(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    """A ticket that owes money (sent to the desk where the event refuses unpaid tickets), one
    the shop blocked or has not approved, one valid only from a time of its own, one whose type
    staff must admit: each row says so, as the door would; a paid ticket says nothing."""
    slug = make_event(store, name="Door List Marks", timezone="Europe/Berlin")
    add_type(store, slug, "Day", price_cents=2000)
    add_type(store, slug, "Press", price_cents=0, needs_staff=True)
    people = ["Ann Owing", "Bea Part", "Cy Blocked", "Di Waiting", "Ed Later", "Flo Press"]
    people += ["Gus Paid"]
    emails = {name: f"doorlist-marks-{n}@example.org" for n, name in enumerate(people)}
    attendees.add_attendees_bulk(store, [{"name": n, "email": e} for n, e in emails.items()])
    tickets = {
        name: register(store, slug, emails[name], "Press" if name == "Flo Press" else "Day")
        .tickets[0]
        .ticket_id
        for name in people
    }
    pay(store, tickets["Bea Part"], method="cash", amount_cents=500)
    for name in ("Cy Blocked", "Di Waiting", "Ed Later", "Gus Paid"):
        pay(store, tickets[name], method="cash")
    with store.write() as session:
        ticket = Ticket.__table__
        for name, values in (
            ("Cy Blocked", {"shop_hold": "blocked"}),
            ("Di Waiting", {"shop_hold": "approval"}),
            ("Ed Later", {"valid_from": datetime(2030, 6, 1, 12, 30, tzinfo=UTC)}),
        ):
            session.execute(ticket.update().where(ticket.c.id == tickets[name]).values(**values))

    path = tmp_path / "marks.pdf"
    cli.json("report", "door-list", slug, "--pdf", str(path))
    rows = {name: next(ln for ln in pdf_text(path).splitlines() if name in ln) for name in people}
    twenty, fifteen = money_text(2000, "EUR"), money_text(1500, "EUR")
    assert f"owes {twenty}: to the desk" in rows["Ann Owing"], rows["Ann Owing"]
    assert f"owes {fifteen}: to the desk" in rows["Bea Part"], rows["Bea Part"]
    assert "refuse: blocked by the shop" in rows["Cy Blocked"], rows["Cy Blocked"]
    assert "refuse: awaiting approval" in rows["Di Waiting"], rows["Di Waiting"]
    assert "valid from 01 Jun 14:30" in rows["Ed Later"], rows["Ed Later"]  # the event's clock
    assert "staff admits" in rows["Flo Press"], rows["Flo Press"]
    assert rows["Gus Paid"].split(tickets["Gus Paid"])[0].split("Day")[-1].strip() == ""
    listed = {h.name: h.door for h in door_list(store, slug).holders}
    assert listed["Gus Paid"] == "" and listed["Ann Owing"] == f"owes {twenty}: to the desk"

    # Where the event admits unpaid tickets the money is still said, not sent to the desk.
    events.update_event(store, slug, unpaid_policy="admit")
    listed = {h.name: h.door for h in door_list(store, slug).holders}
    assert listed["Ann Owing"] == f"owes {twenty}", listed


def a_list_of_the_vips(store: Store, slug: str) -> str:
    """A check-in list of the event's VIP type only, refusing unpaid tickets, open 09:00-12:00
    and asking one question; its slug."""
    made = create_list(
        store,
        slug,
        ListChange(
            name="VIP Lounge",
            ticket_types=["VIP"],
            unpaid="refuse",
            hours=["09:00-12:00"],
            questions=["drink:text:Welcome drink?"],
        ),
    )
    return made.slug


def check_marked_for_the_list(path: Path, tickets: dict[str, str]) -> None:
    """The list's door list as printed: its name and rules under the title, every ticket not
    of its type marked refused (and nothing else of the door's: the list refuses it first)."""
    text = pdf_text(path)
    assert "check-in list VIP Lounge; open 09:00-12:00; ask at the first entry: Welcome drink?" in (
        " ".join(text.split())
    ), text
    lines = text.splitlines()
    rows = {}
    for name, ticket in tickets.items():
        at = next(n for n, line in enumerate(lines) if name in line and ticket in line)
        above = lines[at - 1]  # a cell's first line, where it takes two (nothing else there)
        wrapped = above.strip() and not any(t in above for t in tickets.values())
        rows[name] = f"{above} {lines[at]}" if wrapped else lines[at]
    for name, row in rows.items():
        if name == "Tom Nash":  # the VIP
            assert "not on this list" not in row, row
        else:
            assert "refuse: not on this list" in row, row


def test_the_door_list_of_a_check_in_list_marks_whom_that_list_refuses(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    slug, tickets, _gone = a_door_list_event(store, "lists")
    events.update_event(store, slug, unpaid_policy="admit")
    with store.write() as session:  # the VIP owes 15.00
        ticket = Ticket.__table__
        session.execute(
            ticket.update()
            .where(ticket.c.id == tickets["Tom Nash"])
            .values(price_cents=1500, currency="EUR")
        )
    vips = a_list_of_the_vips(store, slug)
    path = tmp_path / "vip-lounge.pdf"
    made = cli.json("report", "door-list", slug, "--list", vips, "--pdf", str(path))
    assert made == {"path": str(path), "people": len(IN_ORDER), "pages": 1, "list": "VIP Lounge"}
    check_marked_for_the_list(path, tickets)
    owed = f"owes {money_text(1500, 'EUR')}: to the desk"  # the list refuses unpaid tickets
    assert owed in " ".join(pdf_text(path).split()), pdf_text(path)
    # The event's own door list: the event admits the money owed, no list refuses anyone.
    plain = {h.name: h.door for h in door_list(store, slug).holders}
    assert plain["Tom Nash"] == f"owes {money_text(1500, 'EUR')}", plain
    assert not any("not on this list" in door for door in plain.values())
    _out, err = cli.run("report", "door-list", slug, "--list", "nope", "--pdf", str(path), code=2)
    assert "no check-in list 'nope' for this event" in err
