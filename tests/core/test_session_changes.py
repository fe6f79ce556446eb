"""Sessions changed and cancelled, and a session added to or removed from a ticket someone holds
(issue 43): `session update ID`, `session cancel ID`, `ticket session add|remove TICKET SESSION`.
A session's capacity raised promotes from its waitlist (arrival order, an order's seats
together); lowered below the seats held it is refused. A cancelled session frees its seats,
keeps them on their tickets as cancelled (the card shows it) and admits nobody at its door. A
session added to a full session waits on its waitlist; a seat removed promotes the next one
waiting. The counters always equal the seats they count. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from eventdesk.db import Store
from eventdesk.models import TicketSession
from eventdesk.services.catalogue import events, program
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.people import cancellation, ticket_sessions, waitlist
from eventdesk.services.people.registration import register, show_ticket
from eventdesk.services.stats.reports import stats
from eventdesk.tickets import Signer
from tests.clitools import Cli
from tests.core.test_registration import assert_counters_match
from tests.core.test_session_waitlist import _event_now, _seats, _session_registered, _workshop
from tests.helpers import people


def _holders(store: Store, event: str, workshop: int, count: int, prefix: str) -> list[str]:
    """``count`` people registered one after the other with a seat asked for in ``workshop``."""
    return [
        register(store, event, email, "Regular", sessions=[workshop]).tickets[0].ticket_id
        for email in people(store, count, prefix=prefix)
    ]


def _session(cli: Cli, event: str, session_id: int) -> dict[str, Any]:
    return next(s for s in cli.json("session", "list", event) if s["id"] == session_id)


# --- session update ---------------------------------------------------------------------------
def test_session_update_changes_what_add_sets(store: Store, cli: Cli) -> None:
    event = _event_now(store, capacity=10)
    workshop = _workshop(store, event, capacity=5)
    before = _session(cli, event, workshop)

    made = cli.json("session", "update", str(workshop), "--name", "Workshop B", "--room", "Room 2")
    assert (made["id"], made["name"], made["room"]) == (workshop, "Workshop B", "Room 2")
    assert made["starts_at"] == before["starts_at"] and made["capacity"] == 5
    made = cli.json("session", "update", str(workshop), "--unlimited", "--room", "")
    assert made["capacity"] is None and made["room"] is None
    said = cli.out("session", "update", str(workshop), "--capacity", "7")
    assert "Workshop B" in said

    # Bad input: said in one line, nothing changed.
    _, err = cli.run("session", "update", str(workshop), "--starts", "soon", code=2)
    assert "starts" in err and len(err.strip().splitlines()) == 1
    _, err = cli.run("session", "update", "99999", "--name", "X", code=2)
    assert "no session 99999" in err
    _, err = cli.run("session", "update", str(workshop), "--capacity", "3", "--unlimited", code=2)
    assert "--capacity" in err and "--unlimited" in err
    _, err = cli.run("session", "update", str(workshop), code=2)
    assert "nothing to change" in err
    assert _session(cli, event, workshop)["capacity"] == 7


def test_raising_a_sessions_capacity_promotes_its_waitlist_and_lowering_it_is_refused(
    store: Store, cli: Cli
) -> None:
    event = _event_now(store, capacity=10)
    workshop = _workshop(store, event, capacity=1)
    holder, first, second, third = _holders(store, event, workshop, 4, "raise-cap")
    assert _seats(store, workshop)[first] == ("waitlisted", 1)

    made = cli.json("session", "update", str(workshop), "--capacity", "3")
    assert made["promoted"] == [first, second]  # in arrival order
    seats = _seats(store, workshop)
    assert seats[holder] == seats[first] == seats[second] == ("registered", None)
    assert seats[third][0] == "waitlisted"
    assert made["registered"] == 3 == _session_registered(store, workshop)

    _, err = cli.run("session", "update", str(workshop), "--capacity", "2", code=1)
    assert "has 3 registered" in err and "capacity of 2 is too small" in err
    assert _session_registered(store, workshop) == 3
    assert_counters_match(store)


# --- session cancel ---------------------------------------------------------------------------
def test_a_cancelled_session_frees_its_seats_and_its_door_admits_nobody(
    store: Store, signer: Signer, cli: Cli
) -> None:
    event = _event_now(store, capacity=3)
    workshop = _workshop(store, event, capacity=2)
    other = _workshop(store, event, capacity=None, name="Workshop Other")  # type: ignore[arg-type]
    holder, second, waiting = _holders(store, event, workshop, 3, "cancel-session")
    (late,) = people(store, 1, prefix="cancel-session-late")  # the event is full: they wait
    behind = register(store, event, late, "Regular", sessions=[workshop, other]).tickets[0]
    assert behind.status == "waitlisted"

    made = cli.json("session", "cancel", str(workshop))
    assert made["status"] == "cancelled" and made["registered"] == 0
    assert made["seats_freed"] == [holder, second]
    assert made["waitlist_dropped"] == [waiting]
    assert _session(cli, event, workshop)["status"] == "cancelled"
    assert {status for status, _seq in _seats(store, workshop).values()} == {"cancelled"}
    assert show_ticket(store, holder).sessions == ("Workshop A (cancelled)",)
    assert [(s.name, s.status) for s in show_ticket(store, holder).session_seats] == [
        ("Workshop A", "cancelled")
    ]
    human = cli.out("ticket", "show", holder)
    assert "sessions: Workshop A (cancelled)" in human
    assert_counters_match(store)

    # Its door admits nobody; the event's door still admits them.
    payload = show_ticket(store, holder).qr_payload
    assert payload is not None
    room = Checkin(store, station="Room A", event=event)
    assert room.scan(payload, session_id=workshop).result == "wrong_session"
    assert Checkin(store, station="Door", event=event).scan(payload).result == "ok"

    # Nothing more is done with it; said, exit 1.
    _, err = cli.run("session", "cancel", str(workshop), code=1)
    assert "Workshop A is cancelled" in err
    _, err = cli.run("session", "update", str(workshop), "--capacity", "9", code=1)
    assert "Workshop A is cancelled" in err
    (newcomer,) = people(store, 1, prefix="cancel-session-new")
    cli.json("cancel", second)  # a place at the event frees: the waiting ticket is promoted
    _, err = cli.run(
        "register", event, "--attendee", newcomer, "--ticket-type", "Regular",
        "--session", str(workshop), code=1,
    )  # fmt: skip
    assert "Workshop A is cancelled" in err
    _, err = cli.run("ticket", "session", "add", holder, str(workshop), code=1)
    assert "Workshop A is cancelled" in err

    # The ticket that waited for the event was promoted: its seat there stays cancelled, its
    # seat in the other session is taken.
    assert show_ticket(store, behind.ticket_id).status == "registered"
    assert _seats(store, workshop)[behind.ticket_id] == ("cancelled", None)
    assert _seats(store, other)[behind.ticket_id] == ("registered", None)
    assert _session_registered(store, workshop) == 0
    assert_counters_match(store)

    # The reports and the stats say it is cancelled (last in the popularity report).
    ranked = cli.json("report", "sessions", event)
    assert ranked[-1]["session"] == "Workshop A" and ranked[-1]["status"] == "cancelled"
    assert all(r["status"] == "scheduled" for r in ranked[:-1])
    figures = stats(store, event)
    assert [s["status"] for s in figures.sessions if s["id"] == workshop] == ["cancelled"]


# --- a session on a ticket someone holds -----------------------------------------------------
def test_a_session_is_added_to_a_ticket_someone_holds(store: Store, cli: Cli) -> None:
    event = _event_now(store, capacity=10)
    workshop = _workshop(store, event, capacity=1)
    first, second = people(store, 2, prefix="add-seat")
    ticket = register(store, event, first, "Regular").tickets[0].ticket_id

    # Registering again for the session is not how: the refusal says what is.
    _, err = cli.run(
        "register", event, "--attendee", first, "--ticket-type", "Regular",
        "--session", str(workshop), code=1,
    )  # fmt: skip
    assert f"already holds ticket {ticket}" in err
    assert f"eventdesk ticket session add {ticket} {workshop}" in err

    made = cli.json("ticket", "session", "add", ticket, str(workshop))
    assert made == {
        "ticket_id": ticket,
        "session_id": workshop,
        "session": "Workshop A",
        "status": "registered",
        "waitlist_position": None,
        "promoted": [],
    }
    assert show_ticket(store, ticket).sessions == ("Workshop A",)
    assert _session_registered(store, workshop) == 1
    _, err = cli.run("ticket", "session", "add", ticket, str(workshop), code=1)
    assert f"ticket {ticket} has a seat in Workshop A already" in err

    # The session is full: the seat waits on its waitlist.
    other = register(store, event, second, "Regular").tickets[0].ticket_id
    said = cli.out("ticket", "session", "add", other, str(workshop))
    assert "waitlist" in said and "position 1" in said
    assert _seats(store, workshop)[other] == ("waitlisted", 1)
    assert _session_registered(store, workshop) == 1
    assert_counters_match(store)

    # Bad input: one line, exit 2.
    _, err = cli.run("ticket", "session", "add", "NOSUCH", str(workshop), code=2)
    assert "no ticket 'NOSUCH'" in err
    _, err = cli.run("ticket", "session", "add", ticket, "424242", code=2)
    assert "no session 424242" in err


def test_a_full_session_without_a_waitlist_refuses_the_seat(store: Store, cli: Cli) -> None:
    event = _event_now(store, capacity=10)
    events.update_event(store, event, waitlist=False)
    workshop = _workshop(store, event, capacity=1)
    _holders(store, event, workshop, 1, "no-waitlist")
    (late,) = people(store, 1, prefix="no-waitlist-late")
    ticket = register(store, event, late, "Regular").tickets[0].ticket_id
    _, err = cli.run("ticket", "session", "add", ticket, str(workshop), code=1)
    assert "Workshop A is full and there is no waitlist" in err
    assert ticket not in _seats(store, workshop)


def test_removing_a_seat_promotes_the_next_one_waiting(store: Store, cli: Cli) -> None:
    event = _event_now(store, capacity=10)
    workshop = _workshop(store, event, capacity=1)
    holder, first, second = _holders(store, event, workshop, 3, "remove-seat")

    # A waiting seat removed: the one behind moves up; nobody is promoted.
    made = cli.json("ticket", "session", "remove", first, str(workshop))
    assert (made["status"], made["promoted"]) == ("removed", [])
    assert first not in _seats(store, workshop)
    (waits,) = waitlist.list_session_waitlist(store, event)
    assert (waits.ticket_id, waits.position) == (second, 1)

    # The seat held removed: the next one waiting takes it, in the same transaction.
    said = cli.out("ticket", "session", "remove", holder, str(workshop))
    assert second in said
    seats = _seats(store, workshop)
    assert holder not in seats and seats[second] == ("registered", None)
    assert show_ticket(store, holder).sessions == ()
    assert _session_registered(store, workshop) == 1
    assert_counters_match(store)

    _, err = cli.run("ticket", "session", "remove", holder, str(workshop), code=2)
    assert f"ticket {holder} has no seat in Workshop A" in err


def test_a_seat_added_to_a_ticket_waiting_for_the_event_follows_its_ticket(
    store: Store,
) -> None:
    event = _event_now(store, capacity=1)
    workshop = _workshop(store, event, capacity=5)
    first, second = people(store, 2, prefix="follow-seat")
    placed = register(store, event, first, "Regular").tickets[0].ticket_id
    waiting = register(store, event, second, "Regular").tickets[0].ticket_id

    added = ticket_sessions.add_seat(store, waiting, workshop)
    assert (added.status, added.waitlist_position) == ("with_ticket", None)
    assert _session_registered(store, workshop) == 0  # not counted while the ticket waits
    cancellation.cancel(store, placed)  # the waiting ticket is promoted, its seat with it
    assert show_ticket(store, waiting).status == "registered"
    assert _seats(store, workshop)[waiting] == ("registered", None)
    assert _session_registered(store, workshop) == 1
    with store.read() as s:
        assert s.scalar(select(TicketSession).where(TicketSession.ticket_id == placed)) is None
    assert_counters_match(store)


def test_a_seat_of_a_cancelled_ticket_cannot_be_changed(store: Store, cli: Cli) -> None:
    event = _event_now(store, capacity=10)
    workshop = _workshop(store, event, capacity=5)
    (person,) = people(store, 1, prefix="cancelled-seat")
    ticket = register(store, event, person, "Regular").tickets[0].ticket_id
    cancellation.cancel(store, ticket)
    _, err = cli.run("ticket", "session", "add", ticket, str(workshop), code=1)
    assert f"ticket {ticket} is cancelled" in err
    _, err = cli.run("ticket", "session", "remove", ticket, str(workshop), code=2)
    assert f"ticket {ticket} has no seat in Workshop A" in err
    assert program.list_sessions(store, event)[0].registered == 0
