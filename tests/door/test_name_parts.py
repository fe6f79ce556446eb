"""Names as people write them (issue 60, item 1): a name's family part, where it came apart from
the whole name (an import's Last Name, ``attendee add --family``, ``register --family``), is the
part the lists sort under, so "Nguyễn Thị Minh Khai", written family name first, is listed with
the Ns (the name's last word put him with the Ks). A name given as one string sorts as before,
by its last word. Through the command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest

from eventdesk.collation import family_name, name_key
from eventdesk.db import Store
from eventdesk.names import given_of, holders_in_parts, name_in_parts
from eventdesk.services.catalogue.badge_layouts import badge_rows
from eventdesk.services.stats.door_list import door_list
from eventdesk.values import utcnow
from tests.clitools import Cli
from tests.door.test_door_list import pdf_text
from tests.helpers import add_type, make_event

KHAI = "Nguyễn Thị Minh Khai"  # family name first: Nguyễn
# By family name; each one's given name sorts in the same place, so the roll call (by the whole
# name, as the desk's search lists people) reads them in this order too.
IN_ORDER = ["Karl Kaiser", "Lena Lopez", KHAI, "Olga Otto", "Zoe Zorn"]


def an_event(store: Store, tag: str) -> str:
    """An event open now (so that its people can come in), with one free ticket type."""
    now = utcnow().replace(microsecond=0)
    slug = make_event(
        store,
        name=f"Name Parts Fair {tag}",
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=8)).isoformat(),
        timezone="Europe/Berlin",
    )
    add_type(store, slug, "Day", price_cents=0)
    return slug


def imported(cli: Cli, store: Store, tmp_path: Path, tag: str) -> str:
    """The people above imported from a file with a Name and a Last Name column (Khai's last
    name given, the others' left empty: told from the name)."""
    slug = an_event(store, tag)
    path = tmp_path / "people.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        out = csv.writer(file)
        out.writerow(["Name", "Last Name", "Email"])
        for n, name in enumerate(reversed(IN_ORDER)):
            out.writerow([name, "Nguyễn" if name == KHAI else "", f"parts-{tag}-{n}@example.org"])
    assert cli.json("import", "attendees", str(path), "--event", slug)["imported"] == len(IN_ORDER)
    return slug


def listed(cli: Cli, store: Store, slug: str, tmp_path: Path) -> dict[str, list[str]]:
    """The names in the order of each list: the paper door list (its PDF read back), the
    no-shows, a badge sheet's badges (sorted by surname) and, once everyone is in, the roll
    call."""
    pdf = tmp_path / f"{slug}.pdf"
    assert cli.json("report", "door-list", slug, "--pdf", str(pdf))["people"] == len(IN_ORDER)
    text = pdf_text(pdf)
    paper = sorted(IN_ORDER, key=text.index)
    assert [h.name for h in door_list(store, slug).holders] == paper  # the list itself
    no_shows = [row["name"] for row in cli.json("report", "no-shows", slug)]
    sheet = [row.name for row in badge_rows(store, slug, sort="surname").rows]
    for row in door_list(store, slug).holders:
        cli.json("checkin", "--ticket", row.ticket_id)
    inside = [row["name"] for row in cli.json("report", "inside", slug)]
    return {"door-list": paper, "no-shows": no_shows, "sheet": sheet, "inside": inside}


def test_a_last_name_imported_sorts_a_name_written_family_first_under_it(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    slug = imported(cli, store, tmp_path, "import")
    found = listed(cli, store, slug, tmp_path)
    assert found == dict.fromkeys(found, IN_ORDER)
    khai = cli.json("attendee", "show", "parts-import-2@example.org")
    assert (khai["name"], khai["family_name"], khai["given_name"]) == (
        KHAI,
        "Nguyễn",
        "Thị Minh Khai",
    )
    plain = cli.json("attendee", "show", "parts-import-0@example.org")  # Zoe Zorn, one string
    assert (plain["name"], plain["family_name"], plain["given_name"]) == ("Zoe Zorn", None, None)


def test_a_family_name_given_at_registration_sorts_the_lists(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    slug = an_event(store, "register")
    made = cli.json("attendee", "add", "--name", KHAI, "--family", "Nguyễn", "--email", "k@x.org")
    assert (made["name"], made["family_name"], made["given_name"]) == (
        KHAI,
        "Nguyễn",
        "Thị Minh Khai",
    )
    parts = cli.json(
        "attendee", "add", "--given", "Lena", "--family", "Lopez", "--email", "l@x.org"
    )
    assert (parts["name"], parts["family_name"]) == ("Lena Lopez", "Lopez")
    for name in ("Zoe Zorn", "Olga Otto"):  # one string each: told from the name
        cli.json("attendee", "add", "--name", name, "--email", f"{name[0].lower()}@x.org")
    for email in ("k@x.org", "l@x.org", "z@x.org", "o@x.org"):
        assert cli.json("register", slug, "--attendee", email, "--ticket-type", "Day")
    # Olga buys a ticket for Karl: his name in parts, on the ticket alone.
    bought = cli.json(
        "register", slug, "--attendee", "o@x.org", "--ticket-type", "Day",
        "--given", "Karl", "--family", "Kaiser",
    )  # fmt: skip
    assert [(t["holder"], t["holder_family_name"]) for t in bought["tickets"]] == [
        ("Karl Kaiser", "Kaiser")
    ]
    found = listed(cli, store, slug, tmp_path)
    assert found == dict.fromkeys(found, IN_ORDER)


def test_register_family_names_the_holder_written_whole_or_the_buyer(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    """``register --holder NAME --family F``: the holder as written, sorted under F; ``--family``
    alone: the buyer's own ticket, sorted under it; a name given whole sorts as before."""
    slug = an_event(store, "holders")
    cli.json("attendee", "add", "--name", "Minh Khai Nguyễn", "--email", "buyer@x.org")
    cli.json("attendee", "add", "--name", "Lena Lopez", "--email", "lena@x.org")
    cli.json("attendee", "add", "--name", "Zoe Zorn", "--email", "zoe@x.org")
    cli.json(
        "register", slug, "--attendee", "buyer@x.org", "--ticket-type", "Day",
        "--holder", "Olga Otto", "--holder", KHAI, "--family", "", "--family", "Nguyễn",
    )  # fmt: skip
    cli.json("register", slug, "--attendee", "zoe@x.org", "--ticket-type", "Day")
    cli.json(
        "register", slug, "--attendee", "lena@x.org", "--ticket-type", "Day",
        "--family", "Lopez",
    )  # fmt: skip
    names = [h.name for h in door_list(store, slug).holders]
    assert names == ["Lena Lopez", KHAI, "Olga Otto", "Zoe Zorn"]


def test_a_name_given_as_one_string_sorts_as_it_did() -> None:
    assert family_name(KHAI) == "Khai" and family_name(KHAI, "Nguyễn") == "Nguyễn"
    assert family_name("山田 太郎") == "山田" and family_name("Ana María López", " ") == "López"
    people = ["Zoe Zorn", KHAI, "Lena Lopez", "Karl Kaiser"]
    plain = sorted(people, key=name_key)
    assert plain == ["Karl Kaiser", KHAI, "Lena Lopez", "Zoe Zorn"]  # no part given: under K
    parts = {KHAI: "Nguyễn"}
    parted = sorted(people, key=lambda name: name_key(name, family=parts.get(name)))
    assert parted == ["Karl Kaiser", "Lena Lopez", KHAI, "Zoe Zorn"]


def test_names_in_parts_are_joined_and_told_apart() -> None:
    assert name_in_parts(None, "Lena", "Lopez") == ("Lena Lopez", "Lopez")
    assert name_in_parts(KHAI, None, "Nguyễn") == (KHAI, "Nguyễn")  # the whole name as written
    assert name_in_parts("Ana López", None, "  ") == ("Ana López", None)
    assert name_in_parts(None, "Thị Minh Khai", "Nguyễn", family_first=True)[0] == KHAI
    assert given_of(KHAI, "Nguyễn") == "Thị Minh Khai" and given_of("Lena Lopez", "Lopez") == "Lena"
    assert given_of("Ana López", None) is None and given_of("Ana López", "García") is None
    assert holders_in_parts(("Ida Adler",), ("", "Karl"), ("Adler", "Kaiser")) == (
        ["Ida Adler", "Karl Kaiser"],
        ["Adler", "Kaiser"],
    )
    from eventdesk.errors import InvalidInput

    with pytest.raises(InvalidInput, match="name is required"):
        name_in_parts(None, " ", None)


def test_attendee_update_changes_the_parts(cli: Cli) -> None:
    made = cli.json("attendee", "add", "--given", "Lena", "--family", "Lopez", "--email", "u@x.org")
    assert (made["name"], made["family_name"], made["given_name"]) == (
        "Lena Lopez",
        "Lopez",
        "Lena",
    )
    again = cli.json("attendee", "update", "u@x.org", "--given", "Lena María")
    assert (again["name"], again["family_name"]) == ("Lena María Lopez", "Lopez")
    again = cli.json("attendee", "update", "u@x.org", "--name", "López Lena", "--family", "López")
    assert (again["name"], again["family_name"], again["given_name"]) == (
        "López Lena",
        "López",
        "Lena",
    )
    again = cli.json("attendee", "update", "u@x.org", "--name", "Lena Ortiz")  # López is gone
    assert (again["name"], again["family_name"]) == ("Lena Ortiz", None)
    cli.json("attendee", "update", "u@x.org", "--family", "Ortiz")
    assert cli.json("attendee", "update", "u@x.org", "--family", "")["family_name"] is None
    _, err = cli.run("attendee", "add", "--email", "none@x.org", code=2)
    assert "name is required" in err
