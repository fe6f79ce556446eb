"""Reports against a hand-counted event, and the stats snapshot while stations check people in."""

from __future__ import annotations

import fcntl
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from eventdesk.db import Store
from eventdesk.services.catalogue import program
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.people import payments
from eventdesk.services.people.cancellation import cancel
from eventdesk.services.people.registration import register, show_ticket
from eventdesk.services.stats.reports import report, stats
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from tests.e2e.test_checkin_processes import make_tickets, start_worker
from tests.helpers import add_type, make_event, people


def at(hh: int, mm: int) -> datetime:
    return datetime(2030, 6, 1, hh, mm, tzinfo=UTC)


@pytest.fixture
def fixture_event(store: Store, signer: Signer) -> str:
    """The event counted by hand below."""
    ev = make_event(
        store,
        capacity=5,
        starts="2030-06-01T09:00Z",
        ends="2030-06-01T18:00Z",
        unpaid_policy="admit",
    )
    add_type(store, ev, "VIP", tier=0, quantity=2, price_cents=10000)
    add_type(store, ev, "Regular", tier=1, price_cents=5000)
    workshop = program.add_session(
        store, ev, name="Workshop", starts="2030-06-01T11:00Z", ends="2030-06-01T12:00Z", capacity=2
    )
    a, b, c, d, e, f, g = people(store, 7)
    t = {}
    t["A"] = register(store, ev, a, "VIP", sessions=[workshop.id]).tickets[0].ticket_id
    t["B"] = register(store, ev, b, "VIP").tickets[0].ticket_id
    t["C"] = register(store, ev, c, "VIP").tickets[0].ticket_id  # waits: VIP is full
    t["D"] = register(store, ev, d, "Regular", sessions=[workshop.id]).tickets[0].ticket_id
    t["E"] = register(store, ev, e, "Regular").tickets[0].ticket_id
    t["F"] = register(store, ev, f, "Regular").tickets[0].ticket_id
    t["G"] = register(store, ev, g, "Regular").tickets[0].ticket_id  # waits: the event is full
    assert cancel(store, t["F"]).promoted == (t["G"],)  # C still waits for a VIP place
    payments.pay(store, t["A"], method="card")
    payments.pay(store, t["B"], method="cash")
    payments.pay(store, t["D"], method="card")
    payments.refund(store, t["D"], amount_cents=2000)
    payments.pay(store, t["E"], method="comp")
    door1 = Checkin(store, station="Door 1", event=ev)
    door2 = Checkin(store, station="Door 2", event=ev)

    def payload(key: str) -> str:
        found = show_ticket(store, t[key]).qr_payload
        assert found is not None
        return found

    assert door1.scan(payload("A"), now=at(9, 10)).result == "ok"
    assert door1.scan(payload("A"), now=at(9, 12)).result == "already_checked_in"
    assert door1.scan("not a ticket", now=at(9, 13)).result == "invalid"
    assert door2.scan(payload("D"), now=at(9, 40)).result == "ok"
    assert door1.scan(payload("E"), now=at(10, 5)).result == "ok"
    assert (
        Checkin(store, station="Room 2")
        .scan(payload("A"), session_id=workshop.id, now=at(10, 58))
        .admitted
    )
    return ev


def rows(store: Store, name: str, ev: str) -> list[tuple]:
    return report(store, name, ev).rows


def test_attendance(store: Store, fixture_event: str) -> None:
    assert rows(store, "attendance", fixture_event) == [
        ("total", "all tickets", 5, 3, 2),
        ("ticket type", "VIP", 2, 1, 1),
        ("ticket type", "Regular", 3, 2, 1),
        ("arrivals by hour", at(9, 0), None, 2, None),  # times, shown in the event's zone
        ("arrivals by hour", at(10, 0), None, 1, None),
    ]


