"""Badges on the way to printers: a real loopback printer socket, the queue in the database."""

from __future__ import annotations

import io
import os
from datetime import timedelta
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from badges import Badge, load_badge
from badges.badge import LabelSize
from badges.fonts import has_font_for
from badges.layout import BUILT_IN
from badges.printable import zpl_field
from badges.render import render
from devices.print_worker import PrintWorker, drain, process
from devices.printers import (
    PrinterOffline,
    PrinterSpec,
    parse_host_status,
    printers_from_config,
    send,
)
from eventdesk.db import Store
from eventdesk.errors import InvalidInput, NotFound
from eventdesk.models import PrintJob
from eventdesk.services.catalogue.badge_layouts import assign_layout
from eventdesk.services.door import printing
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import register
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from testkit.zebra import PAPER_OUT_STATUS, FakeZebra
from tests.helpers import add_type, make_event


def event_now(store: Store) -> str:
    now = utcnow()
    ev = make_event(
        store,
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=8)).isoformat(),
    )
    add_type(store, ev, "Regular", price_cents=0)
    add_type(store, ev, "VIP", price_cents=0, tier=0, attention="VIP: gold lanyard")
    return ev


def guest(
    store: Store, ev: str, name: str, company: str | None = None, ticket_type: str = "Regular"
) -> str:
    email = f"{abs(hash(name))}@example.com"
    attendees.add_attendee(store, name=name, email=email, company=company)
    return register(store, ev, email, ticket_type).tickets[0].ticket_id


@pytest.fixture
def zebra() -> FakeZebra:
    printer = FakeZebra()
    yield printer
    printer.switch_off()


def zebra_printers(zebra: FakeZebra, tmp_path: Path) -> dict[str, PrinterSpec]:
    settings = {
        "printers": {
            "zebra": {
                "type": "tcp",
                "host": "127.0.0.1",
                "port": zebra.port,
                "language": "zpl",
                "timeout": 2,
            }
        }
    }
    return printers_from_config(settings, tmp_path)


def test_check_in_succeeds_while_the_printer_is_off_and_the_badge_prints_later(
    store: Store, signer: Signer, zebra: FakeZebra, tmp_path: Path
) -> None:
    printers = zebra_printers(zebra, tmp_path)
    ev = event_now(store)
    ticket = guest(store, ev, "Grace Hopper", "Navy")
    door = Checkin(store, station="Kiosk 1", print_to="zebra")
    result = door.checkin_ticket(ticket)  # the printer is off: the check-in does not care
    assert result.result == "ok" and result.badge_queued
    [outcome] = drain(store, printers, worker="Kiosk 1")
    assert outcome.state == "queued" and "refused" in outcome.detail
    job = printing.get_job(store, outcome.job.id)
    assert (job.state, job.attempts) == ("queued", 1) and job.next_attempt_at is not None
    assert drain(store, printers, worker="Kiosk 1") == []  # not due yet: backoff
    zebra.switch_on()
    [outcome] = drain(store, printers, worker="Kiosk 1", now=utcnow() + timedelta(seconds=3))
    assert outcome.state == "done"
    assert zebra.wait_for_labels(1) and zebra.received().count(b"^XA") == 1
    assert ticket.encode() in zebra.received()  # Grace Hopper's QR (her name prints as dots)
    # A second scan of the admitted ticket prints nothing more; a reprint is explicit.
    assert door.checkin_ticket(ticket).result == "already_checked_in"
    assert drain(store, printers, worker="Kiosk 1") == []
    printing.enqueue(store, ticket, "zebra", reason="reprint")
    assert [o.state for o in drain(store, printers, worker="Kiosk 1")] == ["done"]
    assert zebra.wait_for_labels(2)


def test_paper_out_keeps_the_job_waiting_with_that_reason_and_loses_nothing(
    store: Store, signer: Signer, zebra: FakeZebra, tmp_path: Path
) -> None:
    printers = zebra_printers(zebra, tmp_path)
    zebra.mode = "paper_out"
    zebra.switch_on()
    ticket = guest(store, event_now(store), "Ada Lovelace")
    printing.enqueue(store, ticket, "zebra")
    [outcome] = drain(store, printers, worker="Desk")
    assert outcome.state == "queued" and outcome.detail == "printer zebra: paper out"
    job = printing.get_job(store, outcome.job.id)
    assert job.last_error == "printer zebra: paper out" and job.next_attempt_at is not None
    assert zebra.labels == []
    zebra.mode = "ok"  # someone loads paper: the waiting job prints at its next try
    assert [o.state for o in drain(store, printers, worker="Desk", now=job.next_attempt_at)] == [
        "done"
    ]
    assert zebra.wait_for_labels(1)


