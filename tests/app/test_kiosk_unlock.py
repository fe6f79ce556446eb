"""The kiosk's staff unlock and escalating lockouts: five wrong PINs lock for 5 minutes, the next
run of five for 15, then an hour, then 4 hours (the cap); a right PIN starts over. Wrong tries at
a kiosk's F12 lock that kiosk's unlock, never the staff account, and every count is in the
database, so a restart clears nothing."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select, text
from textual.widgets import Input, Select, Static

from eventdesk.db import Store
from eventdesk.errors import AccountLocked, WrongPin
from eventdesk.migrations import HEAD_REVISION
from eventdesk.models import Staff
from eventdesk.services.data.demo import STAFF
from eventdesk.services.people import attendees, auth
from eventdesk.values import utcnow
from screens.app import make_app
from screens.kiosk.screen import KioskScreen
from screens.login import LoginScreen, StaffPinScreen
from tests.app.test_app_kiosk import kiosk_app, started
from tests.apptools import DemoStation, sign_in_with_pin, wait_for, workers_done
from tests.helpers import migrate

MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)
# The schedule the tests expect: the lock after the 1st, 2nd, 3rd, 4th and 5th run of five.
SCHEDULE = [
    (timedelta(minutes=5), "5 more minutes"),
    (timedelta(minutes=15), "15 more minutes"),
    (timedelta(hours=1), "1 more hour"),
    (timedelta(hours=4), "4 more hours"),
    (timedelta(hours=4), "4 more hours"),
]


def _wrong_staff_run(store: Store, name: str, now: datetime) -> None:
    """Five wrong PINs at the desk: four are wrong, the fifth locks."""
    for _ in range(4):
        with pytest.raises(WrongPin):
            auth.verify_staff(store, name, "0000", now=now)
    with pytest.raises(AccountLocked):
        auth.verify_staff(store, name, "0000", now=now)


def _wrong_kiosk_run(store: Store, station: str, name: str, now: datetime) -> None:
    for _ in range(4):
        with pytest.raises(WrongPin):
            auth.unlock_kiosk(store, station, name, "0000", now=now)
    with pytest.raises(AccountLocked):
        auth.unlock_kiosk(store, station, name, "0000", now=now)


def _staff_row(store: Store, name: str) -> tuple[int, datetime | None]:
    with store.read() as session:
        row = session.scalars(select(Staff).where(Staff.name_key == name.casefold())).one()
        return row.failed_pin_attempts, row.locked_until


# --- escalation -----------------------------------------------------------------------------------
def test_staff_lockouts_escalate_to_a_cap_and_a_right_pin_starts_over(store: Store) -> None:
    auth.add_staff(store, name="Esme Escalate", role="organizer", pin="1234")
    now = utcnow()
    for lock, words in SCHEDULE:
        _wrong_staff_run(store, "Esme Escalate", now)
        with pytest.raises(AccountLocked, match=f"locked for {words}$"):
            auth.verify_staff(store, "Esme Escalate", "1234", now=now + SECOND)
        with pytest.raises(AccountLocked):  # even the right PIN, until the very end
            auth.verify_staff(store, "Esme Escalate", "1234", now=now + lock - SECOND)
        now = now + lock + SECOND
    # The right PIN once the lock ran out: the count and the escalation start over.
    assert auth.verify_staff(store, "Esme Escalate", "1234", now=now).name == "Esme Escalate"
    _wrong_staff_run(store, "Esme Escalate", now)
    with pytest.raises(AccountLocked, match="locked for 5 more minutes"):
        auth.verify_staff(store, "Esme Escalate", "1234", now=now + SECOND)
    assert auth.verify_staff(store, "Esme Escalate", "1234", now=now + 5 * MINUTE + SECOND)


def test_attendee_lockouts_escalate_too(store: Store) -> None:
    attendees.add_attendee(store, name="Ada Escalate", email="ada.esc@example.com", pin="482913")
    now = utcnow()
    for _ in range(2):  # two runs of five wrong PINs: 5 minutes, then 15
        for _ in range(5):
            with pytest.raises((WrongPin, AccountLocked)):
                auth.verify_attendee(store, "ada.esc@example.com", "000000", now=now)
        now = now + 5 * MINUTE + SECOND
    # The second lock is longer than five minutes: the right PIN still waits.
    with pytest.raises(AccountLocked, match="email or PIN is wrong"):
        auth.verify_attendee(store, "ada.esc@example.com", "482913", now=now)
    assert auth.verify_attendee(store, "ada.esc@example.com", "482913", now=now + 10 * MINUTE)


def test_the_escalation_survives_a_restart(store: Store, db_url: str) -> None:
    auth.add_staff(store, name="Rita Restart", role="staff", pin="2345")
    now = utcnow()
    _wrong_staff_run(store, "Rita Restart", now)
    store.dispose()
    later = Store(db_url)  # a restart: a new pool on the same database
    try:
        now = now + 5 * MINUTE + SECOND
        _wrong_staff_run(later, "Rita Restart", now)
        with pytest.raises(AccountLocked, match="locked for 15 more minutes"):
            auth.verify_staff(later, "Rita Restart", "2345", now=now + SECOND)
    finally:
        later.dispose()


# --- the kiosk's unlock ---------------------------------------------------------------------------
def test_kiosk_failures_lock_that_kiosk_and_leave_the_account_alone(
    store: Store, db_url: str
) -> None:
    auth.add_staff(store, name="Olga Organizer", role="organizer", pin="1234")
    now = utcnow()
    _wrong_kiosk_run(store, "door-north", "Olga Organizer", now)
    with pytest.raises(AccountLocked, match=r"this kiosk.*4 more minutes"):
        auth.unlock_kiosk(store, "door-north", "Olga Organizer", "1234", now=now + MINUTE)
    assert auth.kiosk_unlock_lock(store, "door-north", now=now + MINUTE) is not None
    # The account itself: untouched, and the right PIN signs in at the desk at once.
    assert _staff_row(store, "Olga Organizer") == (0, None)
    assert auth.verify_staff(store, "Olga Organizer", "1234", now=now).role == "organizer"
    # Another kiosk is not locked either.
    assert auth.kiosk_unlock_lock(store, "door-south", now=now) is None
    assert auth.unlock_kiosk(store, "door-south", "olga organizer", "1234", now=now).id
    # A restart keeps the lock: it is in the database.
    other = Store(db_url)
    try:
        with pytest.raises(AccountLocked, match="this kiosk"):
            auth.unlock_kiosk(other, "door-north", "Olga Organizer", "1234", now=now + 4 * MINUTE)
    finally:
        other.dispose()
    staff = auth.unlock_kiosk(store, "door-north", "Olga Organizer", "1234", now=now + 6 * MINUTE)
    assert staff.name == "Olga Organizer"
    assert auth.kiosk_unlock_lock(store, "door-north", now=now + 6 * MINUTE) is None


def test_kiosk_lockouts_escalate_and_a_locked_kiosk_checks_no_pin(store: Store) -> None:
    auth.add_staff(store, name="Kai Kiosk", role="staff", pin="2345")
    now = utcnow()
    _wrong_kiosk_run(store, "door-east", "Kai Kiosk", now)
    # While locked, tries are not checked and not counted: once the lock runs out, four wrong
    # ones are not a lock.
    for _ in range(10):
        with pytest.raises(AccountLocked):
            auth.unlock_kiosk(store, "door-east", "Kai Kiosk", "0000", now=now + MINUTE)
    now = now + 5 * MINUTE + SECOND
    for left in (4, 3, 2, 1):
        with pytest.raises(WrongPin, match=rf"\({left} tr"):
            auth.unlock_kiosk(store, "door-east", "Kai Kiosk", "0000", now=now)
    with pytest.raises(AccountLocked, match="15 more minutes"):  # the second run of five
        auth.unlock_kiosk(store, "door-east", "Kai Kiosk", "0000", now=now)
    lock = auth.kiosk_unlock_lock(store, "door-east", now=now + 14 * MINUTE)
    assert lock is not None and "1 more minute" in lock
    now = now + 15 * MINUTE + SECOND
    assert auth.unlock_kiosk(store, "door-east", "Kai Kiosk", "2345", now=now).name == "Kai Kiosk"
    _wrong_kiosk_run(store, "door-east", "Kai Kiosk", now)  # a right PIN started it over
    with pytest.raises(AccountLocked, match="5 more minutes"):
        auth.unlock_kiosk(store, "door-east", "Kai Kiosk", "2345", now=now + SECOND)


def test_kiosk_unlock_gives_one_answer_whoever_is_named(store: Store) -> None:
    """An unknown name, a wrong PIN, a kiosk account and a disabled account all get the same
    words: the public screen tells nobody which names exist."""
    auth.add_staff(store, name="Wanda Wrong", role="organizer", pin="1234")
    auth.add_staff(store, name="Kiosk Self", role="kiosk", pin="3456")
    auth.add_staff(store, name="Gone Staff", role="staff", pin="4567")
    auth.set_staff_active(store, "Gone Staff", False)
    now = utcnow()
    answers = []
    for n, (name, pin) in enumerate(
        [
            ("Wanda Wrong", "9999"),
            ("Nobody Here", "9999"),
            ("Kiosk Self", "3456"),  # a kiosk cannot unlock a kiosk
            ("Gone Staff", "4567"),
            ("", "1234"),
            ("x" * 500, "1234"),
            ("bad\x00name", "1234"),
            ("Wanda Wrong", "not a pin"),
        ]
    ):
        with pytest.raises(WrongPin) as refused:
            auth.unlock_kiosk(store, f"door-{n}", name, pin, now=now)
        answers.append(refused.value.message)
    assert set(answers) == {"name or PIN is wrong (4 tries left)"}
    assert _staff_row(store, "Wanda Wrong") == (0, None)


def test_kiosk_unlock_leaves_the_accounts_desk_count_as_it_was(store: Store) -> None:
    auth.add_staff(store, name="Dora Desk", role="staff", pin="2345")
    now = utcnow()
    for _ in range(3):
        with pytest.raises(WrongPin):
            auth.verify_staff(store, "Dora Desk", "0000", now=now)
    assert auth.unlock_kiosk(store, "door-west", "Dora Desk", "2345", now=now).name == "Dora Desk"
    with pytest.raises(WrongPin):
        auth.unlock_kiosk(store, "door-west", "Dora Desk", "0000", now=now)
    assert _staff_row(store, "Dora Desk") == (3, None)


def test_an_organizer_lifts_a_kiosks_unlock_lock(
    store: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After a run of wrong PINs the kiosk's unlock waits (longer each time); the organizer
    lifts it from the command line, and the escalation starts over."""
    from eventdesk.cli import main

    def cli(*args: str) -> str:
        capsys.readouterr()
        code = main(["--db", db_url, "--data-dir", str(tmp_path), *args])
        out = capsys.readouterr().out
        assert code == 0, out
        return out

    auth.add_staff(store, name="Kai Kiosk", role="staff", pin="2345")
    now = utcnow()
    _wrong_kiosk_run(store, "door-north", "Kai Kiosk", now)
    assert auth.kiosk_unlock_lock(store, "door-north", now=now) is not None
    assert json.loads(cli("--json", "staff", "clear-kiosk-lock", "door-north"))["cleared"]
    assert auth.kiosk_unlock_lock(store, "door-north", now=now) is None
    assert auth.unlock_kiosk(store, "door-north", "Kai Kiosk", "2345", now=now).name == "Kai Kiosk"
    _wrong_kiosk_run(store, "door-north", "Kai Kiosk", now)
    lock = auth.kiosk_unlock_lock(store, "door-north", now=now)
    assert lock is not None and "5 more minutes" in lock  # the first step again, not 15
    assert "was not locked" in cli("staff", "clear-kiosk-lock", "door-south")


