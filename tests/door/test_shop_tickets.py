"""Tickets people already hold, from a shop's export (docs/cli.md, "Reports, stats, import and
export, backups"): `eventdesk import tickets FILE --from eventbrite|tito|csv` keeps each
ticket's barcode as its code, and our door admits that code as the shop printed it, by lookup:
online on SQLite and PostgreSQL, on every login kind, and offline from a station's copy.
Importing again changes only what changed; a ticket gone from the file is refused at the door.
The files are shaped as the shops name their columns (Eventbrite's attendee report, Tito's
ticket export)."""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from eventdesk.db import Store
from eventdesk.models import Ticket
from eventdesk.services.common import get_event
from eventdesk.services.data.shop_export import revoke
from eventdesk.services.door.checkin import Checkin
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from tests.clitools import Cli
from tests.door.test_outage import POSTGRESQL, backend_fixed
from tests.helpers import add_type, make_event, station_logins
from tests.offline_tools import open_event, synced_behind_proxy, ticket

__all__ = ["backend_fixed"]  # a fixture
PASSWORD = "pw-shop-tickets"
ORDERED = utcnow() - timedelta(days=30)  # when the exports say the orders were placed
DAY = f"{ORDERED:%Y-%m-%d}"
EVENTBRITE = (
    "Order #", "Order Date", "First Name", "Last Name", "Email", "Quantity", "Ticket Type",
    "Attendee #", "Barcode #", "Order Type", "Total Paid", "Attendee Status", "Company",
)  # fmt: skip
TITO = (
    "Number", "Ticket Created Date", "Ticket", "Ticket Full Name", "Ticket First Name",
    "Ticket Last Name", "Ticket Email", "Ticket Company Name", "Void Status", "Ticket Price",
    "Ticket Reference", "Order Reference", "Order Name", "Order Email",
)  # fmt: skip


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def barcode() -> str:
    """A barcode as Eventbrite prints them: 22 digits, unique to this test."""
    return str(uuid.uuid4().int)[:22].rjust(22, "1")


def open_now(store: Store) -> str:
    """An event running now, with a priced General Admission."""
    now = utcnow().replace(microsecond=0)
    slug = make_event(
        store,
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=6)).isoformat(),
    )
    add_type(store, slug, "General Admission", price_cents=2500)
    return slug


def eventbrite_row(
    order: str, first: str, last: str, email: str, code: str, **kw: str
) -> list[str]:
    return [
        order, f"{ORDERED:%Y-%m-%d %H:%M:%S}", first, last, email, "1",
        kw.get("kind", "General Admission"), "9" + order, code,
        kw.get("order_type", "Eventbrite Completed"), kw.get("paid", "25.00"),
        kw.get("status", "Attending"), kw.get("company", ""),
    ]  # fmt: skip


def three_imported(cli: Cli, slug: str, folder: Path) -> list[str]:
    """Three paid Eventbrite tickets imported for ``slug``: their barcodes."""
    codes = [barcode() for _ in range(3)]
    rows = [
        eventbrite_row(str(2000 + n), "Guest", f"N{n}", f"guest{n}.{slug}@example.org", code)
        for n, code in enumerate(codes)
    ]
    export = write_csv(folder / "attendees.csv", EVENTBRITE, rows)
    made = cli.json("import", "tickets", str(export), "--from", "eventbrite", "--event", slug)
    assert made["created"] == 3, made
    return codes


def answer(cli: Cli, code: str) -> str:
    got, out, err = cli.call("--json", "checkin", code)
    assert got in (0, 1), err
    return str(json.loads(out)["result"])