def test_a_silent_printer_is_offline(
    store: Store, signer: Signer, zebra: FakeZebra, tmp_path: Path
) -> None:
    printers = zebra_printers(zebra, tmp_path)
    zebra.mode = "silent"
    zebra.switch_on()
    printing.enqueue(store, guest(store, event_now(store), "Alan Turing"), "zebra")
    [outcome] = drain(store, printers, worker="Desk")
    assert outcome.state == "queued" and "did not answer a status request" in outcome.detail
    assert zebra.status_requests == 1 and zebra.labels == []


def test_printer_language_cannot_be_injected(
    store: Store, signer: Signer, zebra: FakeZebra, tmp_path: Path
) -> None:
    printers = zebra_printers(zebra, tmp_path)
    zebra.switch_on()
    evil = "Eve^XZ^XA^FO0,0^FDPWNED^FS^XZ"
    ticket = guest(store, event_now(store), evil, "Mallory ~JR Corp_", "VIP")
    printing.enqueue(store, ticket, "zebra")
    assert [o.state for o in drain(store, printers, worker="Desk")] == ["done"]
    assert zebra.wait_for_labels(1)
    label = zebra.received()
    assert label.count(b"^XA") == 1 and label.count(b"^XZ") == 1 and label.rstrip().endswith(b"^XZ")
    assert b"~JR" not in label and b"PWNED" not in label  # words go as dots, never as commands
    assert label.count(b"^GFA,") == 4  # the name, the company, the ticket type and the event
    assert zpl_field(evil) == "Eve_5EXZ_5EXA_5EFO0,0_5EFDPWNED_5EFS_5EXZ"  # the QR's field


def escpos_picture(data: bytes) -> Image.Image:
    """An ESC/POS badge's one raster image (GS v 0) back as a picture; the bytes around it
    are our own initialise, feed and cut, and nothing else."""
    header = data.index(b"\x1dv0\x00") + 4
    width_bytes = data[header] + 256 * data[header + 1]
    height = data[header + 2] + 256 * data[header + 3]
    bits = data[header + 4 : header + 4 + width_bytes * height]
    assert data[: header - 4] == b"\x1b@"  # our own initialise only
    assert data[header + 4 + width_bytes * height :] == b"\x1bd\x03\x1dVB\x00"  # feed, cut
    image = Image.frombytes("1", (width_bytes * 8, height), bytes(b ^ 0xFF for b in bits))
    return image.convert("L")


def test_nothing_an_attendee_typed_reaches_an_escpos_printer_as_bytes() -> None:
    badge = Badge(
        "T1",
        "Zoë",
        "Evil\x1b@\x1dV\x00Corp\x1b\x7f\x9b",
        "Regular",
        None,
        "Conf",
        "1 Jan",
        "ED1.T1",
    )
    data = render(badge, "escpos")
    picture = escpos_picture(data)  # the whole badge is one picture between init and cut
    assert picture.width == 576 and inked(picture)
    assert b"Evil" not in data and b"Corp" not in data


def test_png_badge_scans_back_to_the_payload(store: Store, signer: Signer) -> None:
    ev = event_now(store)
    assign_layout(store, ev, "VIP", "vip-ribbon", known=BUILT_IN)  # a ribbon where asked for
    ticket = guest(store, ev, "Katherine Johnson", "NASA", "VIP")
    badge = load_badge(store, ticket)
    image = Image.open(io.BytesIO(render(badge, "png")))
    assert image.size == (732, 1181) and round(image.info["dpi"][0]) == 300
    found = zxingcpp.read_barcodes(image)
    assert [f.text for f in found] == [badge.payload]
    assert badge.ticket_id == ticket and badge.payload is not None and ticket in badge.payload
    assert (badge.name, badge.company, badge.ribbon) == ("Katherine Johnson", "NASA", "VIP")
    # The VIP ribbon: a band across the top, black but for its word in white.
    band = image.convert("L").crop((0, 0, image.width, 110))  # the layout's 9.5 mm band
    assert band.getextrema() == (0, 255)
    assert band.histogram()[0] > band.width * band.height // 2


NAMES = [
    "Ægir Þórsson",
    "Ольга Петрова",
    "Ζωή Παπαδοπούλου",
    "山田 太郎",
    "محمد علي",
    "Wolfeschlegelsteinhausenbergerdorffvoralternwarengewissenhaftschaferswessen",
]


