"""A supervisor's override: a person the door refused, admitted all the same by someone whose
account may override (an organizer, or staff given the right: ``staff update --can-override``),
with their PIN and a reason ("the wristband broke", "the list's hours are wrong").

The door decides first, as for any check-in (that refusal is logged as it was given); then,
when the refusal is one a supervisor may override (``OVERRIDABLE``), the ticket is admitted (its
first check-in, or again, or to the session) and the admission is logged with ``override``: who,
why, and what was refused (its result and rule), in the scan log's answer and in the transaction
log. A ticket that is no ticket (a forged line, unknown, revoked, waitlisted, another event's) is
never admitted by an override; a ticket the door admits anyway is admitted as usual, and nothing
is overridden. A kiosk never overrides.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, text

from eventdesk.errors import AccountDisabled, AccountLocked, InvalidInput, NotAllowed, WrongPin
from eventdesk.i18n import N_, _
from eventdesk.labels import label
from eventdesk.models import TransactionLog
from eventdesk.pins import hashed_like
from eventdesk.services.door.checkin_sql import ADMIT, FIRST, LOOKUP, READMIT, SESSION_ADMIT
from eventdesk.services.door.scan_result import (
    Direction,
    Override,
    ScanOutcome,
    ScanResult,
    new_nonce,
    parse_nonce,
    said,
)
from eventdesk.services.people.auth import STAFF_REFUSED, _locked_message, _tries_left
from eventdesk.values import require_text

if TYPE_CHECKING:
    from eventdesk.services.door.checkin import Checkin

# The refusals a supervisor may override: the ticket is genuine and the event's, the door's
# rules (its times, its list, money, a second entry) said no.
OVERRIDABLE: frozenset[ScanOutcome] = frozenset(
    {
        "closed",
        "wrong_type",
        "used_today",
        "too_soon",
        "already_checked_in",
        "no_reentry",
        "unpaid",
        "needs_staff",
        "needs_answer",
        "not_yet_valid",
        "expired",
        "wrong_session",
    }
)
# The reasons offered (a reason may also be typed).
REASONS = (
    N_("wristband broke"),
    N_("list hours wrong"),
    N_("ticket valid, system wrong"),
)
REASON_CHARS = 200
TX_KIND = "override"
ADMITTED = N_("Admitted (override by {name}: {reason}).")


class NotOverridable(NotAllowed):
    """The refusal is one no override admits (the ticket is no valid ticket of this event)."""


def may_override(result: ScanResult) -> bool:
    """Whether ``result`` is a refusal of a ticket a supervisor may override."""
    return (
        result.ticket_id is not None
        and result.result in OVERRIDABLE
        and result.direction == "entry"
        and not result.replayed
    )


def overrides(role: str, can_override: bool) -> bool:
    """Whether an account of ``role`` with the right ``can_override`` may override."""
    return role == "organizer" or (role == "staff" and can_override)


def not_allowed(name: str) -> NotAllowed:
    return NotAllowed(
        _("{name} may not override a refusal (an organizer gives the right)").format(name=name)
    )


def kiosk_refuses() -> NotAllowed:
    return NotAllowed(_("a kiosk never overrides a refusal: the person goes to the desk"))


def reason_of(text: str) -> str:
    return require_text(text, "reason", max_length=REASON_CHARS)


def check_overridable(refusal: ScanResult) -> None:
    """Raises NotOverridable unless ``refusal`` is one a supervisor may override."""
    if refusal.result not in OVERRIDABLE:
        raise NotOverridable(
            # TRANSLATORS: {result} is the door's refusal: "invalid", "unknown", "revoked"
            _("this refusal ({result}) is never overridden: {message}").format(
                result=label("scan_result", refusal.result), message=refusal.message
            )
        )


def overridden(refusal: ScanResult, by: str, reason: str) -> ScanResult:
    """The admission that overrides ``refusal`` (as the scan log keeps it)."""
    mark = Override(by, reason, refusal.result, refusal.rule)
    return replace(
        refusal,
        result="ok",
        said=said(ADMITTED, name=by, reason=reason),
        override=mark,
        see_desk=False,
        replayed=False,
        would_pass=None,
        asks=(),
        questions=(),
    )


def log_override(
    conn: Connection,
    result: ScanResult,
    *,
    event_id: int | None,
    station: str,
    operator: str | None,
) -> None:
    """The override in the transaction log (the server's, or a local database's)."""
    mark = result.override
    assert mark is not None
    detail: dict[str, Any] = {**vars(mark), "operator": operator}
    if result.session_id is not None:
        detail["session_id"] = result.session_id
    conn.execute(
        insert(TransactionLog),
        {
            "at": result.at,
            "kind": TX_KIND,
            "event_id": event_id,
            "ticket_id": result.ticket_id,
            "station": station[:100],
            "detail": json.dumps(detail, ensure_ascii=False),
        },
    )


def decide_override(
    door: Checkin,
    ticket_id: str,
    *,
    supervisor: str,
    pin: str,
    reason: str,
    session_id: int | None,
    direction: Direction,
    now: datetime | None,
    nonce: str | None,
    answers: dict[str, str] | None,
) -> ScanResult:
    """``Checkin.override``: the door's decision on ``ticket_id``, then, when it refused and
    the refusal may be overridden, the admission by ``supervisor`` (checked by ``pin``)."""
    if door.self_service:
        raise kiosk_refuses()
    why = reason_of(reason)
    if direction != "entry":
        raise InvalidInput(_("an override admits a person: it lets no one out"), field="direction")
    wanted = ticket_id.strip().upper() if isinstance(ticket_id, str) else ""
    line = f"override:{wanted}"

    def decide(key: str | None) -> ScanResult:
        # A station's own login: the server checks the PIN and the right, with the admission.
        by = None if door.ledger.checks_pins else door.supervisor(supervisor, pin)
        moment = now or door.clock()
        # The door's own decision has a nonce of its own, made from the override's: a retry
        # gets that decision again (an admission as usual stays one, never an override).
        first = hashlib.sha256(f"door:{key}".encode()).hexdigest()[:32] if key else new_nonce()
        refusal = door.checkin_ticket(
            wanted,
            session_id=session_id,
            direction=direction,
            now=moment,
            nonce=first,
            answers=answers,
        )
        if refusal.admitted:  # nothing to override: admitted as usual
            return refusal
        check_overridable(refusal)
        refusal = replace(refusal, at=moment)  # a retry's: decided again now
        if by is None:
            return _on_server(door, refusal, supervisor, pin, why, line, key)
        result = overridden(refusal, by, why)
        with door.store.write_conn() as conn:
            result = _told(conn, _admit(door, conn, result))
            event_id = conn.execute(
                text("SELECT event_id FROM ticket WHERE id = :id"), {"id": result.ticket_id}
            ).scalar()
            door.log_scan(conn, result, line, event_id=event_id, nonce=key)
            door.log_override(conn, result, event_id)
        return result

    return door.once(parse_nonce(nonce) or new_nonce(), line, decide)


def _admit(door: Checkin, conn: Connection, result: ScanResult) -> ScanResult:
    """The ticket admitted whatever the rules said: its first check-in, or in again, or to the
    session (the list's own entries are left as they are: a list counts what its rules
    admitted)."""
    values = {"b_id": result.ticket_id, "b_now": result.at, "b_station": door.station}
    if result.session_id is not None:
        conn.execute(SESSION_ADMIT[door.store.dialect], {**values, "b_session": result.session_id})
    if result.session_id is not None or ADMIT.rowcount(conn, values) == 1:
        return replace(
            result, first_checked_in_at=result.at, first_station=door.station, list_day=None
        )
    READMIT.rowcount(conn, {"b_id": result.ticket_id})
    first = FIRST.first(conn, {"b_id": result.ticket_id})
    return replace(
        result,
        reentry=True,
        list_day=None,
        first_checked_in_at=first["checked_in_at"] if first is not None else None,
        first_station=first["checked_in_station"] if first is not None else None,
    )


def _told(conn: Connection, result: ScanResult) -> ScanResult:
    """What an admission says of its person that the refusal it overrides did not: the ticket
    type's attention note and the arrival alert (services.door.alerts), as any admission."""
    row = LOOKUP.first(conn, {"b_id": result.ticket_id})
    if row is None:
        return result
    return replace(result, attention=row["attention"], alert=row["alert"])


