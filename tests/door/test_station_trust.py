"""A station turned hostile, as a door's own login (eventdesk/migrations/stations_0018.py): it
cannot lock anyone out, nor sign in with what it reads of a PIN, nor admit by ticket id without
the attendee's own e-mail and PIN; a line it says it repaired is repaired again on the server,
with eventdesk.keymaps' own tables. On the operator's guide's site
(tests/door/test_station_logins.py)."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from eventdesk.cli.common import EXIT_ENVIRONMENT
from eventdesk.db import Store
from eventdesk.keymaps import AZERTY, LAYOUTS
from eventdesk.migrations.stations_0018 import REPAIRS
from eventdesk.migrations.stations_0019 import TOO_MANY, UPLOAD_BOUND
from eventdesk.pins import hashed_like
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.scan_result import new_nonce
from eventdesk.services.stations.link import SILENCE_SECONDS, no_answer
from eventdesk.services.stations.mirror_schema import OUTBOX
from testkit.proxy import TcpProxy
from tests.door.test_station_logins import (
    EVENTDESK,
    Site,
    admissible,
    payload_of,
    refused_on,
    run_cli,
    site,
)
from tests.offline_tools import copy_of

pytestmark = pytest.mark.slow  # real eventdesk processes, on test_station_logins.py's site

__all__ = ["site"]  # the module's fixture, used here


def test_the_servers_repairs_are_the_keymaps_own() -> None:
    tables = []
    for layout in LAYOUTS:
        items = sorted(layout.repair.items())
        tables.append(("".join(chr(code) for code, _ in items), "".join(c for _, c in items)))
    assert list(REPAIRS) == tables


def test_pins_are_checked_on_the_server(site: Site, tmp_path: Path) -> None:
    """A door reads no hash the server accepts, nor any attendee's, yet signs desk staff in:
    the server checks the PIN and counts the wrong ones on that door's own tries."""
    door, url = tmp_path / "door", site.door_url
    pins = site.pins
    run_cli(url, door, "staff", "login", "Sam Desk", "--pin", pins["Sam Desk"])
    before = site.value("SELECT failed_pin_attempts FROM staff WHERE name = 'Sam Desk'")
    wrong = "0000" if pins["Sam Desk"] != "0000" else "1111"
    said = run_cli(url, door, "staff", "login", "Sam Desk", "--pin", wrong, code=1)
    assert "name or PIN is wrong" in said.stderr and "4 tries left" in said.stderr
    assert site.value("SELECT failed_pin_attempts FROM staff WHERE name = 'Sam Desk'") == before
    tries = "SELECT failed_pin_attempts FROM station_pin_try WHERE station = 'Door 1' AND key = :k"
    assert site.value(tries, k="sam desk") == 1
    run_cli(url, door, "staff", "login", "Sam Desk", "--pin", pins["Sam Desk"])
    assert site.value(tries, k="sam desk") == 0


