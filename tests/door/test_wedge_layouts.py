"""A keyboard-wedge scanner typing through a QWERTZ or AZERTY layout, or with Caps Lock on, still
reads tickets: the line is repaired (eventdesk.keymaps) before verification, the signature proves
the repair, and a wrong one is invalid as before.

The damage is simulated here key by key, independently of eventdesk.keymaps: the keys a US
scanner presses (xkb key names), and what each real layout types on them (xkeyboard-config's us,
de, fr and be symbols; Caps Lock as Linux and as Windows' KBDFR/KBDBE treat it).
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.widgets import Input

import eventdesk.tickets as tickets_module
from eventdesk.db import Store
from eventdesk.keymaps import repairs
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.people.registration import register
from eventdesk.tickets import (
    InvalidPayload,
    Signer,
    Verifier,
    parse_payload,
    payload_start,
    register_public_key,
    scanner_typing,
)
from eventdesk.values import utcnow
from tests import forks
from tests.apptools import DemoStation, wait_for
from tests.helpers import add_type, make_event, people

EVENTDESK = forks.EVENTDESK  # what tests/forks.py forks
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

# --- the keyboard, simulated ------------------------------------------------------------------
# The keys of a US keyboard, by xkb name, and what they type unshifted there.
US_ROWS = {"AE": "1234567890", "AD": "qwertyuiop", "AC": "asdfghjkl", "AB": "zxcvbnm,."}


def _letters(row: str) -> list[str]:
    return [c + c.upper() for c in row]


# What each layout types on those keys, without and with Shift (from the xkb symbol files).
KEYS: dict[str, dict[str, list[str]]] = {
    "us": {
        "AE": ["1!", "2@", "3#", "4$", "5%", "6^", "7&", "8*", "9(", "0)"],
        "AD": _letters("qwertyuiop"),
        "AC": _letters("asdfghjkl"),
        "AB": [*_letters("zxcvbnm"), ",<", ".>"],
    },
    "de": {
        "AE": ["1!", '2"', "3§", "4$", "5%", "6&", "7/", "8(", "9)", "0="],
        "AD": _letters("qwertzuiop"),
        "AC": _letters("asdfghjkl"),
        "AB": [*_letters("yxcvbnm"), ",;", ".:"],
    },
    "fr": {
        "AE": ["&1", "é2", '"3', "'4", "(5", "-6", "è7", "_8", "ç9", "à0"],
        "AD": _letters("azertyuiop"),
        "AC": _letters("qsdfghjkl"),
        "AB": [*_letters("wxcvbn"), ",?", ";.", ":/"],
    },
    "be": {
        "AE": ["&1", "é2", '"3', "'4", "(5", "§6", "è7", "!8", "ç9", "à0"],
        "AD": _letters("azertyuiop"),
        "AC": _letters("qsdfghjkl"),
        "AB": [*_letters("wxcvbn"), ",?", ";.", ":/"],
    },
}
# Windows' French and Belgian layouts: Caps Lock acts as Shift on these keys (KBDFR's CAP column).
WINDOWS_CAPS_AS_SHIFT = {
    "fr": {f"AE{i:02d}" for i in range(1, 11)} | {"AB07", "AB08", "AB09"},
    "be": {f"AE{i:02d}" for i in range(1, 11)} | {"AB07", "AB08", "AB09"},
}


def stroke(char: str) -> tuple[str, bool]:
    """The key (xkb name) a US scanner presses for ``char``, and whether it holds Shift."""
    for row, chars in US_ROWS.items():
        if char.lower() in chars:
            return f"{row}{chars.index(char.lower()) + 1:02d}", char.isupper()
    raise AssertionError(f"a scanner never types {char!r}")


def typed(layout: str, key: str, shift: bool, caps: bool, system: str) -> str:
    levels = KEYS[layout][key[:2]][int(key[2:]) - 1]
    plain, shifted = levels[0], levels[1]
    is_letter = plain.isalpha() and shifted == plain.upper() and plain != shifted
    if caps and (
        is_letter or (system == "windows" and key in WINDOWS_CAPS_AS_SHIFT.get(layout, ()))
    ):
        shift = not shift
    return shifted if shift else plain


def mangle(text: str, layout: str, caps: bool = False, system: str = "linux") -> str:
    """``text`` as it arrives when a US scanner types it through ``layout``."""
    return "".join(typed(layout, *stroke(char), caps, system) for char in text)


VARIANTS = [
    (layout, caps, system)
    for layout in ("us", "de", "fr", "be")
    for caps in (False, True)
    for system in (("linux", "windows") if caps and layout in ("fr", "be") else ("linux",))
    if layout != "us" or caps
]
NOTES = {"us": "Caps Lock on", "de": "QWERTZ layout", "fr": "French AZERTY layout"}
NOTES["be"] = "Belgian AZERTY layout"


def note_of(layout: str, caps: bool) -> str:
    if layout == "us":
        return NOTES["us"]
    return f"{NOTES[layout]}, Caps Lock on" if caps else NOTES[layout]


def repaired(line: str) -> list[str]:
    return [repair.text for repair in repairs(line)]


def signed(signer: Signer, ticket_id: str) -> str:
    payload = signer.payload(ticket_id)
    parse_payload(payload)
    return payload


# --- the tables ---------------------------------------------------------------------------------
def test_literal_examples_from_the_real_layouts() -> None:
    assert mangle("ED1.", "fr") == "ED&:"
    assert mangle("ED1.", "fr", caps=True) == "ed&:"
    assert mangle("ED1.", "fr", caps=True, system="windows") == "ed1/"
    assert mangle("ED1.", "us", caps=True) == "ed1."
    assert mangle("ED1.", "de") == "ED1."
    assert mangle("QWAZM", "fr") == "AZQW?"
    assert mangle("QWAZM", "fr", caps=True, system="windows") == "azqw,"
    assert mangle("1234567890", "fr") == "&é\"'(-è_çà"
    assert mangle("1234567890", "be") == "&é\"'(§è!çà"
    assert mangle("XYZ.", "de") == "XZY."
    assert mangle("XYZ.", "de", caps=True) == "xzy."
    # ...and the repair tables read them back.
    for line, original in [
        ("ED&:", "ED1."),
        ("ed&:", "ED1."),
        ("ed1/", "ED1."),
        ("AZQW?", "QWAZM"),
        ("&é\"'(-è_çà", "1234567890"),
        ("&é\"'(§è!çà", "1234567890"),
        ("XZY.", "XYZ."),
        ("xzy.", "XYZ."),
        ("ed1.", "ED1."),
    ]:
        assert original in repaired(line), (line, repaired(line))


def test_every_payload_character_is_typed_back_for_every_layout() -> None:
    for layout, caps, system in VARIANTS:
        for char in CROCKFORD + "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567.":
            line = mangle(char, layout, caps, system)
            assert line == char or char in repaired(line), (layout, caps, system, char, line)


def test_a_mangled_payload_repairs_to_the_original_for_every_layout() -> None:
    signer = Signer(Ed25519PrivateKey.generate())
    ids = ["01234567", "89ABCDEF", "GHJKMNPQ", "RSTVWXYZ", "ZZYYMMWW", "QAQAQAQA"]
    seen: set[str] = set()
    for ticket_id in ids:
        payload = signed(signer, ticket_id)
        seen |= set(payload)
        for layout, caps, system in VARIANTS:
            line = mangle(payload, layout, caps, system)
            assert line == payload or payload in repaired(line), (layout, caps, system)
    assert seen >= set(CROCKFORD + "ILOU."), "the payloads used hold every payload character"


@settings(max_examples=60, deadline=None)
@given(ticket_id=st.text(alphabet=CROCKFORD, min_size=8, max_size=8))
def test_any_payload_through_any_layout_repairs_to_itself(ticket_id: str) -> None:
    payload = signed(Signer(Ed25519PrivateKey.generate()), ticket_id)
    for layout, caps, system in VARIANTS:
        line = mangle(payload, layout, caps, system)
        assert line == payload or payload in repaired(line), (layout, caps, system)


def test_the_desk_knows_a_mangled_payload_from_a_search() -> None:
    signer = Signer(Ed25519PrivateKey.generate())
    payload = signed(signer, "ABCD1234")
    for layout, caps, system in VARIANTS:
        line = mangle(payload, layout, caps, system)
        assert payload_start(line) == 0 and payload_start("an" + line) == 2, (layout, caps)
        assert scanner_typing(line[:3]) and scanner_typing(line[:60]), (layout, caps)
    # A search is not a scan: an email with "ed1." in it, a half-typed name.
    for text in ("fred1.smith@example.com", "Ed", "ED&:", "ed1:short"):
        assert payload_start(text) == -1, text
    assert not scanner_typing("fred1.smith@example.com") and not scanner_typing("Anna")


# --- check-in, on both databases ---------------------------------------------------------------
@pytest.fixture
def door(store: Store, signer: Signer, tmp_path: Path) -> dict[str, Any]:
    """An event running now, free tickets, one payload for each variant and a few more."""
    now = utcnow().replace(microsecond=0)
    event = make_event(
        store,
        name="Layouts",
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=8)).isoformat(),
    )
    add_type(store, event, "Regular", price_cents=0)
    payloads = []
    for email in people(store, len(VARIANTS) + 4, prefix="kb"):
        ticket = register(store, event, email, "Regular").tickets[0]
        payloads.append(signer.payload(ticket.ticket_id))
    data = tmp_path / "data"
    data.mkdir()
    return {"event": event, "payloads": payloads, "data": data}


def test_mangled_lines_check_in_through_checkin(store: Store, door: dict[str, Any]) -> None:
    desk = Checkin(store, station="Door 1")
    for (layout, caps, system), payload in zip(VARIANTS, door["payloads"], strict=False):
        line = mangle(payload, layout, caps, system)
        if line == payload:
            continue  # QWERTZ and a payload with neither Y nor Z (about 1 in 1,000)
        result = desk.scan(line, nonce=f"kb-{layout}-{caps}-{system}")
        assert result.result == "ok", (layout, caps, system, result)
        if layout == "be" and not {"§", "!"} & set(line):  # else it reads as French too
            either = (note_of("fr", caps), note_of(layout, caps))
            assert result.repaired in either, result.repaired
        else:
            assert result.repaired == note_of(layout, caps), (layout, caps, result.repaired)
        # The same nonce again gets the same answer back, its note included.
        again = desk.scan(line, nonce=f"kb-{layout}-{caps}-{system}")
        assert again.replayed and again.repaired == result.repaired
    # A line that came as issued is not said to be repaired.
    plain = desk.scan(door["payloads"][len(VARIANTS)])
    assert plain.result == "ok" and plain.repaired is None


def test_wrong_lines_stay_invalid_with_the_same_message(store: Store, door: dict[str, Any]) -> None:
    desk = Checkin(store, station="Door 1")
    old = Verifier(store)  # what verification said before the repairs
    payload = door["payloads"][-1]
    azerty = mangle(payload, "fr")
    one_wrong = azerty[:60] + ("Q" if azerty[60] != "Q" else "X") + azerty[61:]
    qwertz = mangle(payload, "de", caps=True)
    qwertz_wrong = qwertz[:-1] + ("a" if qwertz[-1] != "a" else "b")
    swapped_sig = mangle(payload, "de")[:-8] + "ZZZZZZZZ"
    for line in ["scanned garbage", "ED1." + "A" * 121, one_wrong, qwertz_wrong, swapped_sig]:
        with pytest.raises(InvalidPayload) as before:
            old.verify(line)
        result = desk.scan(line)
        assert result.result == "invalid", line
        assert result.message == f"Not a valid ticket: {before.value}"
        assert result.problem is not None and result.problem.words() == f"{before.value}"
        assert result.repaired is None
    assert desk.scan(payload).result == "ok"  # the one that was never admitted by a wrong line


def test_a_valid_payload_costs_no_repair(
    store: Store, door: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    tried: list[str] = []

    def counted(line: str) -> Any:
        tried.append(line)
        return repairs(line)

    monkeypatch.setattr(tickets_module, "repairs", counted)
    desk = Checkin(store, station="Door 1")
    first, second = door["payloads"][:2]
    assert desk.scan(first).result == "ok" and tried == []
    assert desk.scan(mangle(second, "fr")).result == "ok" and len(tried) == 1
    assert desk.scan("too short for a ticket").result == "invalid" and len(tried) == 1


def test_a_qwertz_key_id_costs_no_key_read_and_a_new_key_is_still_found(
    store: Store, door: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key id with a Y or a Z parses as it came through QWERTZ (Y and Z are base32 too): the
    repair verifies with the keys known, without reading the keys again for the mangled id."""
    signer = next(
        s
        for s in (Signer(Ed25519PrivateKey.generate()) for _ in range(200))
        if {"Y", "Z"} & set(s.key_id)
    )
    register_public_key(store, signer, "qwertz-station")
    emails = people(store, 3, prefix="qz")
    payloads = [
        signer.payload(register(store, door["event"], e, "Regular").tickets[0].ticket_id)
        for e in emails
    ]
    loads: list[int] = []
    original = Verifier._load  # noqa: SLF001 - its reads of the keys, counted

    def counted(self: Verifier) -> None:
        loads.append(1)
        original(self)

    monkeypatch.setattr(Verifier, "_load", counted)
    desk = Checkin(store, station="Door 1")
    first = desk.scan(mangle(payloads[0], "de"))
    assert first.result == "ok" and first.repaired == "QWERTZ layout"
    assert len(loads) == 1  # the first scan reads the keys once
    second = desk.scan(mangle(payloads[1], "de", caps=True))
    assert second.result == "ok" and len(loads) == 1
    # A key another station added since: read again, once, and found.
    later = Signer(Ed25519PrivateKey.generate())
    register_public_key(store, later, "another-station")
    ticket = register(store, door["event"], people(store, 1, prefix="late")[0], "Regular")
    third = desk.scan(mangle(later.payload(ticket.tickets[0].ticket_id), "fr"))
    assert third.result == "ok" and len(loads) == 2
    assert desk.scan(payloads[2]).result == "ok" and len(loads) == 2


