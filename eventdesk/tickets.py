"""Signed QR tickets.

The payload is ``ED1.<ticket id>.<key id>.<signature>``: upper-case letters, digits and dots
only, so a QR code holds it in alphanumeric mode (125 characters: QR version 6 at error
correction M). The signature is Ed25519 over the version, ticket id and key id. Any station can
check it offline with the public key kept in the database; only a station holding the private
key file can issue tickets. Parsing is strict: one canonical spelling per ticket, anything else
(lower case, padding, a changed character, a key this install does not know) is invalid.

A keyboard-wedge scanner typing through a QWERTZ or AZERTY layout, or with Caps Lock on, mangles
the payload (``eventdesk.keymaps``): ``Verifier.verify_scanned`` tries the line as it came, then
each known layout's repair; the signature proves a repair right, and a wrong one is invalid.

A ticket sold in a shop keeps the shop's code (a barcode, a pretix secret) as its payload,
unchanged: a line that is none of ours is looked up by its exact text (``Verifier.by_code``).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import itertools
import os
import re
import stat
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import bindparam, select

from eventdesk.db import Store
from eventdesk.errors import EnvironmentProblem, NotAllowed
from eventdesk.i18n import N_, _
from eventdesk.keymaps import Repair, repairs, typed_forms
from eventdesk.models import RevokedCode, ShopKey, SigningKey, Ticket
from eventdesk.prepared import Prepared
from eventdesk.shop_codes import SIG1, NotSigned, is_sig1, public_keys, verify_sig1
from eventdesk.values import utcnow

VERSION = "ED1"
KEY_FILE = "keys/ticket-signing-key.pem"
SIGNATURE_CHARS = 103  # 64 bytes in base32, without padding
# A ticket's id: Crockford's base32, or a code signed ahead for a station's offline sale: U (a
# letter the alphabet leaves out) then seven of it (eventdesk.quota_models.QuotaCode).
_PAYLOAD = re.compile(
    r"ED1\.([0-9A-HJKMNP-TV-Z]{8}|U[0-9A-HJKMNP-TV-Z]{7})\.([A-Z2-7]{8})\.([A-Z2-7]{103})"
)
MAX_PAYLOAD = 125
CODE_LENGTH = 200  # a ticket's code at most (Ticket.qr_payload): a shop's is kept as it is
QR_MAX_VERSION = 7
PREFIX = f"{VERSION}."
# "ED1." and its stem as a scanner may type them through a known layout (keymaps).
_TYPED_PREFIXES = tuple(sorted(typed_forms(PREFIX) - {PREFIX}))
_TYPED_STEMS = tuple(sorted(typed_forms(VERSION)))


class InvalidPayload(ValueError):
    """The text is not a ticket this install issued. ``text`` says why as a message id (a
    decision keeps it as data); ``str()`` words it in the language spoken then."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return _(self.text)


class UnknownKey(InvalidPayload):
    """A well-formed payload signed by a key this install does not know (yet)."""


@dataclass(frozen=True)
class Verified:
    """A genuine payload read from a scan."""

    ticket_id: str
    repaired: str | None = None  # how the line was repaired (keymaps), None when it came intact


@dataclass(frozen=True)
class ParsedPayload:
    ticket_id: str
    key_id: str
    signature: bytes


# base32's letters as the digits int(..., 32) reads: A-Z2-7 to 0-9a-v.
_B32_DIGITS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789abcdefghijklmnopqrstuv")


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


def key_id_of(public_key: bytes) -> str:
    return _b32(hashlib.sha256(public_key).digest()[:5])


def _message(ticket_id: str, key_id: str) -> bytes:
    return f"eventdesk-ticket|{VERSION}|{ticket_id}|{key_id}".encode("ascii")


def parse_payload(text: str) -> ParsedPayload:
    """The parts of a well-formed payload; InvalidPayload for anything else. Never verifies."""
    if not isinstance(text, str) or len(text) != MAX_PAYLOAD:
        raise InvalidPayload(N_("not an eventdesk ticket code"))
    match = _PAYLOAD.fullmatch(text)
    if match is None:
        raise InvalidPayload(N_("not an eventdesk ticket code"))
    ticket_id, key_id, sig_text = match.groups()
    # 103 base32 letters are 515 bits: the signature's 512, then 3 unused bits that must be
    # zero (one spelling per ticket). Read as one base-32 number: base64.b32decode and the
    # check by encoding again took a third of a verification.
    bits = int(sig_text.translate(_B32_DIGITS), 32)
    if bits & 0b111:
        raise InvalidPayload(N_("not an eventdesk ticket code"))
    return ParsedPayload(ticket_id, key_id, (bits >> 3).to_bytes(64, "big"))


