"""CSV export: attendees, check-ins, scans and payments of one event, for spreadsheets, written
as the rows are read (a festival's million rows are never in memory at once).

UTF-8 with a BOM and CRLF; a cell that starts with =, +, - or @ is prefixed with ' so a
spreadsheet never runs it as a formula (the import takes the ' off again). Times are ISO 8601
with the event zone's offset.
"""

from __future__ import annotations

import csv
import heapq
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVarTuple

from sqlalchemy import Row, Select, case, func, select
from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.errors import InvalidInput
from eventdesk.event_time import iso
from eventdesk.i18n import _
from eventdesk.import_liveness import stopped_places
from eventdesk.models import (
    ArrivalAlert,
    Attendee,
    CheckinAnswer,
    CheckinList,
    Event,
    ListEntry,
    Payment,
    ScanLog,
    Ticket,
    TicketType,
)
from eventdesk.services.common import get_event, own_badge_name
from eventdesk.services.door.scans import kept_marks
from eventdesk.services.people.payments import due_of
from eventdesk.services.people.question_answers import event_answers
from eventdesk.services.people.questions import ANSWER_COLUMN
from eventdesk.values import format_cents

EXPORTS = ("attendees", "checkins", "scans", "payments")


def neutralize(value: Any) -> str:
    """A cell a spreadsheet shows as text: '=', '+', '-', '@', tab or CR cannot start a formula."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def _local(moment: datetime | None, event: Event) -> str:
    """ISO 8601 with the offset of the event's zone: the time as the event read it, and the
    instant, for any spreadsheet or script."""
    return iso(moment, event.zone)


Rows = tuple[list[str], Iterable[list[Any]]]
# Rows read from the database at a time: an export writes as it reads, so a million rows are
# never in memory together (a server-side cursor on PostgreSQL, fetches of this many on SQLite).
EXPORT_CHUNK = 2000


_Ts = TypeVarTuple("_Ts")


def _stream(session: Session, query: Select[*_Ts]) -> Iterator[Row[*_Ts]]:
    connection = session.connection().execution_options(yield_per=EXPORT_CHUNK)
    yield from connection.execute(query)


def _attendee_rows(session: Session, event: Event) -> Rows:
    # What was paid for each ticket, read with the ticket (the payments of a ticket, by the
    # index on their ticket): never all the event's payments in memory at once. A row a ticket,
    # named for its holder (a ticket bought for someone else: that person; the buyer's company
    # is not theirs, as on the badge), the buyer beside them.
    holder = func.coalesce(Ticket.holder_name, Attendee.name)
    signed = case((Payment.kind == "payment", Payment.amount_cents), else_=-Payment.amount_cents)
    paid = (
        select(func.coalesce(func.sum(signed), 0))
        .where(Payment.ticket_id == Ticket.id, Payment.status == "completed")
        .correlate(Ticket)
        .scalar_subquery()
    )
    query = (
        select(
            holder,
            Attendee.email,
            Attendee.company,
            Attendee.phone,
            TicketType.name,
            Ticket.id,
            Ticket.status,
            Ticket.order_id,
            Ticket.seat_label,
            Ticket.checked_in_at,
            Ticket.checked_in_station,
            Ticket.price_cents,
            Ticket.currency,
            paid,
            Ticket.holder_name,
            Attendee.name,
            Attendee.badge_name,
        )
        .join(Ticket, Ticket.attendee_id == Attendee.id)
        .join(TicketType, TicketType.id == Ticket.ticket_type_id)
        .where(  # a killed import's tickets are nobody's (eventdesk.import_liveness)
            Ticket.event_id == event.id,
            stopped_places(session, event.id).keeps(Ticket.import_run_id),
        )
        .order_by(holder, Ticket.id)
    )
    header = [
        "Name",
        "Email",
        "Company",
        "Phone",
        "Ticket Type",
        "Ticket ID",
        "Status",
        "Order #",
        "Seat",
        "Checked In At",
        "Station",
        "Paid",
        "Due",
        "Currency",
        "Answers",
        "Buyer",
        "Badge Name",
    ]
    answers = _answers(session, event)
    # A column a registration question, named as the import reads it back ("answer:diet"): the
    # holder's answer, or the order's.
    questions, by_ticket, by_order = event_answers(session, event)
    header += [ANSWER_COLUMN + q.key for q in questions]
    nothing: dict[int, str] = {}

    def asked(ticket_id: str, order_id: int) -> list[str]:
        mine, order = by_ticket.get(ticket_id, nothing), by_order.get(order_id, nothing)
        return [mine.get(q.id) or order.get(q.id) or "" for q in questions]

    return header, (
        [
            r[0],
            r[1],
            None if r[14] else r[2],
            r[3],
            r[4],
            r[5],
            r[6],
            r[7],
            r[8],
            _local(r[9], event),
            r[10],
            format_cents(r[13]),
            format_cents(due_of(r[6], r[11], r[13])),  # as `ticket show`: none on a cancelled
            r[12],
            answers.get(r[5], ""),
            r[15],
            own_badge_name(r[14], r[15], r[16]),  # the buyer's, on a ticket of their own
            *asked(r[5], r[7]),
        ]
        for r in _stream(session, query)
    )


def _checkin_rows(session: Session, event: Event) -> Rows:
    """Every admission, in time order: at the event's door (the ticket's check-in), and on each
    other check-in list it was admitted on, once a day on a list that counts days ("List")."""
    person = (
        Ticket.id,
        func.coalesce(Ticket.holder_name, Attendee.name),
        Attendee.email,
        TicketType.name,
    )
    at_door = (
        select(Ticket.checked_in_at, Ticket.checked_in_station, *person)
        .join(Attendee, Attendee.id == Ticket.attendee_id)
        .join(TicketType, TicketType.id == Ticket.ticket_type_id)
        .where(
            Ticket.event_id == event.id,
            Ticket.checked_in_at.is_not(None),
            # A door list that counts days keeps each day's admission: those rows say it.
            ~select(ListEntry.ticket_id)
            .join(CheckinList, CheckinList.id == ListEntry.list_id)
            .where(ListEntry.ticket_id == Ticket.id, CheckinList.slug == "default")
            .exists(),
        )
        .order_by(Ticket.checked_in_at)
    )
    on_lists = (
        select(ListEntry.first_at, ListEntry.station, *person, CheckinList.name, ListEntry.day)
        .join(Ticket, Ticket.id == ListEntry.ticket_id)
        .join(CheckinList, CheckinList.id == ListEntry.list_id)
        .join(Attendee, Attendee.id == Ticket.attendee_id)
        .join(TicketType, TicketType.id == Ticket.ticket_type_id)
        .where(CheckinList.event_id == event.id)
        .order_by(ListEntry.first_at)
    )
    header = [
        "Checked In At",
        "Station",
        "Ticket ID",
        "Name",
        "Email",
        "Ticket Type",
        "Answers",
        "List",
    ]
    answers = _answers(session, event)
    door_list = session.scalar(
        select(CheckinList.name).where(
            CheckinList.event_id == event.id, CheckinList.slug == "default"
        )
    )
    door: Iterator[list[Any]] = ([*r, door_list or "", ""] for r in _stream(session, at_door))
    lists: Iterator[list[Any]] = ([*r] for r in _stream(session, on_lists))
    merged = heapq.merge(door, lists, key=lambda r: _utc(r[0]))
    return header, (
        [
            _local(r[0], event),
            *r[1:6],
            answers.get(r[2], ""),
            f"{r[6]} ({r[7]})" if r[7] else r[6],
        ]
        for r in merged
    )


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _answers(session: Session, event: Event) -> dict[str, str]:
    """The answers given at the door on the event's check-in lists, a cell a ticket:
    "Bar: age=yes; Bar: drink=Tea" (services.door.lists)."""
    found: dict[str, list[str]] = {}
    for ticket, name, key, value in session.execute(
        select(CheckinAnswer.ticket_id, CheckinList.name, CheckinAnswer.key, CheckinAnswer.value)
        .join(CheckinList, CheckinList.id == CheckinAnswer.list_id)
        .where(CheckinList.event_id == event.id)
        .order_by(CheckinAnswer.ticket_id, CheckinList.id, CheckinAnswer.key)
    ):
        found.setdefault(ticket, []).append(f"{name}: {key}={value}")
    return {ticket: "; ".join(parts) for ticket, parts in found.items()}


def _override_cell(override: Any) -> str:
    """An admission's override in one cell: who, why, and what the door had refused."""
    if not isinstance(override, dict):
        return ""
    refused = override.get("refused") or ""
    if override.get("rule"):
        refused = f"{refused}/{override['rule']}"
    return f"{override.get('by') or ''}: {override.get('reason') or ''} (refused: {refused})"


