"""Arrival alerts (services.door.alerts), on SQLite and PostgreSQL: an organizer marks a person
or a ticket type as awaited; their admission says why, in its answer and in the scan log's
JSON, and the database keeps an alert until an organizer has seen it. A refusal, an exit, or a
person nobody awaits makes none. The command line sets and takes away the marks."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from eventdesk.db import Store
from eventdesk.errors import InvalidInput, NotFound
from eventdesk.models import ArrivalAlert, ScanLog
from eventdesk.services.door.alerts import (
    event_alerts,
    mark_seen,
    set_attendee_alert,
    set_ticket_type_alert,
    unseen_alerts,
)
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import register
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from tests.clitools import Cli
from tests.helpers import add_type, make_event

SPEAKER = "speaker, take to the green room"


def open_event(store: Store, signer: Signer, tag: str) -> tuple[str, dict[str, str]]:
    """An event running now (re-entry allowed) with Regular and VIP tickets, and four people:
    ada, bo and cy hold Regular tickets, vi a VIP one. Their payloads by name."""
    now = utcnow().replace(microsecond=0)
    slug = make_event(
        store,
        name=f"Alert Day {tag}",
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=6)).isoformat(),
        allow_reentry=True,
    )
    add_type(store, slug, "Regular", price_cents=0)
    add_type(store, slug, "VIP", price_cents=0)
    people = {"ada": "Regular", "bo": "Regular", "cy": "Regular", "vi": "VIP"}
    attendees.add_attendees_bulk(
        store,
        [{"name": f"{key.title()} Alert", "email": f"{key}.{tag}@example.org"} for key in people],
    )
    payloads = {
        key: signer.payload(
            register(store, slug, f"{key}.{tag}@example.org", kind).tickets[0].ticket_id
        )
        for key, kind in people.items()
    }
    return slug, payloads


def logged_answer(store: Store, nonce: str) -> dict[str, object]:
    with store.read() as session:
        answer = session.scalar(select(ScanLog.answer).where(ScanLog.nonce == nonce))
    assert answer is not None
    return dict(json.loads(answer))


def test_an_awaited_persons_admission_says_why_and_is_kept_until_seen(
    store: Store, signer: Signer
) -> None:
    tag = uuid.uuid4().hex[:8]
    slug, payloads = open_event(store, signer, tag)
    marked = set_attendee_alert(store, f"ada.{tag}@example.org", SPEAKER)
    assert marked.alert == SPEAKER
    door = Checkin(store, station="Door 1")
    nonce = uuid.uuid4().hex
    admitted = door.scan(payloads["ada"], nonce=nonce)
    assert admitted.result == "ok" and admitted.alert == SPEAKER
    assert logged_answer(store, nonce)["alert"] == SPEAKER  # the scan log's JSON says it too
    # Someone nobody awaits: no alert, in the answer or kept.
    other = uuid.uuid4().hex
    assert door.scan(payloads["bo"], nonce=other).alert is None
    assert "alert" not in logged_answer(store, other)

    kept = unseen_alerts(store, slug)
    assert [(a.name, a.reason, a.station, a.ticket_type) for a in kept] == [
        ("Ada Alert", SPEAKER, "Door 1", "Regular")
    ]
    # Kept until seen: read again, still there; seen, gone from the unseen but not forgotten.
    assert [a.id for a in unseen_alerts(store, slug)] == [kept[0].id]
    assert mark_seen(store, [kept[0].id]) == 1
    assert unseen_alerts(store, slug) == []
    assert mark_seen(store, [kept[0].id]) == 0  # seen once: its time stays
    [seen] = event_alerts(store, slug)
    assert seen.id == kept[0].id and seen.seen_at is not None
    with pytest.raises(NotFound):
        mark_seen(store, [kept[0].id + 1000])


def test_a_ticket_types_alert_and_the_persons_own(store: Store, signer: Signer) -> None:
    tag = uuid.uuid4().hex[:8]
    slug, payloads = open_event(store, signer, tag)
    vip = set_ticket_type_alert(store, slug, "VIP", "VIP: greet at the door")
    assert vip.alert == "VIP: greet at the door"
    door = Checkin(store, station="Door 2")
    assert door.scan(payloads["vi"]).alert == "VIP: greet at the door"
    # The person's own alert is said before their ticket type's.
    set_ticket_type_alert(store, slug, "Regular", "regular guest")
    set_attendee_alert(store, f"cy.{tag}@example.org", SPEAKER)
    assert door.scan(payloads["cy"]).alert == SPEAKER
    assert door.scan(payloads["bo"]).alert == "regular guest"
    reasons = sorted(a.reason for a in unseen_alerts(store, slug))
    assert reasons == sorted(["VIP: greet at the door", SPEAKER, "regular guest"])


def test_only_an_admission_makes_an_alert(store: Store, signer: Signer) -> None:
    slug, payloads = open_event(store, signer, uuid.uuid4().hex[:8])
    set_ticket_type_alert(store, slug, "VIP", "VIP")
    door = Checkin(store, station="Door 1")
    assert door.scan(payloads["vi"]).result == "ok"
    again = door.scan(payloads["vi"])  # inside already: refused
    assert again.result == "already_checked_in" and again.alert is None
    leaving = door.scan(payloads["vi"], direction="exit")
    assert leaving.result == "ok" and leaving.alert is None
    back = door.scan(payloads["vi"])  # a re-entry is an arrival again
    assert back.result == "ok" and back.alert == "VIP"
    assert len(unseen_alerts(store, slug)) == 2
    # No longer awaited: an admission says nothing, and keeps nothing.
    set_ticket_type_alert(store, slug, "VIP", None)
    door.scan(payloads["vi"], direction="exit")
    assert door.scan(payloads["vi"]).alert is None
    with store.read() as session:
        assert len(session.scalars(select(ArrivalAlert)).all()) == 2


def test_the_command_line_marks_and_unmarks(cli: Cli, store: Store, signer: Signer) -> None:
    tag = uuid.uuid4().hex[:8]
    slug, _payloads = open_event(store, signer, tag)
    email = f"ada.{tag}@example.org"
    made = cli.json("attendee", "update", email, "--alert", SPEAKER)
    assert made["alert"] == SPEAKER
    assert SPEAKER in cli.out("attendee", "update", email)  # kept, and said
    assert cli.json("attendee", "show", email)["alert"] == SPEAKER
    assert cli.json("attendee", "update", email, "--no-alert")["alert"] is None
    typed = cli.json("ticket-type", "update", slug, "VIP", "--alert", "VIP")
    assert typed["alert"] == "VIP" and typed["name"] == "VIP"
    listed = {t["name"]: t["alert"] for t in cli.json("ticket-type", "list", slug)}
    assert listed == {"Regular": None, "VIP": "VIP"}
    assert cli.json("ticket-type", "update", slug, "VIP", "--no-alert")["alert"] is None
    # Bad input: one line, exit 2, nothing changed.
    _out, err = cli.run("attendee", "update", email, "--alert", "x", "--no-alert", code=2)
    assert err.strip().startswith("eventdesk: ") and len(err.strip().splitlines()) == 1
    cli.run("attendee", "update", email, "--alert", "   ", code=2)
    cli.run("attendee", "update", email, "--alert", "x" * 201, code=2)
    cli.run("ticket-type", "update", slug, "VIP", code=2)
    cli.run("ticket-type", "update", slug, "Nobody", "--alert", "x", code=2)
    assert cli.json("attendee", "show", email)["alert"] is None


def test_a_reason_is_checked() -> None:
    from eventdesk.services.door.alerts import alert_option

    assert alert_option(None, False) is None
    assert alert_option(None, True) == ""
    assert alert_option(" VIP ", False) == " VIP "
    with pytest.raises(InvalidInput):
        alert_option("VIP", True)


def test_a_forgotten_person_is_awaited_no_more(store: Store, signer: Signer) -> None:
    from eventdesk.services.people.forget import forget_attendee, personal_data

    tag = uuid.uuid4().hex[:8]
    slug, payloads = open_event(store, signer, tag)
    email = f"ada.{tag}@example.org"
    person = set_attendee_alert(store, email, "on the watch list: Ada")
    assert personal_data(store, person.id)["attendee"]["alert"] == "on the watch list: Ada"
    nonce = uuid.uuid4().hex
    assert Checkin(store, station="Door 1").scan(payloads["ada"], nonce=nonce).alert
    assert len(unseen_alerts(store, slug)) == 1
    made = forget_attendee(store, person.id)
    assert made.erased.get("arrival alerts") == 1
    assert unseen_alerts(store, slug) == [] and event_alerts(store, slug) == []
    assert personal_data(store, person.id)["attendee"]["alert"] is None
    assert "watch list" not in json.dumps(logged_answer(store, nonce))


def test_the_migration_goes_down_and_up_again(db_url: str, store: Store, signer: Signer) -> None:
    from sqlalchemy import create_engine, inspect, text

    from tests.helpers import migrate

    tag = uuid.uuid4().hex[:8]
    slug, payloads = open_event(store, signer, tag)
    store.dispose()
    engine = create_engine(db_url)
    try:
        migrate(engine, "0024", down=True)
        with engine.connect() as conn:
            assert "arrival_alert" not in inspect(conn).get_table_names()
            columns = list(conn.execute(text("SELECT * FROM attendee WHERE 1 = 0")).keys())
            assert "alert" not in columns
        migrate(engine, "head")
    finally:
        engine.dispose()
    again = Store(db_url)
    try:
        set_attendee_alert(again, f"bo.{tag}@example.org", SPEAKER)
        assert Checkin(again, station="Door 1").scan(payloads["bo"]).alert == SPEAKER
        assert [a.reason for a in unseen_alerts(again, slug)] == [SPEAKER]
    finally:
        again.dispose()


def test_a_stations_copy_of_version_10_is_copied_again_in_place(tmp_path: Path) -> None:
    """A station's copy made before the alerts (mirror version 10: no ``alert`` columns) is a
    schema this build knows: copied again where it is, its outbox kept."""
    from sqlalchemy import insert, text, update

    from eventdesk.services.stations.mirror import (
        MIRROR_FILE,
        MIRROR_VERSION,
        OUTBOX,
        STATE,
        Mirror,
    )
    from eventdesk.services.stations.mirror_repair import problem_of

    copy = Mirror(tmp_path, None)
    with copy.store.write_conn() as conn:
        conn.execute(
            insert(OUTBOX),
            {
                "nonce": "n-1",
                "kind": "scan",
                "effect": "admit",
                "at": utcnow(),
                "station": "Door 1",
                "direction": "entry",
                "result": "ok",
                "state": "pending",
            },
        )
        conn.execute(text("ALTER TABLE attendee DROP COLUMN alert"))
        conn.execute(text("ALTER TABLE ticket_type DROP COLUMN alert"))
        conn.execute(update(STATE).where(STATE.c.key == "version").values(value="10"))
    copy.close()
    assert problem_of(tmp_path / MIRROR_FILE, None, None) is None
    again = Mirror(tmp_path, None)
    try:
        with again.store.read() as session:
            conn = session.connection()
            assert again.get(conn, "version") == MIRROR_VERSION
            for table in ("attendee", "ticket_type"):
                columns = {row[1] for row in conn.execute(text(f"PRAGMA table_info({table})"))}
                assert "alert" in columns
            assert list(conn.execute(select(OUTBOX.c.nonce)).scalars()) == ["n-1"]
    finally:
        again.close()
