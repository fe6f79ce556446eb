"""Check-in: every result category, their order, policies, sessions, undo and the scan log."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from eventdesk.db import Store
from eventdesk.errors import NotAllowed, NotFound
from eventdesk.models import ScanLog, TransactionLog
from eventdesk.services.catalogue import events, program
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.undo import undo_checkin
from eventdesk.services.people import payments
from eventdesk.services.people.cancellation import cancel
from eventdesk.services.people.registration import register, show_ticket
from eventdesk.tickets import Signer
from tests.helpers import add_type, make_event, people

_person = itertools.count(1)  # a new person for every ticket (a clock can repeat itself)
DURING = datetime(2030, 6, 1, 10, 0, tzinfo=UTC)  # the test events run 2030-06-01 09:00-18:00 UTC


@pytest.fixture
def door(store: Store, signer: Signer) -> Checkin:
    return Checkin(store, station="Door 1", operator="Sam")


def _event(store: Store, **kwargs: object) -> str:
    ev = make_event(store, starts="2030-06-01T09:00Z", ends="2030-06-01T18:00Z", **kwargs)
    add_type(store, ev, "Regular", price_cents=0)
    add_type(store, ev, "VIP", price_cents=0, tier=0, attention="VIP: gold lanyard")
    add_type(store, ev, "Paid", price_cents=2500)
    return ev


def _payload(store: Store, ev: str, ticket_type: str = "Regular", **kwargs: object) -> str:
    email = people(store, 1, prefix=f"p{next(_person)}x")[0]
    ticket = register(store, ev, email, ticket_type, **kwargs).tickets[0]  # type: ignore[arg-type]
    payload = show_ticket(store, ticket.ticket_id).qr_payload
    assert payload is not None
    return payload


def test_ok_then_already_checked_in_naming_when_and_where(store: Store, door: Checkin) -> None:
    ev = _event(store)
    payload = _payload(store, ev, "VIP")
    first = door.scan(payload, now=DURING)
    assert first.result == "ok" and first.admitted
    assert first.attention == "VIP: gold lanyard" and first.ticket_type == "VIP"
    again = Checkin(store, station="Door 2").scan(payload, now=DURING + timedelta(minutes=5))
    assert again.result == "already_checked_in" and not again.admitted
    assert again.first_checked_in_at == DURING and again.first_station == "Door 1"
    assert "Door 1" in again.message


def test_invalid_and_unknown(store: Store, door: Checkin, signer: Signer) -> None:
    assert door.scan("hello world", now=DURING).result == "invalid"
    assert door.scan("", now=DURING).result == "invalid"
    ghost = signer.payload("ZZZZZZZZ")  # genuinely signed, never registered
    assert door.scan(ghost, now=DURING).result == "unknown"
    assert door.checkin_ticket("NOSUCH00", now=DURING).result == "unknown"


def test_revoked_and_waitlisted(store: Store, door: Checkin) -> None:
    ev = _event(store, capacity=1)
    held = _payload(store, ev)
    waiting = _payload(store, ev)
    assert door.scan(waiting, now=DURING).result == "waitlisted"
    cancel(store, held.split(".")[1])
    assert door.scan(held, now=DURING).result == "revoked"
    assert door.scan(waiting, now=DURING).result == "ok"  # promoted by the cancellation
    other = _event(store)
    valid = _payload(store, other)
    events.cancel_event(store, other)
    assert door.scan(valid, now=DURING).result == "revoked"


def test_wrong_event_and_wrong_session(store: Store, signer: Signer) -> None:
    ev, other = _event(store), _event(store)
    workshop = program.add_session(
        store, ev, name="Workshop", starts="2030-06-01T10:00Z", ends="2030-06-01T12:00Z"
    )
    foreign = program.add_session(
        store, other, name="Other", starts="2030-06-01T10:00Z", ends="2030-06-01T12:00Z"
    )
    in_workshop = _payload(store, ev, sessions=[workshop.id])
    not_in_workshop = _payload(store, ev)
    door = Checkin(store, station="Main door", event=ev)
    assert door.scan(_payload(store, other), now=DURING).result == "wrong_event"
    session_door = Checkin(store, station="Room 2")
    assert (
        session_door.scan(not_in_workshop, session_id=workshop.id, now=DURING).result
        == "wrong_session"
    )
    assert session_door.scan(in_workshop, session_id=foreign.id, now=DURING).result == "wrong_event"
    assert session_door.scan(in_workshop, session_id=workshop.id, now=DURING).result == "ok"
    again = session_door.scan(
        in_workshop, session_id=workshop.id, now=DURING + timedelta(minutes=1)
    )
    assert again.result == "already_checked_in" and again.first_station == "Room 2"
    # Session attendance is separate from the event door.
    assert door.scan(in_workshop, now=DURING).result == "ok"
    with pytest.raises(NotFound):
        session_door.scan(in_workshop, session_id=99999, now=DURING)


def test_time_window(store: Store, door: Checkin) -> None:
    ev = _event(store)
    payload = _payload(store, ev)
    too_early = datetime(2030, 5, 30, 12, 0, tzinfo=UTC)
    too_late = datetime(2030, 6, 2, 1, 0, tzinfo=UTC)
    assert door.scan(payload, now=too_early).result == "not_yet_valid"
    assert door.scan(payload, now=too_late).result == "expired"
    events.update_event(
        store, ev, checkin_opens="2030-05-30T00:00Z", checkin_closes="2030-06-02T06:00Z"
    )
    assert door.scan(payload, now=too_early).result == "ok"
    workshop = program.add_session(
        store, ev, name="W", starts="2030-06-01T14:00Z", ends="2030-06-01T15:00Z"
    )
    in_workshop = _payload(store, ev, sessions=[workshop.id])
    assert door.scan(in_workshop, session_id=workshop.id, now=DURING).result == "not_yet_valid"
    assert (
        door.scan(
            in_workshop, session_id=workshop.id, now=DURING.replace(hour=13, minute=30)
        ).result
        == "ok"
    )


def test_unpaid_refused_or_admitted_with_a_flag(store: Store, door: Checkin) -> None:
    ev = _event(store)
    payload = _payload(store, ev, "Paid")
    refused = door.scan(payload, now=DURING)
    assert refused.result == "unpaid" and "25.00 EUR" in refused.message
    payments.pay(store, payload.split(".")[1], method="cash", amount_cents=1000)
    assert door.scan(payload, now=DURING).result == "unpaid"
    events.update_event(store, ev, unpaid_policy="admit")
    admitted = door.scan(payload, now=DURING)
    assert admitted.result == "ok" and admitted.see_desk
    assert (admitted.due, admitted.currency) == (1500, "EUR")


def test_checks_come_in_the_designed_order(store: Store, door: Checkin) -> None:
    ev = _event(store)
    # cancelled and unpaid: revoked wins
    payload = _payload(store, ev, "Paid")
    cancel(store, payload.split(".")[1])
    assert door.scan(payload, now=DURING).result == "revoked"
    # wrong event and unpaid: wrong_event wins
    other = _event(store)
    unpaid_elsewhere = _payload(store, other, "Paid")
    assert (
        Checkin(store, station="x", event=ev).scan(unpaid_elsewhere, now=DURING).result
        == "wrong_event"
    )
    # expired and unpaid: expired wins; checked in and expired: expired wins
    assert door.scan(unpaid_elsewhere, now=DURING + timedelta(days=2)).result == "expired"
    admitted = _payload(store, ev)
    assert door.scan(admitted, now=DURING).result == "ok"
    assert door.scan(admitted, now=DURING + timedelta(days=2)).result == "expired"
    # unpaid and inside (admitted unpaid, then the policy changed): inside wins, the person is
    # in (it answered "unpaid", as if refused); leaving and coming back, unpaid wins
    # (test_door_rules.test_an_exit_scan_is_not_refused_as_unpaid)
    paid = _payload(store, ev, "Paid")
    events.update_event(store, ev, unpaid_policy="admit")
    assert door.scan(paid, now=DURING).result == "ok"
    events.update_event(store, ev, unpaid_policy="refuse")
    assert door.scan(paid, now=DURING).result == "already_checked_in"
    payments.pay(store, paid.split(".")[1], method="card")
    # refunded in full and already checked in: revoked wins
    payments.refund(store, paid.split(".")[1])
    assert door.scan(paid, now=DURING).result == "revoked"


def test_reentry_policy(store: Store, door: Checkin) -> None:
    strict = _event(store)
    payload = _payload(store, strict)
    assert door.scan(payload, now=DURING).result == "ok"
    assert door.scan(payload, direction="exit", now=DURING).result == "no_reentry"
    relaxed = _event(store, allow_reentry=True)
    payload = _payload(store, relaxed)
    assert door.scan(payload, direction="exit", now=DURING).result == "not_checked_in"
    assert door.scan(payload, now=DURING).result == "ok"
    assert door.scan(payload, now=DURING).result == "already_checked_in"  # still inside
    assert door.scan(payload, direction="exit", now=DURING + timedelta(hours=1)).result == "ok"
    back = Checkin(store, station="Door 2").scan(payload, now=DURING + timedelta(hours=2))
    assert back.result == "ok" and back.reentry
    assert (back.first_checked_in_at, back.first_station) == (DURING, "Door 1")


def test_undo_is_logged_and_allows_a_new_check_in(store: Store, door: Checkin) -> None:
    ev = _event(store)
    payload = _payload(store, ev)
    ticket = payload.split(".")[1]
    door.scan(payload, now=DURING)
    undone = undo_checkin(store, ticket, station="Desk")
    assert (undone.was_checked_in_at, undone.was_station) == (DURING, "Door 1")
    with pytest.raises(NotAllowed, match="nothing to undo"):
        undo_checkin(store, ticket)
    assert door.scan(payload, now=DURING + timedelta(minutes=3)).result == "ok"
    with store.read() as s:
        kinds = s.scalars(
            select(TransactionLog.kind).where(TransactionLog.ticket_id == ticket)
        ).all()
    assert "checkin_undone" in kinds
    workshop = program.add_session(
        store, ev, name="W", starts="2030-06-01T10:00Z", ends="2030-06-01T12:00Z"
    )
    in_workshop = _payload(store, ev, sessions=[workshop.id])
    door.scan(in_workshop, session_id=workshop.id, now=DURING)
    undo_checkin(store, in_workshop.split(".")[1], session_id=workshop.id)
    assert door.scan(in_workshop, session_id=workshop.id, now=DURING).result == "ok"


def test_every_scan_is_logged(store: Store, door: Checkin) -> None:
    ev = _event(store)
    payload = _payload(store, ev)
    door.scan(payload, now=DURING)
    door.scan(payload, now=DURING)
    door.scan("x" * 10_000 + "\x00\x07", now=DURING)
    with store.read() as s:
        rows = s.execute(
            select(ScanLog.result, ScanLog.station, ScanLog.operator, ScanLog.payload).order_by(
                ScanLog.id
            )
        ).all()
    assert [r[0] for r in rows] == ["ok", "already_checked_in", "invalid"]
    assert all(r[1] == "Door 1" and r[2] == "Sam" for r in rows)
    assert len(rows[2][3]) == 200 and rows[2][3].isprintable()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.text(max_size=400))
def test_any_text_is_answered_invalid_never_an_exception(door: Checkin, text: str) -> None:
    assert door.scan(text, now=DURING).result == "invalid"


def test_scan_counts_are_consistent(store: Store, door: Checkin) -> None:
    ev = _event(store)
    for _ in range(3):
        door.scan(_payload(store, ev), now=DURING)
    with store.read() as s:
        assert (
            s.scalar(select(func.count()).select_from(ScanLog).where(ScanLog.result == "ok")) == 3
        )
    assert events.show_event(store, ev).registered == 3


def test_fully_refunded_ticket_is_revoked(store: Store, door: Checkin) -> None:
    ev = _event(store, unpaid_policy="admit")
    payload = _payload(store, ev, "Paid")
    ticket = payload.split(".")[1]
    payments.pay(store, ticket, method="card")
    payments.refund(store, ticket)
    result = door.scan(payload, now=DURING)
    assert (result.result, result.message) == ("revoked", "This ticket was refunded.")
    with pytest.raises(NotAllowed, match="cancelled"):  # a full refund revokes the ticket
        payments.pay(store, ticket, method="cash")


def test_exit_scans_are_for_the_event_door(store: Store, door: Checkin) -> None:
    from eventdesk.errors import InvalidInput

    ev = _event(store, allow_reentry=True)
    workshop = program.add_session(
        store, ev, name="W", starts="2030-06-01T10:00Z", ends="2030-06-01T12:00Z"
    )
    payload = _payload(store, ev, sessions=[workshop.id])
    with pytest.raises(InvalidInput, match="session door"):
        door.scan(payload, session_id=workshop.id, direction="exit", now=DURING)


def test_a_moved_session_is_seen_by_a_running_door(store: Store, door: Checkin) -> None:
    from sqlalchemy import update

    from eventdesk.models import EventSession

    ev = _event(store)
    workshop = program.add_session(
        store, ev, name="W", starts="2030-06-01T14:00Z", ends="2030-06-01T15:00Z"
    )
    payload = _payload(store, ev, sessions=[workshop.id])
    assert door.scan(payload, session_id=workshop.id, now=DURING).result == "not_yet_valid"
    with store.write() as s:  # the organizer moves the workshop to the morning
        s.execute(
            update(EventSession)
            .where(EventSession.id == workshop.id)
            .values(starts_at=datetime(2030, 6, 1, 10, 0, tzinfo=UTC))
        )
    assert door.scan(payload, session_id=workshop.id, now=DURING).result == "ok"


@pytest.mark.parametrize(
    "typed", ["", "   ", "\udcff", "A" * 300, "ABCDEFGHJKMNPQRSTV", "ÄÖÜ", "12 34"]
)
def test_ticket_ids_that_cannot_exist_are_unknown_and_logged(
    store: Store, door: Checkin, typed: str
) -> None:
    before = _scans(store)
    assert door.checkin_ticket(typed, now=DURING).result == "unknown"
    assert _scans(store) == before + 1


def _scans(store: Store) -> int:
    with store.read() as s:
        return int(s.scalar(select(func.count()).select_from(ScanLog)) or 0)


def test_long_operator_and_station_are_clipped_in_the_log(store: Store, signer: Signer) -> None:
    ev = _event(store)
    Checkin(store, station="S" * 100, operator="O" * 300).scan(_payload(store, ev), now=DURING)
    with store.read() as s:
        operator = s.scalar(select(ScanLog.operator))
    assert operator == "O" * 100
