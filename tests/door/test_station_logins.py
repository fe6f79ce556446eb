"""Stations the server need not trust (docs/operators-guide.md, "Roles for many stations"): the
organizer's role and database made as the guide says, the stations' logins made by `eventdesk
roles`, and real `eventdesk` processes working as a door's and a desk's login. Then every
statement such a login could send on its own is tried (reads of what it may not see, writes to
every table and view, the server's functions with hostile arguments), and a door's copy is
hand-edited before it uploads: the server refuses what a station could not have decided
honestly, changes nothing it should not, and frees what a station that vanished mid-transaction
held."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, insert, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError

from eventdesk.services.door.scan_result import new_nonce
from eventdesk.services.stations.mirror_schema import OUTBOX
from eventdesk.values import utcnow
from testkit.proxy import TcpProxy
from testkit.standby import guide_sql
from tests import forks
from tests.conftest import PG_ENV, PG_SKIP, _database_name
from tests.forks import EVENTDESK
from tests.offline_tools import copy_of

pytestmark = pytest.mark.slow  # a door's and a desk's own PostgreSQL logins, and psql attacks

ORGANIZER, DATABASE = "eventdesk_organizer", "eventdesk"
PASSWORD = "pw-for-tests"
REFUSED = "this station's database role may not do that"
# What the server says to a statement a login may not send (a table it cannot see at all is
# not there for it).
REFUSALS = ("permission denied", "cannot", "is not a table", "does not exist")


def run_cli(
    url: str,
    data_dir: Path,
    *args: str,
    code: int | tuple[int, ...] = 0,
    station: str = "Door 1",
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    done = forks.run(
        [EVENTDESK, "--db", url, "--data-dir", str(data_dir), "--station", station, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "EVENTDESK_DATABASE_URL": "", "EVENTDESK_OFFLINE_AFTER": "30"},
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    wanted = code if isinstance(code, tuple) else (code,)
    assert done.returncode in wanted, (args, done.returncode, done.stdout, done.stderr)
    return done


@dataclass
class Site:
    """One database with the operator's guide's organizer and two station logins."""

    owner: Engine
    organizer_url: str
    door_url: str
    desk_url: str
    door_login: str
    desk_login: str
    base: URL
    event: str
    organizer_dir: Path
    pins: dict[str, str]

    def value(self, sql: str, **params: Any) -> Any:
        with self.owner.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table, as the owner sees it."""
        with self.owner.connect() as conn:
            tables = conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            ).scalars()
            return {
                name: sorted(
                    (tuple(row) for row in conn.execute(text(f'SELECT * FROM "{name}"'))), key=repr
                )
                for name in list(tables)
            }

    def engine_as(self, login: str) -> Engine:
        url = self.base.set(username=login, password=PASSWORD, database=self.base.database)
        return create_engine(url, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    base_url = os.environ.get(PG_ENV)
    if not base_url:
        pytest.skip(PG_SKIP)
    base = make_url(base_url)
    database = f"{_database_name()}_logins"
    tail = database.removeprefix("eventdesk_test_")
    organizer = f"org_{tail}"
    door_login, desk_login = f"door_{tail}", f"desk_{tail}"
    names = {ORGANIZER: organizer, DATABASE: database}
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    owner = create_engine(base.set(database=database))
    try:
        with admin.connect() as conn:
            for statement in guide_sql():
                made = re.sub(
                    r"\b(eventdesk_organizer|eventdesk)\b", lambda m: names[m.group(0)], statement
                )
                conn.exec_driver_sql(made.replace("change-me", PASSWORD))
        organizer_url = base.set(
            username=organizer, password=PASSWORD, database=database
        ).render_as_string(hide_password=False)
        organizer_dir = tmp_path_factory.mktemp("organizer")
        at_office = {"station": "Office"}
        run_cli(organizer_url, organizer_dir, "init", **at_office)  # type: ignore[arg-type]
        made = json.loads(
            run_cli(
                organizer_url,
                organizer_dir,
                "--json",
                "demo",
                "--no-ui",
                "--attendees",
                "24",
                **at_office,  # type: ignore[arg-type]
            ).stdout
        )
        for login, kind, station in (
            (door_login, "door", "Door 1"),
            (desk_login, "desk", "Desk 1"),
        ):
            run_cli(
                organizer_url,
                organizer_dir,
                "roles",
                "add",
                login,
                "--kind",
                kind,
                "--station",
                station,
                "--password",
                PASSWORD,
                station="Office",
            )

        def url_of(login: str) -> str:
            return base.set(username=login, password=PASSWORD, database=database).render_as_string(
                hide_password=False
            )

        yield Site(
            owner,
            organizer_url,
            url_of(door_login),
            url_of(desk_login),
            door_login,
            desk_login,
            base.set(database=database),
            made["event"],
            organizer_dir,
            {s["name"]: s["pin"] for s in made["staff"]},
        )
    finally:
        owner.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            for role in (
                door_login,
                desk_login,
                f"{database[:57]}_door",
                f"{database[:57]}_desk",
                organizer,
            ):
                conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


ADMISSIBLE = """
SELECT t.id FROM ticket t JOIN ticket_type tt ON tt.id = t.ticket_type_id
WHERE t.status = 'registered' AND t.checked_in_at IS NULL AND NOT tt.needs_staff
AND t.event_id = (SELECT id FROM event WHERE slug = :event)
AND t.id NOT IN (SELECT ticket_id FROM scan_log WHERE ticket_id IS NOT NULL)
AND t.price_cents <= (SELECT COALESCE(SUM(CASE WHEN p.kind = 'payment' THEN p.amount_cents
  ELSE -p.amount_cents END), 0) FROM payment p WHERE p.ticket_id = t.id AND p.status = 'completed')
ORDER BY t.id LIMIT 1 OFFSET :skip
"""


def admissible(site: Site, skip: int = 0) -> str:
    found = site.value(ADMISSIBLE, skip=skip, event=site.event)  # the site's event's only
    assert found is not None
    return str(found)


def payload_of(site: Site, ticket: str) -> str:
    """The ticket's QR payload, as the organizer prints it (what a door scans)."""
    shown = run_cli(
        site.organizer_url,
        site.organizer_dir,
        "ticket",
        "show",
        ticket,
        "--payload",
        station="Office",
    )
    return shown.stdout.strip()


# --- what a door and a desk do ------------------------------------------------------------
def test_a_door_login_checks_in_undoes_its_own_and_syncs(site: Site, tmp_path: Path) -> None:
    door, url = tmp_path / "door", site.door_url
    ticket = admissible(site)
    # By id is a desk's: a door's login is refused, and nothing changes.
    by_id = run_cli(url, door, "checkin", "--ticket", ticket, code=1)
    assert "A door admits by a ticket's QR code, not by its id" in by_id.stderr
    assert site.value("SELECT checked_in_at FROM ticket WHERE id = :t", t=ticket) is None
    admitted = json.loads(run_cli(url, door, "--json", "checkin", payload_of(site, ticket)).stdout)
    assert (admitted["result"], admitted["offline"]) == ("ok", False)
    assert site.value("SELECT checked_in_station FROM ticket WHERE id = :t", t=ticket) == "Door 1"
    run_cli(url, door, "checkin", "undo", ticket)
    assert site.value("SELECT checked_in_at FROM ticket WHERE id = :t", t=ticket) is None
    assert ticket in run_cli(url, door, "scan-log", site.event).stdout
    run_cli(url, door, "stats", site.event)

    # Another station's check-in is that station's (or an organizer's) to undo.
    run_cli(site.organizer_url, site.organizer_dir, "checkin", "--ticket", ticket, station="Office")
    refused = run_cli(url, door, "checkin", "undo", ticket, code=1)
    assert "was checked in at Office: only that station" in refused.stderr
    assert site.value("SELECT checked_in_station FROM ticket WHERE id = :t", t=ticket) == "Office"

    # A login is its own station's: another name is refused.
    other = admissible(site)
    wrong = run_cli(
        url, tmp_path / "d9", "checkin", payload_of(site, other), station="Door 9", code=1
    )
    assert "this login is station Door 1's, not Door 9's" in wrong.stderr
    assert site.value("SELECT checked_in_at FROM ticket WHERE id = :t", t=other) is None

    # Offline and back: an offline admission of a ticket the organizer admitted meanwhile is
    # a conflict, recorded by the server's function.
    copied = json.loads(run_cli(url, door, "--json", "sync").stdout)
    assert copied["online"] and copied["downloaded"] > 0
    away = make_url(url).set(port=1).render_as_string(hide_password=False)  # nothing listens
    offline = json.loads(run_cli(away, door, "--json", "checkin", payload_of(site, other)).stdout)
    assert (offline["result"], offline["offline"]) == ("ok", True)
    run_cli(site.organizer_url, site.organizer_dir, "checkin", "--ticket", other, station="Office")
    synced = json.loads(run_cli(url, door, "--json", "sync").stdout)
    assert (synced["uploaded"], synced["conflicts"], synced["refused"]) == (1, 1, 0)
    assert site.value("SELECT other_station FROM scan_conflict WHERE ticket_id = :t", t=other) == (
        "Office"
    )


def test_a_desk_login_takes_walk_ins_and_payments_but_not_the_organizers_work(
    site: Site, tmp_path: Path
) -> None:
    desk, url = tmp_path / "desk", site.desk_url
    email = "walk.in@example.org"
    at_desk = {"station": "Desk 1"}
    run_cli(
        url,
        desk,
        "attendee",
        "add",
        "--name",
        "Walk In",
        "--email",
        email,
        "--pin",
        "4321",
        **at_desk,
    )  # type: ignore[arg-type]
    ticket_type = site.value(
        "SELECT tt.name FROM ticket_type tt JOIN event e ON e.id = tt.event_id "
        "WHERE e.slug = :e AND tt.price_cents > 0 AND NOT tt.needs_staff "
        "ORDER BY tt.priority_tier, tt.id LIMIT 1",
        e=site.event,
    )
    run_cli(
        url,
        desk,
        "register",
        site.event,
        "--attendee",
        email,
        "--ticket-type",
        ticket_type,
        **at_desk,
    )  # type: ignore[arg-type]
    ticket = site.value(
        "SELECT t.id FROM ticket t JOIN attendee a ON a.id = t.attendee_id WHERE a.email = :m",
        m=email,
    )
    run_cli(url, desk, "pay", ticket, "--method", "cash", **at_desk)  # type: ignore[arg-type]
    assert site.value("SELECT count(*) FROM payment WHERE ticket_id = :t", t=ticket) == 1
    found = json.loads(run_cli(url, desk, "--json", "attendee", "find", "walk", **at_desk).stdout)  # type: ignore[arg-type]
    assert found[0]["email"] == email
    assert site.value("SELECT pin_hash FROM attendee WHERE email = :m", m=email).startswith(
        "$argon2"
    )
    # The kiosk's lookup by e-mail and PIN works through the server's check.
    run_cli(site.door_url, tmp_path / "kiosk", "attendee", "login", email, "--pin", "4321")
    run_cli(url, desk, "cancel", ticket, **at_desk)  # type: ignore[arg-type]
    assert site.value("SELECT status FROM ticket WHERE id = :t", t=ticket) == "cancelled"
    # A sheet stock the organizer added is there for the desk (its view of badge_stock).
    stock = tmp_path / "cards.toml"
    stock.write_text('name="cards"\npage="A4"\nlabel_mm=[90,55]\ncolumns=2\nrows=5\n', "utf-8")
    run_cli(site.organizer_url, site.organizer_dir, "badge", "stocks", "add", str(stock))
    listed = json.loads(run_cli(url, desk, "--json", "badge", "stocks", **at_desk).stdout)  # type: ignore[arg-type]
    assert {"cards", "avery-l7418"} <= {s["name"] for s in listed}


# --- what a login could send on its own ------------------------------------------------------
def refused_on(engine: Engine, statement: str, **params: Any) -> str:
    """Run ``statement``; it must be refused: the server's words."""
    with engine.connect() as conn:
        try:
            conn.execute(text(statement), params)
        except DBAPIError as exc:
            return str(exc.orig)
    raise AssertionError(f"not refused: {statement}")


def test_every_statement_a_door_login_could_send_is_refused(site: Site) -> None:
    door = site.engine_as(site.door_login)
    try:
        unchanged = site.snapshot()
        tables = list(unchanged)
        ticket = admissible(site)
        checked = site.value(
            "SELECT id FROM ticket WHERE checked_in_at IS NOT NULL "
            "AND checked_in_station <> 'Door 1' LIMIT 1"
        )
        for table in tables:
            said = refused_on(door, f'SELECT * FROM public."{table}"')
            assert "permission denied" in said, (table, said)
            for statement in (
                f'DELETE FROM "{table}"',
                f'TRUNCATE "{table}" CASCADE',
                f'UPDATE "{table}" SET {first_column(site, table)} = {first_column(site, table)}',
            ):
                said = refused_on(door, statement)
                assert any(w in said for w in REFUSALS), (
                    statement,
                    said,
                )
        # What the door's views show of what it may not read.
        with door.connect() as conn:
            assert (
                conn.execute(text("SELECT count(email) + count(phone) FROM attendee")).scalar() == 0
            )
            assert set(conn.execute(text("SELECT DISTINCT pin_hash FROM attendee")).scalars()) <= {
                None,
                "set",
            }
            organizer_hash = (
                conn.execute(text("SELECT pin_hash FROM staff WHERE role = 'organizer'"))
                .scalars()
                .all()
            )
            assert organizer_hash and set(organizer_hash) == {None}
            assert (
                conn.execute(text("SELECT count(method) + count(reference) FROM payment")).scalar()
                == 0
            )
            assert conn.execute(text("SELECT count(detail) FROM transaction_log")).scalar() == 0
        # Writes a door's old grants allowed: now refused.
        for statement in (
            "UPDATE staff SET locked_until = now() + interval '73 years'",
            "UPDATE staff SET failed_pin_attempts = 5",
            f"UPDATE ticket SET checked_in_at = now(), checked_in_station = 'Door 1' "
            f"WHERE id = '{ticket}'",
            f"UPDATE ticket SET checked_in_at = NULL WHERE id = '{checked}'",
            "INSERT INTO transaction_log (at, kind) VALUES (now(), 'forged')",
            "INSERT INTO scan_conflict (nonce, reason, station, at, recorded_at) "
            "VALUES ('x', 'forged', 'Door 1', now(), now())",
            "INSERT INTO scan_log (at, station, direction, result) "
            "VALUES (now(), 'Door 9', 'entry', 'ok')",
            "INSERT INTO session_checkin (ticket_id, session_id, checked_in_at, station) "
            f"SELECT '{ticket}', id, now(), 'Door 1' FROM event_session LIMIT 1",
            "INSERT INTO kiosk_unlock (station, failed_pin_attempts, lockouts) VALUES ('K', 0, 0)",
            "INSERT INTO sync_receipt (nonce, station, at, recorded_at) "
            "VALUES ('x', 'Door 1', now(), now())",
            "INSERT INTO signing_key (id, public_key, created_at) VALUES ('X', 'x', now())",
        ):
            said = refused_on(door, statement)
            assert "permission denied" in said or "cannot" in said, (statement, said)
        # The server's functions with what an honest door would never send.
        hostile = [
            ("SELECT station_api.admit('Door 1', :t, now(), 'FORGED', false, false)", "not ticket"),
            (
                "SELECT station_api.admit('Door 9', :t, now(), 'ticket:' || :t, false, false)",
                "this login is station Door 1's",
            ),
            (
                "SELECT station_api.admit('Door 1', :t, now() + interval '74 years', "
                "'ticket:' || :t, false, true)",
                "in the future",
            ),
            (
                "SELECT station_api.admit('Door 1', :t, '1970-01-01', 'ticket:' || :t, false, "
                "true)",
                "older than a station keeps",
            ),
            (
                "SELECT station_api.admit('Door 1', :t, now() - interval '2 hours', "
                "'ticket:' || :t, false, false)",
                "not now by the server's clock",
            ),
            (
                "SELECT station_api.log_scan('Door 1', now(), NULL, NULL, NULL, :t, 'entry', "
                "'ticket:' || :t, 'ok', NULL, NULL, false)",
                "not logged as admitted",
            ),
            (
                "SELECT * FROM station_api.undo('Door 1', :c, NULL, now(), NULL, NULL)",
                "only that station",
            ),
            (
                "SELECT station_api.conflict('Door 1', 'nonce-of-nobody', 'revoked', 'X', "
                "now(), 'x')",
                "no scan",
            ),
            (
                "SELECT station_api._when(now(), false)",
                "permission denied",
            ),
            # A line said to be repaired is repaired again on the server and must be the
            # ticket's own: its last characters changed, it is not.
            (
                "SELECT station_api.admit('Door 1', :t, now(), "
                "(SELECT left(qr_payload, -6) || 'AAAAAA' FROM ticket WHERE id = :t), true, false)",
                "not ticket",
            ),
            (
                "SELECT station_api.admit('Door 1', :t, now(), "
                "(SELECT lower(left(qr_payload, -6)) || 'aaaaaa' FROM ticket WHERE id = :t), "
                "true, true)",
                "not ticket",
            ),
            # By id, a door's login admits only after the attendee's own e-mail and PIN.
            (
                "SELECT station_api.admit('Door 1', :t, now(), 'ticket:' || :t, false, false)",
                "by its id only after its attendee's own e-mail and PIN",
            ),
            (
                "SELECT station_api.admit('Door 1', :t, now() - interval '1 hour', "
                "'ticket:' || :t, false, true)",
                "by its id only after its attendee's own e-mail and PIN",
            ),
            (
                "SELECT station_api.session_admit('Door 1', :t, "
                "(SELECT min(id) FROM event_session), now(), 'ticket:' || :t, false, false)",
                "by its id only after its attendee's own e-mail and PIN",
            ),
        ]
        for statement, words in hostile:
            said = refused_on(door, statement, t=ticket, c=checked)
            assert words in said, (statement, said)
        unpaid = site.value(
            "SELECT t.id FROM ticket t WHERE t.status = 'registered' AND t.price_cents > 0 "
            "AND NOT EXISTS (SELECT 1 FROM payment p WHERE p.ticket_id = t.id) "
            "AND t.checked_in_at IS NULL LIMIT 1"
        )
        if unpaid is not None:
            said = refused_on(
                door,
                "SELECT station_api.admit('Door 1', :t, now(), "
                "(SELECT qr_payload FROM ticket WHERE id = :t), false, false)",
                t=unpaid,
            )
            assert "(unpaid)" in said
        assert site.snapshot() == unchanged
    finally:
        door.dispose()


def first_column(site: Site, table: str) -> str:
    return str(
        site.value(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND table_name = :t ORDER BY ordinal_position LIMIT 1",
            t=table,
        )
    )


LOG = (  # a transaction log row a desk's login writes by hand: its kind, station, amount
    "INSERT INTO transaction_log (at, event_id, ticket_id, kind, station, amount_cents) "
    "VALUES (now(), :e, :t, {})"
)


def test_every_statement_a_desk_login_could_send_against_the_money_rules_is_refused(
    site: Site,
) -> None:
    desk = site.engine_as(site.desk_login)
    try:
        unchanged = site.snapshot()
        ticket = admissible(site)
        event_id = site.value("SELECT id FROM event WHERE slug = :e", e=site.event)
        cancelled = site.value("SELECT id FROM ticket WHERE status = 'cancelled' LIMIT 1")
        if cancelled is None:
            run_cli(
                site.organizer_url,
                site.organizer_dir,
                "cancel",
                admissible(site, 3),
                station="Office",
            )
            unchanged = site.snapshot()
            cancelled = site.value("SELECT id FROM ticket WHERE status = 'cancelled' LIMIT 1")
        for statement, words in (
            (
                "INSERT INTO payment (ticket_id, event_id, kind, method, amount_cents, currency, "
                "status, created_at) VALUES (:t, :e, 'refund', 'cash', 5000, 'EUR', 'completed', "
                "now())",
                "refunds and changes are the organizer's",
            ),
            ("UPDATE payment SET amount_cents = 1", "permission denied"),
            ("UPDATE ticket SET status = 'registered' WHERE id = :c", "does not bring it back"),
            ("UPDATE event SET registered_count = 0", "places counted"),
            ("UPDATE ticket_type SET registered_count = 0", "places counted"),
            ("UPDATE ticket SET price_cents = 0 WHERE id = :t", "permission denied"),
            ("UPDATE ticket SET checked_in_at = now() WHERE id = :t", "permission denied"),
            (
                "INSERT INTO ticket (id, event_id, ticket_type_id, attendee_id, status, "
                "price_cents, currency, created_at, inside) SELECT 'ZZZZ0000', event_id, "
                "ticket_type_id, "
                "attendee_id, 'registered', 0, currency, now(), false FROM ticket WHERE id = :t",
                "at its type's price",
            ),
            ("SELECT pin_hash FROM public.attendee", "permission denied"),
            ("UPDATE staff SET locked_until = now() + interval '73 years'", "permission denied"),
            ("UPDATE attendee SET email = 'x@example.org'", "permission denied"),
            # The transaction log: only the rows of a desk's own actions, as they were.
            (LOG.format("'refund', 'Office', 5000"), "as station Desk 1"),
            (LOG.format("'refund', 'Desk 1', 5000"), "not an action a desk takes"),
            (LOG.format("'payment', 'Desk 1', 5000"), "not a payment of ticket"),
            (LOG.format("'registered', 'Desk 1', 0"), "not the registration of ticket"),
            (LOG.format("'cancelled', 'Desk 1', NULL"), "is not cancelled"),
        ):
            said = refused_on(desk, statement, t=ticket, c=cancelled, e=event_id)
            assert words in said, (statement, said)
        # As its own group (SET ROLE), the desk's rules are still the desk's: only the server's
        # own functions write past them.
        group = f"{(site.base.database or '')[:57]}_desk"
        with desk.connect() as conn:
            conn.execute(text(f"SET ROLE {group}"))
            with pytest.raises(DBAPIError, match="does not bring it back"):
                conn.execute(
                    text("UPDATE ticket SET status = 'registered' WHERE id = :c"), {"c": cancelled}
                )
        with desk.connect() as conn:
            assert set(conn.execute(text("SELECT DISTINCT pin_hash FROM attendee")).scalars()) <= {
                None,
                "set",
            }
        assert site.snapshot() == unchanged
    finally:
        desk.dispose()


# --- a hand-edited copy ------------------------------------------------------------------------
def test_a_hand_edited_outbox_uploads_only_what_the_door_could_have_decided(
    site: Site, tmp_path: Path
) -> None:
    door, url = tmp_path / "door", site.door_url
    run_cli(url, door, "sync")  # its copy
    away = make_url(url).set(port=1).render_as_string(hide_password=False)
    honest = admissible(site)
    decided = json.loads(run_cli(away, door, "--json", "checkin", payload_of(site, honest)).stdout)
    assert (decided["result"], decided["offline"]) == ("ok", True)
    other_door = admissible(site, 1)  # admitted online at the Office: not this door's to undo
    run_cli(
        site.organizer_url, site.organizer_dir, "checkin", "--ticket", other_door, station="Office"
    )
    forged, far, old = admissible(site, 2), admissible(site, 3), admissible(site, 4)
    now = utcnow()
    mirror = copy_of(door)
    try:
        with mirror.store.write_conn() as conn:
            template = dict(
                conn.execute(OUTBOX.select().where(OUTBOX.c.ticket_id == honest)).mappings().one()
            )

            def row(**changes: Any) -> dict[str, Any]:
                made = {**template, **changes, "nonce": new_nonce(), "state": "pending"}
                made.pop("seq")
                return made

            rows = {
                "forged payload": row(ticket_id=forged, payload="FORGED"),
                "another station's name": row(
                    ticket_id=far, station="Door 9", payload=f"ticket:{far}"
                ),
                "a date in 2099": row(
                    ticket_id=far, at=now.replace(year=2099), payload=f"ticket:{far}"
                ),
                "a date in 1970 and a made-up event": row(
                    ticket_id=old,
                    at=now.replace(year=1970),
                    event_id=999_999,
                    payload=f"ticket:{old}",
                ),
                "an undo of another station's check-in": row(
                    kind="undo",
                    effect="undo",
                    ticket_id=other_door,
                    result="undone",
                    was_at=site.value(
                        "SELECT checked_in_at FROM ticket WHERE id = :t", t=other_door
                    ),
                    was_station="Office",
                    payload=None,
                ),
            }
            for made in rows.values():
                conn.execute(insert(OUTBOX), made)
    finally:
        mirror.close()
    synced = json.loads(run_cli(url, door, "--json", "sync").stdout)
    assert synced["uploaded"] >= 1 and synced["pending"] == 0
    assert site.value("SELECT checked_in_station FROM ticket WHERE id = :t", t=honest) == "Door 1"
    for ticket in (forged, far, old):
        assert site.value("SELECT checked_in_at FROM ticket WHERE id = :t", t=ticket) is None
    assert site.value("SELECT checked_in_station FROM ticket WHERE id = :t", t=other_door) == (
        "Office"
    )
    assert site.value("SELECT count(*) FROM scan_log WHERE station = 'Door 9'") == 0
    assert (
        site.value(
            "SELECT count(*) FROM scan_log WHERE at > now() + interval '1 day' "
            "OR at < now() - interval '30 days'"
        )
        == 0
    )
    assert site.value("SELECT count(*) FROM scan_log WHERE event_id = 999999") == 0
    outbox = json.loads(run_cli(url, door, "--json", "station", "outbox").stdout)
    refused = {r["nonce"]: r["reason"] for r in outbox if r["state"] == "refused"}
    assert len(refused) >= 4, outbox
    assert any("not ticket" in reason for reason in refused.values())
    assert any("in the future" in reason for reason in refused.values())


# --- a link that dies mid-transaction ---------------------------------------------------------
def test_a_station_that_vanishes_mid_transaction_frees_its_locks_within_seconds(
    site: Site, tmp_path: Path
) -> None:
    """A door's link stalls (the server never hears it went) while its transaction holds a
    ticket's row: the server ends that transaction within seconds (the login's idle timeout),
    another door meanwhile answers from its copy instead of hanging, and the organizer's
    check-in goes through."""
    ticket = admissible(site)
    payload = payload_of(site, ticket)
    other_door = tmp_path / "door2"
    run_cli(site.door_url, other_door, "sync")  # its copy, for while the row is held
    url = make_url(site.door_url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        stalled = create_engine(url.set(host="127.0.0.1", port=proxy.port))
        conn = stalled.connect()
        try:
            conn.begin()
            conn.execute(
                text(
                    "SELECT station_api.admit('Door 1', :t, now(), "
                    "(SELECT qr_payload FROM ticket WHERE id = :t), false, false)"
                ),
                {"t": ticket},
            )
            proxy.stall()  # the link dies: no byte either way, no FIN, no RST
            started = time.monotonic()
            answer = json.loads(
                run_cli(
                    site.door_url,
                    other_door,
                    "--json",
                    "checkin",
                    payload,
                    code=(0, 1),
                    station="Door 1",
                ).stdout
            )
            # Not a hang: from its copy while the row is held, or on the server once freed.
            assert time.monotonic() - started < 20
            assert answer["result"] == "ok", answer
            done = run_cli(
                site.organizer_url,
                site.organizer_dir,
                "--json",
                "checkin",
                "--ticket",
                ticket,
                code=(0, 1),
                station="Office",
            )
            assert time.monotonic() - started < 30  # the stalled transaction was ended
            said = json.loads(done.stdout)
            assert said["result"] in ("ok", "already_checked_in"), said
        finally:
            proxy.cut()
            conn.invalidate()  # its socket is gone: nothing to roll back
            stalled.dispose(close=False)
    assert site.value("SELECT checked_in_station FROM ticket WHERE id = :t", t=ticket) in (
        "Office",
        "Door 1",
    )
    assert (
        site.value(  # nothing of the stalled station's session is left holding rows
            "SELECT count(*) FROM pg_stat_activity WHERE usename = :u "
            "AND state = 'idle in transaction'",
            u=site.door_login,
        )
        == 0
    )
    assert (
        timedelta(0)
        <= utcnow() - site.value("SELECT checked_in_at FROM ticket WHERE id = :t", t=ticket)
        < timedelta(minutes=2)
    )


def test_roles_add_refuses_a_name_another_role_has(site: Site, tmp_path: Path) -> None:
    """A login's name taken by a role that is not this database's station login (its doors'
    group, the organizer, a superuser) is refused in one sentence, and that role is left as
    it was; this database's own login of that name is made again."""
    database = site.base.database or ""
    groups = {f"{database[:57]}_door", f"{database[:57]}_desk"}
    organizer = make_url(site.organizer_url).username
    assert organizer is not None and len(groups) == 2
    for taken in (*sorted(groups), organizer):
        before = site.value("SELECT rolcanlogin FROM pg_roles WHERE rolname = :r", r=taken)
        said = run_cli(
            site.organizer_url,
            site.organizer_dir,
            "roles",
            "add",
            taken,
            "--kind",
            "door",
            "--station",
            "Door 7",
            "--password",
            PASSWORD,
            station="Office",
            code=2,
        )
        lines = said.stderr.strip().splitlines()
        assert len(lines) == 1 and "choose another name" in lines[0], said.stderr
        assert "is a member of role" not in said.stderr
        assert site.value("SELECT rolcanlogin FROM pg_roles WHERE rolname = :r", r=taken) == before
        assert not site.value("SELECT count(*) FROM station_login WHERE login = :l", l=taken)
    # The door's own login again: its station as now given.
    run_cli(
        site.organizer_url,
        site.organizer_dir,
        "roles",
        "add",
        site.door_login,
        "--kind",
        "door",
        "--station",
        "Door 1",
        "--password",
        PASSWORD,
        station="Office",
    )
