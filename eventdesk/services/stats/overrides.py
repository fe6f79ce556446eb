"""The overrides (``report overrides EVENT``, and the stats' problems): the admissions a
supervisor made despite the door's refusal (services.door.override), who, why and what was
refused, as the scan log keeps them in each admission's answer (an override decided offline
too, once uploaded), and whether the server checked the supervisor's PIN (``verified``: online)
or a station did, against its copy, offline."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eventdesk.i18n import _
from eventdesk.models import Attendee, Event, ScanLog, Ticket
from eventdesk.services.stats.report import Report

# How an answer with an override is written (scan_result.answer_json: ", " and ": ").
MARK = '%"override": {%'


def _overridden(event_id: int) -> Any:
    return (
        ScanLog.event_id == event_id,
        ScanLog.result == "ok",
        ScanLog.answer.is_not(None),
        ScanLog.answer.like(MARK),
    )


def count(session: Session, event_id: int) -> int:
    """How many admissions of the event were overrides."""
    found = session.scalar(select(func.count()).select_from(ScanLog).where(*_overridden(event_id)))
    return int(found or 0)


def overrides(session: Session, event: Event) -> Report:
    """Every override of the event, oldest first."""
    holder = func.coalesce(Ticket.holder_name, Attendee.name)
    query = (
        select(
            ScanLog.at,
            ScanLog.ticket_id,
            holder,
            ScanLog.station,
            ScanLog.answer,
            ScanLog.offline,
        )
        .outerjoin(Ticket, Ticket.id == ScanLog.ticket_id)
        .outerjoin(Attendee, Attendee.id == Ticket.attendee_id)
        .where(*_overridden(event.id))
        .order_by(ScanLog.at, ScanLog.id)
    )
    rows: list[tuple[Any, ...]] = []
    for at, ticket_id, attendee, station, answer, offline in session.execute(query):
        mark = json.loads(answer or "{}").get("override")
        if not isinstance(mark, dict):
            continue
        rows.append(
            (
                at,
                ticket_id,
                attendee,
                station,
                mark.get("by"),
                mark.get("reason"),
                mark.get("refused"),
                mark.get("rule"),
                # The PIN checked by the server (online), or by a station against its copy.
                not offline,
            )
        )
    return Report(
        "overrides",
        _("Overrides: {event}").format(event=event.title),
        ("at", "ticket_id", "attendee", "station", "by", "reason", "refused", "rule", "verified"),
        rows,
    )
