"""Signed QR payloads: format, strict parsing, keys, and QR codes a scanner can read."""

from __future__ import annotations

import base64
import io
import json
import random
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import zxingcpp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from eventdesk.db import Store
from eventdesk.services.people.registration import register, show_ticket
from eventdesk.tickets import (
    MAX_PAYLOAD,
    InvalidPayload,
    Signer,
    Verifier,
    ensure_keys,
    issue_missing,
    key_path,
    load_signer,
    parse_payload,
    qr_code,
    qr_text,
    write_png,
    write_svg,
)
from tests.helpers import add_type, make_event, people

QR_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def _ticket(store: Store) -> str:
    ev = make_event(store)
    add_type(store, ev, "Regular")
    return register(store, ev, people(store, 1)[0], "Regular").tickets[0].ticket_id


def test_payload_is_issued_with_the_ticket_and_fits_a_small_qr(
    store: Store, signer: Signer
) -> None:
    ticket = _ticket(store)
    payload = show_ticket(store, ticket).qr_payload
    assert payload is not None and payload == signer.payload(ticket)
    assert len(payload) == MAX_PAYLOAD and set(payload) <= QR_ALPHANUMERIC
    assert payload.startswith(f"ED1.{ticket}.{signer.key_id}.")
    code = qr_code(payload)
    assert code.version <= 7  # at error correction M
    assert Verifier(store).verify(payload) == ticket


def _flip(text: str, index: int) -> str:
    replacement = "A" if text[index] != "A" else "B"
    return text[:index] + replacement + text[index + 1 :]


def test_every_tampering_is_invalid(store: Store, signer: Signer) -> None:
    ticket = _ticket(store)
    payload = signer.payload(ticket)
    verifier = Verifier(store)
    other_install = Signer(Ed25519PrivateKey.generate())
    sig = payload.split(".")[3]
    forged_sig = base64.b32encode(bytes(64)).decode().rstrip("=")
    cases = {
        "forged signature": payload.replace(sig, forged_sig),
        "truncated": payload[:-1],
        "truncated a lot": payload[:40],
        "padded": payload + "=",
        "padded with a space": payload + " X",
        "lower-cased": payload.lower(),
        "another install's key": other_install.payload(ticket),
        "another install's key under our key id": other_install.payload(ticket).replace(
            other_install.key_id, signer.key_id
        ),
        "another ticket's id": payload.replace(ticket, "ZZZZZZZZ"),
        "version changed": "ED2" + payload[3:],
        "empty": "",
    }
    for what, text in cases.items():
        with pytest.raises(InvalidPayload):
            verifier.verify(text)
            pytest.fail(what)
    for index in range(len(payload)):  # one character changed, at every position
        with pytest.raises(InvalidPayload):
            verifier.verify(_flip(payload, index))


def test_last_signature_character_must_be_canonical(store: Store, signer: Signer) -> None:
    payload = signer.payload(_ticket(store))
    # 103 base32 characters carry 515 bits for a 512-bit signature: the spare bits must be zero.
    last = payload[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    sibling = alphabet[alphabet.index(last) ^ 1]
    with pytest.raises(InvalidPayload):
        parse_payload(payload[:-1] + sibling)


@settings(max_examples=300)
@given(st.binary(min_size=64, max_size=64), st.integers(min_value=1, max_value=7))
def test_the_signature_reads_back_as_written_and_only_in_its_one_spelling(
    signature: bytes, spare: int
) -> None:
    text = base64.b32encode(signature).decode("ascii").rstrip("=")
    payload = f"ED1.ABCDEFGH.KEYIDXYZ.{text}"
    assert parse_payload(payload).signature == signature
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    other = alphabet[alphabet.index(text[-1]) ^ spare]  # the same 512 bits, a spare bit set
    with pytest.raises(InvalidPayload):
        parse_payload(payload[:-1] + other)


@settings(max_examples=300)
@given(st.text(max_size=300))
def test_parser_never_raises_anything_but_invalid(text: str) -> None:
    try:
        parsed = parse_payload(text)
    except InvalidPayload:
        return
    assert len(parsed.signature) == 64


FIXTURES_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]  # a busy machine


@settings(max_examples=100, deadline=None, suppress_health_check=FIXTURES_OK)
@given(
    ticket=st.from_regex(r"\A[0-9A-HJKMNP-TV-Z]{8}\Z"),
    # 103 characters carry 515 bits: a last character in A, I, Q, Y leaves the spare bits zero.
    signature=st.from_regex(r"\A[A-Z2-7]{102}[AIQY]\Z"),
)
def test_well_formed_payloads_with_made_up_signatures_are_forged(
    store: Store, signer: Signer, ticket: str, signature: str
) -> None:
    text = f"ED1.{ticket}.{signer.key_id}.{signature}"
    assert parse_payload(text).ticket_id == ticket  # it parses: only the signature gives it away
    with pytest.raises(InvalidPayload, match="forged"):
        Verifier(store).verify(text)