def test_a_door_cannot_lock_anyone_out_or_sign_in_with_a_hash(site: Site, tmp_path: Path) -> None:
    """Five wrong PINs through a door lock that door's tries, not the account; a door never
    checks an organizer's PIN; what a door reads of a PIN is never accepted as one."""
    door = site.engine_as(site.door_login)
    check = text("SELECT verdict, tries_left FROM station_api.pin_check(:kind, :key, :candidate)")
    organizer_row = "SELECT failed_pin_attempts, locked_until, lockouts FROM staff WHERE name = :n"
    try:
        with door.connect() as conn:
            # The organizer: never checked at a door, so never counted nor locked by one.
            kept = site.value(organizer_row, n="Olivia Organizer")
            for _ in range(7):
                for kind in ("staff", "kiosk"):
                    found = conn.execute(
                        check, {"kind": kind, "key": "olivia organizer", "candidate": "x"}
                    ).one()
                    assert found.verdict == "organizer", found
            assert site.value(organizer_row, n="Olivia Organizer") == kept
            said = run_cli(
                site.door_url,
                tmp_path / "door",
                "staff",
                "login",
                "Olivia Organizer",
                "--pin",
                site.pins["Olivia Organizer"],
                code=1,
            )
            assert "A door never checks an organizer's PIN" in said.stderr
            run_cli(
                site.organizer_url,
                site.organizer_dir,
                "staff",
                "login",
                "Olivia Organizer",
                "--pin",
                site.pins["Olivia Organizer"],
                station="Office",
            )
            # A desk account: this door is locked out of it, the desk's login is not.
            verdicts = [
                conn.execute(check, {"kind": "staff", "key": "sam desk", "candidate": "x"})
                .one()
                .verdict
                for _ in range(6)
            ]
            assert verdicts == ["wrong"] * 4 + ["locked", "locked"]
            assert site.value("SELECT locked_until FROM staff WHERE name = 'Sam Desk'") is None
            locked = run_cli(
                site.door_url,
                tmp_path / "door",
                "staff",
                "login",
                "Sam Desk",
                "--pin",
                site.pins["Sam Desk"],
                code=1,
            )
            assert "locked" in locked.stderr
            run_cli(
                site.desk_url,
                tmp_path / "desk",
                "staff",
                "login",
                "Sam Desk",
                "--pin",
                site.pins["Sam Desk"],
                station="Desk 1",
            )
            # What a door reads of a PIN (the salt, the offline verifier) is no PIN.
            read = conn.execute(
                text("SELECT pin_hash, offline_pin FROM staff WHERE name = 'Kiosk Door 1'")
            ).one()
            server_hash = site.value("SELECT pin_hash FROM staff WHERE name = 'Kiosk Door 1'")
            assert read.offline_pin and read.pin_hash and server_hash.startswith(read.pin_hash)
            assert server_hash not in (read.pin_hash, read.offline_pin)
            for candidate in (read.pin_hash, read.offline_pin):
                found = conn.execute(
                    check, {"kind": "staff", "key": "kiosk door 1", "candidate": candidate}
                ).one()
                assert found.verdict == "wrong", found
            attendee_hashes = conn.execute(text("SELECT DISTINCT pin_hash FROM attendee")).scalars()
            assert set(attendee_hashes) <= {None, "set"}
            for hidden in ("station_pin_try", "pin_grant"):
                said = refused_on(door, f"SELECT * FROM {hidden}")
                assert "does not exist" in said or "permission denied" in said, said
    finally:
        door.dispose()
        with site.owner.begin() as conn:  # the door's lock on Sam, for the module's next tests
            conn.execute(text("DELETE FROM station_pin_try WHERE station = 'Door 1'"))


def test_a_door_admits_by_id_only_after_the_attendees_own_email_and_pin(
    site: Site, tmp_path: Path
) -> None:
    """The kiosk's "check in with your e-mail and PIN": the server checked them for this door a
    moment ago, so this door may admit that attendee's ticket by its id; before, or with a
    wrong PIN, it may not."""
    ticket, pin = admissible(site), "8642"
    email = site.value(
        "SELECT a.email FROM attendee a JOIN ticket t ON t.attendee_id = a.id WHERE t.id = :t",
        t=ticket,
    )
    run_cli(
        site.organizer_url,
        site.organizer_dir,
        "attendee",
        "set-pin",
        email,
        "--pin",
        pin,
        station="Office",
    )
    door = site.engine_as(site.door_login)
    key = email.casefold()
    by_id = text("SELECT station_api.admit('Door 1', :t, now(), 'ticket:' || :t, false, false)")
    salt = text("SELECT station_api.pin_salt('attendee', :k)")
    check = text("SELECT verdict FROM station_api.pin_check('attendee', :k, :c)")
    try:
        said = refused_on(door, by_id.text, t=ticket)
        assert "only after its attendee's own e-mail and PIN" in said
        with door.connect() as conn:
            prefix = conn.execute(salt, {"k": key}).scalar_one()
            assert conn.execute(check, {"k": key, "c": hashed_like(prefix, "0000")}).scalar() == (
                "wrong"
            )
        said = refused_on(door, by_id.text, t=ticket)
        assert "only after its attendee's own e-mail and PIN" in said
        with door.connect() as conn:
            assert conn.execute(check, {"k": key, "c": hashed_like(prefix, pin)}).scalar() == "ok"
            status = site.value("SELECT status FROM ticket WHERE id = :t", t=ticket)
            assert conn.execute(by_id, {"t": ticket}).scalar() == 1, status
        assert site.value("SELECT checked_in_station FROM ticket WHERE id = :t", t=ticket) == (
            "Door 1"
        )
    finally:
        door.dispose()


def test_a_line_typed_through_another_layout_is_repaired_on_the_server_too(
    site: Site, tmp_path: Path
) -> None:
    """A scanner typing through a French AZERTY layout: the door repairs the line, and the
    server repairs it again with the same tables before it admits."""
    ticket = admissible(site)
    typed = sorted(AZERTY.typed(payload_of(site, ticket), caps=False))[0]
    said = json.loads(run_cli(site.door_url, tmp_path / "door", "--json", "checkin", typed).stdout)
    assert said["result"] == "ok" and any("AZERTY" in flag for flag in said["flags"]), said
    assert site.value("SELECT checked_in_station FROM ticket WHERE id = :t", t=ticket) == "Door 1"


