"""PINs for attendees and staff: argon2id hashes, and lockouts kept in the database.

Five wrong PINs in a row lock the account, across every station, and each further run of five
locks it longer (``LOCKOUTS``: 5 minutes, 15 minutes, 1 hour, then 4 hours each time); a right
PIN starts both the count and the escalation over. A PIN is never stored or logged in clear. An
attendee is told one thing whenever their email and PIN do not let them in (unknown email, no PIN
yet, wrong PIN, locked), at the same hash cost: the kiosk and ``eventdesk attendee login`` never
tell who is registered.

A self-service kiosk's staff unlock (``unlock_kiosk``) is on a public screen: the name is typed,
not picked from a list, every refusal has the same words, and its wrong tries lock that kiosk's
unlock (on the same schedule), never the staff account named, which still signs in at a desk.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.errors import (
    AccountDisabled,
    AccountLocked,
    Conflict,
    InvalidInput,
    NotAllowed,
    NotFound,
    WrongPin,
)
from eventdesk.i18n import N_, _, ngettext
from eventdesk.ids import as_id
from eventdesk.models import Attendee, KioskUnlock, Staff
from eventdesk.services.common import email_key, searchable
from eventdesk.services.people.pins_api import check_on_server
from eventdesk.values import parse_pin, require_text, utcnow

MAX_ATTEMPTS = 5
# How long each lock lasts: the first after five wrong PINs, then after each further run of five;
# the last one repeats (the cap) until a right PIN starts the escalation over.
LOCKOUTS = (
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=4),
)
# The one answer an attendee gets when email and PIN do not let them in.
ATTENDEE_REFUSED = N_(
    "email or PIN is wrong (after 5 wrong tries, wait 5 minutes; no PIN yet? please see the desk)"
)
ROLES = ("organizer", "staff", "kiosk")
KIOSK_UNLOCK_ROLES = ("organizer", "staff")  # a kiosk account cannot unlock a kiosk
STAFF_REFUSED = N_("name or PIN is wrong")
ORGANIZER_AT_DOOR = N_(
    "A door never checks an organizer's PIN: an organizer signs in at a desk or at the "
    "organizer's station."
)

PinHolder = TypeVar("PinHolder", Attendee, Staff, KioskUnlock)

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
    # May override a door's refusal (services.door.override; an organizer always may).
    can_override: bool = False


def _staff_info(row: Staff) -> StaffInfo:
    return StaffInfo(row.id, row.name, row.role, row.active, bool(row.can_override))


def lockout_after(lockouts: int) -> timedelta:
    """How long the next lock lasts when there were ``lockouts`` locks since the last right PIN:
    5 minutes, 15 minutes, 1 hour, then 4 hours every time."""
    return LOCKOUTS[min(max(lockouts, 0), len(LOCKOUTS) - 1)]


def _wait_words(until: datetime, now: datetime) -> str:
    """How long is left, rounded up to the minute: '5 more minutes', '1 more hour',
    '3 h 59 min more'."""
    minutes = max(1, int((until - now).total_seconds() + 59) // 60)
    if minutes < 60:
        return ngettext("{count} more minute", "{count} more minutes", minutes).format(
            count=minutes
        )
    hours, rest = divmod(minutes, 60)
    if rest == 0:
        return ngettext("{count} more hour", "{count} more hours", hours).format(count=hours)
    return _("{hours} h {minutes} min more").format(hours=hours, minutes=rest)


def _locked_message(until: datetime, now: datetime) -> str:
    # TRANSLATORS: {wait} is "5 more minutes", "1 more hour", "3 h 59 min more"
    return _("too many wrong PINs: locked for {wait}").format(wait=_wait_words(until, now))


def _kiosk_locked_message(until: datetime, now: datetime) -> str:
    return _("too many wrong PINs at this kiosk: its staff unlock is locked for {wait}").format(
        wait=_wait_words(until, now)
    )


class _Locked(Exception):
    """The counted row is locked until ``until``."""

    def __init__(self, until: datetime) -> None:
        super().__init__(until)
        self.until = until


def _reserve_attempt(
    store: Store, model: type[PinHolder], row_id: int | str, now: datetime
) -> None:
    """Count this attempt before the PIN is checked, under the row lock: however many guesses
    arrive at once, at most MAX_ATTEMPTS are ever checked before the row locks. Raises _Locked
    (and checks nothing) while it is locked."""
    with store.write() as session:
        row = session.get(model, row_id, with_for_update=True)
        assert row is not None
        if row.locked_until is not None:
            if now < row.locked_until:
                raise _Locked(row.locked_until)
            row.locked_until = None  # the lock ran out: a fresh count, the escalation stays
            row.failed_pin_attempts = 0
        if row.failed_pin_attempts >= MAX_ATTEMPTS:  # the last tries are still being checked
            raise _Locked(now + lockout_after(row.lockouts))
        row.failed_pin_attempts += 1


def _forget_wrong_pins(row: PinHolder) -> bool:
    """An organizer's reset: no lock, no wrong tries counted, the escalation from the start.
    True when there was anything to forget."""
    had = bool(row.locked_until or row.failed_pin_attempts or row.lockouts)
    row.locked_until = None
    row.failed_pin_attempts = 0
    row.lockouts = 0
    return had


def _settle_attempt(
    store: Store, model: type[PinHolder], row_id: int | str, ok: bool, now: datetime
) -> tuple[int, datetime | None]:
    """After the check: a right PIN clears the count and the escalation; the last wrong one
    locks for the next step of LOCKOUTS. Returns the tries left and the lock, if any."""
    with store.write() as session:
        row = session.get(model, row_id, with_for_update=True)
        assert row is not None
        if row.locked_until is not None and now < row.locked_until:
            return 0, row.locked_until  # locked meanwhile by other wrong guesses: a right PIN waits
        if ok:
            row.failed_pin_attempts = 0
            row.lockouts = 0
            return MAX_ATTEMPTS, None
        if row.failed_pin_attempts >= MAX_ATTEMPTS:
            row.failed_pin_attempts = 0
            row.locked_until = now + lockout_after(row.lockouts)
            row.lockouts += 1
            return 0, row.locked_until
        return MAX_ATTEMPTS - row.failed_pin_attempts, None


def _tries_left(wrong: str, left: int) -> str:
    """``wrong`` (ATTENDEE_REFUSED or STAFF_REFUSED, as written) and the tries left."""
    return ngettext("{refusal} ({count} try left)", "{refusal} ({count} tries left)", left).format(
        refusal=_(wrong), count=left
    )


def _attempt(
    store: Store,
    model: type[PinHolder],
    row_id: int,
    pin_hash: str | None,
    pin: str,
    now: datetime,
    wrong: str,
) -> None:
    try:
        _reserve_attempt(store, model, row_id, now)
    except _Locked as locked:
        raise AccountLocked(_locked_message(locked.until, now)) from None
    ok = _matches(pin_hash, pin)
    left, until = _settle_attempt(store, model, row_id, ok, now)
    if until is not None:
        raise AccountLocked(_locked_message(until, now))
    if not ok:
        raise WrongPin(_tries_left(wrong, left))


def verify_attendee(store: Store, email: str, pin: str, *, now: datetime | None = None) -> int:
    """Checks an attendee's email and PIN; returns the attendee id. Raises WrongPin with
    ATTENDEE_REFUSED (AccountLocked with the same words) otherwise."""
    moment = now or utcnow()
    key = email_key(email or "")
    if store.station_login() is not None:
        found = check_on_server(store, "attendee", key, pin)
        if found.verdict == "ok" and found.account is not None:
            return found.account
        if found.verdict == "locked":
            raise AccountLocked(_(ATTENDEE_REFUSED))
        raise WrongPin(_(ATTENDEE_REFUSED))
    with store.read() as session:
        row = (
            session.scalars(select(Attendee).where(Attendee.email_key == key)).first()
            if searchable(key)
            else None
        )
        snapshot = None if row is None else (row.id, row.pin_hash)
    if snapshot is None or snapshot[1] is None:
        _matches(None, pin or "")  # the same hash time as a real check
        raise WrongPin(_(ATTENDEE_REFUSED))
    row_id, pin_hash = snapshot
    try:
        _attempt(store, Attendee, row_id, pin_hash, pin or "", moment, ATTENDEE_REFUSED)
    except AccountLocked:
        raise AccountLocked(_(ATTENDEE_REFUSED)) from None
    except WrongPin:  # without the tries left: an unknown email has none to count
        raise WrongPin(_(ATTENDEE_REFUSED)) from None
    return row_id


# --- staff ----------------------------------------------------------------------------------
def _role(value: str) -> str:
    role = value.strip().lower()
    if role not in ROLES:
        raise InvalidInput(
            _("role must be one of {choices}").format(choices=", ".join(ROLES)), field="role"
        )
    return role


def _get_staff(session: Session, ref: str | int) -> Staff:
    text = str(ref).strip()
    number = as_id(text)
    row = session.get(Staff, number) if number is not None else None
    if row is None and (not text.isprintable() or len(text) > 100):
        raise NotFound(_("no staff account {name!r}").format(name=text), field="staff")
    row = row or session.scalars(select(Staff).where(Staff.name_key == text.casefold())).first()
    if row is None:
        raise NotFound(_("no staff account {name!r}").format(name=text), field="staff")
    return row


def add_staff(
    store: Store, *, name: str, role: str, pin: str, can_override: bool = False
) -> StaffInfo:
    staff_name = require_text(name, "name", max_length=100)
    if len(staff_name.casefold()) > 100:
        raise InvalidInput(
            _("{field} is longer than {length} characters").format(field="name", length=100),
            field="name",
        )
    staff_role = _role(role)
    pin_hash = hash_pin(parse_pin(pin))
    with store.write() as session:
        if session.scalar(select(Staff.id).where(Staff.name_key == staff_name.casefold())):
            raise Conflict(
                _("a staff account named {name!r} exists already").format(name=staff_name),
                field="name",
            )
        row = Staff(
            name=staff_name,
            name_key=staff_name.casefold(),
            role=staff_role,
            pin_hash=pin_hash,
            active=True,
            can_override=can_override,
            failed_pin_attempts=0,
            lockouts=0,
            created_at=utcnow(),
        )
        session.add(row)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict(
                _("a staff account named {name!r} exists already").format(name=staff_name),
                field="name",
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


def set_staff_override(store: Store, ref: str | int, allowed: bool) -> StaffInfo:
    """Lets a staff account override a door's refusal (services.door.override), or not."""
    with store.write() as session:
        row = _get_staff(session, ref)
        row.can_override = allowed
        return _staff_info(row)