class Signer:
    """Issues payloads with this station's private key."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.public_key = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.key_id = key_id_of(self.public_key)

    def sign(self, message: bytes) -> bytes:
        """``message`` signed with this station's private key."""
        return self._key.sign(message)

    def payload(self, ticket_id: str) -> str:
        signature = self.sign(_message(ticket_id, self.key_id))
        return f"{VERSION}.{ticket_id}.{self.key_id}.{_b32(signature)}"

    def private_bytes(self) -> bytes:
        """The raw key, for a signing process of this station's own (a big import)."""
        return self._key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )


def sign_many(signer: Signer | bytes, ticket_ids: Sequence[str]) -> list[str]:
    """Payloads for many tickets (``signer``, or a raw private key): what ``payload`` gives for
    each, with the signatures' base32 worked out together (see _b32_many)."""
    if isinstance(signer, bytes):
        signer = Signer(Ed25519PrivateKey.from_private_bytes(signer))
    sign, key_id = signer.sign, signer.key_id
    signatures = [sign(_message(ticket_id, key_id)) for ticket_id in ticket_ids]
    return [
        f"{VERSION}.{ticket_id}.{key_id}.{text}"
        for ticket_id, text in zip(ticket_ids, _b32_many(signatures), strict=True)
    ]


_B32_GROUP = 256  # signatures encoded together
_B32_TABLE = bytes.maketrans(bytes(range(32)), b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def _b32_many(signatures: list[bytes]) -> list[str]:
    """``_b32`` of many 64-byte signatures, about ten times faster. Each signature with a zero
    byte after it is 104 groups of 5 bits (the 104th is the zero padding base32 drops); one big
    integer of all of them has its groups moved apart to a byte each by a few shifts under
    masks (see _spread_masks), then the bytes are translated to base32's letters at once."""
    texts: list[str] = []
    for start in range(0, len(signatures), _B32_GROUP):
        group = signatures[start : start + _B32_GROUP]
        blob = b"".join(s + b"\0" for s in group) + bytes(65 * (_B32_GROUP - len(group)))
        bits = int.from_bytes(blob, "big")
        for mask, shift in _spread_masks():
            moving = bits & mask
            bits = (bits ^ moving) | (moving << shift)
        letters = bits.to_bytes(104 * _B32_GROUP, "big").translate(_B32_TABLE).decode("ascii")
        texts.extend(letters[i * 104 : i * 104 + 103] for i in range(len(group)))
    return texts


@functools.cache
def _spread_masks() -> list[tuple[int, int]]:
    """Masks and shifts that move 5-bit group i (counted from the low end) from bit 5i to bit
    8i: the groups whose index has bit j set move up 3 * 2**j bits, highest j first. Before the
    step for bit j, the groups sit in blocks of 2**(j+1): block b at 8 * 2**(j+1) * b, its
    groups 5 bits apart, so the upper half of every block is one run of 5 * 2**j bits."""
    fields = 104 * _B32_GROUP
    steps: list[tuple[int, int]] = []
    for j in range((fields - 1).bit_length() - 1, -1, -1):
        half = 5 << j
        period = 16 << j
        blocks = -(-fields // (2 << j))
        repeat = ((1 << (period * blocks)) - 1) // ((1 << period) - 1)
        steps.append(((((1 << half) - 1) << half) * repeat, 3 << j))
    return steps


class SignatureChecks:
    """Verifier.check_many's answer: each text's ticket id as it came (None: not a payload
    signed by a key known here, as it came, nor a shop's code found), and their signatures,
    checked in order by the verifier's thread and, once the caller asks for the answers, by
    the caller too."""

    def __init__(
        self,
        ticket_ids: list[str | None],
        checks: list[tuple[Ed25519PublicKey, bytes, bytes] | None],
        thread: ThreadPoolExecutor,
    ) -> None:
        self.ticket_ids = ticket_ids
        self._checks = checks
        self._found: list[bool] = [False] * len(checks)
        self._next = itertools.count()  # the next check to take: next() is atomic
        self._thread = thread.submit(self._work)

    def _work(self) -> None:
        """Checks, each taken once by whichever of the two threads comes first."""
        while (at := next(self._next)) < len(self._checks):
            check = self._checks[at]
            if check is None:  # a shop's code, found by lookup: nothing to check
                self._found[at] = True
                continue
            key, signature, message = check
            try:
                key.verify(signature, message)
            except InvalidSignature:
                continue
            self._found[at] = True

    def genuine(self) -> list[bool | None]:
        """For each text, whether its signature is genuine (None: not checked, no ticket id).
        The checks not taken yet are done here, beside the thread; raises what stopped one."""
        self._work()
        self._thread.result()
        found = iter(self._found)
        return [None if ticket_id is None else next(found) for ticket_id in self.ticket_ids]


_BY_CODE = Prepared(select(Ticket.id).where(Ticket.qr_payload == bindparam("b_code")))
_REVOKED = Prepared(
    select(RevokedCode.code, Ticket.status)
    .outerjoin(Ticket, Ticket.id == RevokedCode.ticket_id)
    .where(RevokedCode.code == bindparam("b_code"))
)
_SHOP_KEYS = select(ShopKey.public_key).where(ShopKey.scheme == SIG1).distinct()


class Verifier:
    """Checks payloads against the public keys in the database (cached for the process)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._checker: ThreadPoolExecutor | None = None  # check_many's signature thread

    def _load(self) -> None:
        with self._store.read() as session:
            rows = session.execute(select(SigningKey.id, SigningKey.public_key)).all()
        self._keys = {kid: Ed25519PublicKey.from_public_bytes(bytes(raw)) for kid, raw in rows}

    def verify(self, text: str) -> str:
        """The ticket id of a genuine payload; InvalidPayload otherwise."""
        return self._verify(text, may_load=True)

    def verify_scanned(self, text: str) -> Verified:
        """A scanned line's ticket: the line as it came, else the first of its keymaps repairs
        (a scanner typing through a QWERTZ or AZERTY layout, or with Caps Lock on) that
        verifies. InvalidPayload, as the line as it came has it, when none does. The keys are
        read again (one added by another station) only when no reading verifies with the keys
        known and one was signed by a key not known here: a QWERTZ line whose key id holds a
        Y or a Z costs no read."""
        if not self._keys:
            self._load()
        try:
            return Verified(self._verify(text, may_load=False))
        except InvalidPayload as exc:
            as_typed = exc
        readings = list(repairs(text)) if _repairable(text) else []
        found, unknown_key = self._first_genuine(readings)
        if found is None and (unknown_key or isinstance(as_typed, UnknownKey)):
            self._load()
            try:
                return Verified(self._verify(text, may_load=False))
            except InvalidPayload as exc:
                as_typed = exc
            found, _unknown = self._first_genuine(readings)
        if found is None:
            ticket_id = self.by_code(text)  # InvalidPayload: a code the shop revoked
            if ticket_id is None:
                raise as_typed
            return Verified(ticket_id)
        return found

    def by_code(self, text: str) -> str | None:
        """The ticket whose code is ``text`` exactly: a shop's barcode, kept as the shop
        printed it (services.data.shop_export). None when no ticket has it; InvalidPayload
        saying so when the shop revoked it."""
        if not may_be_code(text):
            return None
        # A plain connection and a compiled statement: a shop's code costs the door what a
        # signature's check costs ours (bench/shop_codes.py), not an ORM session's start.
        with self._store.connect() as conn:
            found = _BY_CODE.first(conn, {"b_code": text})
            revoked = _REVOKED.first(conn, {"b_code": text}) if found is None else None
            if revoked is not None and revoked["status"] == "cancelled":
                # The shop cancelled the ticket and made its code again: nothing to ask for.
                raise InvalidPayload(N_("the shop cancelled this ticket"))
            if revoked is not None:
                raise InvalidPayload(
                    N_("the shop revoked this code: its ticket has a new one (ask for it)")
                )
            if found is None and is_sig1(text):
                self._shop_signed(text, conn.execute(_SHOP_KEYS).scalars().all())
        return None if found is None else str(found["id"])

    @staticmethod
    def _shop_signed(text: str, keys: Sequence[str]) -> None:
        """A shop's signed code no ticket here has: InvalidPayload saying whether the shop
        signed it (sold after this station's last pull) or not (forged, damaged). Nothing when
        no shop signs tickets here: the line is only not a ticket."""
        if not keys:
            return
        try:
            verify_sig1(text, public_keys({SIG1: keys}))
        except NotSigned as exc:
            raise InvalidPayload(exc.text) from None
        except ValueError:  # a key the shop gave that is none: the code cannot be told
            return
        raise InvalidPayload(
            N_(
                "a genuine pretix ticket this station has not pulled yet: sync the shop "
                "(`eventdesk shop sync`), then scan again"
            )
        )

    def by_codes(self, texts: Sequence[str]) -> dict[str, str]:
        """``by_code`` for many lines at once: each line found -> its ticket id."""
        wanted = sorted({t for t in texts if may_be_code(t)})
        if not wanted:
            return {}
        with self._store.connect() as conn:  # as by_code: no ORM session for a lookup
            rows = conn.execute(
                select(Ticket.qr_payload, Ticket.id).where(Ticket.qr_payload.in_(wanted))
            ).all()
        return {str(code): str(ticket_id) for code, ticket_id in rows}

    def check_many(self, texts: Sequence[str]) -> SignatureChecks:
        """The ticket id each text names as it came (signed by a key known here), at once,
        and its signature checked on a thread of the verifier's own meanwhile: Ed25519 lets go
        of the interpreter while it works, so the caller's database work (which does too)
        runs beside it. ``SignatureChecks.genuine`` waits for the answers."""
        if not self._keys:
            self._load()
        named: list[str | None] = []
        checks: list[tuple[Ed25519PublicKey, bytes, bytes] | None] = []
        codes = self.by_codes([t for t in texts if not _PAYLOAD.fullmatch(t)])
        for text in texts:
            if text in codes:  # a shop's code: found, nothing to check
                named.append(codes[text])
                checks.append(None)
                continue
            try:
                payload = parse_payload(text)
            except InvalidPayload:
                named.append(None)
                continue
            key = self._keys.get(payload.key_id)
            if key is None:
                named.append(None)
                continue
            named.append(payload.ticket_id)
            checks.append((key, payload.signature, _message(payload.ticket_id, payload.key_id)))
        if self._checker is None:
            self._checker = ThreadPoolExecutor(1, thread_name_prefix="signatures")
        return SignatureChecks(named, checks, self._checker)

    def _first_genuine(self, readings: list[Repair]) -> tuple[Verified | None, bool]:
        """The first reading that verifies with the keys known, and whether a reading was
        signed by a key not known here."""
        unknown_key = False
        for reading in readings:
            try:
                return Verified(self._verify(reading.text, may_load=False), reading.note), False
            except UnknownKey:
                unknown_key = True
            except InvalidPayload:
                continue
        return None, unknown_key

    def _verify(self, text: str, *, may_load: bool) -> str:
        return self._check(parse_payload(text), may_load=may_load)

    def _check(self, parsed: ParsedPayload, *, may_load: bool) -> str:
        key = self._keys.get(parsed.key_id)
        if key is None and may_load:
            self._load()  # a key added by another station since we last looked
            key = self._keys.get(parsed.key_id)
        if key is None:
            raise UnknownKey(N_("signed by a key this install does not know"))
        try:
            key.verify(parsed.signature, _message(parsed.ticket_id, parsed.key_id))
        except InvalidSignature:
            raise InvalidPayload(
                N_("the signature is not valid: a forged or damaged ticket")
            ) from None
        return parsed.ticket_id


def may_be_code(text: str) -> bool:
    """Whether ``text`` could be a ticket's code kept as a shop printed it: printable, at most
    CODE_LENGTH long (a control character, a NUL most of all, is no code and no database's
    text)."""
    return isinstance(text, str) and 0 < len(text) <= CODE_LENGTH and text.isprintable()


def _repairable(text: str) -> bool:
    """Only a line of a payload's length can be one once repaired (a repair keeps the length)."""
    return isinstance(text, str) and len(text) == MAX_PAYLOAD


def payload_start(text: str) -> int:
    """Where a scanned ticket starts in text typed into a search box, -1 when none does:
    ``ED1.`` as issued, or as a scanner types it through a known layout (``ED&:``, ``ed1.``)
    followed by the rest of a payload's length."""
    at = text.find(PREFIX)
    if at >= 0:
        return at
    at = len(text) - MAX_PAYLOAD
    return at if at >= 0 and text.startswith(_TYPED_PREFIXES, at) else -1


def scanner_typing(text: str) -> bool:
    """A scanner is typing a ticket into this text: one has started, or the text ends with
    ``ED1`` (nobody searches for it), or starts with ``ED1`` as typed through a known layout."""
    return payload_start(text) >= 0 or text.endswith(VERSION) or text.startswith(_TYPED_STEMS)


# --- key files ------------------------------------------------------------------------------
def key_path(data_dir: Path) -> Path:
    return data_dir / KEY_FILE


def load_signer(data_dir: Path) -> Signer | None:
    """This station's signer, when its private key file is here."""
    path = key_path(data_dir)
    if not path.exists():
        return None
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError, OSError) as exc:
        raise EnvironmentProblem(
            _("{file}: not a usable signing key ({problem})").format(file=path, problem=exc)
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise EnvironmentProblem(_("{file}: not an Ed25519 private key").format(file=path))
    return Signer(key)


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, stat.S_IRWXU)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def register_public_key(store: Store, signer: Signer, station: str | None) -> bool:
    """Make the signer's public key known to every station. True when it was new."""
    with store.write() as session:
        if session.get(SigningKey, signer.key_id) is not None:
            return False
        session.add(
            SigningKey(
                id=signer.key_id, public_key=signer.public_key, created_at=utcnow(), station=station
            )
        )
        return True


@dataclass(frozen=True)
class KeyStatus:
    key_id: str | None
    can_issue: bool
    created: bool
    known_keys: int
    path: str


def ensure_keys(
    store: Store, data_dir: Path, station: str | None, *, new_key: bool = False
) -> KeyStatus:
    """At init: keep this station's key, or make the install's first key pair.

    A station joining a database that already has keys does not make its own unless asked
    (``new_key``): it checks tickets, and issues them once the key file is copied to it.
    """
    path = key_path(data_dir)
    signer = load_signer(data_dir)
    created = False
    with store.read() as session:
        known = len(session.scalars(select(SigningKey.id)).all())
    if signer is None and (known == 0 or new_key):
        key = Ed25519PrivateKey.generate()
        _write_private(
            path,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
        signer, created = Signer(key), True
    elif new_key and signer is not None:
        raise NotAllowed(_("this station has a signing key already: {file}").format(file=path))
    if signer is not None and register_public_key(store, signer, station):
        known += 1
    return KeyStatus(
        signer.key_id if signer else None, signer is not None, created, known, str(path)
    )


def issue_missing(store: Store, signer: Signer) -> int:
    """Sign the tickets created on a station that had no private key. Returns how many."""
    from eventdesk.models import Ticket

    issued = 0
    with store.write() as session:
        for ticket in session.scalars(select(Ticket).where(Ticket.qr_payload.is_(None))):
            ticket.qr_payload = signer.payload(ticket.id)
            issued += 1
    return issued


# --- QR codes -------------------------------------------------------------------------------
def qr_code(payload: str):  # type: ignore[no-untyped-def]
    """A qrcode.QRCode at error correction M (qrcode is imported only when a code is drawn)."""
    import qrcode
    import qrcode.constants

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(payload)
    code.make(fit=True)
    return code


def qr_text(payload: str, *, color: bool = False) -> str:
    """The QR as half-block characters, for a terminal: a phone can scan it.

    Light modules are drawn as blocks, dark ones as blank, which is dark on light on a terminal
    with a dark background; ``color`` forces white on black so any terminal shows it right."""
    matrix = qr_code(payload).get_matrix()
    if len(matrix) % 2:
        matrix.append([False] * len(matrix[0]))
    glyphs = {(False, False): "█", (True, False): "▄", (False, True): "▀", (True, True): " "}
    lines = []
    start, end = ("\x1b[97;40m", "\x1b[0m") if color else ("", "")
    for top, bottom in zip(matrix[0::2], matrix[1::2], strict=True):
        row = "".join(glyphs[(t, b)] for t, b in zip(top, bottom, strict=True))
        lines.append(f"{start}{row}{end}")
    return "\n".join(lines)


def write_png(payload: str, path: Path, *, box_size: int = 8) -> None:
    code = qr_code(payload)
    code.box_size = box_size
    image = code.make_image()
    image.save(str(path))


def write_svg(payload: str, path: Path) -> None:
    import qrcode.image.svg

    image = qr_code(payload).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    image.save(str(path))
