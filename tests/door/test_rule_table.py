"""One table of rules (services/door/rules.py, and a list's own in list_door.py), proven on
every engine: every row of the table, and the situations around them (paid, money due, already
in, re-entry, a session door, a list's own rule, a question, a badge station), decided on SQLite,
on PostgreSQL as the organizer, as a door's own login and as a desk's own login, and offline from
a station's copy, each giving the row's result and the same data, with a required registration
question left unanswered by everyone (it is asked at registration, never at the door). And the
server's own refusal (``station_api._refusal``, which a station's login cannot get past) checks
the rows it checks, with the same conditions, in the table's order, and no registration
question."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.engine import make_url

from eventdesk.config import load_config
from eventdesk.db import Store
from eventdesk.models import Event, ImportRun, Ticket
from eventdesk.services.catalogue import events, program
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.list_changes import ListChange, create_list, delete_list
from eventdesk.services.door.list_door import LIST_RULES
from eventdesk.services.door.rules import RULES, Rule
from eventdesk.services.door.scan_result import Said, ScanResult
from eventdesk.services.people import auth, payments
from eventdesk.services.people.cancellation import cancel
from eventdesk.services.people.questions import add_question
from eventdesk.services.people.registration import register
from eventdesk.services.stations.offline import Station
from eventdesk.services.stations.station_door import StationDoor
from eventdesk.station_api import API
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from testkit.proxy import TcpProxy
from tests.conftest import PG_ENV, PG_SKIP
from tests.helpers import add_type, make_event, station_logins

ENGINES = ("sqlite", "organizer", "door", "desk", "offline")
PASSWORD = "pw-rule-table"
SETUP = "Setup"  # the station that admits before a case (already in, re-entry)
BADGES = {"print_only": True, "print_to": "badges"}  # a badge station's door


@pytest.fixture
def backend_fixed() -> None:
    """The database is chosen here (see conftest.pytest_generate_tests)."""


@dataclass(frozen=True)
class Case:
    """One situation at the door: what is scanned, at which door and when, and what the
    table answers: its row (None: admitted, or a row that hands the scan on) and result."""

    name: str
    rule: str | None
    result: str
    line: str  # a QR payload
    door: dict[str, Any] = field(default_factory=dict)  # event, checkin_list, self_service
    session_id: int | None = None
    direction: str = "entry"
    answers: dict[str, str] | None = None
    # The data the answer must carry besides (the same on every engine).
    data: dict[str, Any] = field(default_factory=dict)


def _person(store: Store, tag: str, n: list[int]) -> str:
    from eventdesk.services.people.attendees import add_attendee

    n[0] += 1
    return add_attendee(store, name=f"Rule Person {n[0]}", email=f"r{n[0]}.{tag}@example.org").email


def build_cases(store: Store, signer: Signer) -> tuple[list[Case], Callable[[], None]]:
    """Every row's situation and those around them, on events running now; and what is done
    once the doors are made (their list deleted)."""
    tag = uuid.uuid4().hex[:8]
    now = utcnow().replace(microsecond=0)
    count = [0]

    def running(
        name: str, at: datetime | None = None, hours: int = 9, zone: str = "UTC", **kwargs: Any
    ) -> str:
        """An event of ``hours`` that started an hour before ``at`` (default: now)."""
        start = (at or now) - timedelta(hours=1)
        slug = make_event(
            store,
            name=f"{name} {tag}",
            starts=start.isoformat(),
            ends=(start + timedelta(hours=hours)).isoformat(),
            timezone=zone,
            **kwargs,
        )
        add_type(store, slug, "Regular", price_cents=0)
        add_type(store, slug, "Paid", price_cents=2500)
        add_type(store, slug, "Checked", price_cents=0, needs_staff=True)
        return slug

    def ticket(slug: str, kind: str = "Regular", **kwargs: Any) -> tuple[str, str]:
        made = register(store, slug, _person(store, tag, count), kind, **kwargs).tickets[0]
        return made.ticket_id, signer.payload(made.ticket_id)

    main = running("Main", allow_reentry=True)
    other = running("Other")
    admits = running("Admits", unpaid_policy="admit")
    gone = running("Gone")
    full = running("Full", capacity=1)
    soon = running("Soon", at=now + timedelta(days=3))
    over = running("Over", at=now - timedelta(hours=8 + 1 + 7))
    # The festival's days run from 05:00 to 05:00 in its zone: a zone where now is about noon
    # keeps the whole run in its first day, whatever the hour (in UTC, between 05:00 and 06:00 an
    # hour before now was in the day before, and now in its second day: its list was open).
    fest = running("Fest", hours=60, zone=f"Etc/GMT{now.hour - 12:+d}")
    talk = program.add_session(
        store,
        main,
        name="Talk",
        starts=now.isoformat(),
        ends=(now + timedelta(hours=1)).isoformat(),
    )
    elsewhere = program.add_session(
        store,
        other,
        name="Elsewhere",
        starts=now.isoformat(),
        ends=(now + timedelta(hours=1)).isoformat(),
    )
    create_list(store, main, ListChange(name="Lounge", ticket_types=["Paid"]))
    create_list(
        store, main, ListChange(name="Bar", questions=["age:yesno:Over 18 (ID seen)?:required"])
    )
    create_list(store, main, ListChange(name="Closing"))
    create_list(store, main, ListChange(name="Talk door", sessions=["Talk"]))
    create_list(store, main, ListChange(name="Expo", ticket_types=["Regular", "Paid", "Checked"]))
    later = [f"{(now + timedelta(hours=3)):%H:%M}-{(now + timedelta(hours=4)):%H:%M}"]
    create_list(store, main, ListChange(name="Night", hours=later))
    create_list(store, fest, ListChange(name="Day two", days="2"))
    create_list(store, soon, ListChange(name="Early", ticket_types=["Regular"]))
    create_list(store, over, ListChange(name="Late", ticket_types=["Regular"]))
    at_main = {"event": main}
    setup = Checkin(store, station=SETUP)

    cases: list[Case] = []
    add = cases.append

    _id, line = ticket(gone)
    events.cancel_event(store, gone)
    add(Case("event cancelled", "event_cancelled", "revoked", line))

    held, line = ticket(main)
    cancel(store, held)
    add(Case("ticket cancelled", "ticket_cancelled", "revoked", line, at_main))

    refunded, line = ticket(main, "Paid")
    payments.pay(store, refunded, method="cash")
    payments.refund(store, refunded)
    with store.write() as session:  # left registered by an older version's refund
        session.execute(
            update(Ticket)
            .where(Ticket.id == refunded)
            .values(status="registered", cancelled_at=None)
        )
    add(Case("refunded, left registered", "refunded", "revoked", line, at_main))

    ticket(full)
    _id, line = ticket(full)
    add(Case("waitlisted", "waitlisted", "waitlisted", line))

    staged, line = ticket(main)
    with store.write() as session:  # an import still writing its rows (it is alive)
        run = ImportRun(
            event_id=session.execute(select(Event.id).where(Event.slug == main)).scalar_one(),
            state="staging",
            source="people.csv",
            rows=1,
            station=SETUP,
            started_at=now,
            heartbeat_at=now,
        )
        session.add(run)
        session.flush()
        session.execute(update(Ticket).where(Ticket.id == staged).values(import_run_id=run.id))
    add(Case("still importing", "importing", "not_yet_valid", line, at_main))

    # What a shop says of its ticket (pretix: blocked, or its order awaiting approval).
    for hold, rule, result in (
        ("blocked", "shop_blocked", "revoked"),
        ("approval", "awaiting_approval", "not_yet_valid"),
    ):
        held, line = ticket(main)
        with store.write() as session:
            session.execute(update(Ticket).where(Ticket.id == held).values(shop_hold=hold))
        add(Case(f"held by the shop ({hold})", rule, result, line, at_main))

    _id, line = ticket(other)
    add(Case("another event's ticket", "other_event", "wrong_event", line, at_main))

    _id, line = ticket(main)
    # (its answer names the rule "list", as it always has: scripts read it)
    add(Case("a deleted list", "list", "closed", line, {**at_main, "checkin_list": "closing"}))

    _id, line = ticket(main)
    add(
        Case(
            "a list's own rule",
            "ticket_types",
            "wrong_type",
            line,
            {**at_main, "checkin_list": "lounge"},
            data={"list": "lounge", "would_pass": "Paid only."},
        )
    )

    def on_list(
        name: str, rule: str, result: str, slug: str, kind: str = "Regular", **more: Any
    ) -> None:
        _id, line = ticket(slug, kind)
        door = {"event": slug, "checkin_list": more.pop("checkin_list")}
        door.update(more.pop("door", {}))
        add(Case(name, rule, result, line, door, **more))

    on_list("a list for a session", "sessions", "wrong_session", main, checkin_list="talk-door")
    on_list("a list's day", "days", "closed", fest, checkin_list="day-two")
    on_list("a list's hours", "hours", "closed", main, checkin_list="night")
    on_list("a list too early", "event_hours", "not_yet_valid", soon, checkin_list="early")
    on_list("a list too late", "event_hours", "expired", over, checkin_list="late")
    on_list(
        "unpaid on a list",
        "unpaid",
        "unpaid",
        main,
        "Paid",
        checkin_list="expo",
        data={"due": 2500, "see_desk": True},
    )
    on_list(
        "an ID check on a list",
        "needs_staff",
        "needs_staff",
        main,
        "Checked",
        checkin_list="expo",
        door={"self_service": True},
    )
    on_list(
        "an answer the list cannot read",
        "questions",
        "needs_answer",
        main,
        checkin_list="bar",
        answers={"age": "perhaps"},
    )
    on_list(
        "leaving a list, never on it",
        None,
        "not_checked_in",
        main,
        checkin_list="bar",
        direction="exit",
    )

    _id, line = ticket(main)
    add(
        Case(
            "a question first",
            "questions",
            "needs_answer",
            line,
            {**at_main, "checkin_list": "bar"},
            data={"list": "bar", "see_desk": True, "asks": ("age",)},
        )
    )

    _id, line = ticket(main, sessions=[talk.id])
    add(
        Case(
            "another event's session",
            "session_of_another_event",
            "wrong_event",
            line,
            session_id=elsewhere.id,
        )
    )

    _id, line = ticket(main)
    add(Case("not in the session", "not_in_session", "wrong_session", line, session_id=talk.id))

    _id, line = ticket(main, sessions=[talk.id])
    add(Case("in the session", None, "ok", line, session_id=talk.id))

    _id, line = ticket(main)
    add(Case("leaving, never in", None, "not_checked_in", line, at_main, direction="exit"))

    # The door's window, by the event's times (a station's own login decides at the server's
    # "now"): it opens a day before the start and closes six hours after the end.
    _id, line = ticket(soon)
    add(Case("too early", "too_early", "not_yet_valid", line, {"event": soon}))

    _id, line = ticket(over)
    add(Case("too late", "too_late", "expired", line, {"event": over}))

    # A shop's ticket valid only between times of its own, at the event's door and on a list.
    for name, values, rule, result in (
        (
            "valid from",
            {"valid_from": now + timedelta(hours=2)},
            "ticket_not_yet_valid",
            "not_yet_valid",
        ),
        ("valid until", {"valid_until": now - timedelta(hours=2)}, "ticket_expired", "expired"),
    ):
        for door in (at_main, {**at_main, "checkin_list": "expo"}):
            timed, line = ticket(main)
            with store.write() as session:
                session.execute(update(Ticket).where(Ticket.id == timed).values(**values))
            add(Case(f"a ticket {name} ({door})", rule, result, line, door))

    _id, line = ticket(main, "Paid")
    add(
        Case(
            "unpaid",
            "unpaid",
            "unpaid",
            line,
            at_main,
            data={"due": 2500, "currency": "EUR", "see_desk": True},
        )
    )

    _id, line = ticket(main, "Checked")
    add(
        Case(
            "an ID check at a kiosk",
            "needs_staff",
            "needs_staff",
            line,
            {**at_main, "self_service": True},
            data={"see_desk": True},
        )
    )

    paid, line = ticket(main, "Paid")
    payments.pay(store, paid, method="card")
    add(Case("paid", None, "ok", line, at_main, data={"due": 0, "reentry": False}))

    _id, line = ticket(admits, "Paid")
    add(
        Case(
            "let in owing",
            None,
            "ok",
            line,
            {"event": admits},
            data={"due": 2500, "see_desk": True},
        )
    )

    inside, line = ticket(main)
    setup.checkin_ticket(inside)
    add(
        Case(
            "already in",
            None,
            "already_checked_in",
            line,
            at_main,
            data={"first_station": SETUP},
        )
    )

    # Let in owing money by a supervisor's override: scanned again, inside, not "unpaid".
    owing, line = ticket(main, "Paid")
    auth.add_staff(store, name="Rule Supervisor", role="organizer", pin="7391")
    admitted = setup.override(owing, supervisor="Rule Supervisor", pin="7391", reason="pays later")
    assert admitted.admitted, admitted
    add(
        Case(
            "let in owing by an override",
            None,
            "already_checked_in",
            line,
            at_main,
            data={"first_station": SETUP},
        )
    )

    back, line = ticket(main)
    setup.checkin_ticket(back)
    setup.checkin_ticket(back, direction="exit")
    add(Case("back in", None, "ok", line, at_main, data={"reentry": True, "first_station": SETUP}))

    # A badge station (services.door.badge_only) prints for a valid ticket, for someone inside.
    for name, door in (
        ("a badge", {**at_main, **BADGES}),
        ("a badge at a kiosk", {**at_main, **BADGES, "self_service": True}),
    ):
        _id, line = ticket(main)
        add(Case(name, None, "printed", line, door, data={"badge_queued": True, "asks": ()}))
    inside, line = ticket(main)
    setup.checkin_ticket(inside)
    add(Case("a badge for someone inside", None, "printed", line, {**at_main, **BADGES}))
    _id, line = ticket(main)
    add(
        Case(
            "a list's question, a registration question unanswered",
            "questions",
            "needs_answer",
            line,
            {**at_main, "checkin_list": "bar"},
            data={"asks": ("age",), "questions": (("age", "yesno", "Over 18 (ID seen)?", ""),)},
        )
    )
    # A required registration question added once they had all registered: asked when a person
    # registers, never at the door by itself (issue 60): every case above is decided as without
    # it (an entry, a list's own question, a badge), on every engine.
    add_question(store, main, key="shirt", text="T-shirt size", kind="text", required=True)
    add_question(
        store, main, key="name_tag", text="Pronouns", kind="text", required=True, per="holder"
    )

    return cases, lambda: delete_list(store, f"{main}/closing")


def _url_as(db_url: str, login: str | None, port: int | None = None) -> str:
    url = make_url(db_url)
    if login is not None:
        url = url.set(username=login, password=PASSWORD)
    if port is not None:
        url = url.set(host="127.0.0.1", port=port)
    return url.render_as_string(hide_password=False)


@pytest.fixture
def logins(db_url: str) -> Iterator[dict[str, str]]:
    """A door's and a desk's own login on the test's database, dropped after it."""
    owner = Store(db_url)
    try:
        with station_logins(db_url, owner, "rules", PASSWORD) as names:
            yield names
    finally:
        owner.dispose()


