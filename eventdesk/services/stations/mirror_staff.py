"""Staff accounts in a station's mirror: signing in while the server does not answer.

A refresh copies every staff account whole (a few rows; ``services.stations.mirror``): of each desk
and kiosk account its name, role, active flag, lockout state and what a station checks a PIN with
offline (eventdesk.pins: never a hash the server accepts), and of an organizer the name and role
only, so that an organizer is told plainly that signing in needs the server (their PINs never
leave it).

Offline, a PIN is checked against the copy with the same rule as on the server
(``services.people.auth``): five wrong PINs in a row lock the account, each further run longer, and
the count is kept in the mirror (a station restarted meanwhile goes on from it). A row counted
here is marked, and ``upload_locks`` (with the outbox, ``services.stations.sync``) sends its lockout
state to the server: the later lock and the higher counts, never lowering what the server has.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.errors import DatabaseUnavailable, InvalidInput, NotAllowed, NotFound
from eventdesk.i18n import N_, _
from eventdesk.models import Staff, UTCDateTime
from eventdesk.outage import unavailable
from eventdesk.pins import offline_candidate
from eventdesk.services.people.auth import StaffInfo, _get_staff, verify_staff
from eventdesk.services.stations.mirror import Mirror
from eventdesk.services.stations.mirror_refresh import _LOCK_COLUMNS, ORGANIZER
from eventdesk.services.stations.mirror_schema import STAFF

ORGANIZER_OFFLINE = N_(
    "An organizer cannot sign in while the server does not answer: organizers' PINs are "
    "never copied to a station. Sign in with a desk or kiosk account, or wait for the server."
)
OFFLINE_NOTE = N_(
    "The server does not answer: desk and kiosk accounts sign in from this station's copy; "
    "an organizer needs the server."
)
NO_STAFF_COPY = N_(  # why the database is unavailable (eventdesk.outage.unavailable)
    "the server does not answer and this station has no copy of the staff accounts yet: connect "
    "it to the server once (`eventdesk sync`)"
)


def has_accounts(mirror: Mirror) -> bool:
    """The mirror holds the staff accounts (it was refreshed since it keeps them)."""
    with mirror.store.read() as session:
        return session.execute(select(STAFF.c.id).limit(1)).first() is not None


def offline_staff(mirror: Mirror) -> list[StaffInfo]:
    """The accounts in the copy, as ``auth.list_staff`` lists them (organizers included: they
    are told why they cannot sign in)."""
    with mirror.store.read() as session:
        rows = session.execute(
            select(
                STAFF.c.id, STAFF.c.name, STAFF.c.role, STAFF.c.active, STAFF.c.can_override
            ).order_by(func.lower(STAFF.c.name))
        ).all()
    if not rows:
        raise DatabaseUnavailable(unavailable(_(NO_STAFF_COPY)))
    return [StaffInfo(r.id, r.name, r.role, bool(r.active), bool(r.can_override)) for r in rows]


def _named(session: Session, name: str) -> Staff | None:
    try:
        return _get_staff(session, name)
    except (NotFound, InvalidInput):
        return None


def verify_offline(mirror: Mirror, name: str, pin: str, *, now: datetime) -> StaffInfo:
    """Sign a desk or kiosk account in from the mirror, counting wrong PINs there (as
    ``auth.verify_staff`` does on the server). An organizer is refused (NotAllowed,
    ORGANIZER_OFFLINE); a mirror without the accounts raises DatabaseUnavailable."""
    with mirror.store.write() as session:
        if session.execute(select(STAFF.c.id).limit(1)).first() is None:
            raise DatabaseUnavailable(unavailable(_(NO_STAFF_COPY)))
        row = _named(session, name)
        if row is not None and row.role == ORGANIZER:
            raise NotAllowed(_(ORGANIZER_OFFLINE))
        salt = None
        if row is not None:
            salt = session.execute(select(STAFF.c.pin_salt).where(STAFF.c.id == row.id)).scalar()
        if row is not None and row.active:  # counted here: uploaded with the outbox
            session.execute(update(STAFF).where(STAFF.c.id == row.id).values(offline_changed=1))
    # The copy holds the server hash's salt and a hash of that hash (eventdesk.pins): the PIN
    # typed, hashed as the server would, is checked against the latter.
    return verify_staff(mirror.store, name, offline_candidate(salt, pin or ""), now=now)


_OFFLINE_LOCKOUT = text(
    "SELECT station_api.offline_lockout(:id, :failed_pin_attempts, :locked_until, :lockouts)"
).bindparams(bindparam("locked_until", type_=UTCDateTime()))

# The organizer's login: the later lock and the higher counts, in one statement (an organizer's
# own account is never locked by a station).
_RAISE_LOCK = text(
    "UPDATE staff SET failed_pin_attempts = GREATEST(failed_pin_attempts, :failed_pin_attempts),"
    " locked_until = GREATEST(locked_until, :locked_until),"
    " lockouts = GREATEST(lockouts, :lockouts) WHERE id = :id AND role <> 'organizer'"
).bindparams(bindparam("locked_until", type_=UTCDateTime()))


def upload_locks(server: Store, mirror: Mirror) -> int:
    """Send the lockout state counted offline to the server: the later lock and the higher
    counts of each account (never lowering the server's). The number of accounts sent."""
    with mirror.store.read() as session:
        counted = [
            dict(row)
            for row in session.execute(
                select(STAFF.c.id, *(STAFF.c[c] for c in _LOCK_COLUMNS)).where(
                    STAFF.c.offline_changed.is_not(None), STAFF.c.role != ORGANIZER
                )
            ).mappings()
        ]
    if not counted:
        return 0
    # Each account a statement the server completes alone, raising its count and lock and
    # never lowering them: no row held while an answer crosses the link.
    with server.each_statement() as conn:
        for here in counted:
            values = {c: here[c] for c in ("id", *_LOCK_COLUMNS)}
            if server.station_login() is not None:  # its own login: the server's function
                conn.execute(_OFFLINE_LOCKOUT, values)
            else:
                conn.execute(_RAISE_LOCK, values)
    with mirror.store.write_conn() as conn:
        for here in counted:  # unless counted again meanwhile
            conn.execute(
                update(STAFF)
                .where(STAFF.c.id == here["id"], *_same_lock(here))
                .values(offline_changed=None)
            )
    return len(counted)


def _same_lock(here: dict[str, Any]) -> list[Any]:
    return [
        STAFF.c[c].is_(None) if here[c] is None else STAFF.c[c] == here[c] for c in _LOCK_COLUMNS
    ]
