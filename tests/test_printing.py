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
from badges.fonts import has_font_for
from badges.render import escpos_text, render, zpl_field
from eventdesk.db import Store
from eventdesk.errors import InvalidInput, NotFound
from eventdesk.services import attendees, printing
from eventdesk.services.checkin import Checkin
from eventdesk.services.registration import register
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from kiosk.print_worker import PrintWorker, drain
from kiosk.printers import (
    PrinterOffline,
    PrinterSpec,
    parse_host_status,
    printers_from_config,
    send,
)
from tests.helpers import add_type, make_event
from tests.zebra import PAPER_OUT_STATUS, FakeZebra


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
    assert result.result == "ok" and "badge queued" in result.flags
    [outcome] = drain(store, printers, worker="Kiosk 1")
    assert outcome.state == "queued" and "refused" in outcome.detail
    job = printing.get_job(store, outcome.job.id)
    assert (job.state, job.attempts) == ("queued", 1) and job.next_attempt_at is not None
    assert drain(store, printers, worker="Kiosk 1") == []  # not due yet: backoff
    zebra.switch_on()
    [outcome] = drain(store, printers, worker="Kiosk 1", now=utcnow() + timedelta(seconds=3))
    assert outcome.state == "done"
    assert zebra.wait_for_labels(1) and zebra.received().count(b"^XA") == 1
    assert b"Grace Hopper" in zebra.received()
    # A second scan of the admitted ticket prints nothing more; a reprint is explicit.
    assert door.checkin_ticket(ticket).result == "already_checked_in"
    assert drain(store, printers, worker="Kiosk 1") == []
    printing.enqueue(store, ticket, "zebra", reason="reprint")
    assert [o.state for o in drain(store, printers, worker="Kiosk 1")] == ["done"]
    assert zebra.wait_for_labels(2)


def test_paper_out_fails_the_job_with_that_reason_and_loses_nothing(
    store: Store, signer: Signer, zebra: FakeZebra, tmp_path: Path
) -> None:
    printers = zebra_printers(zebra, tmp_path)
    zebra.mode = "paper_out"
    zebra.switch_on()
    ticket = guest(store, event_now(store), "Ada Lovelace")
    printing.enqueue(store, ticket, "zebra")
    [outcome] = drain(store, printers, worker="Desk")
    assert outcome.state == "failed" and outcome.detail == "printer zebra: paper out"
    assert printing.get_job(store, outcome.job.id).last_error == "printer zebra: paper out"
    assert zebra.labels == []
    zebra.mode = "ok"  # someone loads paper
    assert printing.retry_failed(store) == 1
    assert [o.state for o in drain(store, printers, worker="Desk")] == ["done"]
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
    assert b"~JR" not in label  # ~ starts a control command
    assert zpl_field(evil).encode() in label  # the name is there, as text, inside one field
    assert zpl_field(evil) == "Eve_5EXZ_5EXA_5EFO0,0_5EFDPWNED_5EFS_5EXZ"


def test_escpos_control_bytes_are_removed() -> None:
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
    assert data.count(b"\x1b@") == 1 and data.startswith(b"\x1b@")  # our own init only
    assert data.count(b"\x1dV") == 1 and data.rstrip(b"\x00").endswith(
        b"\x1dVB"
    )  # our own cut only
    assert b"EvilVCorp" in data or b"Evil@VCorp" in data
    assert escpos_text("Evil\x1b@\x1dV\x00Corp") == b"Evil@VCorp"
    assert escpos_text("Zoë 10€") == "Zoë 10€".encode("cp858")


def test_escpos_name_outside_the_code_page_prints_as_an_image() -> None:
    badge = Badge("T1", "山田 太郎", None, "Regular", None, "Conf", "1 Jan", "ED1.T1")
    data = render(badge, "escpos")
    assert b"\x1dv0\x00" in data  # GS v 0 raster image for the name
    assert b"?" not in data.split(b"\x1dv0")[0]


def test_png_badge_scans_back_to_the_payload(store: Store, signer: Signer) -> None:
    ticket = guest(store, event_now(store), "Katherine Johnson", "NASA", "VIP")
    badge = load_badge(store, ticket)
    image = Image.open(io.BytesIO(render(badge, "png")))
    assert image.size == (732, 1181) and round(image.info["dpi"][0]) == 300
    found = zxingcpp.read_barcodes(image)
    assert [f.text for f in found] == [badge.payload]
    assert badge.ribbon == "VIP"


@pytest.mark.parametrize(
    "name",
    [
        "Ægir Þórsson",
        "Ольга Петрова",
        "Ζωή Παπαδοπούλου",
        "山田 太郎",
        "محمد علي",
        "Wolfeschlegelsteinhausenbergerdorffvoralternwarengewissenhaftschaferswessen",
    ],
)
def test_any_name_renders_on_every_format(name: str) -> None:
    badge = Badge(
        "T1",
        name,
        "A Company With A Rather Long Name Indeed GmbH & Co. KG",
        "Regular",
        None,
        "Conf",
        "1 Jan",
        "ED1.T1.ABCDEFGH." + "A" * 103,
    )
    for fmt in ("text", "zpl", "escpos", "png"):
        assert render(badge, fmt)
    image = Image.open(io.BytesIO(render(badge, "png")))
    assert [f.text for f in zxingcpp.read_barcodes(image)] == [
        badge.payload
    ]  # the long name never hides it
    if not has_font_for(name):
        pytest.skip(f"no font on this machine draws {name!r} (install fonts-noto-cjk / fonts-noto)")


def test_a_thousand_text_badges_land_in_the_folder(
    store: Store, signer: Signer, tmp_path: Path
) -> None:
    ev = event_now(store)
    attendees.add_attendees_bulk(
        store, [{"name": f"Guest {i}", "email": f"t{i}@example.com"} for i in range(20)]
    )
    for i in range(20):
        for t in register(store, ev, f"t{i}@example.com", "Regular", quantity=50).tickets:
            printing.enqueue(store, t.ticket_id, "badges", reason="manual", station="Desk")
    printers = printers_from_config({}, tmp_path)
    outcomes = drain(store, printers, worker="Desk")
    assert len(outcomes) == 1000 and {o.state for o in outcomes} == {"done"}
    files = list((tmp_path / "badges").glob("*.txt"))
    assert len(files) == 1000
    assert all(f.read_text(encoding="utf-8").count("GUEST") == 1 for f in files[:20])


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


def test_unknown_ticket_and_printer(store: Store) -> None:
    with pytest.raises(NotFound):
        printing.enqueue(store, "NOSUCH00", "badges")
    assert os.environ.get("OPENCV_LOG_LEVEL") in (None, "SILENT")


def test_station_settings_are_checked() -> None:
    from kiosk.printers import station_printing

    assert station_printing({"station": {"auto_print": True, "printer": "front"}}) == (
        "front",
        True,
    )
    for bad in ({"station": {"auto_print": "no"}}, {"station": {"printer": 5}}, {"station": "x"}):
        with pytest.raises(InvalidInput):
            station_printing(bad)


def test_only_registered_tickets_get_badges(store: Store, signer: Signer) -> None:
    from eventdesk.errors import NotAllowed
    from eventdesk.services.registration import cancel

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
    late = utcnow() + timedelta(minutes=11)  # A is stuck; B takes the stale job over
    again = printing.claim_next(store, worker="B", local=("badges",), now=late)
    assert again is None  # only A's own station may print a local printer's job...
    taken = printing.claim_next(store, worker="A", local=("badges",), now=late)
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