def reset_staff_pin(store: Store, ref: str | int, pin: str) -> StaffInfo:
    pin_hash = hash_pin(parse_pin(pin))
    with store.write() as session:
        row = _get_staff(session, ref)
        row.pin_hash = pin_hash
        _forget_wrong_pins(row)
        return _staff_info(row)


def reset_staff_pins(store: Store, pins: Mapping[int, str]) -> list[StaffInfo]:
    """Several accounts' PINs set at once, all or none (by account id), each as
    ``reset_staff_pin`` sets one: the old PIN no longer signs in, wrong tries forgotten."""
    hashes = {ref: hash_pin(parse_pin(pin)) for ref, pin in pins.items()}
    with store.write() as session:
        made = []
        for ref, pin_hash in hashes.items():
            row = _get_staff(session, ref)
            row.pin_hash = pin_hash
            _forget_wrong_pins(row)
            made.append(_staff_info(row))
        return made


def verify_staff(store: Store, name: str, pin: str, *, now: datetime | None = None) -> StaffInfo:
    """Signs a staff member in by name and PIN."""
    moment = now or utcnow()
    wrong = STAFF_REFUSED
    if store.station_login() is not None:
        return _on_server(store, "staff", name, pin, moment, _locked_message)
    with store.read() as session:
        try:
            row = _get_staff(session, name)
        except (NotFound, InvalidInput):
            row = None
        snapshot = None if row is None else (_staff_info(row), row.pin_hash)
    if snapshot is None:
        _matches(None, pin or "")
        raise WrongPin(_(wrong))
    info, pin_hash = snapshot
    if not info.active:
        raise AccountDisabled(_("staff account {name!r} is disabled").format(name=info.name))
    _attempt(store, Staff, info.id, pin_hash, pin or "", moment, wrong)
    return info