def test_an_eventbrite_export_opens_the_door_and_a_second_import_changes_what_changed(
    cli: Cli, store: Store, signer: Signer, tmp_path: Path
) -> None:
    slug = open_now(store)
    ana, bo, cy, di = (barcode() for _ in range(4))
    rows = [
        eventbrite_row("1001", "Ana", "Lima", "ana.lima@example.org", ana, company="Acme"),
        eventbrite_row(
            "1002", "Bo", "Chen", "bo.chen@example.org", bo,
            order_type="Pay at the door", paid="0.00",
        ),
        eventbrite_row("1003", "Cy", "Dahl", "cy.dahl@example.org", cy, status="Not Attending"),
        eventbrite_row("1004", "Di", "Eze", "not-an-email", di),
        eventbrite_row("1005", "Ed", "Fox", "ed.fox@example.org", ana, kind="VIP Pass"),
    ]  # fmt: skip
    export = write_csv(tmp_path / "attendees.csv", EVENTBRITE, rows)
    made = cli.json("import", "tickets", str(export), "--from", "eventbrite", "--event", slug)
    assert (made["created"], made["updated"], made["gone"]) == (3, 0, 0)
    assert [p.split(":")[0] for p in made["problems"]] == ["row 5", "row 6"], made["problems"]
    assert "not an email" in made["problems"][0] and ana in made["problems"][1]

    # The codes as the shop printed them, at our door.
    assert answer(cli, ana) == "ok"
    assert answer(cli, ana) == "already_checked_in"
    assert answer(cli, bo) == "unpaid"  # the shop was not paid: the type's price is due
    assert answer(cli, cy) == "revoked"  # not attending: cancelled in the shop
    assert answer(cli, di) == "invalid"  # never imported
    assert answer(cli, barcode()) == "invalid"
    with store.read() as session:
        held = session.scalars(select(Ticket.qr_payload).where(Ticket.qr_payload.in_([ana, bo])))
        assert sorted(held) == sorted([ana, bo])
    # The desk finds a person by the shop's order code.
    found = cli.json("attendee", "find", "1002")
    assert [p["email"] for p in found] == ["bo.chen@example.org"]

    again = cli.json("import", "tickets", str(export), "--from", "eventbrite", "--event", slug)
    assert (again["created"], again["updated"], again["unchanged"], again["gone"]) == (0, 0, 3, 0)

    # Bo paid since; Ana's ticket is gone from the shop.
    rows[1] = eventbrite_row("1002", "Bo", "Chen", "bo.chen@example.org", bo)
    del rows[4], rows[0]  # Ana's code is on two rows: both go
    write_csv(export, EVENTBRITE, rows)
    third = cli.json("import", "tickets", str(export), "--from", "eventbrite", "--event", slug)
    assert (third["created"], third["updated"], third["unchanged"], third["gone"]) == (0, 1, 1, 1)
    assert answer(cli, bo) == "ok"
    assert answer(cli, ana) in ("revoked", "already_checked_in")
    with store.read() as session:
        status = session.scalar(select(Ticket.status).where(Ticket.qr_payload == ana))
    assert status == "cancelled"


def test_tito_and_any_csv_by_their_columns(
    cli: Cli, store: Store, signer: Signer, tmp_path: Path
) -> None:
    slug = open_now(store)
    tito = write_csv(
        tmp_path / "tito.csv",
        TITO,
        [
            ["1", DAY, "Early Bird", "Lea Roth", "Lea", "Roth", "lea@example.org",
             "", "", "90.00", "GIAO-1", "GIAO", "Max Roth", "max@example.org"],
            ["2", DAY, "Early Bird", "", "", "", "", "", "", "90.00", "GIAO-2", "GIAO",
             "Max Roth", "max@example.org"],
            ["3", DAY, "Early Bird", "Ola Berg", "Ola", "Berg", "ola@example.org",
             "", "void", "90.00", "KQZT-1", "KQZT", "Ola Berg", "ola@example.org"],
        ],
    )  # fmt: skip
    made = cli.json("import", "tickets", str(tito), "--from", "tito", "--event", slug)
    assert (made["created"], made["problems"], made["types_created"]) == (3, [], ["Early Bird"])
    assert answer(cli, "GIAO-1") == "ok"
    assert answer(cli, "GIAO-2") == "ok"  # an unassigned ticket: the order's buyer
    assert answer(cli, "KQZT-1") == "revoked"

    own = open_event(store, signer, 1)
    codes = [f"GATE-{uuid.uuid4().hex[:10]}" for _ in range(2)]
    plain = write_csv(
        tmp_path / "list.csv",
        ("Full Name", "E-mail", "Ticket Barcode", "Paid", "Price"),
        [
            ("Rui Costa", "rui@example.org", codes[0], "yes", "15.00"),
            ("Sol Vidal", "sol@example.org", codes[1], "no", "15.00"),
            ("Tom Weiss", "tom@example.org", own.payloads[0], "yes", "15.00"),
        ],
    )
    refused = cli.run("import", "tickets", str(plain), "--from", "csv", "--event", slug, code=2)[1]
    assert "--code-column" in refused and "Traceback" not in refused
    made = cli.json(
        "import", "tickets", str(plain), "--from", "csv", "--event", slug,
        "--code-column", "Ticket Barcode",
    )  # fmt: skip
    assert made["created"] == 2
    (problem,) = made["problems"]  # our own ticket's code is not the shop's to take
    assert problem.startswith("row 4:") and own.ticket_ids[0] in problem
    assert answer(cli, codes[0]) == "ok"
    assert answer(cli, codes[1]) == "unpaid"  # the file's price is due
    assert answer(cli, own.payloads[0]) == "wrong_event"  # still our own ticket, of its event


