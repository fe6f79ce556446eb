"""Stations the server need not trust, for the door rules of issue 29: a door's own login on a
check-in list admits only what the list admits (its functions check the list's rules again,
and the day a daily entry counts), and a desk's own login waitlists a full session's seat and
promotes it within the server's row rules. The site is test_station_logins.py's: the
operator's guide's organizer and two station logins, real `eventdesk` processes."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.door.test_station_logins import (
    REFUSALS,
    Site,
    payload_of,
    refused_on,
    run_cli,
    site,
)

pytestmark = pytest.mark.slow  # the same logins on check-in lists and session seats

__all__ = ["site"]  # the module's fixture, used here


def test_a_desk_login_waitlists_a_full_sessions_seat_and_promotes_it(
    site: Site, tmp_path: Path
) -> None:
    """A full session at a desk's own login: the new ticket is registered and its seat waits;
    cancelling a seat holder promotes the waiting seat, within the server's row rules."""
    desk, url = tmp_path / "desk", site.desk_url
    at_desk = {"station": "Desk 1"}
    full = site.value(
        "SELECT s.id FROM event_session s JOIN event e ON e.id = s.event_id WHERE e.slug = :e "
        "AND s.capacity IS NOT NULL AND s.registered_count >= s.capacity ORDER BY s.id LIMIT 1",
        e=site.event,
    )
    assert full is not None, "the demo has a full session"
    free_type = site.value(
        "SELECT tt.name FROM ticket_type tt JOIN event e ON e.id = tt.event_id "
        "WHERE e.slug = :e AND NOT tt.needs_staff AND (tt.quantity IS NULL "
        "OR tt.registered_count < tt.quantity) ORDER BY tt.priority_tier DESC, tt.id LIMIT 1",
        e=site.event,
    )
    email = "seat.waiter@example.org"
    run_cli(url, desk, "attendee", "add", "--name", "Seat Waiter", "--email", email, **at_desk)  # type: ignore[arg-type]
    run_cli(
        site.organizer_url,
        site.organizer_dir,
        "event",
        "update",
        site.event,
        "--capacity",
        "1000",
        station="Office",
    )
    made = json.loads(
        run_cli(
            url,
            desk,
            "--json",
            "register",
            site.event,
            "--attendee",
            email,
            "--ticket-type",
            free_type,
            "--session",
            str(full),
            **at_desk,  # type: ignore[arg-type]
        ).stdout
    )
    assert made["status"] == "registered" and made["waitlisted_sessions"], made
    holder = site.value(
        "SELECT ts.ticket_id FROM ticket_session ts JOIN ticket t ON t.id = ts.ticket_id "
        "WHERE ts.session_id = :s AND ts.status = 'registered' AND t.status = 'registered' "
        "ORDER BY ts.ticket_id LIMIT 1",
        s=full,
    )
    run_cli(url, desk, "cancel", holder, **at_desk)  # type: ignore[arg-type]
    assert (
        site.value(
            "SELECT status FROM ticket_session WHERE ticket_id = :t AND session_id = :s",
            t=made["ticket_id"],
            s=full,
        )
        == "registered"
    )


def test_a_desk_login_adds_and_takes_off_a_session_on_a_ticket_someone_holds(
    site: Site, tmp_path: Path
) -> None:
    """`ticket session add|remove` at a desk's own login (issue 43): a seat added to a full
    session waits; a seat held taken off goes to the first seat waiting; the server's row
    rules check the places counted when the desk's transaction commits."""
    desk, url = tmp_path / "desk", site.desk_url
    at_desk = {"station": "Desk 1"}
    full = site.value(
        "SELECT s.id FROM event_session s JOIN event e ON e.id = s.event_id WHERE e.slug = :e "
        "AND s.capacity IS NOT NULL AND s.registered_count >= s.capacity ORDER BY s.id LIMIT 1",
        e=site.event,
    )
    held = site.value(
        "SELECT ts.ticket_id FROM ticket_session ts JOIN ticket t ON t.id = ts.ticket_id "
        "WHERE ts.session_id = :s AND ts.status = 'registered' AND t.status = 'registered' "
        "ORDER BY ts.ticket_id LIMIT 1",
        s=full,
    )
    other = site.value(
        "SELECT t.id FROM ticket t JOIN event e ON e.id = t.event_id WHERE e.slug = :e "
        "AND t.status = 'registered' AND NOT EXISTS (SELECT 1 FROM ticket_session ts "
        "WHERE ts.ticket_id = t.id AND ts.session_id = :s) ORDER BY t.id LIMIT 1",
        e=site.event,
        s=full,
    )
    assert None not in (full, held, other), "the demo has a full session"
    added = json.loads(
        run_cli(url, desk, "--json", "ticket", "session", "add", other, str(full), **at_desk).stdout  # type: ignore[arg-type]
    )
    assert added["status"] == "waitlisted" and added["waitlist_position"] >= 1, added
    removed = json.loads(
        run_cli(
            url, desk, "--json", "ticket", "session", "remove", held, str(full), **at_desk
        ).stdout  # type: ignore[arg-type]
    )
    assert removed["status"] == "removed" and len(removed["promoted"]) == 1, removed
    seats = (
        "SELECT count(*) FROM ticket_session ts JOIN ticket t ON t.id = ts.ticket_id "
        "WHERE ts.session_id = :s AND ts.status = 'registered' AND t.status = 'registered'"
    )
    counted = "SELECT registered_count FROM event_session WHERE id = :s"
    assert site.value(seats, s=full) == site.value(counted, s=full)
    assert (
        site.value(
            "SELECT count(*) FROM ticket_session WHERE ticket_id = :t AND session_id = :s",
            t=held,
            s=full,
        )
        == 0
    )