# --- the schema -----------------------------------------------------------------------------------
def test_the_lockout_schema_goes_up_and_down(empty_db_url: str) -> None:
    assert HEAD_REVISION >= "0006"  # the lockout columns and table came with 0006
    store = Store(empty_db_url)
    try:
        migrate(store.engine, "0005")
        with store.engine.begin() as conn:  # a staff row from before: no lockout count yet
            conn.execute(
                text(
                    "INSERT INTO staff (name, name_key, role, pin_hash, active,"
                    " failed_pin_attempts, created_at) VALUES ('Old Staff', 'old staff',"
                    " 'staff', :pin_hash, true, 0, :now)"
                ),
                {"pin_hash": auth.hash_pin("2345"), "now": utcnow()},
            )
        # Up to today's schema (the services read the staff as it is now, with every column
        # added since): the row from before counts lockouts.
        migrate(store.engine, "head")
        with store.engine.connect() as conn:
            assert "kiosk_unlock" in inspect(conn).get_table_names()
        _wrong_staff_run(store, "Old Staff", utcnow())
        _wrong_kiosk_run(store, "door-old", "Old Staff", utcnow())
        migrate(store.engine, "0005", down=True)
        with store.engine.connect() as conn:
            assert "kiosk_unlock" not in inspect(conn).get_table_names()
            columns = {c["name"] for c in inspect(conn).get_columns("staff")}
            assert "lockouts" not in columns and "failed_pin_attempts" in columns
        migrate(store.engine, "head")
        with store.read() as session:
            assert session.scalar(select(Staff.lockouts)) == 0
    finally:
        store.dispose()