def test_a_batch_of_shop_codes_and_our_own_payloads(
    store: Store, signer: Signer, tmp_path: Path, cli: Cli
) -> None:
    """A wedge scanner's burst (services.door.batch): shop codes looked up together, our own
    payloads checked by signature, in one transaction."""
    codes = three_imported(cli, open_now(store), tmp_path)
    own = open_event(store, signer, 2)
    door = Checkin(store, station="Door 1")
    lines = [codes[0], own.payloads[0], codes[1], "garbage", codes[0], own.payloads[1], codes[2]]
    results = [r.result for r in door.scan_many(lines)]
    assert results == ["ok", "ok", "ok", "invalid", "already_checked_in", "ok", "ok"]


@pytest.fixture
def logins(db_url: str, store: Store) -> Iterator[dict[str, str]]:
    with station_logins(db_url, store, "shop", PASSWORD) as names:
        yield {"organizer": "", **names}


@pytest.mark.slow  # stations as processes, behind a proxy the test cuts
@POSTGRESQL
@pytest.mark.parametrize("kind", ["organizer", "door", "desk"])
def test_every_login_admits_a_shop_code_online_and_from_its_copy(
    backend_fixed: None,
    kind: str,
    db_url: str,
    store: Store,
    signer: Signer,
    logins: dict[str, str],
    cli: Cli,
    tmp_path: Path,
) -> None:
    slug = open_now(store)
    codes = three_imported(cli, slug, tmp_path)
    revoked = barcode()  # a code the shop revoked: said so offline too
    with store.write() as session:
        revoke(session, get_event(session, slug).id, revoked, None, utcnow())
    with synced_behind_proxy(db_url, kind, logins, PASSWORD, tmp_path) as (door, proxy):
        (online,) = door.scan_lines([codes[0]])
        assert (online["result"], online.get("offline", False)) == ("ok", False), online
        proxy.cut()
        offline = door.scan_lines([codes[1], codes[1], barcode(), revoked])
        assert [(a["result"], a["offline"]) for a in offline] == [
            ("ok", True),
            ("already_checked_in", True),
            ("invalid", True),
            ("invalid", True),
        ], offline
        assert "revoked" not in offline[2]["message"]
        assert "the shop revoked this code" in offline[3]["message"], offline[3]
        proxy.restore()
        synced = door.run("sync")
        assert synced.code == 0, synced.err
    with store.read() as session:
        found = select(Ticket.qr_payload, Ticket.id).where(Ticket.qr_payload.in_(codes))
        held = {str(code): str(ticket_id) for code, ticket_id in session.execute(found)}
    rows = [ticket(store, held[code]) for code in codes]
    assert [row.checked_in_at is not None for row in rows] == [True, True, False]
    assert rows[1].checked_in_station == door.name
