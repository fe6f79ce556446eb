"""A station keeps no badge it no longer needs (devices.badge_files): a folder's or a file
printer's badge file nobody took is deleted once it is older than the printer's keep_minutes,
while the print queue keeps the job and a reprint makes the badge again; a printer that takes
the badge itself (a real loopback Zebra on TCP) leaves nothing on the station's disk."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from devices.badge_files import sweep
from devices.print_worker import PrintWorker, drain
from devices.printers import printers_from_config
from eventdesk.config import KEEP_MINUTES
from eventdesk.db import Store
from eventdesk.errors import InvalidInput
from eventdesk.services.door import printing
from eventdesk.services.door.checkin import Checkin
from eventdesk.tickets import Signer
from testkit.zebra import FakeZebra
from tests.door.test_printing import event_now, guest, zebra_printers
from tests.helpers import wait_until


def age(path: Path, seconds: float) -> None:
    """As if ``path`` had been written ``seconds`` ago."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def badge_files(folder: Path, ticket: str) -> list[Path]:
    return sorted(folder.glob(f"{ticket}-*"))


def test_a_badge_file_nobody_took_is_deleted_once_old_and_a_reprint_makes_it_again(
    store: Store, signer: Signer, tmp_path: Path
) -> None:
    printers = printers_from_config({}, tmp_path)  # the built-in text folder, DATA_DIR/badges
    folder = tmp_path / "badges"
    ev = event_now(store)
    ticket = guest(store, ev, "Ada Lovelace", "Analytical Engines")
    other = guest(store, ev, "Alan Turing")
    printing.enqueue(store, ticket, "badges", reason="manual", station="Desk")
    [printed] = drain(store, printers, worker="Desk")
    assert printed.state == "done"
    [badge] = badge_files(folder, ticket)
    assert "ADA" in badge.read_text(encoding="utf-8").upper()
    # Left there, as nobody took it; someone's own file in the folder is none of ours.
    mine = folder / "README.txt"
    mine.write_text("the hot folder of the front desk\n", encoding="utf-8")
    age(badge, KEEP_MINUTES * 60 + 1)
    age(mine, KEEP_MINUTES * 60 + 1)
    printing.enqueue(store, other, "badges", reason="manual", station="Desk")
    assert [o.state for o in drain(store, printers, worker="Desk")] == ["done"]
    assert badge_files(folder, ticket) == []  # gone before the next badge was written
    [young] = badge_files(folder, other)  # the new one waits for whoever prints the folder
    assert mine.exists()
    # The queue keeps the job (a ticket id, no badge), and a reprint makes the file again.
    assert printing.get_job(store, printed.job.id).state == "done"
    printing.enqueue(store, ticket, "badges", reason="reprint", station="Desk")
    assert [o.state for o in drain(store, printers, worker="Desk")] == ["done"]
    [again] = badge_files(folder, ticket)
    assert again != badge and "ADA" in again.read_text(encoding="utf-8").upper()
    # drain looks after printing too: an old file goes though nothing more is printed.
    age(young, KEEP_MINUTES * 60 + 1)
    assert drain(store, printers, worker="Desk") == []
    assert badge_files(folder, other) == [] and badge_files(folder, ticket) == [again]


def test_keep_minutes_says_how_long_a_folder_or_a_file_keeps_a_badge(
    store: Store, signer: Signer, tmp_path: Path
) -> None:
    hot = tmp_path / "hot folder"
    last = tmp_path / "labels" / "last.zpl"
    settings = {
        "printers": {
            "hot": {"type": "folder", "path": str(hot), "language": "png", "keep_minutes": 1},
            "last": {"type": "file", "path": str(last), "keep_minutes": 2},
        }
    }
    printers = printers_from_config(settings, tmp_path)
    assert (printers["hot"].keep_seconds, printers["last"].keep_seconds) == (60, 120)
    assert printers["badges"].keep_seconds == KEEP_MINUTES * 60
    ev = event_now(store)
    ticket = guest(store, ev, "Grace Hopper")
    for name in ("hot", "last"):
        printing.enqueue(store, ticket, name, reason="manual", station="Desk")
    assert [o.state for o in drain(store, printers, worker="Desk")] == ["done", "done"]
    [png] = badge_files(hot, ticket)
    assert b"^XA" in last.read_bytes()
    age(png, 59)
    age(last, 119)
    assert sweep(printers["hot"]) + sweep(printers["last"]) == 0  # not old yet
    age(png, 61)
    age(last, 121)
    assert sweep(printers["hot"]) == 1 and sweep(printers["last"]) == 1
    assert not png.exists() and not last.exists()