# --- history a station cannot invent (migration 0019) ------------------------------------------
def test_a_door_cannot_invent_an_admission_or_a_conflict(site: Site) -> None:
    """An offline admission is logged only with its admission; a conflict names the station
    and the time the server's rows name, and only a conflict the server's rows show."""
    nobody = admissible(site)
    taken = admissible(site, 1)
    run_cli(site.organizer_url, site.organizer_dir, "checkin", "--ticket", taken, station="Office")
    door = site.engine_as(site.door_login)
    log = (
        "SELECT station_api.log_scan('Door 1', now() - interval '5 minutes', NULL, NULL, NULL,"
        " :t, 'entry', :p, :r, :n, NULL, true)"
    )
    conflict = (
        "SELECT station_api.conflict('Door 1', :n, 'already_checked_in', 'Door 2', "
        "now() - interval '25 years', 'made up')"
    )
    try:
        said = refused_on(door, log, t=nobody, p=payload_of(site, nobody), r="ok", n=new_nonce())
        assert "was not admitted on the server" in said
        # Nor of a ticket on the waitlist (no door admits one), whatever else it is.
        with site.owner.begin() as conn:
            conn.execute(
                text("UPDATE ticket SET status = 'waitlisted' WHERE id = :t"), {"t": nobody}
            )
        try:
            said = refused_on(
                door, log, t=nobody, p=payload_of(site, nobody), r="ok", n=new_nonce()
            )
        finally:
            with site.owner.begin() as conn:
                conn.execute(
                    text("UPDATE ticket SET status = 'registered' WHERE id = :t"), {"t": nobody}
                )
        assert "was not admitted on the server" in said
        assert site.value("SELECT count(*) FROM scan_log WHERE ticket_id = :t", t=nobody) == 0
        # A scan of its own that admitted no one holds no conflict.
        invalid = new_nonce()
        with door.connect() as conn:
            conn.execute(
                text(log),
                {"t": nobody, "p": payload_of(site, nobody), "r": "not_yet_valid", "n": invalid},
            )
        assert "admitted no one" in refused_on(door, conflict, n=invalid)
        # An admission overtaken by the Office's: the Office and its time, whatever is said.
        overtaken = new_nonce()
        with door.connect() as conn:
            conn.execute(
                text(log), {"t": taken, "p": payload_of(site, taken), "r": "ok", "n": overtaken}
            )
            for _ in range(3):  # once a scan, however often it is sent
                conn.execute(text(conflict), {"n": overtaken})
        recorded = site.value(
            "SELECT count(*) FROM scan_conflict WHERE nonce = :n AND other_station = 'Office' "
            "AND other_at = (SELECT checked_in_at FROM ticket WHERE id = :t)",
            n=overtaken,
            t=taken,
        )
        assert recorded == 1
        assert site.value("SELECT count(*) FROM scan_conflict WHERE other_station = 'Door 2'") == 0
    finally:
        door.dispose()


def test_a_flood_of_uploads_is_refused_not_stored(site: Site) -> None:
    """At most UPLOAD_BOUND rows a minute from a station: the next is refused (SQLSTATE 54000,
    which the station takes as "later"), and none of them is stored."""
    door = site.engine_as(site.door_login)
    log = text(
        "SELECT station_api.log_scan('Door 1', now() - interval '1 minute', NULL, NULL, NULL, "
        "NULL, 'entry', 'FLOOD', 'invalid', :n, NULL, true)"
    )
    before = site.value("SELECT count(*) FROM scan_log WHERE payload = 'FLOOD'")
    refused = None
    try:
        with door.connect() as conn:
            for _ in range(2 * UPLOAD_BOUND + 1):
                try:
                    conn.execute(log, {"n": new_nonce()})
                except DBAPIError as exc:
                    refused = exc
                    break
        assert refused is not None and getattr(refused.orig, "sqlstate", None) == TOO_MANY
        assert "uploads at most 6000 rows a minute" in str(refused.orig)
        stored = site.value("SELECT count(*) FROM scan_log WHERE payload = 'FLOOD'") - before
        assert stored <= 2 * UPLOAD_BOUND
        # The minute it was refused in took exactly the bound, not one row more.
        assert site.value("SELECT max(rows) FROM station_upload WHERE station = 'Door 1'") == (
            UPLOAD_BOUND
        )
    finally:
        door.dispose()
        with site.owner.begin() as conn:  # the module's next uploads are not over the bound
            conn.execute(text("DELETE FROM station_upload WHERE station = 'Door 1'"))


