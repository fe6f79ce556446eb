"""pretix_sig1 codes of every length read (eventdesk.shop_codes): base64 read backwards starts
with its padding only when the code's bytes are not a multiple of three, and a code of each kind
is genuine by its key, refused by another, and refused altered or cut. The codes are made here as
pretix makes them (tests/e2e/test_pretix_codes.py reads those a real pretix issued)."""

from __future__ import annotations

import base64
import struct
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from eventdesk import shop_codes
from eventdesk.shop_codes import NotSigned, is_sig1, public_keys, verify_sig1


def key_text(key: Ed25519PrivateKey) -> str:
    """A key as an event's valid_keys give it: base64 of its PEM."""
    pem = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(pem).decode()


def code(key: Ed25519PrivateKey, **fields: object) -> str:
    payload = shop_codes.ticket_message(**fields)
    signature = key.sign(payload)
    raw = bytes([1]) + struct.pack(">HH", len(payload), len(signature)) + payload + signature
    return base64.b64encode(raw).decode()[::-1]


@pytest.mark.parametrize("seed_length", [24, 25, 26])
def test_a_code_of_every_length_is_read_and_checked(seed_length: int) -> None:
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    until = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    made = code(
        key,
        seed="s" * seed_length,
        item=7,
        variation=9,
        validUntilUnixTime=int(until.timestamp()),
    )
    keys = public_keys({"pretix_sig1": [key_text(other), key_text(key)]})
    assert is_sig1(made)
    ticket = verify_sig1(made, keys)
    assert (ticket.seed, ticket.item, ticket.variation, ticket.subevent) == (
        "s" * seed_length,
        7,
        9,
        0,
    )
    assert (ticket.valid_from, ticket.valid_until) == (None, until)
    with pytest.raises(NotSigned, match="signature"):
        verify_sig1(made, public_keys({"pretix_sig1": [key_text(other)]}))
    with pytest.raises(NotSigned, match="not a pretix ticket code"):
        verify_sig1(made[:-4], keys)  # cut: its lengths no longer add up


def test_the_code_lengths_cover_every_padding() -> None:
    key = Ed25519PrivateKey.generate()
    ends = {code(key, seed="s" * n, item=1).count("=") for n in (24, 25, 26)}
    assert ends == {0, 1, 2}


@pytest.mark.parametrize(
    "text", ["", "ED1.ABCDEFGH", "=" * 80, "not base64 at all " * 5, "abcd" * 20]
)
def test_other_text_is_no_pretix_code(text: str) -> None:
    assert not is_sig1(text)
    with pytest.raises(NotSigned, match="not a pretix ticket code"):
        verify_sig1(text, [])