@pytest.mark.parametrize(
    "table",
    [
        {"type": "tcp", "host": "127.0.0.1", "keep_minutes": 5},
        {"type": "cups", "queue": "Front", "keep_minutes": 5},
        {"type": "folder", "keep_minutes": 0},
        {"type": "folder", "keep_minutes": 24 * 60 + 1},
    ],
)
def test_keep_minutes_is_refused_where_it_means_nothing(table: dict, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="keep_minutes"):
        printers_from_config({"printers": {"p": table}}, tmp_path)


def test_the_print_worker_deletes_old_badge_files_when_it_starts_and_when_it_stops(
    store: Store, signer: Signer, tmp_path: Path
) -> None:
    printers = printers_from_config({}, tmp_path)
    folder = tmp_path / "badges"
    folder.mkdir()
    left = folder / "0123ABCD-7.txt"  # left by a station that stopped an hour ago
    left.write_text("SOMEONE\n", encoding="utf-8")
    half = folder / "0123ABCD-8.txt.part"  # and one a crash cut short
    half.write_text("SOME", encoding="utf-8")
    age(left, 3600)
    age(half, 3600)
    ev = event_now(store)
    ticket = guest(store, ev, "Katherine Johnson")
    outcomes = []
    worker = PrintWorker(store, printers, station="Desk", on_outcome=outcomes.append, poll=0.05)
    worker.start()
    try:
        wait_until(lambda: not left.exists() and not half.exists(), what="the old files gone")
        door = Checkin(store, station="Desk", print_to="badges")
        assert door.checkin_ticket(ticket).badge_queued
        worker.wake()

        # Written whole: the ".part" the worker writes first is renamed (gone) a moment later.
        def written() -> list[Path]:
            return [f for f in badge_files(folder, ticket) if f.suffix != ".part"]

        wait_until(written, what="the badge file written whole")
        age(written()[0], KEEP_MINUTES * 60)
    finally:
        worker.stop()
        worker.join(10)
    assert not worker.is_alive()
    assert [o.state for o in outcomes] == ["done"]
    assert badge_files(folder, ticket) == []  # looked for once more as the station stopped


def test_a_printer_that_takes_the_badge_itself_leaves_no_file_on_the_station(
    store: Store, signer: Signer, tmp_path: Path
) -> None:
    zebra = FakeZebra().switch_on()
    try:
        data = tmp_path / "data"
        data.mkdir()
        printers = zebra_printers(zebra, data)
        ev = event_now(store)
        ticket = guest(store, ev, "Margaret Hamilton")
        door = Checkin(store, station="Kiosk", print_to="zebra")
        assert door.checkin_ticket(ticket).badge_queued
        assert [o.state for o in drain(store, printers, worker="Kiosk")] == ["done"]
        assert zebra.wait_for_labels(1) and ticket.encode() in zebra.received()
    finally:
        zebra.close()
    kept = [p for p in data.rglob("*") if p.is_file()]
    assert [p for p in kept if ticket.encode() in p.read_bytes()] == []
    assert not (data / "badges").exists()


def test_doctor_says_how_long_a_folders_badges_stay(tmp_path: Path) -> None:
    from devices.doctor import check_printer

    printers = printers_from_config(
        {"printers": {"hot": {"type": "folder", "path": str(tmp_path / "hot"), "keep_minutes": 2}}},
        tmp_path,
    )
    said = check_printer(printers["badges"]).says
    assert "each deleted 10 minutes after it was written unless taken" in said
    assert "each deleted 2 minutes after" in check_printer(printers["hot"]).says


def test_cups_gets_the_badge_on_lps_standard_input_and_no_file_is_left(
    store: Store, signer: Signer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`lp` reads the badge from its standard input (CUPS streams it to its server, no file
    on the station); the station writes none either."""
    spool, tools, data = tmp_path / "cups", tmp_path / "bin", tmp_path / "data"
    for folder in (spool, tools, data):
        folder.mkdir()
    lp = tools / "lp"  # a stand-in for CUPS's lp: what it was given, as the server would get it
    lp.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{spool}/args"\ncat > "{spool}/job"\n')
    lp.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    printers = printers_from_config(
        {"printers": {"office": {"type": "cups", "queue": "Front", "language": "zpl"}}}, data
    )
    ev = event_now(store)
    ticket = guest(store, ev, "Hedy Lamarr")
    printing.enqueue(store, ticket, "office", reason="manual", station="Desk")
    assert [o.state for o in drain(store, printers, worker="Desk")] == ["done"]
    args = (spool / "args").read_text().split()
    assert args[-1] == "-" and tuple(args[:2]) == ("-d", "Front")
    assert ticket.encode() in (spool / "job").read_bytes()
    assert [p for p in data.rglob("*") if p.is_file()] == []