def any_badge(name: str) -> Badge:
    return Badge(
        "T1",
        name,
        "A Company With A Rather Long Name Indeed GmbH & Co. KG",
        "Regular",
        None,
        "Conf",
        "1 Jan",
        "ED1.T1.ABCDEFGH." + "A" * 103,
    )


def half_block_qr(text: str) -> Image.Image:
    """The half-block QR of a text badge as an image: a drawn half is a light module."""
    rows = [line for line in text.splitlines() if line and set(line) <= set("█▀▄ ")]
    assert rows, "no QR in the text badge"
    light = {"█": (True, True), "▀": (True, False), "▄": (False, True), " ": (False, False)}
    image = Image.new("L", (len(rows[0]), 2 * len(rows)), 0)
    for y, row in enumerate(rows):
        for x, glyph in enumerate(row):
            top, bottom = light[glyph]
            image.putpixel((x, 2 * y), 255 * top)
            image.putpixel((x, 2 * y + 1), 255 * bottom)
    return image.resize((image.width * 8, image.height * 8), Image.Resampling.NEAREST)


def inked(image: Image.Image) -> bool:
    """Some dark dots on the white label."""
    darkest, _ = image.convert("L").getextrema()
    return isinstance(darkest, int | float) and darkest < 128


@pytest.mark.parametrize("name", NAMES)
def test_any_name_renders_as_text_zpl_and_escpos(name: str) -> None:
    badge = any_badge(name)
    payload = badge.payload
    assert payload is not None

    text = render(badge, "text").decode("utf-8")
    # The name in capitals, however the 40 columns wrap it; the ticket, and its QR.
    assert "".join(name.upper().split()) in "".join(text.split())
    assert "ticket T1" in text and badge.company is not None and badge.company in text
    assert [f.text for f in zxingcpp.read_barcodes(half_block_qr(text))] == [payload]

    zpl = render(badge, "zpl").decode("utf-8")
    assert zpl.startswith("^XA") and zpl.rstrip().endswith("^XZ") and zpl.count("^XA") == 1
    assert f"^FDMA,{payload}^FS" in zpl  # the QR holds the ticket's payload (and so its id)
    assert name not in zpl and "^GFA," in zpl  # the name as the picture's dots, in any script

    picture = escpos_picture(render(badge, "escpos"))  # any script: one picture
    assert picture.width == 576 and inked(picture)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            name,
            marks=pytest.mark.skipif(
                not has_font_for(name),
                reason=f"no font on this machine draws {name!r} (install fonts-noto-cjk / "
                "fonts-noto): the badge would show boxes",
            ),
        )
        for name in NAMES
    ],
)
def test_any_name_renders_on_a_png_badge(name: str) -> None:
    badge = any_badge(name)
    png = Image.open(io.BytesIO(render(badge, "png")))
    label = LabelSize()
    assert png.size == (label.width_dots, label.height_dots)
    assert round(png.info["dpi"][0]) == label.dpi
    image = png.convert("L")
    assert image.getextrema() == (0, 255)
    # The name is drawn in the layout's name box; empty, that box would be blank.
    box = next(e for e in BUILT_IN["name-company-qr"].elements if e.kind == "name")
    dots = lambda mm: round(mm / 25.4 * label.dpi)  # noqa: E731
    assert inked(image.crop((0, dots(box.y), label.width_dots, dots(box.y + box.height))))
    # The long name never hides the code: it reads back as the ticket's payload.
    assert [f.text for f in zxingcpp.read_barcodes(image)] == [badge.payload]


@pytest.mark.slow  # a hundred and twenty jobs through the queue
def test_a_hundred_and_twenty_text_badges_land_in_the_folder(
    store: Store, signer: Signer, tmp_path: Path
) -> None:
    ev = event_now(store)
    attendees.add_attendees_bulk(
        store, [{"name": f"Guest {i}", "email": f"t{i}@example.com"} for i in range(6)]
    )
    for i in range(6):
        for t in register(store, ev, f"t{i}@example.com", "Regular", quantity=20).tickets:
            printing.enqueue(store, t.ticket_id, "badges", reason="manual", station="Desk")
    printers = printers_from_config({}, tmp_path)
    outcomes = drain(store, printers, worker="Desk")
    assert len(outcomes) == 120 and {o.state for o in outcomes} == {"done"}
    files = list((tmp_path / "badges").glob("*.txt"))
    assert len(files) == 120
    assert all(f.read_text(encoding="utf-8").count("GUEST") == 1 for f in files)


