"""The key of a station's copy: never on the station's disk.

A station's copy (``DATA_DIR/mirror.db``) holds names, ticket payloads and the offline sign-in
verifiers; it is encrypted at rest with SQLCipher (AES-256 on every page), so a station carried
off with its disk reads as noise. Its key is 32 random bytes the server makes for the station
(eventdesk/migrations/stations_0020.py) and gives only to that station's own login, or to an
organizer's. The station holds it in three ways, none of them its disk in the clear:

- **From the server** (``fetch``), whenever the station reaches it without the key at hand.
- **In memory while the machine runs** (``held``, ``hold``): a file in a RAM filesystem
  (``$XDG_RUNTIME_DIR``, else ``/dev/shm``), private to the user, named by the key's id (a hash
  of it, which gives nothing away), so that the station's next command opens its copy while the
  server is away. A machine switched off forgets it. Where there is no RAM filesystem, nothing
  is kept there.
- **Sealed with the station's passphrase** (``seal``, ``unseal``), in ``DATA_DIR/mirror.key``:
  a station that starts while its server is away (after a power cut, the network down too) is
  unlocked by its staff typing the passphrase an organizer read with ``eventdesk station
  passphrase`` (12 hex digits, 48 random bits). The key is sealed with AES-256-GCM under a key
  derived from the passphrase with argon2id (64 MiB, 2 passes, ``SEAL_COST``): a guess costs a
  laptop's core about 0.15 s, so trying every passphrase on 8 cores takes about 170,000 years
  (docs/operators-guide.md has the arithmetic).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import stat
from base64 import b64decode, b64encode
from dataclasses import dataclass
from pathlib import Path

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from eventdesk import variables
from eventdesk.db import Store
from eventdesk.errors import DatabaseUnavailable, InvalidInput, NotAllowed
from eventdesk.i18n import _
from eventdesk.outage import unavailable
from eventdesk.sqlite_driver import KEY_BYTES
from eventdesk.station_api import REVOKED

SEALED_FILE = "mirror.key"
MEMORY_FILESYSTEMS = ("tmpfs", "ramfs")
PASSPHRASE_DIGITS = 12


@dataclass(frozen=True)
class SealCost:
    """argon2id's cost of one guess of a passphrase."""

    time_cost: int = 2
    memory_kib: int = 64 * 1024


SEAL_COST = SealCost()  # the tests' process makes it cheap (tests/conftest.py), as PIN hashes


@dataclass(frozen=True)
class Issued:
    """A station's key and its passphrase, as its server gives them."""

    key: bytes
    passphrase: str


class CopyLocked(DatabaseUnavailable):
    """The station's copy cannot be opened: its key is not at hand (exit 3, a sentence)."""


class Revoked(NotAllowed):
    """An organizer revoked this station: its server gives it its key no more (exit 1)."""


def fetch(store: Store, station: str) -> Issued:
    """This station's key from its server (made there on first asking). A revoked station is
    refused (CopyLocked)."""
    try:
        with store.connect() as conn:
            row = conn.execute(
                text("SELECT copy_key, passphrase FROM station_api.copy_key(:s)"), {"s": station}
            ).one()
            conn.commit()
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == REVOKED:
            raise Revoked(
                _(
                    "station {station} was revoked by an organizer: its copy stays locked "
                    "(an organizer adds it again with eventdesk roles add)"
                ).format(station=station)
            ) from None
        raise
    return Issued(bytes.fromhex(row.copy_key), str(row.passphrase))


def key_id(key: bytes) -> str:
    """Which key, without saying it (a hash of 256 random bits gives nothing away)."""
    return hashlib.sha256(b"eventdesk copy key\0" + key).hexdigest()[:16]


# --- in memory while the machine runs ---------------------------------------------------------
def _mount_type(path: Path) -> str | None:
    """The filesystem type of the mount holding ``path`` (Linux's /proc/self/mounts)."""
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return None
    real = str(path.resolve())
    best, kind = "", None
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ")
        inside = real == point or real.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, parts[2]
    return kind


def memory_folder() -> Path | None:
    """This user's private folder in a RAM filesystem, made when missing; None where there is
    none (the key is then kept by no file)."""
    if os.name == "nt":
        return None
    base = Path(variables.system("XDG_RUNTIME_DIR") or "/dev/shm")
    if not base.is_dir() or _mount_type(base) not in MEMORY_FILESYSTEMS:
        return None
    folder = base / f"eventdesk-{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    found = os.lstat(folder)
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid() or found.st_mode & 0o077:
        return None  # another user's, or opened to others: not ours to keep a key in
    return folder


def _memory_file(name: str) -> Path | None:
    folder = memory_folder()
    return None if folder is None else folder / f"{name}.key"


_IN_PROCESS: dict[str, bytes] = {}  # keys held by this process, by their id


