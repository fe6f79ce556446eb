"""Prepared statements (the door's hot path) read and write exactly what SQLAlchemy would."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import String, bindparam, cast, insert, select
from sqlalchemy.exc import IntegrityError

from eventdesk.db import Store
from eventdesk.models import ScanLog
from eventdesk.prepared import Prepared
from eventdesk.services.door.checkin_sql import LOOKUP, LOOKUP_ONE
from eventdesk.services.people.registration import register
from eventdesk.tickets import Signer
from tests.helpers import add_type, make_event, people

AT = datetime(2030, 6, 1, 10, 0, 5, tzinfo=UTC)  # whole seconds: written as SQLAlchemy does
_log = ScanLog.__table__
ROW = {
    "at": AT,
    "station": "Door 9",
    "operator": None,
    "event_id": None,
    "session_id": None,
    "ticket_id": None,
    "direction": "entry",
    "payload": "x",
    "result": "invalid",
    "nonce": "n-1",
    "answer": None,
}
INSERT = Prepared(insert(_log), column_keys=list(ROW))  # "offline" left to its default
BY_NONCE = Prepared(select(_log).where(_log.c.nonce == bindparam("b_nonce")))


def test_a_row_reads_as_sqlalchemy_reads_it(store: Store, signer: Signer) -> None:
    ev = make_event(store, starts="2030-06-01T09:00Z", ends="2030-06-01T18:00Z")
    add_type(store, ev, "Regular", price_cents=1500)
    ticket = register(store, ev, people(store, 1)[0], "Regular").tickets[0].ticket_id
    with store.write_conn() as conn:
        mine = LOOKUP.first(conn, {"b_id": ticket})
        theirs = conn.execute(LOOKUP_ONE, {"b_id": ticket}).first()
        assert LOOKUP.first(conn, {"b_id": "NOSUCH00"}) is None
    assert theirs is not None and mine == theirs._asdict()
    assert mine["starts_at"] == datetime(2030, 6, 1, 9, 0, tzinfo=UTC)  # aware, in UTC


def test_an_insert_writes_what_sqlalchemy_writes_and_fails_as_it_fails(store: Store) -> None:
    with store.write_conn() as conn:
        assert INSERT.rowcount(conn, ROW) == 1
        conn.execute(insert(_log), {**ROW, "nonce": "n-2"})
    with store.write_conn() as conn:
        mine = BY_NONCE.first(conn, {"b_nonce": "n-1"})
        theirs = BY_NONCE.first(conn, {"b_nonce": "n-2"})
    assert mine is not None and theirs is not None
    assert mine["at"] == AT and mine["offline"] is False  # the column's default
    assert {k: v for k, v in mine.items() if k not in ("id", "nonce")} == {
        k: v for k, v in theirs.items() if k not in ("id", "nonce")
    }
    with store.write_conn() as conn:  # stored as the same text: compared as text on SQLite
        stored = conn.execute(
            select(cast(_log.c.at, String)).where(_log.c.nonce.in_(["n-1", "n-2"]))
        ).scalars()
        assert len(set(stored)) == 1
    with pytest.raises(IntegrityError), store.write_conn() as conn:  # the nonce is unique
        INSERT.rowcount(conn, ROW)
    with store.write_conn() as conn:  # the failed transaction took nothing with it
        assert conn.execute(select(_log.c.id).where(_log.c.nonce == "n-1")).all() != []