def _scan_rows(session: Session, event: Event) -> Rows:
    # The arrival alert an admission raised, as the database wrote it for that scan (migration
    # 0024's trigger, whoever logged it); else as its kept answer says.
    alert = (
        select(ArrivalAlert.reason)
        .where(ArrivalAlert.scan_id == ScanLog.id)
        .order_by(ArrivalAlert.id)
        .limit(1)
        .scalar_subquery()
    )
    query = (
        select(
            ScanLog.at,
            ScanLog.station,
            ScanLog.operator,
            ScanLog.ticket_id,
            ScanLog.result,
            ScanLog.session_id,
            ScanLog.direction,
            ScanLog.payload,
            ScanLog.answer,
            alert,
        )
        .where(ScanLog.event_id == event.id)
        .order_by(ScanLog.id)
    )
    # Override and Alert last: a reader of the columns before them reads them as it did.
    header = [
        "At",
        "Station",
        "Operator",
        "Ticket ID",
        "Result",
        "Session",
        "Direction",
        "Payload",
        "Override",
        "Alert",
    ]

    def row(at: datetime, *cells: Any) -> list[Any]:
        *kept, answer, raised = cells
        marks = kept_marks(answer)
        said = raised or marks.get("alert") or ""
        return [_local(at, event), *kept, _override_cell(marks.get("override")), said]

    return header, (row(*r) for r in _stream(session, query))


