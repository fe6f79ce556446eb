"""A badge station's scan (``Checkin(print_only=True)``, ``scan --print-only``, ``[station]
purpose = "badges"``): a badge printed for a valid ticket, never an admission.

The ticket must be one the door would know as valid: genuine (the scan's signature, checked
before), not cancelled or refunded (nor its event), not on the waitlist, not still importing,
and of the door's event. Nothing else of the door's rules applies: not its hours or its check-in
list, not money owed, not "already checked in" (a person inside may want a badge), and not the
event's registration questions: those are asked when a person registers, and one left
unanswered (a question added after they registered, required or not) never holds a badge back.
What is asked at the door is a check-in list's choice (its own questions, services.door.lists),
and a badge station decides on no list. The badge prints what was answered (its ``answer``
elements), the desk's card shows the rest.
The first badge of a ticket is ``printed``; once the ticket has a badge in the print queue (one
printed at a check-in, or here before) the next is ``reprinted``, its job queued as a reprint.
The ticket is not checked in and counts as no arrival; the scan-log row says ``printed`` or
``reprinted`` (statistics count only ``ok`` as an admission).

The same decision runs wherever the door decides: on SQLite, on a server as the organizer or
as a station's own login (which reads the print queue and queues a job with its own grants),
and on a station's copy (its own print queue, printed from the copy; the scan is uploaded like
any other, as a scan that changed nothing).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, select

from eventdesk.i18n import N_
from eventdesk.models import PrintJob
from eventdesk.services.door.checkin_sql import QUEUE_BADGE
from eventdesk.services.door.rules import RULES, DoorRules, Situation, first_rule
from eventdesk.services.door.scan_result import ScanResult, said

# The rows of the door's table a badge station checks: is the ticket valid for this event.
VALIDITY = frozenset(
    {"event_cancelled", "ticket_cancelled", "refunded", "waitlisted", "importing", "other_event"}
)
BADGE_RULES = tuple(rule for rule in RULES if rule.name in VALIDITY)
# The print job's reason: a first badge at a badge station, and one printed again.
FIRST_REASON = "badge"
AGAIN_REASON = "reprint"

_jobs = cast(Table, PrintJob.__table__)
# A badge queued before for the ticket (by a check-in, a badge station or the desk).
BADGE_BEFORE = select(_jobs.c.id).where(_jobs.c.ticket_id == bindparam("b_id")).limit(1)


def print_badge(
    rules: DoorRules, conn: Connection, row: Any, now: datetime, printer: str
) -> ScanResult:
    """The decision on ``row``'s ticket at a badge station, its job queued in ``conn``'s
    transaction (the caller logs the scan)."""

    def answer(result: Any, message: Any, **extra: Any) -> ScanResult:
        return ScanResult(
            result,
            message,
            now,
            ticket_id=row["id"],
            attendee=row["attendee"],
            ticket_type=row["ticket_type"],
            event=row["slug"],
            seat=row["seat_label"],
            language=row["language"],
            **extra,
        )

    situation = Situation(
        conn,
        row,
        door_events=rules.door_events,
        self_service=rules.self_service,
        door_list=None,
        rules=None,
        session_id=None,
        session_info=None,
        direction="entry",
        now=now,
    )
    refusal = first_rule(BADGE_RULES, situation)
    if refusal is not None and refusal.result is not None:
        return answer(refusal.result, refusal.tells(situation), rule=refusal.name)
    again = conn.execute(BADGE_BEFORE, {"b_id": row["id"]}).first() is not None
    QUEUE_BADGE.rowcount(
        conn,
        {
            "ticket_id": row["id"],
            "printer": printer,
            "reason": AGAIN_REASON if again else FIRST_REASON,
            "state": "queued",
            "attempts": 0,
            "station": rules.station,
            "created_at": now,
            "updated_at": now,
        },
    )
    if again:
        # TRANSLATORS: a badge station printed a badge again (no check-in)
        told = said(N_("Badge printing again for {attendee}."), attendee=row["attendee"])
        return answer("reprinted", told, badge_queued=True)
    # TRANSLATORS: a badge station printed a badge (no check-in)
    told = said(N_("Badge printing for {attendee}."), attendee=row["attendee"])
    return answer("printed", told, badge_queued=True)
