"""Scans that waited are decided together: the answers each would get alone, in one commit.

A door that fell behind (a burst of scanned lines, a database that was away a moment) decides
what waits in one transaction (Checkin.scan_many), and the keyboard-wedge queue hands it every
line that waited. Each answer is what ``scan`` gives one at a time; the scan log has a row for
each, in order; a nonce answered before replays its answer.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from devices.wedge import Decision, Line, LineQueue, PendingScan
from eventdesk.db import Store
from eventdesk.errors import NotFound
from eventdesk.models import ScanLog
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.scan_result import ScanResult, new_nonce, parse_nonce
from eventdesk.services.door.undo import undo_checkin
from eventdesk.services.people.cancellation import cancel
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from tests.helpers import payloads_now


@pytest.fixture
def tickets(store: Store, signer: Signer) -> list[str]:
    """Payloads of five tickets of an event running now."""
    return payloads_now(store, signer, 5, name="Group Gate", prefix="group")


def forged(payload: str) -> str:
    """The same ticket with another signature (a valid spelling, not a valid signature)."""
    last = payload[-2]
    return payload[:-2] + ("B" if last != "B" else "C") + payload[-1]


@contextmanager
def commits(store: Store) -> Iterator[list[int]]:
    """Counts the write transactions committed on the store's engine meanwhile (PostgreSQL's
    reads end in COMMIT too: they are not counted)."""
    seen: list[int] = []

    def counted(conn: Any) -> None:
        if conn.get_execution_options().get("eventdesk_write"):
            seen.append(1)

    event.listen(store.engine, "commit", counted)
    try:
        yield seen
    finally:
        event.remove(store.engine, "commit", counted)


def logged(store: Store) -> list[tuple[str | None, str]]:
    with store.read() as session:
        rows = session.execute(select(ScanLog.ticket_id, ScanLog.result).order_by(ScanLog.id))
        return [(ticket, result) for ticket, result in rows]


def answers(results: list[ScanResult]) -> list[tuple[str, str | None]]:
    return [(r.result, r.ticket_id) for r in results]


def test_a_group_gets_the_answers_one_at_a_time_would_give_in_one_commit(
    store: Store, tickets: list[str]
) -> None:
    ids = [payload.split(".")[1] for payload in tickets]
    cancel(store, ids[3])
    door = Checkin(store, station="Gate A")
    assert door.scan(tickets[4]).result == "ok"  # in before the group
    group = [
        tickets[0],
        "garbage that is no ticket",
        tickets[1].lower(),  # typed with Caps Lock on: repaired, then admitted
        tickets[0],  # the same ticket again in the same group
        forged(tickets[2]),
        tickets[3],  # cancelled
        tickets[4],  # admitted before the group
        tickets[2],
    ]
    with commits(store) as seen:
        results = door.scan_many(group)
    # One transaction for the whole group on a station's own SQLite file; on a server each
    # scan is its own, so that two doors never hold each other's tickets.
    assert len(seen) == (1 if store.is_sqlite else len(group))
    assert answers(results) == [
        ("ok", ids[0]),
        ("invalid", None),
        ("ok", ids[1]),
        ("already_checked_in", ids[0]),
        ("invalid", None),
        ("revoked", ids[3]),
        ("already_checked_in", ids[4]),
        ("ok", ids[2]),
    ]
    assert results[2].repaired == "Caps Lock on"
    assert results[3].first_station == "Gate A"
    assert "signature" in results[4].message
    # A row in the scan log for each scan, in the order they were decided.
    assert logged(store)[1:] == [(r.ticket_id, r.result) for r in results]


def test_a_group_and_the_same_scans_one_at_a_time_agree(store: Store, tickets: list[str]) -> None:
    """The same scans one by one, then (the check-ins undone) as one group."""
    group = [tickets[0], tickets[1], tickets[0], "ED1.NOPE", forged(tickets[2]), tickets[2]]
    alone = [Checkin(store, station="Gate B").scan(payload) for payload in group]
    with store.write_conn() as conn:  # the same tickets back to not checked in
        conn.execute(ScanLog.__table__.delete())
    for result in alone:
        if result.result == "ok":
            undo_checkin(store, result.ticket_id or "")
    together = Checkin(store, station="Gate B").scan_many(group)
    assert [(r.result, r.ticket_id, r.message) for r in together] == [
        (r.result, r.ticket_id, r.message) for r in alone
    ]


def test_nonces_answered_before_replay_and_a_retried_group_changes_nothing(
    store: Store, tickets: list[str]
) -> None:
    door = Checkin(store, station="Gate C")
    nonces = [uuid.uuid4().hex for _ in tickets[:3]]
    earlier = door.scan(tickets[1], nonce=nonces[1])
    first = door.scan_many(tickets[:3], nonces=nonces)
    assert answers(first) == answers([*first[:1], earlier, *first[2:]])
    assert [r.replayed for r in first] == [False, True, False]
    rows = len(logged(store))
    again = door.scan_many(tickets[:3], nonces=nonces)  # the group's answer was lost: retried
    assert [r.result for r in again] == ["ok", "ok", "ok"] and all(r.replayed for r in again)
    assert len(logged(store)) == rows  # nothing decided twice


def test_a_nonce_answered_elsewhere_meanwhile_undoes_the_group_and_each_is_decided_alone(
    store: Store, tickets: list[str]
) -> None:
    """Another station answers one of the group's nonces between the look-up of the answers
    given before and the group's commit: the unique nonce breaks the group's transaction, none
    of it is kept, and each scan is decided alone (that one gets the other station's answer)."""
    if not store.is_sqlite:
        pytest.skip("on a server each scan of a group is its own transaction: none to undo")
    nonces = [uuid.uuid4().hex for _ in tickets[:3]]

    class Racing(Checkin):
        def answered_many(self, wanted: Any) -> dict[str, ScanResult]:
            found = super().answered_many(wanted)
            Checkin(store, station="Gate E").scan(tickets[1], nonce=nonces[1])  # meanwhile
            return found

    results = Racing(store, station="Gate D").scan_many(tickets[:3], nonces=nonces)
    assert [r.result for r in results] == ["ok", "ok", "ok"]
    assert [r.replayed for r in results] == [False, True, False]
    assert results[1].first_station == "Gate E"
    assert [t for t, _ in logged(store)].count(results[0].ticket_id) == 1


def test_a_group_whose_admission_does_not_change_its_ticket_is_decided_one_at_a_time(
    store: Store, tickets: list[str]
) -> None:
    """A group writes its admissions together at its end, counting on each to change the
    ticket it read; one that does not (here a trigger drops that update on the station's
    file) undoes the whole group, and each scan is then decided alone as ``scan`` would."""
    if not store.is_sqlite:
        pytest.skip("on a server each scan of a group is its own transaction already")
    ids = [payload.split(".")[1] for payload in tickets]
    with store.write_conn() as conn:
        conn.exec_driver_sql(
            "CREATE TEMP TRIGGER stuck BEFORE UPDATE OF checked_in_at ON ticket"
            f" WHEN NEW.id = '{ids[1]}' BEGIN SELECT RAISE(IGNORE); END"
        )
    door = Checkin(store, station="Gate K")
    with commits(store) as seen:
        results = door.scan_many(tickets[:3])
    assert len(seen) == 3  # the group's transaction undone: three alone
    assert [(r.result, r.ticket_id) for r in results] == [
        ("ok", ids[0]),
        ("already_checked_in", ids[1]),  # its compare-and-set changed nothing, alone as well
        ("ok", ids[2]),
    ]
    assert logged(store) == [(r.ticket_id, r.result) for r in results]  # once each


def test_the_nonces_a_station_makes_sort_in_the_order_made_and_are_unique() -> None:
    made = [new_nonce() for _ in range(2000)]
    assert made == sorted(made) and len(set(made)) == len(made)
    assert all(parse_nonce(nonce) == nonce and len(nonce) == 32 for nonce in made)


def test_the_wedge_queue_decides_lines_that_waited_in_one_commit(
    store: Store, tickets: list[str]
) -> None:
    """Forty lines read before the queue could decide any: all decided, in the order read,
    with one commit (one at a time took forty)."""
    lines = [tickets[i % 5] for i in range(40)]
    decided: list[tuple[Decision, PendingScan]] = []
    done = threading.Event()

    def heard(decision: Decision, scan: PendingScan) -> None:
        decided.append((decision, scan))
        if len(decided) == len(lines):
            done.set()

    door = Checkin(store, station="Gate F")
    queue = LineQueue(lambda: door, on_decision=heard)
    put = [queue.put(Line(text)) for text in lines]
    queue.close()
    with commits(store) as seen:
        queue.start()
        queue.join(60)
    assert done.is_set() and queue.error is None
    assert [scan for _, scan in decided] == put
    assert [d.result.result for d, _ in decided] == ["ok"] * 5 + ["already_checked_in"] * 35
    assert len(seen) == (1 if store.is_sqlite else len(lines))


def test_a_group_is_decided_at_the_time_given_as_one_scan_is(
    store: Store, tickets: list[str]
) -> None:
    """The screens decide on the station's clock (a fixed one in snapshots): a group too."""
    later = utcnow() + timedelta(days=30)
    door = Checkin(store, station="Gate G")
    alone = door.scan(tickets[0], now=later)
    together = door.scan_many([tickets[1], "no ticket", tickets[2]], now=later)
    assert alone.result == "expired" and alone.at == later
    assert [r.result for r in together] == ["expired", "invalid", "expired"]
    assert {r.at for r in together} == {later}


def test_a_group_at_a_session_door_that_does_not_exist_logs_what_one_at_a_time_logs(
    store: Store, tickets: list[str]
) -> None:
    """Alone, a line that is no ticket is answered and logged before the session is looked
    at; a ticket then finds no such session. A group does the same, in the same order."""
    door = Checkin(store, station="Gate H")
    with pytest.raises(NotFound):
        door.scan_many(["no ticket", tickets[0]], session_id=987654)
    assert logged(store) == [(None, "invalid")]


class _Faulty:
    """A public key whose check fails with an error no signature causes (a library fault)."""

    def __init__(self, key: Any) -> None:
        self.key = key

    def verify(self, signature: bytes, message: bytes) -> None:
        raise RuntimeError("the library failed")


def test_a_signature_thread_that_fails_never_leaves_the_door_waiting(
    store: Store, tickets: list[str]
) -> None:
    """The thread that checks a group's signatures ahead stops on an error it did not expect:
    the door checks them itself, and the error comes out (it waited for ever, holding the
    database's write lock); another door then checks in at once."""
    door = Checkin(store, station="Gate I")
    door.verifier.verify(tickets[0])  # the keys loaded
    keys = door.verifier._keys  # noqa: SLF001 - the loaded keys, made faulty in place
    for key_id in keys:
        keys[key_id] = _Faulty(keys[key_id])  # type: ignore[assignment]
    ended: list[BaseException | list[ScanResult]] = []

    def run() -> None:
        try:
            ended.append(door.scan_many(tickets[:3]))
        except RuntimeError as exc:
            ended.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(60)
    assert ended, "the group is still waiting for its signatures"
    assert isinstance(ended[0], RuntimeError)
    assert Checkin(store, station="Gate J").scan(tickets[0]).result == "ok"
