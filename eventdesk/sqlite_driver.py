"""The two SQLite drivers eventdesk opens files with: Python's own ``sqlite3`` for its
databases, and SQLCipher's (``sqlcipher3``, the same SQLite with AES-256 encryption of every
page) for a station's copy, which is kept encrypted at rest (services.stations.copy_key). Both
raise errors of their own classes: code that catches a driver's error catches either."""

from __future__ import annotations

import sqlite3
from types import ModuleType
from typing import Any

from sqlcipher3 import dbapi2 as cipher

ERROR: tuple[type[Exception], ...] = (sqlite3.Error, cipher.Error)
DATABASE_ERROR: tuple[type[Exception], ...] = (sqlite3.DatabaseError, cipher.DatabaseError)
OPERATIONAL: tuple[type[Exception], ...] = (sqlite3.OperationalError, cipher.OperationalError)
KEY_BYTES = 32  # AES-256


def cipher_module() -> ModuleType:
    """SQLCipher's DB-API module (for SQLAlchemy's ``module=``)."""
    return cipher  # type: ignore[no-any-return]


def unlock(connection: Any, key: bytes) -> None:
    """Give a new SQLCipher connection its raw key: the first statement on it (no key
    derivation: the key is random, not a password). Reading nothing yet, a wrong key shows at
    the first read ('file is not a database')."""
    if len(key) != KEY_BYTES:
        raise ValueError("a copy's key is 32 bytes")
    # SQLCipher writes its own lines to stderr (a wrong key's "hmac check failed"): the error
    # raised says it, in the station's words.
    connection.execute("PRAGMA cipher_log_level = NONE")
    connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")


class _Connection(cipher.Connection):  # type: ignore[misc]  # the driver has no types
    """SQLCipher's connection, ending a transaction by rolling it back as Python's own sqlite3
    does since 3.11. The driver is an older copy of that module, whose rollback() first resets
    every statement the connection holds prepared (up to the cache's 1,024) one by one: a
    check-in's reads, each ended by a rollback, paid for it every time."""

    def rollback(self) -> None:
        if self.in_transaction:
            self.execute("ROLLBACK").close()


def open_encrypted(path: str, key: bytes, **options: Any) -> Any:
    """An SQLCipher connection to ``path`` with its key given."""
    connection = cipher.connect(path, factory=_Connection, **options)
    try:
        unlock(connection, key)
    except BaseException:
        connection.close()
        raise
    return connection
