"""What the door keeps: session check-ins, arrival alerts, check-in lists with their entries and
answers, the scan log, upload conflicts and refusals, statistics tallies, print jobs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from eventdesk.models.base import Base, JobState, UTCDateTime


class SessionCheckin(Base):
    """Attendance at a session door: one row per ticket and session, inserted once."""

    __tablename__ = "session_checkin"
    ticket_id: Mapped[str] = mapped_column(
        ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True
    )
    session_id: Mapped[int] = mapped_column(
        ForeignKey("event_session.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime())
    station: Mapped[str | None] = mapped_column(String(100))


class ArrivalAlert(Base):
    """An awaited person admitted (``attendee.alert``, else ``ticket_type.alert``), kept until
    an organizer has seen it. Written by the database (a trigger on ``scan_log``: migration
    0024), whoever logged the admission."""

    __tablename__ = "arrival_alert"
    __table_args__ = (Index("ix_arrival_alert_event_seen", "event_id", "seen_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(Integer)
    scan_id: Mapped[int] = mapped_column(Integer)  # the scan log's row of the admission
    ticket_id: Mapped[str | None] = mapped_column(String(16))
    attendee_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    station: Mapped[str | None] = mapped_column(String(100))
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CheckinList(Base):
    """A check-in list: which tickets a door admits, on which days and hours, how many times,
    and what it asks at admission (services.door.lists). An event's default list ("default")
    admits every valid ticket; it is stored only once the organizer changes it."""

    __tablename__ = "checkin_list"
    __table_args__ = (UniqueConstraint("event_id", "slug"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(100))
    # The rules, each NULL when it does not restrict (JSON where it is a list).
    ticket_types: Mapped[str | None] = mapped_column(Text)  # ticket type ids
    sessions: Mapped[str | None] = mapped_column(Text)  # session ids: registered for one
    entries: Mapped[str | None] = mapped_column(String(10))  # once | daily | unlimited
    days: Mapped[str | None] = mapped_column(Text)  # ISO dates, in the event's zone
    hours: Mapped[str | None] = mapped_column(Text)  # [[day or null, "HH:MM", "HH:MM"], ...]
    unpaid: Mapped[str | None] = mapped_column(String(10))  # admit | refuse
    staff_pass: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    min_gap_minutes: Mapped[int | None] = mapped_column(Integer)
    questions: Mapped[str | None] = mapped_column(Text)  # [{"key", "kind", "text", ...}]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ListEntry(Base):
    """A ticket's admission on a list (not the default list's "once", kept on the ticket):
    one row a ticket, list and day ("" when the list counts no days), inserted once."""

    __tablename__ = "list_entry"
    list_id: Mapped[int] = mapped_column(
        ForeignKey("checkin_list.id", ondelete="CASCADE"), primary_key=True
    )
    ticket_id: Mapped[str] = mapped_column(
        ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime())
    station: Mapped[str | None] = mapped_column(String(100))
    last_at: Mapped[datetime] = mapped_column(UTCDateTime())
    entries: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    inside: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")


class CheckinAnswer(Base):
    """An answer given at admission to a list's question."""

    __tablename__ = "checkin_answer"
    ticket_id: Mapped[str] = mapped_column(
        ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True
    )
    list_id: Mapped[int] = mapped_column(
        ForeignKey("checkin_list.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    station: Mapped[str | None] = mapped_column(String(100))


class ScanLog(Base):
    """Every scan, good or bad: time, station, operator, raw payload (truncated), result."""

    __tablename__ = "scan_log"
    __table_args__ = (
        Index("ix_scan_log_event_at", "event_id", "at"),
        # Covering the stats snapshot's counts: by station and result, with the last scan.
        Index("ix_scan_log_tally", "event_id", "station", "result", "at"),
        Index("uq_scan_log_nonce", "nonce", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    station: Mapped[str | None] = mapped_column(String(100))
    operator: Mapped[str | None] = mapped_column(String(100))
    event_id: Mapped[int | None] = mapped_column(Integer)
    session_id: Mapped[int | None] = mapped_column(Integer)
    ticket_id: Mapped[str | None] = mapped_column(String(16), index=True)
    direction: Mapped[str] = mapped_column(String(8), default="entry")
    payload: Mapped[str | None] = mapped_column(String(256))
    result: Mapped[str] = mapped_column(String(24), index=True)
    # A scan sent with a nonce (`checkin --nonce`): the same nonce again gets this answer back,
    # kept as JSON, instead of a second decision.
    nonce: Mapped[str | None] = mapped_column(String(64))
    answer: Mapped[str | None] = mapped_column(Text)
    # Decided by the station from its mirror while the server did not answer, uploaded later.
    offline: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class ScanConflict(Base):
    """A scan a station decided offline that the server could not apply as it was decided: the
    ticket was admitted at another station meanwhile, or cancelled. Kept, never dropped, and
    shown in stats, the scan log and ``report conflicts``."""

    __tablename__ = "scan_conflict"
    __table_args__ = (Index("ix_scan_conflict_event", "event_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(Integer)
    ticket_id: Mapped[str | None] = mapped_column(String(16), index=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)  # the offline scan's
    reason: Mapped[str] = mapped_column(String(24))  # already_checked_in | revoked
    station: Mapped[str] = mapped_column(String(100))  # the station that decided offline
    at: Mapped[datetime] = mapped_column(UTCDateTime())  # its time
    operator: Mapped[str | None] = mapped_column(String(100))
    other_station: Mapped[str | None] = mapped_column(String(100))  # who did the other thing
    other_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # and when
    detail: Mapped[str] = mapped_column(String(400))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UploadRefusal(Base):
    """A scan a station decided offline that the server refused when it was uploaded (its time
    out of bounds, a rule the server's own rows refuse, a login that may not): kept in that
    station's outbox as refused, and here, so that ``report conflicts`` names it on any
    station. One row a scan (its nonce); gone from the report once that scan is uploaded
    after all (it is then in the scan log)."""

    __tablename__ = "upload_refusal"
    __table_args__ = (Index("ix_upload_refusal_event", "event_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)  # the offline scan's
    station: Mapped[str] = mapped_column(String(100))  # the station that decided it
    event_id: Mapped[int | None] = mapped_column(Integer)
    ticket_id: Mapped[str | None] = mapped_column(String(16))
    at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # its time, when believable
    operator: Mapped[str | None] = mapped_column(String(100))
    result: Mapped[str] = mapped_column(String(24))  # what the station decided
    detail: Mapped[str] = mapped_column(String(400))  # the server's reason
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StatTally(Base):
    """A running count of the live stats, kept by the database's triggers in the transaction
    that changes what it counts (eventdesk/services/stats/counting.py says which counts)."""

    __tablename__ = "stat_tally"
    event_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(130), primary_key=True)
    shard: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(BigInteger)
    extra: Mapped[int] = mapped_column(BigInteger)
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PrintJob(Base):
    """A badge to print, kept until it is printed: a printer that is off loses nothing."""

    __tablename__ = "print_job"
    __table_args__ = (Index("ix_print_job_state", "state", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("ticket.id"), index=True)
    printer: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(16))  # checkin | reprint | manual
    state: Mapped[JobState] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(400))
    station: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(100))
