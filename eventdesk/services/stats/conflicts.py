"""The conflicts report (``report conflicts EVENT``): what stations decided offline that the
server could not apply as decided, or refused when it was uploaded."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eventdesk.i18n import _
from eventdesk.models import (
    Attendee,
    Event,
    ScanConflict,
    ScanLog,
    SyncReceipt,
    Ticket,
    UploadRefusal,
)
from eventdesk.services.stats.report import Report
from eventdesk.station_api import REFUSALS_KEPT
from eventdesk.trust_models import RefusalFlood

_NEVER = datetime.min.replace(tzinfo=UTC)


def conflicts(session: Session, event: Event) -> Report:
    """Scans a station admitted offline that the server could not apply as decided (the ticket
    was admitted at another station meanwhile, or cancelled), and those it refused when they
    were uploaded (reason "refused", the server's words as the detail; until the scan is
    uploaded after all), oldest first."""
    holder = func.coalesce(Ticket.holder_name, Attendee.name)
    rows: list[tuple[Any, ...]] = [
        (
            row.ticket_id,
            attendee,
            [row.station, row.other_station],
            [row.at, row.other_at],
            row.reason,
            row.detail,
            row.nonce,
        )
        for row, attendee in session.execute(
            select(ScanConflict, holder)
            .outerjoin(Ticket, Ticket.id == ScanConflict.ticket_id)
            .outerjoin(Attendee, Attendee.id == Ticket.attendee_id)
            .where(ScanConflict.event_id == event.id)
            .order_by(ScanConflict.id)
        )
    ]
    # A refused row is listed until it is uploaded after all: a scan into the scan log, an
    # undo into the receipts (its station's, by its nonce).
    uploaded_after_all = select(ScanLog.id).where(
        ScanLog.nonce == UploadRefusal.nonce, ScanLog.station == UploadRefusal.station
    )
    undone_after_all = select(SyncReceipt.nonce).where(
        SyncReceipt.nonce == UploadRefusal.nonce, SyncReceipt.station == UploadRefusal.station
    )
    rows += [
        (
            row.ticket_id,
            who,
            [row.station, None],
            [row.at, None],
            "refused",
            row.detail,
            row.nonce,
        )
        for row, who in session.execute(
            select(UploadRefusal, holder)
            .outerjoin(Ticket, Ticket.id == UploadRefusal.ticket_id)
            .outerjoin(Attendee, Attendee.id == Ticket.attendee_id)
            .where(
                UploadRefusal.event_id == event.id,
                ~uploaded_after_all.exists(),
                ~undone_after_all.exists(),
            )
            .order_by(UploadRefusal.id)
        )
    ]
    # A station's refusals past what the server keeps one by one (a flood): counted, said once.
    rows += [
        (
            None,
            None,
            [row.station, None],
            [row.first_at, row.last_at],
            "flood",
            _(
                "{count} more uploads of {station} refused, not kept one by one (the server "
                "keeps {kept} a station's)"
            ).format(count=row.refused, station=row.station, kept=REFUSALS_KEPT),
            None,
        )
        for row in session.scalars(select(RefusalFlood).order_by(RefusalFlood.first_at))
    ]
    rows.sort(key=lambda row: (row[3][0] is None, row[3][0] or _NEVER))
    return Report(
        "conflicts",
        _("Scan conflicts: {event}").format(event=event.title),
        ("ticket_id", "attendee", "stations", "times", "reason", "detail", "nonce"),
        rows,
        seconds=True,
    )