def test_revenue_net_of_refunds(store: Store, fixture_event: str) -> None:
    assert [r[:6] for r in rows(store, "revenue", fixture_event)] == [
        ("Regular", "card", 5000, 2000, 3000, "EUR"),
        ("Regular", "comp", 5000, 0, 0, "EUR"),  # a free ticket brings in nothing
        ("VIP", "card", 10000, 0, 10000, "EUR"),
        ("VIP", "cash", 10000, 0, 10000, "EUR"),
        ("total", "all", None, None, 23000, "EUR"),
    ]


def test_sales_sessions_waitlists(store: Store, fixture_event: str) -> None:
    assert rows(store, "sales", fixture_event) == [
        ("VIP", "100.00 EUR", 2, 2, 0, 1, 0),
        ("Regular", "50.00 EUR", None, 3, None, 0, 1),
    ]
    assert rows(store, "sessions", fixture_event) == [
        (1, "Workshop", None, 2, 2, 100, 1, "scheduled")
    ]
    [(name, tier, waiting, _since)] = rows(store, "waitlists", fixture_event)
    assert (name, tier, waiting) == ("VIP", 0, 1)


def test_scans(store: Store, fixture_event: str) -> None:
    found = rows(store, "scans", fixture_event)
    assert [r for r in found if r[0] == "by result"] == [
        ("by result", "ok", None, 4),  # the workshop door's scan is the event's too
        ("by result", "already_checked_in", None, 1),
        ("by result", "invalid", None, 1),
    ]
    assert [r for r in found if r[0] == "by station"] == [
        ("by station", "Door 1", 2, 4),
        ("by station", "Door 2", 0, 1),
        ("by station", "Room 2", 0, 1),
    ]
    assert next(r for r in found if r[0] == "per minute") == (
        "per minute",
        at(9, 10),
        0,
        1,
    )


def test_stats_snapshot(store: Store, fixture_event: str) -> None:
    snap = stats(store, fixture_event, now=at(10, 15))
    assert (snap.registered, snap.checked_in, snap.waitlisted, snap.capacity) == (5, 3, 1, 5)
    assert snap.arrivals_last_15_min == 1 and snap.inside == 3
    assert [(t["name"], t["registered"], t["checked_in"]) for t in snap.by_ticket_type] == [
        ("VIP", 2, 1),
        ("Regular", 3, 2),
    ]
    assert (snap.sessions[0]["registered"], snap.sessions[0]["attended"]) == (2, 1)
    assert snap.revenue == [{"currency": "EUR", "net_cents": 23000, "net": "230.00 EUR"}]
    assert snap.scan_problems == {"already_checked_in": 1, "invalid": 1}
    assert [(s["station"], s["scans"], s["admitted"], s["problems"]) for s in snap.stations] == [
        ("Door 1", 4, 2, 2),
        ("Door 2", 1, 1, 0),
        ("Room 2", 1, 1, 0),
    ]
    assert sum(x["count"] for x in snap.arrivals) == 3