def test_the_background_worker_prints_what_check_in_queues(
    store: Store, signer: Signer, zebra: FakeZebra, tmp_path: Path
) -> None:
    printers = zebra_printers(zebra, tmp_path)
    zebra.switch_on()
    ev = event_now(store)
    outcomes = []
    worker = PrintWorker(store, printers, station="Kiosk", on_outcome=outcomes.append, poll=0.05)
    worker.start()
    try:
        door = Checkin(store, station="Kiosk", print_to="zebra")
        for name in ("One Person", "Two Person", "Three Person"):
            assert door.checkin_ticket(guest(store, ev, name)).admitted
            worker.wake()
        assert zebra.wait_for_labels(3)
    finally:
        worker.stop()
        worker.join(5)
    assert [o.state for o in outcomes] == ["done"] * 3
    assert zebra.received().count(b"^XA") == 3


def test_device_file_and_cups_transports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    device = tmp_path / "lp0"
    device.write_bytes(b"")
    settings = {
        "printers": {
            "usb": {"type": "device", "path": str(device), "language": "escpos"},
            "office": {"type": "cups", "queue": "Front_Desk"},
        }
    }
    printers = printers_from_config(settings, tmp_path)
    assert send(printers["usb"], b"\x1b@hello", label="x") == str(device)
    assert device.read_bytes() == b"\x1b@hello"
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine without CUPS
    with pytest.raises(PrinterOffline, match="no lp command"):
        send(printers["office"], b"data", label="x")
    missing = printers_from_config(
        {"printers": {"gone": {"type": "device", "path": "/nonexistent/lp9"}}}, tmp_path
    )
    with pytest.raises(PrinterOffline, match="lp9"):
        send(missing["gone"], b"x", label="x")


@pytest.mark.parametrize(
    "settings",
    [
        {"printers": {"p": {"type": "carrier-pigeon"}}},
        {"printers": {"p": {"type": "tcp"}}},
        {"printers": {"p": {"type": "tcp", "host": "h", "language": "pdf"}}},
        {"printers": {"p": {"type": "folder", "dpi": 1234}}},
        {"printers": {"p": {"type": "tcp", "host": "h", "port": "nine"}}},
        {"printers": "not a table"},
        {"printers": {"p": {"type": "folder", "fonts": 5}}},
        {"printers": {"p": {"type": "tcp", "host": "h", "timeout": -1}}},
        {"printers": {"p": {"type": "tcp", "host": "h", "timeout": float("nan")}}},
        {"printers": {"p": {"type": "tcp", "host": "h", "timeout": float("inf")}}},
        {"printers": {"p": {"type": "tcp", "host": "h", "port": 70000}}},
        {"printers": {"p": {"type": "tcp", "host": "h", "escpos_width_dots": 0}}},
        {"printers": {"p": {"type": "tcp", "host": "h", "zpl_font": "0^XA"}}},
        {"printers": {"p": {"type": "tcp", "host": "h", "shared": "yes"}}},
    ],
)
def test_bad_printer_settings_are_named(settings: dict, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="printer"):
        printers_from_config(settings, tmp_path)


def test_status_parsing() -> None:
    assert parse_host_status(PAPER_OUT_STATUS).problem == "paper out"
    with pytest.raises(PrinterOffline):
        parse_host_status(b"\x02garbage")