def _payment_rows(session: Session, event: Event) -> Rows:
    query = (
        select(
            Payment.created_at,
            Payment.ticket_id,
            Attendee.name,
            Payment.kind,
            Payment.method,
            Payment.amount_cents,
            Payment.currency,
            Payment.status,
            Payment.reference,
            Payment.station,
        )
        .join(Ticket, Ticket.id == Payment.ticket_id)
        .join(Attendee, Attendee.id == Ticket.attendee_id)
        .where(Ticket.event_id == event.id)
        .order_by(Payment.id)
    )
    header = [
        "At",
        "Ticket ID",
        "Name",
        "Kind",
        "Method",
        "Amount",
        "Currency",
        "Status",
        "Reference",
        "Station",
    ]
    return header, (
        [_local(r[0], event), r[1], r[2], r[3], r[4], f"{r[5] // 100}.{r[5] % 100:02d}", *r[6:]]
        for r in _stream(session, query)
    )


EXPORTERS = {
    "attendees": _attendee_rows,
    "checkins": _checkin_rows,
    "scans": _scan_rows,
    "payments": _payment_rows,
}


def export(store: Store, kind: str, event_ref: str | int, output: str | Path) -> int:
    """Write a CSV (UTF-8 with BOM, comma, CRLF: what spreadsheets open cleanly). Returns rows."""
    if kind not in EXPORTS:
        raise InvalidInput(
            _("export must be one of {choices}").format(choices=", ".join(EXPORTS)), field="export"
        )
    path = Path(output)
    count = 0
    with store.read() as session:
        event = get_event(session, event_ref)
        header, rows = EXPORTERS[kind](session, event)
        try:
            with path.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh, lineterminator="\r\n")
                writer.writerow(header)
                for row in rows:
                    writer.writerow([neutralize(v) for v in row])
                    count += 1
        except OSError as exc:
            raise InvalidInput(
                _("cannot write {path}: {problem}").format(path=path, problem=exc.strerror or exc),
                field="output",
            ) from None
    return count
