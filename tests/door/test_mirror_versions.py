"""A station's copy made by an earlier build (an older mirror version) is a schema this build
knows: copied again where it is, its outbox kept, never moved aside as foreign. Each version is
made from today's copy by taking away what came after it: the badge name (version 10), the
arrival alerts (11), the staff notes and the orders' table (12), who may override (13),
the registration questions and their answers (14)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import insert, select, text, update

from eventdesk.services.stations.mirror import Mirror
from eventdesk.services.stations.mirror_repair import problem_of
from eventdesk.services.stations.mirror_schema import (
    KNOWN_VERSIONS,
    MIRROR_FILE,
    MIRROR_VERSION,
    OUTBOX,
    STATE,
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
