"""The door's rules (issue 10): exits, capacity, seats, visibility and invites, attention,
self-service kiosks and a scan log where every scan belongs to an event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from badges.badge import load_badge
from badges.render import render_text
from eventdesk.db import Store
from eventdesk.errors import NotAllowed
from eventdesk.models import ScanLog
from eventdesk.services.catalogue import events, program
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.scan_result import RESULTS
from eventdesk.services.people.registration import register, show_ticket
from eventdesk.services.stats.reports import stats
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from tests.core.test_registration import assert_counters_match
from tests.helpers import people

CLOCK = utcnow().replace(second=0, microsecond=0)  # the door's "now" in these tests


def _event(store: Store, *, hours_from_now: float = -1, **kw: object) -> str:
    """An event starting ``hours_from_now`` (running now by default) for nine hours."""
    starts = CLOCK + timedelta(hours=hours_from_now)
    made = events.create_event(
        store,
        name=str(kw.pop("name", "Door Test")),
        starts=starts,
        ends=starts + timedelta(hours=9),
        **kw,  # type: ignore[arg-type]
    )
    program.add_ticket_type(store, made.slug, name="Regular", price_cents=0)
    program.add_ticket_type(store, made.slug, name="Paid", price_cents=2500)
    program.add_ticket_type(
        store, made.slug, name="VIP", price_cents=0, attention="VIP: gold lanyard"
    )
    return made.slug


def _adult_type(store: Store, ev: str) -> None:
    """A ticket type a kiosk must send to the desk."""
    program.add_ticket_type(
        store, ev, name="Adult", price_cents=0, attention="Over 18: wristband", needs_staff=True
    )


def _payload(store: Store, ev: str, ticket_type: str = "Regular", **kw: object) -> str:
    email = people(store, 1, prefix=f"p{next(_serial)}")[0]
    ticket = register(store, ev, email, ticket_type, **kw).tickets[0]  # type: ignore[arg-type]
    payload = show_ticket(store, ticket.ticket_id).qr_payload
    assert payload is not None
    return payload


_serial = iter(range(10_000))


# --- exits ------------------------------------------------------------------------------------
def test_an_exit_scan_is_not_refused_as_unpaid(store: Store, signer: Signer) -> None:
    ev = _event(store, allow_reentry=True, unpaid_policy="admit")
    payload = _payload(store, ev, "Paid")
    door = Checkin(store, station="Door")
    assert door.scan(payload, now=CLOCK).result == "ok"  # admitted unpaid, with a flag
    events.update_event(store, ev, unpaid_policy="refuse")
    leaving = door.scan(payload, direction="exit", now=CLOCK + timedelta(minutes=30))
    assert leaving.result == "ok", leaving.message
    assert door.scan(payload, now=CLOCK + timedelta(hours=1)).result == "unpaid"  # not back in


def test_an_exit_scan_after_the_door_closed_still_lets_people_out(
    store: Store, signer: Signer
) -> None:
    ev = _event(store, allow_reentry=True)
    payload = _payload(store, ev)
    door = Checkin(store, station="Door")
    assert door.scan(payload, now=CLOCK).admitted
    late = CLOCK + timedelta(hours=20)
    assert door.scan(payload, direction="exit", now=late).result == "ok"


# --- capacity and seats -----------------------------------------------------------------------
def test_capacity_below_what_is_registered_is_refused(store: Store) -> None:
    ev = _event(store, capacity=5)
    workshop = program.add_session(
        store, ev, name="Workshop", starts=CLOCK, ends=CLOCK + timedelta(hours=1), capacity=5
    )
    limited = program.add_ticket_type(store, ev, name="Early", price_cents=0, quantity=5)
    for email in people(store, 3):
        register(store, ev, email, "Early", sessions=[workshop.id])
    with pytest.raises(NotAllowed, match="3 registered"):
        events.update_event(store, ev, capacity=2)
    with pytest.raises(NotAllowed, match="3 registered"):
        program.update_session(store, ev, workshop.id, capacity=2)
    with pytest.raises(NotAllowed, match="3 registered"):
        program.update_ticket_type(store, ev, limited.id, quantity=2)
    assert events.show_event(store, ev).capacity == 5  # nothing changed
    assert events.update_event(store, ev, capacity=3).capacity == 3  # as many as taken is fine
    assert program.update_session(store, ev, workshop.id, capacity=3).capacity == 3
    assert program.update_ticket_type(store, ev, limited.id, quantity=3).quantity == 3


def test_venue_seats_do_not_cap_general_admission(store: Store) -> None:
    events.add_venue(store, name="Hall With Seats", seats="A1-A2")
    ev = _event(store, venue="Hall With Seats")
    tickets = [register(store, ev, e, "Regular").tickets[0] for e in people(store, 4)]
    assert [t.status for t in tickets] == ["registered"] * 4
    assert [t.seat for t in tickets] == ["A1", "A2", None, None]  # seats while there are any
    with pytest.raises(NotAllowed, match="taken"):  # a seat asked for by name must be free
        register(store, ev, people(store, 1, prefix="late")[0], "Regular", seat="A1")
    assert_counters_match(store)


def test_the_seat_is_in_the_door_answer_and_on_the_badge(store: Store, signer: Signer) -> None:
    events.add_venue(store, name="Theatre", seats="A1-A9")
    ev = _event(store, venue="Theatre")
    payload = _payload(store, ev, seat="A7")
    answer = Checkin(store, station="Door").scan(payload, now=CLOCK)
    assert (answer.result, answer.seat) == ("ok", "A7")
    badge = load_badge(store, payload.split(".")[1])
    assert badge.seat == "A7" and "Seat A7" in render_text(badge).decode()


# --- visibility and invitations ---------------------------------------------------------------
def test_a_private_event_is_listed_only_when_asked(store: Store) -> None:
    public = _event(store, name="Open Day")
    hidden = _event(store, name="Board Dinner", visibility="private")
    invite = _event(store, name="Launch Party", visibility="invite")
    assert [e.slug for e in events.list_events(store)] == [public, invite]
    listed = events.list_events(store, include_hidden=True)
    assert [e.slug for e in listed] == [public, hidden, invite]
    # The public list never hands out an invite code; the staff view does.
    assert [e.invite_code for e in events.list_events(store)] == [None, None]
    assert listed[2].invite_code == events.show_event(store, invite).invite_code is not None


def test_an_invite_only_event_needs_its_code(store: Store) -> None:
    ev = _event(store, visibility="invite")
    code = events.show_event(store, ev).invite_code
    assert code and len(code) == 8
    a, b, c, d = people(store, 4)
    with pytest.raises(NotAllowed, match="invite code"):
        register(store, ev, a, "Regular")
    with pytest.raises(NotAllowed, match="not the invite code"):
        register(store, ev, a, "Regular", invite_code="WRONG123")
    spaced = f"{code[:4].lower()}-{code[4:].lower()}"  # as read aloud or typed from paper
    assert register(store, ev, a, "Regular", invite_code=spaced).status == "registered"
    assert register(store, ev, b, "Regular", staff_override=True).status == "registered"
    events.update_event(store, ev, invite_code="friends-2")
    with pytest.raises(NotAllowed, match="not the invite code"):
        register(store, ev, c, "Regular", invite_code=code)
    assert register(store, ev, c, "Regular", invite_code="FRIENDS2").status == "registered"
    fresh = events.update_event(store, ev, new_invite_code=True).invite_code
    assert fresh not in (None, "FRIENDS2")
    assert register(store, ev, d, "Regular", invite_code=fresh).status == "registered"


def test_an_event_made_invite_only_gets_a_code(store: Store) -> None:
    ev = _event(store)
    assert events.show_event(store, ev).invite_code is None
    register(store, ev, people(store, 1)[0], "Regular")  # public: no code needed
    assert events.update_event(store, ev, visibility="invite").invite_code


# --- attention and self-service ---------------------------------------------------------------
def test_attention_shows_only_with_an_admission(store: Store, signer: Signer) -> None:
    ev = _event(store)
    payload = _payload(store, ev, "VIP")
    door = Checkin(store, station="Door")
    admitted = door.scan(payload, now=CLOCK)
    assert (admitted.result, admitted.attention) == ("ok", "VIP: gold lanyard")
    again = door.scan(payload, now=CLOCK + timedelta(minutes=1))
    assert again.result == "already_checked_in" and again.attention is None
    assert "VIP" not in again.message
    early = door.scan(_payload(store, ev, "VIP"), now=CLOCK - timedelta(days=3))
    assert early.result == "not_yet_valid" and early.attention is None


def test_a_kiosk_sends_a_ticket_that_needs_staff_to_the_desk(store: Store, signer: Signer) -> None:
    ev = _event(store)
    _adult_type(store, ev)
    payload = _payload(store, ev, "Adult")
    kiosk = Checkin(store, station="Kiosk 1", self_service=True)
    answer = kiosk.scan(payload, now=CLOCK)
    assert "needs_staff" in RESULTS
    assert (answer.result, answer.admitted) == ("needs_staff", False)
    assert answer.message == "Please see the desk (ID check)."
    assert answer.attention is None and "Over 18" not in answer.message  # only with admission
    assert show_ticket(store, payload.split(".")[1]).checked_in_at is None
    # A kiosk admits other tickets; the desk admits this one.
    assert kiosk.scan(_payload(store, ev, "Regular"), now=CLOCK).admitted
    assert Checkin(store, station="Desk").scan(payload, now=CLOCK).admitted
    # Once the desk admitted it, the kiosk answers as for anyone else.
    assert kiosk.scan(payload, now=CLOCK).result == "already_checked_in"
    with store.read() as s:
        logged = s.execute(select(ScanLog.station, ScanLog.result).order_by(ScanLog.id)).all()
    assert [tuple(r) for r in logged] == [
        ("Kiosk 1", "needs_staff"),
        ("Kiosk 1", "ok"),
        ("Desk", "ok"),
        ("Kiosk 1", "already_checked_in"),
    ]


def test_needs_staff_is_only_for_what_would_be_admitted(store: Store, signer: Signer) -> None:
    ev = _event(store)
    _adult_type(store, ev)
    kiosk = Checkin(store, station="Kiosk", self_service=True)
    early = kiosk.scan(_payload(store, ev, "Adult"), now=CLOCK - timedelta(days=3))
    assert early.result == "not_yet_valid"
    adult = program.list_ticket_types(store, ev)[-1]
    assert adult.needs_staff
    assert not program.update_ticket_type(store, ev, adult.id, needs_staff=False).needs_staff
    assert kiosk.scan(_payload(store, ev, "Adult"), now=CLOCK).admitted


# --- every scan belongs to an event -----------------------------------------------------------
def test_current_event_is_the_running_else_the_next_else_the_last(store: Store) -> None:
    assert events.current_event(store, CLOCK) is None
    past = _event(store, name="Last Year", hours_from_now=-24 * 30)
    assert events.current_event(store, CLOCK).slug == past  # type: ignore[union-attr]
    later = _event(store, name="Next Week", hours_from_now=24 * 7)
    assert events.current_event(store, CLOCK).slug == later  # type: ignore[union-attr]
    running = _event(store, name="Today", visibility="private")
    assert events.current_event(store, CLOCK).slug == running  # type: ignore[union-attr]
    events.cancel_event(store, running)
    assert events.current_event(store, CLOCK).slug == later  # type: ignore[union-attr]


def test_bad_scans_at_a_door_without_an_event_are_logged_to_the_current_one(
    store: Store, signer: Signer
) -> None:
    _event(store, name="Next Week", hours_from_now=24 * 7)
    today = _event(store, name="Today")
    door = Checkin(store, station="Door")  # no event set
    assert door.scan("garbage", now=CLOCK).result == "invalid"
    assert door.scan(signer.payload("ZZZZZZZZ"), now=CLOCK).result == "unknown"
    assert door.checkin_ticket("NOSUCH", now=CLOCK).result == "unknown"
    today_id = events.show_event(store, today).id
    with store.read() as s:
        logged = s.scalars(select(ScanLog.event_id).order_by(ScanLog.id)).all()
    assert logged == [today_id] * 3
    assert stats(store, today, now=CLOCK).scan_problems == {"invalid": 1, "unknown": 2}
