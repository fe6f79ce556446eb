"""Attendee and staff PINs: hashed, five wrong tries lock for five minutes, in the database."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from eventdesk.db import Store
from eventdesk.errors import AccountDisabled, AccountLocked, Conflict, InvalidInput, WrongPin
from eventdesk.models import Attendee, Staff
from eventdesk.services.people import attendees, auth
from eventdesk.services.stations import copy_key
from eventdesk.services.stations.copy_key import SEALED_FILE
from eventdesk.values import utcnow


def test_pin_is_stored_as_argon2_hash_only(store: Store) -> None:
    attendees.add_attendee(store, name="Ada Pin", email="ada@example.com", pin="482913")
    auth.add_staff(store, name="Desk One", role="staff", pin="771234")
    with store.read() as s:
        attendee_hash = s.scalar(select(Attendee.pin_hash))
        staff_hash = s.scalar(select(Staff.pin_hash))
    for stored, pin in ((attendee_hash, "482913"), (staff_hash, "771234")):
        assert stored is not None and stored.startswith("$argon2id$")
        assert pin not in stored


def test_attendee_lockout_after_five_wrong_pins_and_expiry(store: Store, db_url: str) -> None:
    attendees.add_attendee(store, name="Ada Pin", email="ada@example.com", pin="482913")
    now = utcnow()
    for _ in range(4):  # one answer, with no count that would tell a registered email
        with pytest.raises(WrongPin, match=r"^email or PIN is wrong \("):
            auth.verify_attendee(store, "ada@example.com", "000000", now=now)
    with pytest.raises(AccountLocked, match="wait 5 minutes"):
        auth.verify_attendee(store, "ADA@example.com", "000000", now=now)
    # Locked: even the right PIN is refused, and the lock is in the database for every station.
    other_station = Store(db_url)
    try:
        with pytest.raises(AccountLocked):
            auth.verify_attendee(
                other_station, "ada@example.com", "482913", now=now + timedelta(minutes=4)
            )
    finally:
        other_station.dispose()
    # After five minutes the right PIN works again and the count starts over.
    assert auth.verify_attendee(
        store, "ada@example.com", "482913", now=now + timedelta(minutes=5, seconds=1)
    )
    with pytest.raises(WrongPin):
        auth.verify_attendee(store, "ada@example.com", "111111", now=now + timedelta(minutes=6))


def test_success_resets_the_count(store: Store) -> None:
    attendees.add_attendee(store, name="Ada Pin", email="ada@example.com", pin="482913")
    for _ in range(4):
        with pytest.raises(WrongPin):
            auth.verify_attendee(store, "ada@example.com", "999999")
    auth.verify_attendee(store, "ada@example.com", "482913")
    for _ in range(4):  # four more wrong ones are not a lock: the count started over
        with pytest.raises(WrongPin):
            auth.verify_attendee(store, "ada@example.com", "999999")


def test_unknown_email_and_missing_pin(store: Store) -> None:
    attendees.add_attendee(store, name="No Pin", email="nopin@example.com")
    with pytest.raises(WrongPin, match="email or PIN is wrong"):
        auth.verify_attendee(store, "ghost@example.com", "1234")
    with pytest.raises(WrongPin) as no_pin:
        auth.verify_attendee(store, "nopin@example.com", "1234")
    with pytest.raises(WrongPin) as unknown:
        auth.verify_attendee(store, "nobody@example.com", "1234")
    assert str(no_pin.value) == str(unknown.value)  # no telling who is registered
    attendees.set_attendee_pin(store, "nopin@example.com", "5678")
    assert auth.verify_attendee(store, "nopin@example.com", "5678")


def test_staff_roles_lockout_disable_and_reset(store: Store) -> None:
    auth.add_staff(store, name="Olivia", role="organizer", pin="1234")
    with pytest.raises(Conflict):
        auth.add_staff(store, name="olivia", role="staff", pin="9999")
    with pytest.raises(InvalidInput, match="role"):
        auth.add_staff(store, name="Bob", role="janitor", pin="9999")
    assert auth.verify_staff(store, "OLIVIA", "1234").role == "organizer"
    now = utcnow()
    for _ in range(4):
        with pytest.raises(WrongPin):
            auth.verify_staff(store, "Olivia", "0000", now=now)
    with pytest.raises(AccountLocked):
        auth.verify_staff(store, "Olivia", "0000", now=now)
    auth.reset_staff_pin(store, "Olivia", "4321")  # an organizer's reset also lifts the lock
    assert auth.verify_staff(store, "Olivia", "4321", now=now).name == "Olivia"
    auth.set_staff_active(store, "Olivia", False)
    with pytest.raises(AccountDisabled):
        auth.verify_staff(store, "Olivia", "4321")
    with pytest.raises(WrongPin, match="name or PIN"):
        auth.verify_staff(store, "Nobody", "4321")


@pytest.mark.parametrize("pin", ["", "12", "abcd", "12 34", "1234567890123", "١٢٣٤"])
def test_bad_pins_are_refused(store: Store, pin: str) -> None:
    with pytest.raises(InvalidInput, match="4 to 12 digits"):
        auth.add_staff(store, name="Pat", role="staff", pin=pin)


def test_parallel_guesses_get_no_more_than_five_checks(store: Store) -> None:
    """Thirty guesses at once: at most five are checked, the rest meet the lock, and the right
    PIN after them is refused until the lock runs out."""
    from concurrent.futures import ThreadPoolExecutor

    attendees.add_attendee(store, name="Ada Pin", email="ada@example.com", pin="482913")
    now = utcnow()

    def guess(n: int) -> str:
        try:
            auth.verify_attendee(store, "ada@example.com", f"{100000 + n}", now=now)
        except WrongPin:
            return "wrong"
        except AccountLocked:
            return "locked"
        return "accepted"

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(guess, range(30)))
    assert answers.count("wrong") + answers.count("locked") == 30
    assert answers.count("wrong") <= 4 and answers.count("locked") >= 26
    with pytest.raises(AccountLocked):
        auth.verify_attendee(store, "ada@example.com", "482913", now=now)
    assert auth.verify_attendee(store, "ada@example.com", "482913", now=now + timedelta(minutes=6))


@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_the_product_hashes_pins_at_argon2s_recommended_cost() -> None:
    """The tests hash PINs cheaply in their own process (conftest.cheap_costs); eventdesk
    itself, in a process of its own, hashes with argon2id at 64 MiB, 3 passes, 4 lanes."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from eventdesk.services.people.auth import hash_pin; print(hash_pin('1234'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.startswith("$argon2id$v=19$m=65536,t=3,p=4$"), done.stdout
    # and this process is the tests' (cheap) one
    assert auth.hash_pin("1234").startswith("$argon2id$v=19$m=64,t=1,p=1$")


@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_the_product_seals_a_copys_key_at_its_own_cost(tmp_path: Path) -> None:
    """The tests seal copies' keys cheaply, in their own process and in the commands they fork
    (tests/forks.py); eventdesk itself, in a process of its own, derives the sealing key with
    argon2id at 64 MiB and 2 passes."""
    code = (
        "import sys; from pathlib import Path; "
        "from eventdesk.services.stations.copy_key import seal; "
        "seal(Path(sys.argv[1]), bytes(range(32)), '3F9A-C21B-77E0')"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, timeout=120)
    kdf = json.loads((tmp_path / SEALED_FILE).read_text())["kdf"]
    assert kdf == {"name": "argon2id", "time_cost": 2, "memory_kib": 64 * 1024}
    assert copy_key.SealCost(time_cost=1, memory_kib=64) == copy_key.SEAL_COST  # this process's