# --- a kiosk's staff unlock -------------------------------------------------------------------
def _kiosk_key(station: str) -> str:
    return require_text(station, "station", max_length=100)


def _kiosk_row(store: Store, station: str) -> None:
    """The kiosk's counter row, made the first time (by whichever station gets there first)."""
    values = {"station": station, "failed_pin_attempts": 0, "lockouts": 0}
    insert = postgresql_insert if store.dialect == "postgresql" else sqlite_insert
    with store.write() as session:
        session.execute(insert(KioskUnlock).values(values).on_conflict_do_nothing())


def _kiosk_candidate(store: Store, name: str) -> tuple[StaffInfo | None, str | None]:
    """The account a name at the kiosk means, when it may unlock a kiosk, and a hash to check
    the PIN against either way (so every name costs the same time). By name only: a number is
    not looked up as an account id on a public screen."""
    text = (name or "").strip()
    if not text or len(text) > 100 or not text.isprintable():
        return None, None
    with store.read() as session:
        row = session.scalars(select(Staff).where(Staff.name_key == text.casefold())).first()
        if row is None:
            return None, None
        allowed = row.active and row.role in KIOSK_UNLOCK_ROLES
        return (_staff_info(row) if allowed else None), row.pin_hash


def kiosk_unlock_lock(store: Store, station: str, *, now: datetime | None = None) -> str | None:
    """What the kiosk's unlock says while it is locked (and for how long), else None."""
    moment = now or utcnow()
    key = _kiosk_key(station)
    with store.read() as session:
        row = session.get(KioskUnlock, key)
        until = None if row is None else row.locked_until
    if until is None or moment >= until:
        return None
    return _kiosk_locked_message(until, moment)