def held(data_dir: Path) -> bytes | None:
    """The key of the copy in ``data_dir`` if this machine holds it in memory. Found by the id
    of the key sealed beside the copy, so a station's folder copied or moved keeps it."""
    name = sealed_id(data_dir)
    if name is not None and name in _IN_PROCESS:
        return _IN_PROCESS[name]
    found = _memory_file(name) if name is not None else None
    try:
        key = found.read_bytes() if found is not None else b""
    except OSError:
        return None
    return key if len(key) == KEY_BYTES and key_id(key) == name else None


def hold(key: bytes) -> None:
    """The key kept in memory until the machine stops (where there is no RAM filesystem, until
    this process ends: nothing is written)."""
    _IN_PROCESS[key_id(key)] = key
    found = _memory_file(key_id(key))
    if found is None:
        return
    partial = found.with_name(f"{found.name}.{secrets.token_hex(4)}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(key)
    os.replace(partial, found)


def forget(data_dir: Path) -> None:
    """The key of the copy in ``data_dir``, no longer held in memory."""
    name = sealed_id(data_dir)
    _IN_PROCESS.pop(name or "", None)
    found = _memory_file(name) if name is not None else None
    if found is not None:
        found.unlink(missing_ok=True)


# --- sealed with the passphrase -----------------------------------------------------------------
def normal_passphrase(typed: str) -> str:
    """The passphrase as typed (any case, spaces or dashes between its digits), its 12 hex
    digits; InvalidInput when it is not that."""
    digits = "".join(ch for ch in typed.upper() if ch not in " -\t")
    if len(digits) != PASSPHRASE_DIGITS or any(ch not in "0123456789ABCDEF" for ch in digits):
        raise InvalidInput(
            _("a station's passphrase is 12 digits and letters A to F, like 3F9A-C21B-77E0"),
            field="passphrase",
        )
    return digits


def _wrapping(passphrase: str, salt: bytes, cost: SealCost) -> bytes:
    return hash_secret_raw(
        normal_passphrase(passphrase).encode(),
        salt,
        time_cost=cost.time_cost,
        memory_cost=cost.memory_kib,
        parallelism=1,
        hash_len=32,
        type=Type.ID,
    )


def sealed_id(data_dir: Path) -> str | None:
    """Which key the sealed file holds (None: there is none, or it cannot be read)."""
    try:
        found = json.loads((Path(data_dir) / SEALED_FILE).read_text())
        return str(found["key_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def seal(data_dir: Path, key: bytes, passphrase: str) -> None:
    """``DATA_DIR/mirror.key``: the key sealed with the passphrase (made again only when the
    key is another)."""
    if sealed_id(data_dir) == key_id(key):
        return
    cost = SEAL_COST
    salt, nonce = os.urandom(16), os.urandom(12)
    sealed = AESGCM(_wrapping(passphrase, salt, cost)).encrypt(nonce, key, b"eventdesk copy key")
    made = {
        "version": 1,
        "key_id": key_id(key),
        "kdf": {"name": "argon2id", "time_cost": cost.time_cost, "memory_kib": cost.memory_kib},
        "salt": b64encode(salt).decode(),
        "nonce": b64encode(nonce).decode(),
        "sealed": b64encode(sealed).decode(),
    }
    target = Path(data_dir) / SEALED_FILE
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # a station's first command
    partial = target.with_name(f"{target.name}.{secrets.token_hex(4)}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump(made, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, target)


def unseal(data_dir: Path, passphrase: str) -> bytes:
    """The key, unsealed with the passphrase typed: InvalidInput when it is not this station's,
    CopyLocked when there is nothing sealed here."""
    typed = normal_passphrase(passphrase)
    try:
        found = json.loads((Path(data_dir) / SEALED_FILE).read_text())
        cost = SealCost(int(found["kdf"]["time_cost"]), int(found["kdf"]["memory_kib"]))
        salt, nonce = b64decode(found["salt"]), b64decode(found["nonce"])
        sealed = b64decode(found["sealed"])
    except (OSError, ValueError, KeyError, TypeError):
        raise CopyLocked(
            unavailable(
                _(
                    "this station has no sealed key ({file}): it unlocks its copy once its "
                    "server answers"
                ).format(file=Path(data_dir) / SEALED_FILE)
            )
        ) from None
    try:
        key = AESGCM(_wrapping(typed, salt, cost)).decrypt(nonce, sealed, b"eventdesk copy key")
    except InvalidTag:
        raise InvalidInput(
            _("that is not this station's passphrase: nothing was unlocked"), field="passphrase"
        ) from None
    return key


def unlock(data_dir: Path, passphrase: str) -> bytes:
    """The key sealed in ``data_dir`` unsealed with the passphrase typed, and held in memory
    until the machine stops (``unseal``'s errors)."""
    key = unseal(data_dir, passphrase)
    hold(key)
    return key
