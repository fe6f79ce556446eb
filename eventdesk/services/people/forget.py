"""Forgetting a person (GDPR article 17), and giving them what is kept (article 15).

A forgotten attendee keeps their row, tickets, payments and check-ins (every count, the revenue
and the statistics stay exactly as they were) under a stable pseudonym: "Forgotten 1F3A9C2B",
an address at the reserved ``.invalid`` domain, no company, phone, badge name, staff note or
PIN, and no staff note on their orders. Their words go from everywhere else they are stored:
the names on their tickets (holders they named), the search words, the answers given at the
door and at registration, and any text that quotes them (the transaction log's details, the
scan log's answers, print jobs' errors) has them replaced by the pseudonym. Files in the data
folder are the caller's (``forget_files``): text badges are deleted, exports kept there
rewritten; backups taken before are listed, as still holding the person until they are pruned.
A station's mirror takes the pseudonym at its next refresh (the rows changed).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.errors import NotAllowed
from eventdesk.event_time import event_zone, show
from eventdesk.i18n import N_, _, ngettext
from eventdesk.models import (
    ArrivalAlert,
    Attendee,
    CheckinAnswer,
    Event,
    Order,
    Payment,
    PrintJob,
    ScanLog,
    SearchToken,
    Ticket,
    TicketSession,
    TicketType,
    TransactionLog,
)
from eventdesk.services.common import get_attendee, get_event, log
from eventdesk.services.people.question_answers import answers_of_person, erase_answers
from eventdesk.values import utcnow

FORGOTTEN = "Forgotten"  # not for translation: stored as the name, and read back (is_forgotten)


def pseudonym(attendee_id: int) -> str:
    """The same pseudonym for the same person every time (a report made before and after
    tells them apart without naming them)."""
    digest = hashlib.sha256(f"eventdesk-forgotten-{attendee_id}".encode()).hexdigest()
    return f"{FORGOTTEN} {digest[:8].upper()}"


def is_forgotten(name: str) -> bool:
    return name.startswith(f"{FORGOTTEN} ") and len(name) == len(FORGOTTEN) + 9


@dataclass
class Forgotten:
    attendee: int
    pseudonym: str
    erased: dict[str, int] = field(default_factory=dict)
    backups_still_holding: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)  # what was erased (for the files; not shown)


def _secrets(attendee: Attendee, holders: list[str], notes: list[str]) -> list[str]:
    words = [
        attendee.name,
        attendee.family_name or "",
        attendee.email,
        attendee.company or "",
        attendee.phone or "",
        attendee.badge_name or "",
        attendee.alert or "",  # why the organizer awaited them (in the scan log's answers)
        attendee.note or "",
        *holders,
        *notes,
    ]
    return sorted({w for w in words if len(w.strip()) >= 3}, key=len, reverse=True)


def _scrub(text: str | None, secrets: list[str], replacement: str) -> str | None:
    """``text`` with each secret (as written, and as JSON escapes it) replaced."""
    if not text:
        return text
    for secret in secrets:
        for form in {secret, json.dumps(secret)[1:-1]}:
            text = re.sub(re.escape(form), replacement, text, flags=re.IGNORECASE)
    return text


def forget_in(session: Session, attendee: Attendee, *, station: str | None) -> Forgotten:
    """Forget ``attendee`` in this transaction (see the module's note)."""
    from eventdesk.services.people.attendees import replace_tokens

    if is_forgotten(attendee.name):
        raise NotAllowed(
            _("attendee {attendee} is forgotten already ({name})").format(
                attendee=attendee.id, name=attendee.name
            )
        )
    name = pseudonym(attendee.id)
    tickets = session.execute(
        select(Ticket.id, Ticket.holder_name).where(Ticket.attendee_id == attendee.id)
    ).all()
    ids = [t for t, _holder in tickets]
    holders = [h for _ticket, h in tickets if h]
    # The staff's notes on them and on their orders (quoted by the scan log's answers).
    order_notes = list(
        session.scalars(
            select(Order.note).where(Order.buyer_id == attendee.id, Order.note.is_not(None))
        )
    )
    secrets = _secrets(attendee, holders, [n for n in order_notes if n])
    made = Forgotten(attendee.id, name, secrets=secrets)

    def count(place: str, rows: int) -> None:
        if rows:
            made.erased[place] = made.erased.get(place, 0) + rows

    # The places are the keys of --json's "erased" (English), translated where a person reads them.
    count(N_("attendee"), 1)
    attendee.name = name
    attendee.family_name = None
    attendee.email = f"forgotten-{attendee.id}@example.invalid"  # not for translation: an address
    attendee.email_key = attendee.email
    attendee.company = None
    attendee.phone = None
    attendee.badge_name = None
    attendee.alert = None
    attendee.note = None
    attendee.pin_hash = None
    attendee.failed_pin_attempts = 0
    attendee.locked_until = None
    if order_notes:
        session.execute(update(Order).where(Order.buyer_id == attendee.id).values(note=None))
    if ids:
        changed = session.execute(
            update(Ticket)
            .where(Ticket.id.in_(ids), Ticket.holder_name.is_not(None))
            .values(holder_name=name)
        )
        count(N_("ticket holder names"), int(getattr(changed, "rowcount", 0) or 0))
        session.execute(
            update(Ticket)
            .where(Ticket.id.in_(ids), Ticket.holder_family_name.is_not(None))
            .values(holder_family_name=None)
        )
        gone = session.execute(delete(CheckinAnswer).where(CheckinAnswer.ticket_id.in_(ids)))
        count(N_("answers"), int(getattr(gone, "rowcount", 0) or 0))
        alerts = session.execute(delete(ArrivalAlert).where(ArrivalAlert.ticket_id.in_(ids)))
        count(N_("arrival alerts"), int(getattr(alerts, "rowcount", 0) or 0))
    count(N_("registration answers"), erase_answers(session, attendee.id))
    session.flush()
    before = session.query(SearchToken).filter(SearchToken.attendee_id == attendee.id).count()
    replace_tokens(session, attendee)
    count(N_("search words"), before)
    where_log = TransactionLog.attendee_id == attendee.id
    if ids:
        where_log = where_log | TransactionLog.ticket_id.in_(ids)
    for row in session.scalars(select(TransactionLog).where(where_log)):
        scrubbed = _scrub(row.detail, secrets, name)
        if scrubbed != row.detail:
            row.detail = scrubbed
            count(N_("transaction log"), 1)
    if ids:
        for scan in session.scalars(select(ScanLog).where(ScanLog.ticket_id.in_(ids))):
            scrubbed = _scrub(scan.answer, secrets, name)
            if scrubbed != scan.answer:
                scan.answer = scrubbed
                count(N_("scan log"), 1)
        for job in session.scalars(select(PrintJob).where(PrintJob.ticket_id.in_(ids))):
            scrubbed = _scrub(job.last_error, secrets, name)
            if scrubbed != job.last_error:
                job.last_error = scrubbed
                count(N_("print jobs"), 1)
    log(session, "attendee_forgotten", at=utcnow(), attendee_id=attendee.id, station=station)
    return made


def forget_attendee(store: Store, ref: str | int, *, station: str | None = None) -> Forgotten:
    with store.write() as session:
        return forget_in(session, get_attendee(session, ref), station=station)


def forget_files(made: Forgotten, tickets: list[str], data_dir: Path) -> None:
    """The person's traces in the data folder: text badges deleted, exports rewritten, and the
    backups taken before listed (they hold the person until pruned)."""
    badges = data_dir / "badges"
    for ticket in tickets:
        for file in badges.glob(f"{ticket}-*"):
            file.unlink(missing_ok=True)
            place = N_("badge files")
            made.erased[place] = made.erased.get(place, 0) + 1
    for export in sorted(data_dir.glob("*.csv")) + sorted((data_dir / "exports").glob("*.csv")):
        try:
            text = export.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        scrubbed = _scrub(text, made.secrets, made.pseudonym) or ""
        if scrubbed != text:
            export.write_text(scrubbed, encoding="utf-8-sig")
            place = N_("export files")
            made.erased[place] = made.erased.get(place, 0) + 1
    made.backups_still_holding = [str(p) for p in sorted((data_dir / "backups").glob("*.db"))]


def tickets_of(store: Store, attendee_id: int) -> list[str]:
    with store.read() as session:
        return list(session.scalars(select(Ticket.id).where(Ticket.attendee_id == attendee_id)))


def forget_event(
    store: Store, ref: str | int, *, after_days: int = 0, station: str | None = None
) -> list[Forgotten]:
    """Forget everyone of a finished event (ended ``after_days`` days ago at least) who has
    no ticket to another event still to come."""
    now = utcnow()
    with store.read() as session:
        event = get_event(session, ref)
        if event.ends_at + timedelta(days=after_days) > now:
            raise NotAllowed(
                ngettext(
                    "event {event!r} ends {ends}: its people are forgotten {count} day after it "
                    "ended, not before",
                    "event {event!r} ends {ends}: its people are forgotten {count} days after it "
                    "ended, not before",
                    after_days,
                ).format(
                    event=event.slug,
                    ends=show(event.ends_at, event_zone(event.timezone)),  # in its own zone
                    count=after_days,
                ),
                field="event",
            )
        people = sorted(
            set(session.scalars(select(Ticket.attendee_id).where(Ticket.event_id == event.id)))
        )
        busy = set(
            session.scalars(
                select(Ticket.attendee_id)
                .join(Event, Event.id == Ticket.event_id)
                .where(Ticket.attendee_id.in_(people), Event.ends_at > now)
            )
        )
    made = []
    for person in people:
        if person in busy:
            continue
        with store.write() as session:
            attendee = session.get(Attendee, person)
            if attendee is None or is_forgotten(attendee.name):
                continue
            made.append(forget_in(session, attendee, station=station))
    return made


def personal_data(store: Store, ref: str | int) -> dict[str, Any]:
    """Everything kept about a person (article 15): their record, tickets, sessions, payments,
    check-ins, answers and the log of what was done for them."""
    with store.read() as session:
        person = get_attendee(session, ref)
        tickets = session.execute(
            select(Ticket, Event.slug, TicketType.name)
            .join(Event, Event.id == Ticket.event_id)
            .join(TicketType, TicketType.id == Ticket.ticket_type_id)
            .where(Ticket.attendee_id == person.id)
            .order_by(Ticket.created_at, Ticket.id)
        ).all()
        ids = [t.id for t, _event, _type in tickets]

        def when(moment: datetime | None) -> str | None:
            return None if moment is None else moment.isoformat()

        return {
            "attendee": {
                "id": person.id,
                "name": person.name,
                "family_name": person.family_name,
                "email": person.email,
                "company": person.company,
                "phone": person.phone,
                "badge_name": person.badge_name,
                "alert": person.alert,
                "note": person.note,
                "has_pin": person.pin_hash is not None,
                "created_at": when(person.created_at),
            },
            "tickets": [
                {
                    "id": t.id,
                    "event": slug,
                    "ticket_type": kind,
                    "holder": t.holder_name,
                    "holder_family_name": t.holder_family_name,
                    "status": t.status,
                    "seat": t.seat_label,
                    "checked_in_at": when(t.checked_in_at),
                    "checked_in_station": t.checked_in_station,
                    "created_at": when(t.created_at),
                }
                for t, slug, kind in tickets
            ],
            "orders": [
                {"id": o.id, "created_at": when(o.created_at), "note": o.note}
                for o in session.scalars(
                    select(Order).where(Order.buyer_id == person.id).order_by(Order.id)
                )
            ],
            "sessions": [
                {"ticket_id": s.ticket_id, "session_id": s.session_id, "status": s.status}
                for s in session.scalars(
                    select(TicketSession).where(TicketSession.ticket_id.in_(ids))
                )
            ],
            "payments": [
                {
                    "ticket_id": p.ticket_id,
                    "kind": p.kind,
                    "method": p.method,
                    "amount_cents": p.amount_cents,
                    "currency": p.currency,
                    "status": p.status,
                    "at": when(p.created_at),
                }
                for p in session.scalars(select(Payment).where(Payment.ticket_id.in_(ids)))
            ],
            "scans": [
                {
                    "ticket_id": s.ticket_id,
                    "at": when(s.at),
                    "station": s.station,
                    "result": s.result,
                }
                for s in session.scalars(
                    select(ScanLog).where(ScanLog.ticket_id.in_(ids)).order_by(ScanLog.id)
                )
            ],
            "answers": [
                {"ticket_id": a.ticket_id, "key": a.key, "value": a.value}
                for a in session.scalars(
                    select(CheckinAnswer).where(CheckinAnswer.ticket_id.in_(ids))
                )
            ],
            "registration_answers": [
                {
                    "key": a.key,
                    "question": a.text,
                    "value": a.value,
                    "order_id": a.order_id,
                    "ticket_id": a.ticket_id,
                }
                for a in answers_of_person(session, ids)
            ],
            "log": [
                {"at": when(r.at), "kind": r.kind, "ticket_id": r.ticket_id, "detail": r.detail}
                for r in session.scalars(
                    select(TransactionLog)
                    .where(
                        (TransactionLog.attendee_id == person.id)
                        | TransactionLog.ticket_id.in_(ids)
                    )
                    .order_by(TransactionLog.id)
                )
            ],
        }