def _on_server(
    door: Checkin,
    refusal: ScanResult,
    supervisor: str,
    pin: str,
    reason: str,
    line: str,
    key: str | None,
) -> ScanResult:
    """A desk's own login: the server's function checks the supervisor's PIN and right, admits
    the ticket and logs the override with the name it checked (migration 0027); the station
    logs the admission's scan as any other."""
    name = (supervisor or "").strip()
    if not name or len(name) > 100 or not name.isprintable():
        raise WrongPin(_(STAFF_REFUSED))
    folded = name.casefold()
    with door.store.write_conn() as conn:
        prefix = conn.execute(
            text("SELECT station_api.pin_salt('staff', :key)"), {"key": folded}
        ).scalar_one()
        found = conn.execute(
            text(
                "SELECT verdict, by_name, first, tries_left, locked_until "
                "FROM station_api.override_admit(:station, :ticket, :session, :at, :key, "
                ":candidate, :reason, :refused, :rule)"
            ),
            {
                "station": door.station,
                "ticket": refusal.ticket_id,
                "session": refusal.session_id,
                "at": refusal.at,
                "key": folded,
                "candidate": hashed_like(str(prefix), pin or ""),
                "reason": reason,
                "refused": refusal.result,
                "rule": refusal.rule,
            },
        ).one()
        if found.verdict == "ok":
            result = overridden(refusal, found.by_name, reason)
            if found.first:
                result = replace(result, first_checked_in_at=result.at, first_station=door.station)
            else:
                first = FIRST.first(conn, {"b_id": result.ticket_id})
                result = replace(
                    result,
                    reentry=result.session_id is None,
                    first_checked_in_at=first["checked_in_at"] if first is not None else None,
                    first_station=first["checked_in_station"] if first is not None else None,
                )
            result = _told(conn, replace(result, list_day=None))
            door.log_scan(conn, result, line, nonce=key)
            return result
    if found.verdict == "not_allowed":
        raise not_allowed(found.by_name or name)
    if found.verdict == "locked" and found.locked_until is not None:
        raise AccountLocked(_locked_message(found.locked_until, door.clock()))
    if found.verdict == "disabled":
        raise AccountDisabled(_("staff account {name!r} is disabled").format(name=name))
    left = found.tries_left
    raise WrongPin(_tries_left(STAFF_REFUSED, left) if left else _(STAFF_REFUSED))
