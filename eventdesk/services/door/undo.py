"""Undo (annul) of a check-in: an explicit action, written to the transaction log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Result, and_, bindparam, delete, text, update
from sqlalchemy.exc import DBAPIError

from eventdesk.db import Store
from eventdesk.errors import NotAllowed, NotFound
from eventdesk.i18n import _
from eventdesk.models import SessionCheckin, Ticket, UTCDateTime
from eventdesk.services.common import get_ticket, log
from eventdesk.values import utcnow


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE, INSERT or DELETE changed."""
    return int(cast(CursorResult[Any], result).rowcount)


@dataclass(frozen=True)
class UndoResult:
    ticket_id: str
    session_id: int | None
    was_checked_in_at: datetime
    was_station: str | None


def undo_checkin(
    store: Store,
    ticket_id: str,
    *,
    session_id: int | None = None,
    station: str | None = None,
    now: datetime | None = None,
) -> UndoResult:
    """Annul a check-in (of the event, or of one session): explicit and logged."""
    now = now or utcnow()
    if store.station_login() is not None:
        return _undo_on_server(store, ticket_id, session_id, station, now)
    with store.write() as session:
        ticket = get_ticket(session, ticket_id)
        if session_id is None:
            before = (ticket.checked_in_at, ticket.checked_in_station)
            changed = rowcount(
                session.execute(
                    update(Ticket)
                    .where(Ticket.id == ticket.id, Ticket.checked_in_at.is_not(None))
                    .values(checked_in_at=None, checked_in_station=None, inside=False)
                    .execution_options(synchronize_session=False)
                )
            )
        else:
            found = session.get(SessionCheckin, (ticket.id, session_id))
            before = (found.checked_in_at, found.station) if found else (None, None)
            changed = rowcount(
                session.execute(
                    delete(SessionCheckin).where(
                        and_(
                            SessionCheckin.ticket_id == ticket.id,
                            SessionCheckin.session_id == session_id,
                        )
                    )
                )
            )
        if changed != 1 or before[0] is None:
            if session_id is not None:
                refusal = _(
                    "ticket {ticket} is not checked in to session {session}: nothing to undo"
                )
            else:
                refusal = _("ticket {ticket} is not checked in to the event: nothing to undo")
            raise NotAllowed(refusal.format(ticket=ticket.id, session=session_id))
        log(
            session,
            "checkin_undone",
            at=now,
            event_id=ticket.event_id,
            ticket_id=ticket.id,
            attendee_id=ticket.attendee_id,
            station=station,
            session_id=session_id,
            was_checked_in_at=before[0].isoformat(),
            was_station=before[1],
        )
        return UndoResult(ticket.id, session_id, before[0], before[1])


NOT_FOUND, NOTHING_TO_UNDO = "P0002", "55000"  # the server function's refusals (SQLSTATE)


def _undo_on_server(
    store: Store, ticket_id: str, session_id: int | None, station: str | None, now: datetime
) -> UndoResult:
    """A station's own login undoes through the server's function: only a check-in this
    station made (another's is its station's, or an organizer's, to undo)."""
    try:
        with store.write_conn() as conn:
            row = conn.execute(
                text(
                    "SELECT was_at, was_station FROM station_api.undo("
                    ":station, :ticket, :session, :now, NULL, NULL)"
                ).bindparams(bindparam("now", type_=UTCDateTime())),
                {"station": station, "ticket": ticket_id, "session": session_id, "now": now},
            ).one()
    except DBAPIError as exc:
        code = getattr(exc.orig, "sqlstate", None)
        message = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
        if code == NOT_FOUND:
            raise NotFound(message, field="ticket") from None
        if code == NOTHING_TO_UNDO:
            raise NotAllowed(message) from None
        raise
    return UndoResult(ticket_id.strip().upper(), session_id, row.was_at, row.was_station)
