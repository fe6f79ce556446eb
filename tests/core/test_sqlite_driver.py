"""The SQLCipher connection a station's copy is opened with ends a transaction as Python's own
sqlite3 does: a rollback undoes what the transaction wrote, leaves the connection ready for the
next one and keeps its prepared statements usable, however many it holds."""

from __future__ import annotations

import os
from pathlib import Path

from eventdesk.sqlite_driver import open_encrypted


def test_a_rollback_on_an_encrypted_copy_undoes_the_transaction_and_keeps_its_statements(
    tmp_path: Path,
) -> None:
    key = os.urandom(32)
    path = str(tmp_path / "copy.db")
    conn = open_encrypted(path, key, isolation_level=None, cached_statements=1024)
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    conn.execute("INSERT INTO t (v) VALUES ('kept')")
    for n in range(300):  # many statements prepared and cached, as after a download
        conn.execute(f"SELECT {n} FROM t WHERE id = ?", (1,)).fetchall()
    reading = conn.execute("SELECT v FROM t")  # a statement of the cache, stepped once below
    reading.fetchone()

    conn.execute("BEGIN")
    conn.execute("INSERT INTO t (v) VALUES ('undone')")
    assert conn.in_transaction
    conn.rollback()
    assert not conn.in_transaction
    conn.rollback()  # nothing open: nothing done, no error

    assert conn.execute("SELECT v FROM t ORDER BY id").fetchall() == [("kept",)]
    conn.execute("BEGIN")
    conn.execute("INSERT INTO t (v) VALUES ('written')")
    conn.commit()
    conn.close()
    again = open_encrypted(path, key)
    assert [v for (v,) in again.execute("SELECT v FROM t ORDER BY id")] == ["kept", "written"]
    again.close()
