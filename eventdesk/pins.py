"""What a station may hold of a staff PIN, and how it checks one with it.

The server keeps each account's argon2 hash of its PIN (``staff.pin_hash``) and compares with it
the PIN a station hashed with that hash's salt (``station_api.pin_check``). No station reads that
hash: a station that could would send it instead of a PIN. What a station copies to sign desk
and kiosk accounts in while the server does not answer is ``staff.offline_pin``, an argon2 hash
(a salt of its own) of the server's hash, and the server hash's parameters and salt
(``salt_of``). Offline the station hashes the typed PIN as the server would (``hashed_like``)
and checks that against ``offline_pin``: the right PIN passes, and what the station holds is no
PIN the server accepts.
"""

from __future__ import annotations

import base64
import re

from argon2 import PasswordHasher, Type, low_level
from argon2.exceptions import HashingError

HASH_LEN = 32  # argon2-cffi's PasswordHasher's, which made every stored hash
_TYPES = {"argon2id": Type.ID, "argon2i": Type.I, "argon2d": Type.D}
_LAST_PART = re.compile(r"[^$]*$")
_hasher = PasswordHasher()


def salt_of(pin_hash: str) -> str:
    """An argon2 hash's parameters and salt, without the hash: '$argon2id$v=19$m=...$SALT$'."""
    return _LAST_PART.sub("", pin_hash)


def hashed_like(prefix: str, pin: str) -> str:
    """``pin`` hashed with the parameters and salt of ``prefix`` (``salt_of`` a hash), encoded
    as argon2 encodes a stored hash: the stored hash itself when ``pin`` is its PIN."""
    _, variant, version, costs, salt, _rest = prefix.split("$")
    params = dict(part.split("=", 1) for part in costs.split(","))
    return low_level.hash_secret(
        pin.encode("utf-8"),
        base64.b64decode(salt + "=" * (-len(salt) % 4)),
        time_cost=int(params["t"]),
        memory_cost=int(params["m"]),
        parallelism=int(params["p"]),
        hash_len=HASH_LEN,
        type=_TYPES.get(variant, Type.ID),
        version=int(version.removeprefix("v=")),
    ).decode("ascii")


def offline_verifier(pin_hash: str | None) -> str | None:
    """What a station keeps to check a PIN offline: the server's hash hashed again."""
    if not pin_hash or not pin_hash.startswith("$argon2"):
        return None
    return _hasher.hash(pin_hash)


def offline_candidate(prefix: str | None, pin: str) -> str:
    """A PIN typed at a station offline, as its ``offline_pin`` was made of: the server's hash
    of it (checked with ``argon2.PasswordHasher.verify`` against ``offline_pin``)."""
    if not prefix or prefix.count("$") != 5:
        return ""
    try:
        return hashed_like(prefix, pin)
    except (ValueError, KeyError, HashingError):
        return ""