def _decide(door: Any, case: Case) -> ScanResult:
    result: ScanResult = door.scan(
        case.line, session_id=case.session_id, direction=case.direction, answers=case.answers
    )
    return result


def _checked(case: Case, said: ScanResult, engine: str) -> None:
    where = f"{engine}: {case.name}"
    assert (said.result, said.rule) == (case.result, case.rule), (where, said)
    for name, value in case.data.items():
        got = getattr(said, name)
        shown = got.words() if isinstance(got, Said) else got  # what a door tells, in words
        assert shown == value, (where, name, said)


def _doors(make: Callable[[dict[str, Any]], Any], cases: list[Case]) -> list[tuple[Case, Any]]:
    """Each case with its door (one door for the cases that share one), made now."""
    made: dict[str, Any] = {}
    for case in cases:
        key = repr(sorted(case.door.items()))
        if key not in made:
            made[key] = make(case.door)
    return [(case, made[repr(sorted(case.door.items()))]) for case in cases]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_row_on_sqlite(
    db_url: str, backend_fixed: None, store: Store, signer: Signer
) -> None:
    cases, then = build_cases(store, signer)
    doors = _doors(lambda door: Checkin(store, station="Door 1", **door), cases)
    then()
    for case, door in doors:
        _checked(case, _decide(door, case), "sqlite")
    rows = {"list" if r.name == "list_deleted" else r.name for r in RULES if r.result is not None}
    assert {c.rule for c in cases} >= rows  # every row of the table has its case
    assert {c.rule for c in cases} >= {r.name for r in LIST_RULES if r.result is not None}