# --- no lock across a round trip ---------------------------------------------------------------
def queue_copies(door: Path, line: str, count: int) -> None:
    """``count`` more offline scans in the door's outbox, each the one its door decided of
    ``line`` (an invalid line) again: a nonce of its own, the line numbered."""
    mirror = copy_of(door)
    try:
        with mirror.store.write_conn() as conn:
            template = dict(
                conn.execute(OUTBOX.select().where(OUTBOX.c.payload == line)).mappings().one()
            )
            template.pop("seq")
            conn.execute(
                insert(OUTBOX),
                [
                    {**template, "nonce": new_nonce(), "payload": f"{line}-{n}"}
                    for n in range(count)
                ],
            )
    finally:
        mirror.close()


WRITING = "SELECT count(*) FROM pg_stat_activity WHERE usename = :u AND backend_xid IS NOT NULL"


def test_a_link_that_dies_half_open_mid_upload_holds_no_lock(site: Site, tmp_path: Path) -> None:
    """A door uploads 3,000 offline scans (its admissions among them) through a link that dies
    half-open mid-way (every byte held, no FIN, no RST): nothing it sent holds a lock, and
    another station admits one of its tickets within 2 s."""
    door, url = tmp_path / "door", make_url(site.door_url)
    run_cli(site.door_url, door, "sync")
    away = url.set(port=1).render_as_string(hide_password=False)
    run_cli(away, door, "--json", "checkin", "GARBAGE-TEMPLATE", code=1)
    queue_copies(door, "GARBAGE-TEMPLATE", 1200)
    admitted = []
    for skip in range(4):
        ticket = admissible(site, skip)
        said = json.loads(run_cli(away, door, "--json", "checkin", payload_of(site, ticket)).stdout)
        assert (said["result"], said["offline"]) == ("ok", True), said
        admitted.append(ticket)
    queue_copies(door, "GARBAGE-TEMPLATE", 1800)
    sent = "SELECT count(*) FROM scan_log WHERE station = 'Door 1' AND payload LIKE 'GARBAGE-%'"
    start = site.value(sent)
    organizer = Store(site.organizer_url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        with site.owner.begin() as conn:  # the minute's upload bound not spent by another test
            conn.execute(text("DELETE FROM station_upload WHERE station = 'Door 1'"))

        def sync() -> subprocess.Popen[bytes]:
            said = (tmp_path / "upload.out").open("wb")
            upload = subprocess.Popen(
                [
                    EVENTDESK,
                    "--db",
                    through,
                    "--data-dir",
                    str(door),
                    "--station",
                    "Door 1",
                    "sync",
                ],
                stdout=said,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
            said.close()
            return upload

        upload, rounds = sync(), 1
        try:
            deadline = time.monotonic() + 180
            # Mid-way: a thousand rows in, and the door's session writing (it has a
            # transaction id) at the moment the link dies.
            while site.value(sent) - start < 1000 or not site.value(WRITING, u=site.door_login):
                if upload.poll() is not None:  # what it said, and how far it had gone
                    ended = (tmp_path / "upload.out").read_text(errors="replace")[-2000:]
                    gone = site.value(sent) - start
                    # A machine so busy that the server said nothing for SILENCE_SECONDS ends
                    # the round before the cut (as it should): the station's next round sends
                    # the rest, and the link dies in that one.
                    silent = (
                        upload.returncode == EXIT_ENVIRONMENT
                        and no_answer(SILENCE_SECONDS) in ended
                    )
                    if silent and rounds < 3 and gone < 1000:
                        upload, rounds = sync(), rounds + 1
                        continue
                    pytest.fail(f"the upload ended ({upload.returncode}) uncut at {gone}: {ended}")
                assert time.monotonic() < deadline
            proxy.stall()  # half-open: the door's socket stays, nothing goes either way
            mirror = copy_of(door)
            try:
                with mirror.store.read() as session:
                    pending = (
                        session.connection()
                        .execute(
                            select(OUTBOX.c.ticket_id)
                            .where(
                                OUTBOX.c.state == "pending",
                                OUTBOX.c.ticket_id.in_(admitted),
                            )
                            .order_by(OUTBOX.c.seq)
                        )
                        .scalars()
                        .all()
                    )
            finally:
                mirror.close()
            ticket = pending[0] if pending else admitted[-1]
            answers: list[str] = []
            started = time.monotonic()
            office = threading.Thread(
                target=lambda: answers.append(
                    Checkin(organizer, station="Office").checkin_ticket(ticket).result
                ),
                daemon=True,
            )
            office.start()
            office.join(2.0)
            took = time.monotonic() - started
            assert answers and answers[0] in ("ok", "already_checked_in"), (answers, took)
        finally:
            proxy.cut()
            upload.kill()
            upload.wait(30)
            organizer.dispose()


def test_roles_need_a_server(tmp_path: Path) -> None:
    """On an SQLite station there are no logins to make: said in one line."""
    data = tmp_path / "box"
    run_cli(str(data / "eventdesk.db"), data, "init")
    said = run_cli(str(data / "eventdesk.db"), data, "roles", "list", code=1)
    assert "SQLite file on this machine: it has no logins" in said.stderr


def test_an_offline_sign_in_uploaded_locks_nothing(site: Site) -> None:
    """Wrong PINs counted offline raise the station's own count; a right one (no lock) uploads
    no lock at all."""
    door = site.engine_as(site.door_login)
    kiosk = site.value("SELECT id FROM staff WHERE name = 'Kiosk Door 1'")
    try:
        with door.connect() as conn:
            conn.execute(text("SELECT station_api.offline_lockout(:id, 0, NULL, 0)"), {"id": kiosk})
        assert (
            site.value(
                "SELECT locked_until FROM station_pin_try WHERE station = 'Door 1' AND key = :k",
                k="kiosk door 1",
            )
            is None
        )
    finally:
        door.dispose()


def test_a_station_over_the_bound_keeps_the_rest_for_later(site: Site, tmp_path: Path) -> None:
    """More rows waiting than the server takes a minute: the station sends up to the bound,
    keeps the rest pending, stays online and says why (not an outage)."""
    door, url = tmp_path / "door", site.door_url
    run_cli(url, door, "sync")
    away = make_url(url).set(port=1).render_as_string(hide_password=False)
    run_cli(away, door, "--json", "checkin", "GARBAGE-BOUND", code=1)
    queue_copies(door, "GARBAGE-BOUND", 60)
    # This minute and the next two have all but 10 rows of the bound taken: the upload meets
    # the bound whenever it runs (a minute that turns meanwhile starts no fresh count).
    with site.owner.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO station_upload (station, minute, rows) SELECT 'Door 1', "
                "date_trunc('minute', now()) + m * interval '1 minute', :r "
                "FROM generate_series(0, 2) m "
                "ON CONFLICT (station, minute) DO UPDATE SET rows = excluded.rows"
            ),
            {"r": UPLOAD_BOUND - 10},
        )
    try:
        synced = json.loads(run_cli(url, door, "--json", "sync").stdout)
        assert synced["online"] is True, synced
        assert synced["pending"] > 0 and synced["uploaded"] <= UPLOAD_BOUND, synced
        assert any("at most 6000 uploaded rows a minute" in p for p in synced["problems"])
        outbox = json.loads(run_cli(url, door, "--json", "station", "outbox").stdout)
        assert not [row for row in outbox if row["state"] == "refused"], outbox[:3]
    finally:
        with site.owner.begin() as conn:
            conn.execute(text("DELETE FROM station_upload WHERE station = 'Door 1'"))


