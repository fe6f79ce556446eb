"""Printers that fail in the ways real ones do, on real loopback sockets: one that takes the
connection and never reads, one that closes it at once, one that is off for a long time, one out
of paper, and a station whose clock is fast. A job is done only when the printer took it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from devices.print_worker import PrintOutcome, drain
from devices.printers import PrinterOffline, PrinterSpec, printers_from_config
from eventdesk.db import Store
from eventdesk.models import PrintJob
from eventdesk.services.door import printing
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from testkit.escpos import FakeEscpos, answer
from testkit.zebra import FakeZebra, LoopbackPrinter
from tests.door.test_printing import escpos_picture, event_now, guest


@pytest.fixture
def escpos() -> Iterator[FakeEscpos]:
    printer = FakeEscpos()
    yield printer
    printer.close()


@pytest.fixture
def zebra() -> Iterator[FakeZebra]:
    printer = FakeZebra()
    yield printer
    printer.close()


def printers_for(
    printer: LoopbackPrinter, tmp_path: Path, timeout: float = 2
) -> dict[str, PrinterSpec]:
    language = "escpos" if isinstance(printer, FakeEscpos) else "zpl"
    settings = {
        "printers": {
            "door": {
                "type": "tcp",
                "host": "127.0.0.1",
                "port": printer.port,
                "language": language,
                "timeout": timeout,
                "shared": True,
            }
        }
    }
    return printers_from_config(settings, tmp_path)


def queue_badges(store: Store, count: int = 1) -> list[int]:
    ev = event_now(store)
    return [
        printing.enqueue(store, guest(store, ev, f"Faulty Printer Guest {i}"), "door").id
        for i in range(count)
    ]


def next_try(job_id: int, store: Store) -> datetime:
    due = printing.get_job(store, job_id).next_attempt_at
    assert due is not None, "a waiting job has a time for its next try"
    return due


# --- ESC/POS real-time status ------------------------------------------------------------------
def test_dle_eot_status_bytes_are_read() -> None:
    from devices.printers import parse_realtime_status

    ready = parse_realtime_status(bytes([0x12, 0x12, 0x12]))
    assert ready.problem is None and not ready.offline
    paper_out = parse_realtime_status(bytes([0x1A, 0x32, 0x7E]))
    assert paper_out.problem == "paper out" and paper_out.offline and paper_out.paper_near_end
    cover = parse_realtime_status(bytes([0x1A, 0x16, 0x12]))
    assert cover.problem == "cover open"
    near_end = parse_realtime_status(bytes([0x12, 0x12, 0x1E]))
    assert near_end.problem is None and near_end.paper_near_end  # still prints
    error = parse_realtime_status(bytes([0x1A, 0x52, 0x12]))
    assert error.problem == "printer error"
    # The answers of the fake printer are the same bytes.
    replies = b"".join(answer("paper_out", n) for n in (1, 2, 4))
    assert parse_realtime_status(replies).problem == "paper out"
    for garbage in (b"", b"\x12\x12", bytes([0xFF, 0x12, 0x12]), bytes([0x12, 0x12, 0x01])):
        with pytest.raises(PrinterOffline, match="status"):
            parse_realtime_status(garbage)


# --- a printer that takes the connection but not the badge -------------------------------------
def test_an_escpos_printer_that_never_reads_gets_no_job_done_until_one_reads(
    store: Store, signer: Signer, escpos: FakeEscpos, tmp_path: Path
) -> None:
    printers = printers_for(escpos, tmp_path, timeout=0.5)
    escpos.mode = "never_reads"
    escpos.switch_on()
    [job] = queue_badges(store)
    [outcome] = drain(store, printers, worker="Door")
    assert outcome.state == "queued" and "did not answer" in outcome.detail
    assert printing.get_job(store, job).state == "queued" and escpos.labels == []
    escpos.mode = "ok"  # the printer reads again
    [outcome] = drain(store, printers, worker="Door", now=next_try(job, store))
    assert outcome.state == "done"
    assert escpos.wait_for_labels(1) and len(escpos.labels) == 1
    picture = escpos_picture(escpos.received())  # the badge, whole, as one raster picture
    assert picture.width == 576 and picture.getextrema() == (0, 255)


@pytest.mark.parametrize("printer_kind", ["escpos", "zebra"])
def test_a_printer_that_answers_status_but_takes_no_badge_is_not_done(
    store: Store, signer: Signer, printer_kind: str, tmp_path: Path
) -> None:
    printer: LoopbackPrinter = FakeEscpos() if printer_kind == "escpos" else FakeZebra()
    try:
        printers = printers_for(printer, tmp_path, timeout=0.5)
        printer.mode = "stalls"  # answers status; stops reading when the badge comes
        printer.switch_on()
        [job] = queue_badges(store)
        [outcome] = drain(store, printers, worker="Door")
        assert outcome.state == "queued", outcome
        assert printer.status_requests >= 1 and printer.labels == []
        printer.mode = "ok"
        [outcome] = drain(store, printers, worker="Door", now=next_try(job, store))
        assert outcome.state == "done" and printer.wait_for_labels(1)
    finally:
        printer.close()


def test_an_escpos_printer_that_closes_at_once_is_offline_not_done(
    store: Store, signer: Signer, escpos: FakeEscpos, tmp_path: Path
) -> None:
    printers = printers_for(escpos, tmp_path)
    escpos.mode = "closes"
    escpos.switch_on()
    jobs = queue_badges(store, 10)
    outcomes = drain(store, printers, worker="Door")
    assert [o.state for o in outcomes] == ["queued"] * 10
    assert all("closed the connection" in o.detail for o in outcomes), outcomes[0].detail
    assert {printing.get_job(store, j).state for j in jobs} == {"queued"}
    assert escpos.connections >= 10 and escpos.labels == []


# --- off for a long time -----------------------------------------------------------------------
def test_a_printer_off_for_ten_minutes_prints_when_it_returns_and_no_job_fails(
    store: Store, signer: Signer, escpos: FakeEscpos, tmp_path: Path
) -> None:
    printers = printers_for(escpos, tmp_path)
    [job] = queue_badges(store)
    start = clock = utcnow()  # the queue's clock, moved to each next try: no waiting
    tries = 0
    while clock - start < timedelta(minutes=10):
        outcomes = drain(store, printers, worker="Door", now=clock)
        assert [o.state for o in outcomes] == ["queued"], outcomes
        tries += 1
        due = next_try(job, store)
        assert timedelta(0) < due - clock <= timedelta(seconds=60)  # backoff, capped
        clock = due
    assert tries > 8 and printing.list_jobs(store, state="failed") == []
    escpos.switch_on()
    [outcome] = drain(store, printers, worker="Door", now=clock)
    assert outcome.state == "done" and escpos.wait_for_labels(1)
    assert printing.get_job(store, job).attempts == tries + 1


# --- paper out, then paper loaded -----------------------------------------------------------------
@pytest.mark.parametrize("printer_kind", ["escpos", "zebra"])
def test_paper_out_keeps_the_job_waiting_and_it_prints_once_the_printer_is_ready(
    store: Store, signer: Signer, printer_kind: str, tmp_path: Path
) -> None:
    printer: LoopbackPrinter = FakeEscpos() if printer_kind == "escpos" else FakeZebra()
    try:
        printers = printers_for(printer, tmp_path)
        printer.mode = "paper_out"
        printer.switch_on()
        [job] = queue_badges(store)
        clock = utcnow()
        for _ in range(12):  # as long as the paper is out, the job waits
            [outcome] = drain(store, printers, worker="Door", now=clock)
            assert (outcome.state, outcome.detail) == ("queued", "printer door: paper out")
            clock = next_try(job, store)
        assert printer.labels == [] and printing.list_jobs(store, state="failed") == []
        printer.mode = "ok"  # someone loads paper
        [outcome] = drain(store, printers, worker="Door", now=clock)
        assert outcome.state == "done" and printer.wait_for_labels(1)
    finally:
        printer.close()


def test_a_cover_left_open_needs_attention_and_waits(
    store: Store, signer: Signer, escpos: FakeEscpos, tmp_path: Path
) -> None:
    printers = printers_for(escpos, tmp_path)
    escpos.mode = "cover_open"
    escpos.switch_on()
    [job] = queue_badges(store)
    [outcome] = drain(store, printers, worker="Door")
    assert (outcome.state, outcome.detail) == ("queued", "printer door: cover open")
    escpos.mode = "ok"
    [outcome] = drain(store, printers, worker="Door", now=next_try(job, store))
    assert outcome.state == "done" and escpos.wait_for_labels(1)


# --- whose clock says a job was abandoned ------------------------------------------------------
def test_a_station_with_a_fast_clock_does_not_take_a_job_another_is_printing(
    store: Store, signer: Signer, tmp_path: Path
) -> None:
    [job] = queue_badges(store)
    held = printing.claim_next(store, worker="A", shared=("door",))
    assert held is not None and held.id == job
    fast = utcnow() + timedelta(minutes=11)  # station B's clock is 11 minutes ahead
    assert printing.claim_next(store, worker="B", shared=("door",), now=fast) is None
    row = printing.get_job(store, job)
    assert (row.state, row.attempts) == ("printing", 1)
    assert printing.finish(store, job, worker="A").state == "done"


def test_a_job_whose_station_died_goes_back_by_the_database_clock(
    store: Store, signer: Signer, tmp_path: Path
) -> None:
    [job] = queue_badges(store)
    assert printing.claim_next(store, worker="A", shared=("door",)) is not None
    assert printing.claim_next(store, worker="B", shared=("door",)) is None  # A holds it
    with store.write() as session:  # A claimed it eleven minutes ago and went silent
        row = session.get(PrintJob, job)
        assert row is not None
        row.updated_at -= timedelta(minutes=11)
    taken = printing.claim_next(store, worker="B", shared=("door",))
    assert taken is not None and taken.id == job and taken.attempts == 2
    assert printing.finish(store, job, worker="A").state == "printing"  # A may not finish it
    assert printing.finish(store, job, worker="B").state == "done"


# --- only what cannot get better fails ------------------------------------------------------------
def test_an_unknown_printer_fails_the_job(store: Store, signer: Signer, tmp_path: Path) -> None:
    [job] = queue_badges(store)
    claimed = printing.claim_next(store, worker="Door", shared=("door",))
    assert claimed is not None
    from devices.print_worker import process

    outcome: PrintOutcome = process(store, claimed, {}, worker="Door")
    assert (outcome.state, outcome.detail) == ("failed", "no printer named 'door' on this station")
    assert printing.get_job(store, job).state == "failed"