# --- `eventdesk scan --source -` ------------------------------------------------------------------
def run(db_url: str, data_dir: Path, *args: str, stdin: bytes) -> str:
    done = forks.run(
        [EVENTDESK, "--db", db_url, "--data-dir", str(data_dir), "--station", "Door 1", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    err = done.stderr.decode()
    assert done.returncode == 0 and "Traceback" not in err, err
    return done.stdout.decode()


@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_scan_source_stdin_repairs_mangled_lines(db_url: str, door: dict[str, Any]) -> None:
    first, second, third, fourth = door["payloads"][:4]
    wrong = mangle(fourth, "fr")
    wrong = wrong[:70] + ("R" if wrong[70] != "R" else "T") + wrong[71:]
    lines = [
        mangle(first, "fr"),
        mangle(second, "fr", caps=True, system="windows"),
        mangle(third, "de", caps=True),
        "scanned garbage",
        wrong,
    ]
    out = run(db_url, door["data"], "--json", "scan", "--source", "-", stdin=_crlf(lines))
    scanned = [json.loads(line) for line in out.splitlines()]
    assert [s["result"] for s in scanned] == ["ok", "ok", "ok", "invalid", "invalid"], scanned
    assert "repaired: French AZERTY layout" in scanned[0]["flags"]
    assert "repaired: French AZERTY layout, Caps Lock on" in scanned[1]["flags"]
    assert "repaired: QWERTZ layout, Caps Lock on" in scanned[2]["flags"]
    assert scanned[0]["payload"] == lines[0]  # the line as the scanner typed it


def _crlf(lines: list[str]) -> bytes:
    return "".join(f"{line}\r\n" for line in lines).encode("utf-8")


# --- the desk: a mangled payload typed into the search box is a scan, not a search ---------------
@pytest.mark.asyncio
async def test_the_desk_admits_a_payload_typed_through_azerty_into_its_search_box(
    station: DemoStation,
) -> None:
    from eventdesk.services.people.registration import show_ticket
    from tests.app.test_app_desk import admissible, banner_text, desk_app, opened, scanner_types

    store = station.store
    ticket = admissible(store, station.summary.event)[0]
    assert ticket.qr_payload
    line = mangle(ticket.qr_payload, "fr", caps=True)
    app = desk_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(app, pilot)
        search = screen.query_one("#search", Input)
        await pilot.press("a", "n")  # a name half typed before the scan
        await scanner_types(pilot, line)
        await wait_for(lambda: show_ticket(store, ticket.id).checked_in_at is not None, pilot)
        # The card shows the scanned ticket's holder; the half-typed name is left as it was.
        await wait_for(lambda: screen.attendee_id == ticket.attendee_id, pilot)
        assert search.value == "an"
        assert "repaired: French AZERTY layout, Caps Lock on" in banner_text(screen)
