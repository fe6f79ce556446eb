"""Ticket codes a shop issued, read at our door: pretix's signed codes (its "pretix_sig1"
scheme), checked offline against the event's public keys as pretix's own scanners check them.

A pretix_sig1 code is, read backwards, base64 of: one byte 0x01 (the scheme), the lengths of
the payload and of the signature (two bytes each, big-endian), the payload (a protocol buffers
message: the ticket's random seed, its product, variation and event date, and the times it is
valid between), then the Ed25519 signature of the payload. The event publishes its public keys
(its ``valid_keys``, each base64 of a PEM public key); a code signed by none of them is not a
ticket of that event. A genuine code may still be revoked or blocked: the shop lists those, and
the door refuses them by lookup, as it refuses a cancelled ticket.

A code found by lookup is decided as any ticket; one not found is checked here against the keys
of the events a shop signs for (``shop_key``, in a station's copy too): a code no key signed is
forged or damaged, and a genuine one was sold after the station's last pull from the shop."""

from __future__ import annotations

import base64
import binascii
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError

from eventdesk.i18n import N_, _

SIG1 = "pretix_sig1"


class NotSigned(ValueError):
    """Not a code the shop signed: ``text`` says why as a message id (eventdesk.tickets keeps
    it as data, as its own InvalidPayload does); ``str()`` words it now."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return _(self.text)


_SCHEME = 0x01
_HEAD = struct.Struct(">BHH")  # the scheme, the payload's length, the signature's length


def _ticket_class() -> Any:
    """The payload's message type, declared here as pretix declares it (proto3: ``seed`` a
    string, ``item``, ``variation`` and ``subevent`` 64-bit integers, and the two validity
    times optional 64-bit integers, seconds since 1970)."""
    declared = descriptor_pb2.FileDescriptorProto(
        name="eventdesk_pretix_sig1.proto", package="eventdesk.pretix", syntax="proto3"
    )
    ticket = declared.message_type.add(name="Ticket")
    field = descriptor_pb2.FieldDescriptorProto
    for number, name, kind in (
        (1, "seed", field.TYPE_STRING),
        (2, "item", field.TYPE_INT64),
        (3, "variation", field.TYPE_INT64),
        (4, "subevent", field.TYPE_INT64),
        (5, "validFromUnixTime", field.TYPE_INT64),
        (6, "validUntilUnixTime", field.TYPE_INT64),
    ):
        made = ticket.field.add(name=name, number=number, type=kind, label=field.LABEL_OPTIONAL)
        if number >= 5:  # proto3 "optional": a presence of its own (a synthetic oneof)
            made.proto3_optional = True
            made.oneof_index = len(ticket.oneof_decl)
            ticket.oneof_decl.add(name=f"_{name}")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(declared)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("eventdesk.pretix.Ticket"))


_TICKET = _ticket_class()


@dataclass(frozen=True)
class Sig1Ticket:
    """What a genuine pretix_sig1 code says of its ticket (pretix's ids; 0: none)."""

    seed: str
    item: int
    variation: int
    subevent: int
    valid_from: datetime | None
    valid_until: datetime | None


def ticket_message(**fields: Any) -> bytes:
    """The payload of a ticket with ``fields`` (the message's own names), as pretix encodes it."""
    return bytes(_TICKET(**fields).SerializeToString())


def is_sig1(text: str) -> bool:
    """Whether ``text`` is shaped as a pretix_sig1 code (not whether it is genuine)."""
    return _parts(text) is not None


def _parts(text: str) -> tuple[bytes, bytes] | None:
    """The payload and the signature of a code of the scheme, None for any other text."""
    if not isinstance(text, str) or not 60 <= len(text) <= 400:
        return None
    try:
        raw = base64.b64decode(text[::-1], validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) < _HEAD.size:
        return None
    scheme, payload_length, signature_length = _HEAD.unpack_from(raw)
    if scheme != _SCHEME or _HEAD.size + payload_length + signature_length != len(raw):
        return None
    payload = raw[_HEAD.size : _HEAD.size + payload_length]
    return payload, raw[_HEAD.size + payload_length :]


def public_keys(valid_keys: Mapping[str, Sequence[str]] | None) -> list[Ed25519PublicKey]:
    """The event's pretix_sig1 keys from its ``valid_keys`` (each base64 of a PEM public key).
    ValueError names a key that is not an Ed25519 public key."""
    keys = []
    for number, text in enumerate((valid_keys or {}).get(SIG1, ()), start=1):
        try:
            key = load_pem_public_key(base64.b64decode(text, validate=True))
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"the event's key {number} is not a public key ({exc})") from None
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError(f"the event's key {number} is not an Ed25519 key")
        keys.append(key)
    return keys


def _time(message: Any, name: str) -> datetime | None:
    if not message.HasField(name):
        return None
    seconds = int(getattr(message, name))
    return datetime.fromtimestamp(seconds, UTC) if seconds else None


def verify_sig1(text: str, keys: Iterable[Ed25519PublicKey]) -> Sig1Ticket:
    """The ticket a genuine code names; NotSigned when it is not one of the scheme, or no key
    of the event signed it, or its payload cannot be read."""
    parts = _parts(text)
    if parts is None:
        raise NotSigned(N_("not a pretix ticket code"))
    payload, signature = parts
    for key in keys:
        try:
            key.verify(signature, payload)
            break
        except InvalidSignature:
            continue
    else:
        raise NotSigned(
            N_("the code's signature is not the shop's: a forged or damaged pretix ticket")
        )
    message = _TICKET()
    try:
        message.ParseFromString(payload)
    except DecodeError:
        raise NotSigned(N_("the signed ticket cannot be read")) from None
    return Sig1Ticket(
        seed=message.seed,
        item=int(message.item),
        variation=int(message.variation),
        subevent=int(message.subevent),
        valid_from=_time(message, "validFromUnixTime"),
        valid_until=_time(message, "validUntilUnixTime"),
    )