# --- the app: F12 at the kiosk --------------------------------------------------------------------
def _screen_text(app: Any) -> str:
    """Every character the terminal shows now, as plain text."""
    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


async def _unlock_with(pilot: Any, name: str, pin: str) -> None:
    """A name (put in the field whole: typing it key by key is the sign-in screen's own test),
    Enter, a PIN typed, Enter: as a person at the kiosk would."""
    screen = pilot.app.screen
    name_field = screen.query_one("#staff-name", Input)
    name_field.value = name
    name_field.focus()
    await pilot.press("enter")
    await wait_for(lambda: pilot.app.focused is screen.query_one("#staff-pin", Input), pilot)
    await pilot.press(*pin, "enter")


def _problem(pilot: Any) -> str:
    return str(pilot.app.screen.query_one("#problem", Static).render())


@pytest.mark.asyncio
async def test_f12_at_the_kiosk_names_nobody_and_locks_the_kiosk_not_the_account(
    station: DemoStation,
) -> None:
    names = [name for name, _role, _pin in STAFF]
    app = kiosk_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(app, pilot)
        await pilot.press("f12")
        await wait_for(lambda: isinstance(app.screen, StaffPinScreen), pilot)
        await workers_done(app)
        await pilot.press("enter")  # on the first field: a list of names would open now
        await workers_done(app)
        await pilot.pause()
        shown = _screen_text(app)
        assert "PIN" in shown and not [name for name in names if name in shown]
        assert not app.screen.query(Select)  # no list of names, not even a hidden one

        await _unlock_with(pilot, "Sam Desk", "9999")
        await wait_for(lambda: "wrong" in _problem(pilot), pilot)
        wrong_pin = _problem(pilot)
        await _unlock_with(pilot, "Nobody At All", "9999")
        await wait_for(lambda: _problem(pilot) not in ("Checking…", wrong_pin), pilot)
        assert _problem(pilot).split(" (")[0] == wrong_pin.split(" (")[0]  # the same words
        assert not [name for name in names if name in _screen_text(app)]

        await _unlock_with(pilot, "sam desk", "2345")
        await wait_for(lambda: app.current_mode == "desk", pilot)
        assert app.backend.staff is not None and app.backend.staff.name == "Sam Desk"

    app = kiosk_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(app, pilot)
        await pilot.press("f12")
        await wait_for(lambda: isinstance(app.screen, StaffPinScreen), pilot)
        for _ in range(5):
            await _unlock_with(pilot, "Olivia Organizer", "0000")
            await wait_for(lambda: _problem(pilot) not in ("", "Checking…"), pilot)
        assert "locked" in _problem(pilot) and "5 more minutes" in _problem(pilot)
        await _unlock_with(pilot, "Olivia Organizer", "1234")  # not even checked while locked
        await wait_for(lambda: "locked" in _problem(pilot), pilot)
        assert isinstance(app.screen, StaffPinScreen) and app.current_mode == "kiosk"
        await pilot.press("escape")
        await wait_for(lambda: isinstance(app.screen, KioskScreen), pilot)
        await pilot.press("f12")  # opened again: it says so straight away
        await wait_for(lambda: isinstance(app.screen, StaffPinScreen), pilot)
        await wait_for(lambda: "locked" in _problem(pilot), pilot)

    other = make_app(config=station.config, store=station.open_store())
    async with other.run_test(size=(120, 40)) as pilot:
        assert isinstance(other.screen, LoginScreen)
        await sign_in_with_pin(pilot, "Olivia Organizer", "1234")
        await wait_for(lambda: other.current_mode == "desk", pilot)
        assert other.backend.staff is not None and other.backend.staff.name == "Olivia Organizer"