def clear_kiosk_lock(store: Store, station: str) -> bool:
    """An organizer lifts a kiosk's unlock lock and forgets its wrong tries and escalation
    (after the wrong guesses were explained). True when there was anything to clear."""
    key = _kiosk_key(station)
    with store.write() as session:
        row = session.get(KioskUnlock, key)
        if row is None:
            return False
        return _forget_wrong_pins(row)


def unlock_kiosk(
    store: Store, station: str, name: str, pin: str, *, now: datetime | None = None
) -> StaffInfo:
    """Lets an organizer or desk staff member leave the kiosk at ``station`` by typed name and
    PIN; returns who it was.

    Every refusal (unknown name, wrong PIN, a kiosk or disabled account) is WrongPin with the
    same words and the kiosk's tries left. The tries count against this kiosk's unlock, kept in
    the database by station name: five wrong ones lock it on the LOCKOUTS schedule (AccountLocked,
    saying for how long), and while it is locked no PIN is checked. The staff account's own count
    and lock are neither read nor touched: the person named still signs in at a desk.
    """
    moment = now or utcnow()
    key = _kiosk_key(station)
    if store.station_login() is not None:
        return _on_server(store, "kiosk", name, pin, moment, _kiosk_locked_message)
    _kiosk_row(store, key)
    try:
        _reserve_attempt(store, KioskUnlock, key, moment)
    except _Locked as locked:
        raise AccountLocked(_kiosk_locked_message(locked.until, moment)) from None
    staff, pin_hash = _kiosk_candidate(store, name)
    ok = _matches(pin_hash, pin or "") and staff is not None
    left, until = _settle_attempt(store, KioskUnlock, key, ok, moment)
    if until is not None:
        raise AccountLocked(_kiosk_locked_message(until, moment))
    if staff is None or not ok:
        raise WrongPin(_tries_left(STAFF_REFUSED, left))
    return staff


def _on_server(
    store: Store,
    kind: str,
    name: str,
    pin: str,
    now: datetime,
    locked: Callable[[datetime, datetime], str],
) -> StaffInfo:
    """A staff PIN checked by the server (a station's own login reads no hash but of the
    accounts that sign in at a station, and counts every try on the server's clock)."""
    text = (name or "").strip()
    if not text or len(text) > 100 or not text.isprintable():
        _matches(None, pin or "")
        raise WrongPin(_(STAFF_REFUSED))
    found = check_on_server(store, kind, text.casefold(), pin or "")
    if found.verdict == "organizer":
        raise NotAllowed(_(ORGANIZER_AT_DOOR))
    if found.verdict == "locked" and found.locked_until is not None:
        raise AccountLocked(locked(found.locked_until, now))
    if found.verdict == "disabled":
        raise AccountDisabled(_("staff account {name!r} is disabled").format(name=text))
    if found.verdict != "ok" or found.account is None:
        left = found.tries_left
        raise WrongPin(_tries_left(STAFF_REFUSED, left) if left else _(STAFF_REFUSED))
    with store.read() as session:
        row = session.get(Staff, found.account)
        assert row is not None
        return _staff_info(row)