def one_page_pipe() -> tuple[int, int] | None:
    """A pipe holding one 4 kB page at most (a process writing more waits until someone reads),
    or None where pipes cannot be made that small."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)
    read_end, write_end = os.pipe()
    if set_size is not None:
        fcntl.fcntl(write_end, set_size, 4096)
        if fcntl.fcntl(write_end, fcntl.F_GETPIPE_SZ) <= 4096:
            return read_end, write_end
    os.close(read_end)
    os.close(write_end)
    return None


@pytest.mark.slow
def test_stats_stay_right_while_four_processes_check_in(
    store: Store, db_url: str, signer: Signer, tmp_path: Path
) -> None:
    probe = one_page_pipe()
    if probe is None:
        pytest.skip("no pipe of one 4 kB page here (Linux's F_SETPIPE_SZ): Door 0 cannot be held")
    for end in probe:
        os.close(end)
    payload_file = make_tickets(store, 800, tmp_path)
    lines = payload_file.read_text().split()
    slug = show_ticket(store, lines[0].split(".")[1]).event
    parts = []
    for n in range(4):  # each door scans its own 200 tickets: every scan admits someone
        part = tmp_path / f"part{n}.txt"
        part.write_text("\n".join(lines[n::4]) + "\n")
        parts.append(part)
    # Door 0 answers into a one-page pipe: its 200 lines (26 bytes or more each) do not fit,
    # so until the test reads them it waits part-way through, and the snapshots taken
    # meanwhile are of a check-in under way, whatever the machine's speed.
    shortest = min(len(json.dumps(["ok", p.split(".")[1], None])) + 1 for p in lines[0::4])
    assert shortest * len(lines[0::4]) > 4096

    def snapshot() -> int:
        snap = stats(store, slug)
        # One snapshot: counts from tickets and from the scan log agree (same transactions).
        assert sum(t["checked_in"] for t in snap.by_ticket_type) == snap.checked_in
        assert sum(s["admitted"] for s in snap.stations) == snap.checked_in
        assert snap.inside == snap.checked_in <= snap.registered == 800
        return snap.checked_in

    seen = [snapshot()]
    assert seen == [0]  # nobody is in before the doors open
    pipe = one_page_pipe()
    assert pipe is not None
    read_end, write_end = pipe
    answers = os.fdopen(read_end)
    held = start_worker(db_url, "Door 0", parts[0], seed=0, stdout=write_end)
    os.close(write_end)
    others = [start_worker(db_url, f"Door {n}", parts[n], seed=n) for n in (1, 2, 3)]
    try:
        deadline = time.monotonic() + 240
        while any(p.poll() is None for p in others):
            assert time.monotonic() < deadline, "doors 1-3 did not finish in 4 minutes"
            seen.append(snapshot())
        for proc in others:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            assert [json.loads(line)[0] for line in out.splitlines()] == ["ready"] + ["ok"] * 200
        seen.append(snapshot())
        assert held.poll() is None  # Door 0 waits on its full pipe...
        assert 600 <= seen[-1] < 800  # ...after some of its 200: doors 1-3's 600 are all in
        reported = 600  # check-ins a door has said are done
        for line in answers:
            result = json.loads(line)[0]
            assert result in ("ready", "ok")
            reported += result == "ok"
            seen.append(snapshot())
            assert reported <= seen[-1]  # whatever a door said it did is counted
        _, err = held.communicate(timeout=120)
        assert held.returncode == 0, err
    finally:  # a door left waiting when something above failed
        answers.close()
        for proc in (held, *others):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert reported == 800
    final = stats(store, slug)
    assert final.checked_in == 800
    assert sorted((s["station"], s["admitted"]) for s in final.stations) == [
        (f"Door {n}", 200) for n in range(4)
    ]
    assert seen == sorted(seen) and seen[-1] == 800  # never goes backwards


def test_report_name_and_event_errors(store: Store) -> None:
    from eventdesk.errors import InvalidInput, NotFound

    with pytest.raises(InvalidInput):
        report(store, "gossip", "x")
    with pytest.raises(NotFound):
        report(store, "sales", "no-such-event")
    event = make_event(store)
    before = utcnow()
    assert before <= stats(store, event).at <= utcnow()  # read now, however slowly


def test_no_shows_list_who_has_not_come(store: Store, fixture_event: str, tmp_path: Path) -> None:
    """A row a registered ticket never checked in (B and G; not C who waits, nor F cancelled),
    sorted by surname, with the e-mail to reach them; on the CLI with its CSV too."""
    made = report(store, "no-shows", fixture_event)
    assert [row[1] for row in made.rows] == ["Person Number1", "Person Number6"]
    assert [row[2] for row in made.rows] == ["person1@example.com", "person6@example.com"]
    assert [row[4] for row in made.rows] == ["VIP", "Regular"]
    assert made.columns == ("ticket_id", "name", "email", "company", "ticket_type", "seat")
    attendance = {r[1]: r[4] for r in rows(store, "attendance", fixture_event)}
    assert attendance["all tickets"] == len(made.rows)  # the count the attendance report gives
