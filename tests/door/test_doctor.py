"""A station checks itself before the doors open: `eventdesk doctor` and its checks, each green
and red with real parts (a printer socket that answers and one that is closed, a video file
with a QR and a camera that is not there, a station's copy made old, a station's clock that is
off, a name no font here draws), on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from badges.doctor import check_fonts, check_label
from devices.doctor import check_camera, check_printer, check_scan_line, check_sound
from devices.printers import printers_from_config
from eventdesk.config import load_config
from eventdesk.db import Store
from eventdesk.keymaps import AZERTY
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import register
from eventdesk.services.stations.doctor import check_clock, check_copy, check_disk
from eventdesk.services.stations.offline import Station
from eventdesk.tickets import InvalidPayload, Signer, parse_payload
from eventdesk.values import utcnow
from testkit.media import Shot, render_frames, write_video
from testkit.zebra import FakeZebra
from tests.clitools import Cli
from tests.conftest import PG_ENV, PG_SKIP
from tests.fonts_here import undrawable
from tests.offline_tools import DoorStation, open_event

KEYS = {"check", "ok", "says"}


def qr_video(tmp_path: Path, payload: str) -> Path:
    return write_video(tmp_path / "qr.avi", render_frames([Shot(payload, 1.0)], seed=5))


def zebra_toml(data_dir: Path, port: int) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "eventdesk.toml").write_text(
        '[station]\nprinter = "zebra"\n\n'
        f'[printers.zebra]\ntype = "tcp"\nhost = "127.0.0.1"\nport = {port}\n'
        'language = "zpl"\ntimeout = 2\n'
    )


@pytest.fixture
def zebra() -> FakeZebra:
    printer = FakeZebra()
    yield printer
    printer.close()


# --- the command ------------------------------------------------------------------------------
def test_doctor_says_all_is_well_on_each_backend(
    cli: Cli, store: Store, signer: Signer, db_url: str, zebra: FakeZebra, tmp_path: Path
) -> None:
    event = open_event(store, signer, 3)
    zebra_toml(cli.data_dir, zebra.switch_on().port)
    if not db_url.startswith("sqlite"):
        cli.json("sync")  # a station on a server: its copy, fresh
    found = cli.json(
        "doctor",
        "--event",
        event.slug,
        "--scan-line",
        event.payloads[0],
        "--camera",
        str(qr_video(tmp_path, event.payloads[1])),
        "--test-label",
    )
    assert all(set(row) == KEYS for row in found), found
    assert all(isinstance(row["says"], str) and row["says"] for row in found)
    checks = [row["check"] for row in found]
    expected = ["database", "clock", "disk", "printer", "label", "test_label", "camera"]
    expected += ["scanner", "sound", "fonts"]
    if not db_url.startswith("sqlite"):
        expected[1:1] = ["standby", "copy", "outbox"]
    assert checks == expected
    assert [row for row in found if not row["ok"]] == []
    assert zebra.wait_for_labels(1)  # the test label came out of the printer
    assert b"^XA" in zebra.received()


def test_doctor_names_what_to_do_and_exits_3(
    cli: Cli, store: Store, signer: Signer, zebra: FakeZebra, tmp_path: Path
) -> None:
    event = open_event(store, signer, 1)
    zebra_toml(cli.data_dir, zebra.port)  # the printer is off: its port refuses
    typed = sorted(AZERTY.typed(event.payloads[0], caps=False))[0]
    out, _err = cli.run(
        "doctor", "--event", event.slug, "--scan-line", typed, "--camera", "9", code=3
    )
    lines = {line.split(":", 1)[0]: line for line in out.splitlines() if ":" in line}
    assert lines["!!  printer"].endswith("switch the printer on and check its cable and address")
    assert "refused the connection" in lines["!!  printer"]
    assert "no picture from camera 9" in lines["!!  camera"]
    assert "AZERTY" in lines["!!  scanner"]
    assert lines["ok  database"]
    found = cli.json("doctor", "--event", event.slug, "--camera", "9", code=3)
    assert {row["check"]: row["ok"] for row in found}["camera"] is False


def test_doctor_refuses_a_printer_it_does_not_know(cli: Cli, store: Store) -> None:
    _out, err = cli.run("doctor", "--printer", "nosuch", code=2)
    assert "nosuch" in err and len(err.strip().splitlines()) == 1


def test_doctor_reads_one_scanned_line_from_stdin(
    cli: Cli, store: Store, signer: Signer, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    event = open_event(store, signer, 1)
    if not db_url.startswith("sqlite"):
        cli.json("sync")
    monkeypatch.setattr("sys.stdin", io.StringIO(event.payloads[0] + "\n"))
    found = cli.json("doctor", "--event", event.slug, "--scan-line", "-", code=0)
    assert {row["check"]: row["ok"] for row in found}["scanner"] is True


# --- each check, green and red ------------------------------------------------------------------
def test_the_printer_is_read_back(zebra: FakeZebra, tmp_path: Path) -> None:
    table = {"type": "tcp", "host": "127.0.0.1", "port": zebra.port, "timeout": 2}
    spec = printers_from_config({"printers": {"z": table}}, tmp_path)["z"]
    off = check_printer(spec)
    assert not off.ok and "refused the connection" in off.says
    zebra.switch_on()
    on = check_printer(spec)
    assert on.ok and "answered" in on.says and zebra.status_requests >= 1


def test_the_camera_sees_frames_and_a_qr(tmp_path: Path) -> None:
    with_qr = check_camera(str(qr_video(tmp_path, "ED1.HELLO-DOCTOR")), "auto", 5.0)
    assert with_qr.ok, with_qr.says
    empty = write_video(tmp_path / "empty.avi", render_frames([Shot(None, 0.5)], seed=2))
    no_qr = check_camera(str(empty), "auto", 5.0)
    assert not no_qr.ok and "no QR read" in no_qr.says
    missing = check_camera("9", "auto", 1.0)
    assert not missing.ok and "no picture from camera 9" in missing.says


def test_the_scanner_line(signer: Signer) -> None:
    payload = signer.payload("ABCDEFGH")
    assert check_scan_line(payload).ok
    assert check_scan_line(None).ok  # not asked: not checked
    repaired = check_scan_line(payload.lower())
    assert not repaired.ok and "Caps Lock" in repaired.says
    assert not check_scan_line("hello").ok


def test_the_sound_is_played_or_said_missing(tmp_path: Path) -> None:
    config = load_config(data_dir=tmp_path, environ={})
    played = check_sound(config, backend="null")
    assert played.ok and "chime" in played.says
    none = check_sound(config, backend="none")  # "auto": silent at a desk, so all is well
    assert none.ok and "no sound device" in none.says and "terminal's bell" in none.says
    assert none.ok == check_sound(config, backend="none", screen="desk").ok
    kiosk = check_sound(config, backend="none", screen="kiosk")  # a kiosk's answers sound
    assert not kiosk.ok and "no sound device" in kiosk.says and 'sound = "off"' in kiosk.says
    loud = load_config(data_dir=tmp_path, environ={"EVENTDESK_SOUND": "on"})
    assert not check_sound(loud, backend="none").ok


def test_the_disk_space(tmp_path: Path) -> None:
    assert check_disk(tmp_path).ok
    free = shutil.disk_usage(tmp_path).free
    low = check_disk(tmp_path, low=free + 10**9)
    assert not low.ok and "MB free" in low.says


def test_the_fonts_for_every_name(store: Store, signer: Signer) -> None:
    event = open_event(store, signer, 2)
    assert check_fonts(store, event.slug).ok
    letter = undrawable()
    email = f"doctor-{event.slug}@example.com"
    attendees.add_attendee(store, name=f"Ana {letter}{letter}", email=email)
    register(store, event.slug, email, "Regular")
    said = check_fonts(store, event.slug)
    assert not said.ok and said.says.startswith(
        "1 name prints in Latin letters for want of a font for "
    )
    assert "install Noto S" in said.says and "Debian" not in said.says  # no package holds it


def test_the_labels_against_the_layout(store: Store, signer: Signer) -> None:
    event = open_event(store, signer, 1)
    assert check_label(store, event.slug, "z", None).ok
    assert check_label(store, event.slug, "z", (62.0, 100.0)).ok
    wrong = check_label(store, event.slug, "z", (62.0, 29.0))
    assert not wrong.ok and "62×29 mm" in wrong.says


# --- a station on a server: its copy and its clock ---------------------------------------------
@pytest.fixture
def backend_fixed() -> None:
    """PostgreSQL only (see conftest.pytest_generate_tests)."""


@pytest.mark.skipif(not os.environ.get(PG_ENV), reason=PG_SKIP)
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_stations_copy_and_clock(
    backend_fixed: None, db_url: str, store: Store, signer: Signer, tmp_path: Path
) -> None:
    open_event(store, signer, 1)
    door = DoorStation("Doctor Door", tmp_path / "door", db_url, 10.0)
    config = door.in_process().config
    try:
        fast = timedelta(minutes=11)
        station = Station(config, lambda: Store(db_url), clock=lambda: utcnow() + fast)
        try:
            assert not check_copy(station).ok  # no copy yet
            assert station.sync_round().online
            assert check_copy(station).ok
            station.keep("refreshed_at", (utcnow() - timedelta(hours=2)).isoformat())
            old = check_copy(station)
            assert not old.ok and old.says.startswith("copy is 131 minutes old")
            clock = check_clock(station)
            assert not clock.ok and "11 min" in clock.says and "fast" in clock.says
        finally:
            station.close()
        right = Station(config, lambda: Store(db_url))
        try:
            told = check_clock(right)
            assert told.ok and not told.says.startswith("clock:"), told.says  # said once
            assert told.says == "this station's clock is right against the server's"
        finally:
            right.close()
    finally:
        door.close()


def test_a_qwertz_scanners_line_is_told_by_its_signature(store: Store, signer: Signer) -> None:
    """A scanner typing through a German layout swaps Y and Z: the line keeps a ticket's shape,
    and before, the doctor said it "arrived whole"; read as the door reads it, with the
    station's database, its signature names the layout."""
    swap = str.maketrans("YZyz", "ZYzy")

    def shaped(n: int) -> str | None:  # a payload with a Y or a Z that keeps its shape swapped
        payload = signer.payload(f"DC{n:06d}")
        swapped = payload.translate(swap)
        try:
            parse_payload(swapped)
        except InvalidPayload:  # a last letter outside base32's own (its spare bits set)
            return None
        return payload if swapped != payload else None

    payload = next(p for n in range(1000) if (p := shaped(n)) is not None)
    swapped = payload.translate(swap)
    assert check_scan_line(swapped).ok  # the line's shape alone cannot tell
    told = check_scan_line(swapped, store)
    assert not told.ok and "QWERTZ" in told.says, told.says
    assert check_scan_line(payload, store).ok
    other = Signer(Ed25519PrivateKey.generate()).payload("ABCDEFGH")  # a ticket of no key here
    stranger = check_scan_line(other, store)
    assert not stranger.ok and "no key of this server signed it" in stranger.says