def test_terminal_qr_scans(store: Store, signer: Signer) -> None:
    payload = signer.payload(_ticket(store))
    text = qr_text(payload)
    rows = text.split("\n")
    # Each character is one module wide and two high; light modules are drawn.
    pixels = {"█": (255, 255), "▀": (255, 0), "▄": (0, 255), " ": (0, 0)}
    image = Image.new("L", (len(rows[0]), len(rows) * 2))
    for y, row in enumerate(rows):
        for x, ch in enumerate(row):
            top, bottom = pixels[ch]
            image.putpixel((x, 2 * y), top)
            image.putpixel((x, 2 * y + 1), bottom)
    image = image.resize((image.width * 6, image.height * 6), Image.Resampling.NEAREST)
    found = zxingcpp.read_barcodes(image)
    assert [f.text for f in found] == [payload]
    assert "\x1b[97;40m" in qr_text(payload, color=True)


def test_png_and_svg_files(store: Store, signer: Signer, tmp_path: Path) -> None:
    payload = signer.payload(_ticket(store))
    write_png(payload, tmp_path / "t.png")
    found = zxingcpp.read_barcodes(Image.open(tmp_path / "t.png"))
    assert [f.text for f in found] == [payload]
    write_svg(payload, tmp_path / "t.svg")
    root = ET.parse(tmp_path / "t.svg").getroot()
    assert root.tag.endswith("svg") and any(el.tag.endswith("path") for el in root.iter())


def test_init_keys_and_a_station_without_the_private_key(store: Store, tmp_path: Path) -> None:
    issuing, checking = tmp_path / "issuing", tmp_path / "checking"
    first = ensure_keys(store, issuing, "Desk")
    assert first.created and first.can_issue and first.known_keys == 1
    path = key_path(issuing)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert ensure_keys(store, issuing, "Desk").created is False
    # A second station on the same database: checks, does not issue, makes no key of its own.
    second = ensure_keys(store, checking, "Door")
    assert (second.can_issue, second.created, second.key_id) == (False, False, None)
    assert not key_path(checking).exists()
    store.signer = load_signer(checking)
    ticket = _ticket(store)
    assert show_ticket(store, ticket).qr_payload is None
    # The issuing station signs what was made without it; every station verifies.
    issuing_signer = load_signer(issuing)
    assert issuing_signer is not None
    assert issue_missing(store, issuing_signer) == 1
    payload = show_ticket(store, ticket).qr_payload
    assert payload is not None and Verifier(store).verify(payload) == ticket
    # A station may get a key of its own on request; others verify its tickets too.
    own = ensure_keys(store, checking, "Door", new_key=True)
    assert own.created and own.known_keys == 2
    door_signer = load_signer(checking)
    assert door_signer is not None
    assert Verifier(store).verify(door_signer.payload(ticket)) == ticket


def test_damaged_key_file_is_an_environment_error(tmp_path: Path) -> None:
    from eventdesk.errors import EnvironmentProblem

    key_path(tmp_path).parent.mkdir(parents=True)
    key_path(tmp_path).write_text("not a key")
    with pytest.raises(EnvironmentProblem, match="not a usable signing key"):
        load_signer(tmp_path)


def test_json_of_a_payload_is_plain_ascii(store: Store, signer: Signer) -> None:
    payload = signer.payload(_ticket(store))
    assert json.dumps(payload) == f'"{payload}"'
    assert io.StringIO(payload).read().isascii()


@pytest.mark.parametrize("seed", range(12))
def test_signatures_checked_by_two_threads_are_each_answered_as_alone(
    store: Store, signer: Signer, seed: int
) -> None:
    """A group's signatures are shared out between the verifier's thread and the caller:
    each answer is the one ``verify`` gives that line alone, in the line's place."""
    payload = signer.payload(_ticket(store))
    forged_at = set(random.Random(seed).sample(range(60), seed * 4))
    texts: list[str] = []
    for i in range(60):
        if i in forged_at:
            last = payload[-2]
            texts.append(payload[:-2] + ("B" if last != "B" else "C") + payload[-1])
        elif i % 7 == 3:
            texts.append("no ticket at all")
        else:
            texts.append(payload)
    verifier = Verifier(store)
    checks = verifier.check_many(texts)

    def alone(text: str) -> bool | None:
        try:
            parse_payload(text)
        except InvalidPayload:
            return None
        try:
            verifier.verify(text)
        except InvalidPayload:
            return False
        return True

    assert checks.genuine() == [alone(text) for text in texts]
    assert checks.ticket_ids == [None if alone(t) is None else payload.split(".")[1] for t in texts]
