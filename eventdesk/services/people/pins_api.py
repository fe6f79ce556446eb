"""A PIN typed at a station whose own login reads no PIN hash: checked on the server.

The station asks the server for the account's argon2 parameters and salt (never its hash; a
made-up salt for an account that has none), hashes the typed PIN with them, and the server's
function compares the two, counts the try and locks after the fifth wrong one, on its own clock
(eventdesk/migrations/station_access_0013.py). A stolen station learns no hash to guess offline;
every guess is one the server counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text

from eventdesk.db import Store
from eventdesk.pins import hashed_like


@dataclass(frozen=True)
class Verdict:
    """The server's answer: 'ok', 'wrong', 'locked' or 'disabled'."""

    verdict: str
    account: int | None
    tries_left: int | None
    locked_until: datetime | None
    role: str | None


def check_on_server(store: Store, kind: str, key: str, pin: str) -> Verdict:
    """``kind`` 'staff' (``key``: the name folded), 'attendee' (the e-mail's key) or 'kiosk'
    (this station's staff unlock; ``key``: the staff name folded)."""
    with store.write_conn() as conn:
        prefix = conn.execute(
            text("SELECT station_api.pin_salt(:kind, :key)"),
            {"kind": "attendee" if kind == "attendee" else "staff", "key": key},
        ).scalar_one()
        row = conn.execute(
            text(
                "SELECT verdict, account, tries_left, locked_until, role "
                "FROM station_api.pin_check(:kind, :key, :candidate)"
            ),
            {"kind": kind, "key": key, "candidate": hashed_like(str(prefix), pin or "")},
        ).one()
    return Verdict(row.verdict, row.account, row.tries_left, row.locked_until, row.role)
