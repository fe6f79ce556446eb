"""The paper door list (``report door-list EVENT --pdf``, services.stats.door_list,
badges.door_list): every valid ticket's holder in the PDF, read back with pdftotext, sorted by
family name in the Unicode collation (Ångström with the As, "de la Cruz" under C, Nguyễn among
the Ns), with its ticket type, attention note and staff note, its ticket id; no cancelled
ticket. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from eventdesk.db import Store
from eventdesk.services.people import attendees
from eventdesk.services.people.cancellation import cancel
from eventdesk.services.people.registration import register
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
    assert made == {"path": str(path), "people": len(IN_ORDER), "pages": 1}
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
