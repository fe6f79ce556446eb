"""PINs for attendees and staff: argon2id hashes, and a lockout kept in the database.

Five wrong PINs in a row lock the account for five minutes, across every station. A PIN is
never stored or logged in clear; an unknown email costs the same hash time as a known one.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.errors import (
    AccountDisabled,
    AccountLocked,
    Conflict,
    InvalidInput,
    NotFound,
    WrongPin,
)
from eventdesk.ids import as_id
from eventdesk.models import Attendee, Staff
from eventdesk.services.common import email_key, searchable
from eventdesk.values import parse_pin, require_text, utcnow

MAX_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=5)
ROLES = ("organizer", "staff", "kiosk")

PinHolder = TypeVar("PinHolder", Attendee, Staff)

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Checked against when there is no real hash, so every answer costs the same time."""
    return _hasher.hash("000000")


def hash_pin(pin: str) -> str:
    return _hasher.hash(pin)


def _matches(pin_hash: str | None, pin: str) -> bool:
    try:
        return _hasher.verify(pin_hash or _dummy_hash(), pin) and pin_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class StaffInfo:
    id: int
    name: str
    role: str
    active: bool


def _staff_info(row: Staff) -> StaffInfo:
    return StaffInfo(row.id, row.name, row.role, row.active)


def _locked_message(until: datetime, now: datetime) -> str:
    minutes = max(1, int((until - now).total_seconds() + 59) // 60)
    return f"too many wrong PINs: locked for {minutes} more minute{'s' if minutes != 1 else ''}"


def _reserve_attempt(store: Store, model: type[PinHolder], row_id: int, now: datetime) -> None:
    """Count this attempt before the PIN is checked, under the row lock: however many guesses
    arrive at once, at most MAX_ATTEMPTS are ever checked before the account locks."""
    with store.write() as session:
        row = session.get(model, row_id, with_for_update=True)
        assert row is not None
        if row.locked_until is not None:
            if now < row.locked_until:
                raise AccountLocked(_locked_message(row.locked_until, now))
            row.locked_until = None  # the lock ran out: a fresh start
            row.failed_pin_attempts = 0
        if row.failed_pin_attempts >= MAX_ATTEMPTS:  # the last tries are still being checked
            raise AccountLocked(_locked_message(now + LOCKOUT, now))
        row.failed_pin_attempts += 1


def _settle_attempt(
    store: Store, model: type[PinHolder], row_id: int, ok: bool, now: datetime
) -> int:
    """After the check: clear the count, or lock at the limit. Returns the tries left."""
    with store.write() as session:
        row = session.get(model, row_id, with_for_update=True)
        assert row is not None
        if row.locked_until is not None and now < row.locked_until:
            return 0  # locked meanwhile by other wrong guesses: even a right PIN waits
        if ok:
            row.failed_pin_attempts = 0
            return MAX_ATTEMPTS
        if row.failed_pin_attempts >= MAX_ATTEMPTS:
            row.failed_pin_attempts = 0
            row.locked_until = now + LOCKOUT
            return 0
        return MAX_ATTEMPTS - row.failed_pin_attempts


def _attempt(
    store: Store,
    model: type[PinHolder],
    row_id: int,
    pin_hash: str | None,
    pin: str,
    now: datetime,
    wrong: str,
) -> None:
    _reserve_attempt(store, model, row_id, now)
    ok = _matches(pin_hash, pin)
    left = _settle_attempt(store, model, row_id, ok, now)
    if left == 0:
        raise AccountLocked(_locked_message(now + LOCKOUT, now))
    if not ok:
        raise WrongPin(f"{wrong} ({left} {'try' if left == 1 else 'tries'} left)")


def verify_attendee(store: Store, email: str, pin: str, *, now: datetime | None = None) -> int:
    """Checks an attendee's email and PIN; returns the attendee id."""
    moment = now or utcnow()
    # One answer for an unknown email, a missing PIN and a wrong one: no telling who is registered.
    wrong = "email or PIN is wrong (no PIN yet? please see the desk)"
    key = email_key(email or "")
    with store.read() as session:
        row = (
            session.scalars(select(Attendee).where(Attendee.email_key == key)).first()
            if searchable(key)
            else None
        )
        snapshot = None if row is None else (row.id, row.pin_hash)
    if snapshot is None or snapshot[1] is None:
        _matches(None, pin or "")  # the same hash time as a real check
        raise WrongPin(wrong)
    row_id, pin_hash = snapshot
    _attempt(store, Attendee, row_id, pin_hash, pin or "", moment, wrong)
    return row_id


# --- staff ----------------------------------------------------------------------------------
def _role(value: str) -> str:
    role = value.strip().lower()
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", field="role")
    return role


def _get_staff(session: Session, ref: str | int) -> Staff:
    text = str(ref).strip()
    number = as_id(text)
    row = session.get(Staff, number) if number is not None else None
    if row is None and (not text.isprintable() or len(text) > 100):
        raise NotFound(f"no staff account {text!r}", field="staff")
    row = row or session.scalars(select(Staff).where(Staff.name_key == text.casefold())).first()
    if row is None:
        raise NotFound(f"no staff account {text!r}", field="staff")
    return row


def add_staff(store: Store, *, name: str, role: str, pin: str) -> StaffInfo:
    staff_name = require_text(name, "name", max_length=100)
    if len(staff_name.casefold()) > 100:
        raise InvalidInput("name is longer than 100 characters", field="name")
    staff_role = _role(role)
    pin_hash = hash_pin(parse_pin(pin))
    with store.write() as session:
        if session.scalar(select(Staff.id).where(Staff.name_key == staff_name.casefold())):
            raise Conflict(f"a staff account named {staff_name!r} exists already", field="name")
        row = Staff(
            name=staff_name,
            name_key=staff_name.casefold(),
            role=staff_role,
            pin_hash=pin_hash,
            active=True,
            failed_pin_attempts=0,
            created_at=utcnow(),
        )
        session.add(row)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict(
                f"a staff account named {staff_name!r} exists already", field="name"
            ) from None
        return _staff_info(row)


def list_staff(store: Store) -> list[StaffInfo]:
    with store.read() as session:
        return [
            _staff_info(r) for r in session.scalars(select(Staff).order_by(func.lower(Staff.name)))
        ]


def set_staff_active(store: Store, ref: str | int, active: bool) -> StaffInfo:
    with store.write() as session:
        row = _get_staff(session, ref)
        row.active = active
        return _staff_info(row)


def reset_staff_pin(store: Store, ref: str | int, pin: str) -> StaffInfo:
    pin_hash = hash_pin(parse_pin(pin))
    with store.write() as session:
        row = _get_staff(session, ref)
        row.pin_hash = pin_hash
        row.failed_pin_attempts = 0
        row.locked_until = None
        return _staff_info(row)


def verify_staff(store: Store, name: str, pin: str, *, now: datetime | None = None) -> StaffInfo:
    """Signs a staff member in by name and PIN."""
    moment = now or utcnow()
    wrong = "name or PIN is wrong"
    with store.read() as session:
        try:
            row = _get_staff(session, name)
        except (NotFound, InvalidInput):
            row = None
        snapshot = None if row is None else (_staff_info(row), row.pin_hash)
    if snapshot is None:
        _matches(None, pin or "")
        raise WrongPin(wrong)
    info, pin_hash = snapshot
    if not info.active:
        raise AccountDisabled(f"staff account {info.name!r} is disabled")
    _attempt(store, Staff, info.id, pin_hash, pin or "", moment, wrong)
    return info