@pytest.mark.skipif(not os.environ.get(PG_ENV), reason=PG_SKIP)
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("engine", ["organizer", "door", "desk"])
def test_every_row_on_postgresql_as_each_login(
    db_url: str,
    backend_fixed: None,
    store: Store,
    signer: Signer,
    logins: dict[str, str],
    engine: str,
) -> None:
    cases, then = build_cases(store, signer)
    own = Store(_url_as(db_url, logins.get(engine)))
    station = {"organizer": "Office", "door": "Door 1", "desk": "Desk 1"}[engine]
    try:
        assert (own.station_login() is None) == (engine == "organizer")
        doors = _doors(lambda door: Checkin(own, station=station, **door), cases)
        then()
        for case, door in doors:
            _checked(case, _decide(door, case), engine)
    finally:
        own.dispose()


@pytest.mark.skipif(not os.environ.get(PG_ENV), reason=PG_SKIP)
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_every_row_offline_on_a_stations_copy(
    db_url: str,
    backend_fixed: None,
    store: Store,
    signer: Signer,
    logins: dict[str, str],
    tmp_path: Path,
) -> None:
    cases, then = build_cases(store, signer)
    url = make_url(db_url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        data = tmp_path / "station"
        data.mkdir()
        config = load_config(
            data_dir=data,
            database_url=_url_as(db_url, logins["door"], proxy.port),
            station="Door 1",
        )
        own = Store.from_config(config)
        station = Station(config, own)
        try:
            assert station.sync_round().online
            doors = _doors(lambda door: StationDoor(station, **door), cases)
            then()
            assert station.sync_round().online
            proxy.cut()
            for case, door in doors:
                if case.rule == "list":
                    # A door made from the copy when the server went away, after its list was
                    # deleted, cannot be made (a NotFound its staff read): not this row's case.
                    continue
                said = _decide(door, case)
                assert said.offline, (case.name, said)
                _checked(case, said, "offline")
        finally:
            station.close()
            own.dispose()


# --- the server's own refusal -----------------------------------------------------------------
def _words(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip()


def rows_out_of_order(source: str, table: Sequence[Rule[Any]] = RULES) -> list[str]:
    """The table's rows the server's function ``source`` does not check as the table says: each
    row's condition, after the row before it, followed by a RETURN of the row's result."""
    body, at, wrong = _words(source), 0, []
    for rule in table:
        if rule.server is None:
            continue
        found = body.find(_words(rule.server), at)
        answer = re.compile(r"RETURN '(\w+)'").search(body, found) if found >= 0 else None
        if found < 0 or answer is None or answer[1] != rule.result:
            wrong.append(rule.name)
            continue
        at = found
    return wrong


def _server_source(db_url: str, function: str) -> str:
    """The body of one of the server's station functions, as the server keeps it."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            found: str = conn.execute(
                text(
                    "SELECT p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                    " WHERE n.nspname = :api AND p.proname = :name"
                ),
                {"api": API, "name": function},
            ).scalar_one()
    finally:
        engine.dispose()
    return found


@pytest.mark.skipif(not os.environ.get(PG_ENV), reason=PG_SKIP)
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_the_servers_refusal_checks_the_rows_in_the_tables_order(
    db_url: str, backend_fixed: None
) -> None:
    source, on_lists = _server_source(db_url, "_refusal"), _server_source(db_url, "_list_refusal")
    assert rows_out_of_order(source) == []
    assert rows_out_of_order(on_lists, LIST_RULES) == []
    # A registration question never refuses at the door: the server's refusals read none.
    for body in (source, on_lists):
        assert not re.search(r"registration_question|question_answer", body)
    # The check can fail: two rows swapped, or a condition the server does not have.
    swapped = source.replace("p_at < opens", "@@").replace("p_at > closes", "p_at < opens")
    assert rows_out_of_order(swapped.replace("@@", "p_at > closes")) != []
    assert rows_out_of_order(source.replace("t.status = 'waitlisted'", "true")) == ["waitlisted"]
    unpaid_first = on_lists.replace("l.ticket_types IS NOT NULL AND NOT EXISTS", "@@", 1)
    unpaid_first = unpaid_first.replace(
        "COALESCE(l.unpaid, e.unpaid_policy) <> 'admit' AND t.price_cents > 0",
        "l.ticket_types IS NOT NULL AND NOT EXISTS",
    )
    assert "ticket_types" in rows_out_of_order(unpaid_first, LIST_RULES)