def test_unknown_ticket_and_printer(store: Store, signer: Signer, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        printing.enqueue(store, "NOSUCH00", "badges")
    ticket = guest(store, event_now(store), "Nowhere Printed")
    with pytest.raises(InvalidInput, match="printer"):
        printing.enqueue(store, ticket, "  ")
    job = printing.enqueue(store, ticket, "ghost", station="Desk")
    printers = printers_from_config({}, tmp_path)  # this station has no printer of that name
    assert "ghost" not in printers
    assert drain(store, printers, worker="Desk") == []  # left for a station that has it
    claimed = printing.claim_next(store, worker="Desk", shared=("ghost",))
    assert claimed is not None and claimed.id == job.id
    outcome = process(store, claimed, printers, worker="Desk")
    assert (outcome.state, outcome.detail) == ("failed", "no printer named 'ghost' on this station")
    assert printing.get_job(store, job.id).state == "failed"


def test_station_settings_are_checked() -> None:
    from eventdesk.config import parse_settings

    def station_printing(settings: dict[str, object]) -> tuple[str, bool]:
        table = parse_settings(settings, "eventdesk.toml").station_table
        return table.printer, table.auto_print

    assert station_printing({"station": {"auto_print": True, "printer": "front"}}) == (
        "front",
        True,
    )
    for bad in (
        {"station": {"auto_print": "no"}},
        {"station": {"printer": 5}},
        {"station": {"auto_prnt": True}},
    ):
        with pytest.raises(InvalidInput):
            station_printing(bad)


def test_only_registered_tickets_get_badges(store: Store, signer: Signer) -> None:
    from eventdesk.errors import NotAllowed
    from eventdesk.services.people.cancellation import cancel

    ev = make_event(store, capacity=1)
    add_type(store, ev, "Regular", price_cents=0)
    attendees.add_attendees_bulk(
        store, [{"name": f"P {i}", "email": f"p{i}@example.com"} for i in range(2)]
    )
    held = register(store, ev, "p0@example.com", "Regular").tickets[0].ticket_id
    waiting = register(store, ev, "p1@example.com", "Regular").tickets[0].ticket_id
    for ticket in (waiting,):
        with pytest.raises(NotAllowed, match="waitlisted"):
            load_badge(store, ticket)
        with pytest.raises(NotAllowed, match="waitlisted"):
            printing.enqueue(store, ticket, "badges")
    cancel(store, held)  # the place goes to the waiting ticket; the cancelled one gets nothing
    with pytest.raises(NotAllowed, match="cancelled"):
        printing.enqueue(store, held, "badges")
    assert printing.enqueue(store, waiting, "badges").state == "queued"


def test_local_printers_print_only_their_own_stations_jobs(
    store: Store, signer: Signer, zebra: FakeZebra, tmp_path: Path
) -> None:
    ev = event_now(store)
    printers = {**printers_from_config({}, tmp_path), **zebra_printers(zebra, tmp_path)}
    zebra.switch_on()
    mine = guest(store, ev, "Station A Guest")
    theirs = guest(store, ev, "Station B Guest")
    printing.enqueue(store, mine, "badges", station="A")
    printing.enqueue(store, theirs, "badges", station="B")
    printing.enqueue(store, theirs, "zebra", station="B")  # a network printer: anyone may feed it
    done = drain(store, printers, worker="A")
    assert sorted((o.job.ticket_id, o.job.printer) for o in done) == sorted(
        [(mine, "badges"), (theirs, "zebra")]
    )
    assert [j.station for j in printing.list_jobs(store, state="queued")] == ["B"]


def test_a_job_taken_over_is_not_finished_by_its_old_worker(store: Store, signer: Signer) -> None:
    ticket = guest(store, event_now(store), "Slow Printer")
    printing.enqueue(store, ticket, "badges", station="A")
    job = printing.claim_next(store, worker="A", local=("badges",))
    assert job is not None and job.state == "printing"
    with store.write() as session:  # A is stuck: it claimed the job 11 minutes ago, by the
        row = session.get(PrintJob, job.id)  # database's clock (the one staleness is judged by)
        assert row is not None
        row.updated_at -= timedelta(minutes=11)
    again = printing.claim_next(store, worker="B", local=("badges",))
    assert again is None  # only A's own station may print a local printer's job...
    taken = printing.claim_next(store, worker="A", local=("badges",))
    assert taken is not None and taken.id == job.id  # ...which picks it up again after the stall
    assert printing.finish(store, job.id, worker="B", error="x").state == "printing"  # B may not
    assert printing.finish(store, job.id, worker="A").state == "done"


def test_a_device_nobody_reads_times_out(tmp_path: Path) -> None:
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)
    spec = printers_from_config(
        {"printers": {"usb": {"type": "device", "path": str(fifo), "timeout": 0.5}}}, tmp_path
    )["usb"]
    with pytest.raises(PrinterOffline, match="lp0"):
        send(spec, b"label", label="x")


def test_a_staff_note_is_never_printed_on_a_badge(store: Store, signer: Signer) -> None:
    """The attention note ("Check student ID") is for staff screens: no output of the badge
    carries it; a VIP ticket type keeps its ribbon, which says only VIP."""
    ev = event_now(store)
    add_type(store, ev, "Student", price_cents=0, attention="Check student ID")
    student = load_badge(store, guest(store, ev, "Ada Lovelace", None, "Student"))
    assert student.ribbon is None
    for fmt in ("text", "zpl", "escpos", "pdf"):
        data = render(student, fmt)
        assert b"student ID" not in data and b"Check" not in data, fmt
    vip = load_badge(store, guest(store, ev, "Grace Hopper", None, "VIP"))
    assert vip.ribbon == "VIP"
    assert b"gold lanyard" not in render(vip, "zpl") and b"gold lanyard" not in render(vip, "text")
