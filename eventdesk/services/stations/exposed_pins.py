"""Whose PIN a lost station gives away, and new PINs for them (``station revoke``).

A station carried off while it ran holds its copy's key in memory (services.stations.copy_key),
and with the key its copy reads: in it, the offline verifier of every desk and kiosk account's
PIN (eventdesk.pins), which a thief checks guesses against at leisure (two argon2id hashes a
guess, about 1.3 s on one core: every 4-digit PIN within 3.7 hours). So the accounts at risk
are, on the server's own record:

- every desk and kiosk account: a copy holds the verifier of each (``mirror._read_staff``), a
  disabled one's too when it was refreshed before the account was disabled;
- every account that signed in at that station, or tried to: each PIN checked through a
  station's own login leaves a row in ``station_pin_try`` under its station (right or wrong,
  migration 0018), and each scan the station's app made names its operator (``scan_log``).
  An organizer's PIN is never in a copy, but it was typed on that machine.

What the server does not know is not listed: a PIN typed at a kiosk's F12 unlock (the kiosk's
tries are counted by kiosk, not by account), or a sign-in at a station that ran with the
organizer's own login and scanned nothing.

A reset gives each account a new random PIN of ``NEW_PIN_DIGITS`` digits at once (the old one
no longer signs in anywhere once a station's copy is refreshed, and never on the server), with
the account's wrong tries and lock forgotten, as ``staff reset-pin`` does; the new PINs are
returned once, for the organizer to hand to each person. A PIN is the account's way in: an
account disabled instead would stop its staff at every other door in the middle of the event.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from eventdesk.db import Store
from eventdesk.i18n import _
from eventdesk.models import ScanLog, Staff, StationPinTry
from eventdesk.services.people.auth import reset_staff_pins

NEW_PIN_DIGITS = 6  # 100 times the guesses of 4 digits; still typed from memory
IN_COPY = ("staff", "kiosk")  # the roles whose PIN verifier every station's copy holds


@dataclass(frozen=True)
class ExposedAccount:
    """An account whose PIN a lost station gives away, and how."""

    id: int
    name: str
    role: str  # organizer | staff | kiosk
    active: bool
    in_copy: bool  # its PIN's verifier is in the station's copy
    signed_in: bool  # it signed in (or tried to) at the station

    def why(self) -> str:
        """Why its PIN is at risk, as people read it ("its PIN's verifier is in the copy;
        signed in there")."""
        said = []
        if self.in_copy:
            said.append(_("its PIN's verifier is in the copy"))
        if self.signed_in:
            said.append(_("signed in there"))
        if not self.active:
            said.append(_("disabled"))
        return "; ".join(said)


@dataclass(frozen=True)
class NewPin:
    """A PIN reset: the account and its new PIN, said once."""

    id: int
    name: str
    role: str
    pin: str


def exposed_accounts(store: Store, station: str) -> list[ExposedAccount]:
    """The accounts whose PIN ``station`` gives away (see the module), by name."""
    with store.read() as session:
        tried = set(
            session.scalars(
                select(StationPinTry.key).where(
                    StationPinTry.station == station, StationPinTry.kind == "staff"
                )
            )
        )
        operators = {
            str(name).casefold()
            for name in session.scalars(
                select(ScanLog.operator)
                .where(ScanLog.station == station, ScanLog.operator.is_not(None))
                .distinct()
            )
        }
        rows = session.execute(
            select(Staff.id, Staff.name, Staff.name_key, Staff.role, Staff.active).order_by(
                func.lower(Staff.name), Staff.id
            )
        ).all()
    found = []
    for row in rows:
        in_copy = row.role in IN_COPY
        signed_in = row.name_key in tried or row.name_key in operators
        if in_copy or signed_in:
            found.append(
                ExposedAccount(row.id, row.name, row.role, bool(row.active), in_copy, signed_in)
            )
    return found


def new_pin() -> str:
    return f"{secrets.randbelow(10**NEW_PIN_DIGITS):0{NEW_PIN_DIGITS}d}"


def reset_pins(store: Store, accounts: list[ExposedAccount]) -> list[NewPin]:
    """A new random PIN for each account, all in one transaction; returned once."""
    pins = {account.id: new_pin() for account in accounts}
    made = reset_staff_pins(store, pins)
    return [NewPin(info.id, info.name, info.role, pins[info.id]) for info in made]
