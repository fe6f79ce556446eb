"""A station's copy made by an earlier build (an older mirror version) is a schema this build
knows: copied again where it is, its outbox kept, never moved aside as foreign. Each version is
made from today's copy by taking away what came after it: the badge name (version 10), the
arrival alerts (11), the staff notes and the orders' table (12), who may override (13),
the registration questions and their answers (14)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, text, update

from eventdesk.services.stations.mirror import Mirror, settle_outbox
from eventdesk.services.stations.mirror_repair import problem_of
from eventdesk.services.stations.mirror_schema import (
    KNOWN_VERSIONS,
    MIRROR_FILE,
    MIRROR_VERSION,
    OUTBOX,
    STATE,
    WAITING_FROM,
    waiting,
)
from eventdesk.values import utcnow

# What each version's copy did not have yet, as the statements that take it away.
BEFORE_QUOTAS = ("DROP TABLE sale_outbox", "DROP TABLE station_quota")
BEFORE_ANSWERS = (
    *BEFORE_QUOTAS,
    "DROP TABLE question_answer",
    "DROP TABLE registration_question",
)
BEFORE_OVERRIDE = (*BEFORE_ANSWERS, "ALTER TABLE staff DROP COLUMN can_override")
BEFORE_NOTES = (
    *BEFORE_OVERRIDE,
    "ALTER TABLE attendee DROP COLUMN note",
    "DROP TABLE ticket_order",
)
BEFORE_ALERTS = (
    *BEFORE_NOTES,
    "ALTER TABLE attendee DROP COLUMN alert",
    "ALTER TABLE ticket_type DROP COLUMN alert",
)
BEFORE_BADGE_NAME = (*BEFORE_ALERTS, "ALTER TABLE attendee DROP COLUMN badge_name")
OLDER = {
    "8": BEFORE_BADGE_NAME,
    "9": BEFORE_BADGE_NAME,
    "10": BEFORE_ALERTS,
    "11": BEFORE_NOTES,
    "12": BEFORE_OVERRIDE,
    "13": BEFORE_ANSWERS,
    "14": BEFORE_QUOTAS,
}


def columns(conn: object, table: str) -> set[str]:
    return {row[1] for row in conn.execute(text(f"PRAGMA table_info({table})"))}  # type: ignore[attr-defined]


@pytest.mark.parametrize("version", sorted(OLDER, key=int))
def test_a_copy_of_a_version_before_is_copied_again_in_place_with_its_scans(
    tmp_path: Path, version: str
) -> None:
    assert version in KNOWN_VERSIONS and version != MIRROR_VERSION
    copy = Mirror(tmp_path, None)
    with copy.store.write_conn() as conn:
        scan = {"nonce": "n-1", "kind": "scan", "effect": "admit", "at": utcnow()}
        scan.update(station="Door 1", direction="entry", result="ok", state="pending")
        conn.execute(insert(OUTBOX), scan)
        for statement in OLDER[version]:
            conn.execute(text(statement))
        conn.execute(update(STATE).where(STATE.c.key == "version").values(value=version))
    copy.close()
    assert problem_of(tmp_path / MIRROR_FILE, None, None) is None
    again = Mirror(tmp_path, None)
    try:
        with again.store.read() as session:
            conn = session.connection()
            assert again.get(conn, "version") == MIRROR_VERSION
            assert {"badge_name", "alert", "note"} <= columns(conn, "attendee")
            assert "alert" in columns(conn, "ticket_type")
            assert "can_override" in columns(conn, "staff")
            assert conn.execute(text("SELECT count(*) FROM ticket_order")).scalar() == 0
            for table in ("registration_question", "question_answer"):
                assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
            assert list(conn.execute(select(OUTBOX.c.nonce)).scalars()) == ["n-1"]
    finally:
        again.close()


def _outbox_row(conn: object, nonce: str, state: str) -> None:
    row = {"nonce": nonce, "kind": "scan", "effect": "admit", "at": utcnow(), "state": state}
    row.update(station="Door 1", direction="entry", result="ok")
    conn.execute(insert(OUTBOX), row)  # type: ignore[attr-defined]


def test_a_version_17_copy_loses_its_outbox_index_and_keeps_what_waits(tmp_path: Path) -> None:
    """Version 18 finds what waits from the outbox's mark: version 17's index on (state,
    ticket_id), one more page written by each decision, goes; the rows waiting are still found."""
    copy = Mirror(tmp_path, None)
    with copy.store.write_conn() as conn:
        _outbox_row(conn, "n-done", "done")
        _outbox_row(conn, "n-waits", "pending")
        conn.execute(text("CREATE INDEX ix_outbox_waiting ON outbox (state, ticket_id)"))
        conn.execute(update(STATE).where(STATE.c.key == "version").values(value="17"))
    copy.close()
    assert problem_of(tmp_path / MIRROR_FILE, None, None) is None
    again = Mirror(tmp_path, None)
    try:
        with again.store.read() as session:
            indexes = session.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox'")
            ).scalars()
            assert [name for name in indexes if not name.startswith("sqlite_autoindex")] == []
        assert again.pending() == 1
    finally:
        again.close()


def test_the_outbox_mark_passes_what_is_done_and_never_what_waits(tmp_path: Path) -> None:
    """Every row not done is at or after the mark, as rows are finished, refused, cleared and
    written again: what waits is read from the mark on, not from the day's first row."""
    copy = Mirror(tmp_path, None)
    try:
        with copy.store.write_conn() as conn:
            for number in range(1, 4):
                _outbox_row(conn, f"n-{number}", "done")
            _outbox_row(conn, "n-4", "refused")
            _outbox_row(conn, "n-5", "pending")
            settle_outbox(conn)
            assert copy.get(conn, WAITING_FROM) == "4"
        status = copy.status()
        assert (status.pending, status.refused) == (1, 1)
        with copy.store.write_conn() as conn:
            conn.execute(update(OUTBOX).where(OUTBOX.c.seq == 5).values(state="done"))
            settle_outbox(conn)
            assert copy.get(conn, WAITING_FROM) == "4"  # the refused row holds it
            conn.execute(delete(OUTBOX).where(OUTBOX.c.seq == 4))  # cleared by its operator
            settle_outbox(conn)
            assert copy.get(conn, WAITING_FROM) == "6"
            _outbox_row(conn, "n-6", "pending")
        assert (copy.status().pending, copy.status().refused, copy.pending()) == (1, 0, 1)
        with copy.store.read() as session:
            seqs = session.execute(select(OUTBOX.c.seq).where(waiting())).scalars()
            assert list(seqs) == [6]
    finally:
        copy.close()