# --- check-in lists through the server's functions ------------------------------------------
def test_a_door_login_admits_on_a_list_only_what_the_list_admits(
    site: Site, tmp_path: Path
) -> None:
    """A door's own login on a check-in list: its admissions and answers go through the
    server's functions, which check the list's rules again; called by hand with a ticket the
    list refuses, or a day that is not the scan's, they refuse it."""
    door, url = tmp_path / "door", site.door_url
    made = json.loads(
        run_cli(
            site.organizer_url,
            site.organizer_dir,
            "--json",
            "checkin-list",
            "create",
            site.event,
            "--name",
            "Regular Bar",
            "--ticket-types",
            "Regular",
            "--entries",
            "daily",
            "--question",
            "age:yesno:Over 18?:required",
            station="Office",
        ).stdout
    )
    regular = site.value(
        "SELECT t.id FROM ticket t JOIN ticket_type tt ON tt.id = t.ticket_type_id "
        "WHERE tt.name = 'Regular' AND t.status = 'registered' AND t.price_cents <= ("
        "SELECT COALESCE(SUM(amount_cents), 0) FROM payment p WHERE p.ticket_id = t.id "
        "AND p.kind = 'payment' AND p.status = 'completed') ORDER BY t.id DESC LIMIT 1"
    )
    other = site.value(
        "SELECT t.id FROM ticket t JOIN ticket_type tt ON tt.id = t.ticket_type_id "
        "WHERE tt.name <> 'Regular' AND t.status = 'registered' AND t.checked_in_at IS NULL "
        "ORDER BY t.id LIMIT 1"
    )
    on_list = ("--json", "checkin", "--list", f"{site.event}/{made['slug']}")
    regular_line, other_line = payload_of(site, regular), payload_of(site, other)
    asked = json.loads(run_cli(url, door, *on_list, regular_line, code=1).stdout)
    assert (asked["result"], asked["asks"]) == ("needs_answer", ["age"])
    admitted = json.loads(run_cli(url, door, *on_list, regular_line, "--answer", "age=yes").stdout)
    assert (admitted["result"], admitted["offline"], admitted["list"]) == (
        "ok",
        False,
        made["slug"],
    )
    assert (
        site.value(
            "SELECT station FROM list_entry WHERE ticket_id = :t AND list_id = :l",
            t=regular,
            l=made["id"],
        )
        == "Door 1"
    )
    assert site.value("SELECT value FROM checkin_answer WHERE ticket_id = :t", t=regular) == "yes"
    refused = json.loads(run_cli(url, door, *on_list, other_line, code=1).stdout)
    assert (refused["result"], refused["rule"]) == ("wrong_type", "ticket_types")

    # By hand, the login's own functions: the list's rules hold whatever the station says.
    engine = site.engine_as(site.door_login)
    try:
        payload = other_line
        wrong_type = refused_on(
            engine,
            "SELECT station_api.list_admit('Door 1', :t, :l, :d, now(), :p, false, false)",
            t=other,
            l=made["id"],
            d=admitted["list_day"],
            p=payload,
        )
        assert "wrong_type" in wrong_type
        tomorrow = refused_on(
            engine,
            "SELECT station_api.list_admit('Door 1', :t, :l, :d, now(), :p, false, false)",
            t=regular,
            l=made["id"],
            d=(date.fromisoformat(admitted["list_day"]) + timedelta(days=1)).isoformat(),
            p=regular_line,
        )
        assert "wrong_day" in tomorrow
        unasked = refused_on(
            engine,
            "SELECT station_api.answer('Door 1', :t, :l, 'shoe_size', '44', now())",
            t=regular,
            l=made["id"],
        )
        assert "asks no question" in unasked
        for statement in (
            "INSERT INTO list_entry (list_id, ticket_id, day, first_at, last_at) "
            "VALUES (1, 'X', '', now(), now())",
            "UPDATE checkin_list SET ticket_types = NULL",
            "DELETE FROM checkin_answer",
        ):
            assert any(word in refused_on(engine, statement) for word in REFUSALS), statement
    finally:
        engine.dispose()
    assert site.value("SELECT count(*) FROM list_entry WHERE ticket_id = :t", t=other) == 0

    # The event's own door (the ticket's columns) follows a changed default list: a login
    # calling the event's admission by hand for a type the default list does not admit is
    # refused, and the door refuses it with the rule.
    default = f"{site.event}/default"
    organizer = (site.organizer_url, site.organizer_dir)
    run_cli(
        *organizer, "checkin-list", "update", default, "--ticket-types", "Regular", station="Office"
    )
    try:
        engine = site.engine_as(site.door_login)
        try:
            by_hand = refused_on(
                engine,
                "SELECT station_api.admit('Door 1', :t, now(), :p, false, false)",
                t=other,
                p=other_line,
            )
        finally:
            engine.dispose()
        assert "wrong_type" in by_hand
        at_door = json.loads(run_cli(url, door, "--json", "checkin", other_line, code=1).stdout)
        assert (at_door["result"], at_door["list"]) == ("wrong_type", "default")
        assert site.value("SELECT checked_in_at FROM ticket WHERE id = :t", t=other) is None
    finally:
        run_cli(*organizer, "checkin-list", "delete", default, station="Office")