def test_a_desks_log_row_keeps_the_servers_time_and_its_rows_facts(site: Site) -> None:
    """A payment a desk takes is logged at the server's time, whatever time the desk gives, and
    in the payment's own currency."""
    desk = create_engine(site.desk_url)  # in a transaction, as the desk's own code writes
    ticket = admissible(site)
    event_id = site.value("SELECT event_id FROM ticket WHERE id = :t", t=ticket)
    pay = text(
        "INSERT INTO payment (ticket_id, event_id, kind, method, amount_cents, currency, status,"
        " created_at) VALUES (:t, :e, 'payment', 'cash', 100, 'EUR', 'completed', now())"
        " RETURNING id"
    )
    log = text(
        "INSERT INTO transaction_log (at, kind, event_id, ticket_id, amount_cents, currency,"
        " station, detail) VALUES (now() - interval '25 years', 'payment', :e, :t, 100, :c,"
        " 'Desk 1', :d)"
    )
    try:
        with desk.begin() as conn:
            paid = conn.execute(pay, {"t": ticket, "e": event_id}).scalar_one()
            detail = json.dumps({"payment_id": paid})
            wrong = {"t": ticket, "e": event_id, "c": "USD", "d": detail}
            with pytest.raises(DBAPIError, match="not a payment of ticket"), conn.begin_nested():
                conn.execute(log, wrong)
            conn.execute(log, {"t": ticket, "e": event_id, "c": "EUR", "d": detail})
        logged = site.value(
            "SELECT at > now() - interval '1 minute' FROM transaction_log "
            "WHERE kind = 'payment' AND detail::jsonb ->> 'payment_id' = :p",
            p=str(paid),
        )
        assert logged is True
    finally:
        desk.dispose()
