"""The schema, as SQLAlchemy 2 typed models. Alembic migrations own the real tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from eventdesk.event_time import event_zone
from eventdesk.pins import offline_verifier

# The states and kinds the services hand to the screens and the JSON. Literal types, so that a
# misspelt state anywhere is a type error (the columns stay plain strings).
TicketStatus = Literal["registered", "waitlisted", "cancelled"]
PaymentKind = Literal["payment", "refund"]
PaymentMethod = Literal["cash", "card", "comp", "invoice"]
PaymentStatus = Literal["completed", "pending", "void"]
JobState = Literal["queued", "printing", "done", "failed"]
# An import writes in short transactions: "staging" (its tickets not admitted yet; undone if it
# stops), "done" (admitted, all together), "undoing", "undone" (see services.data.import_runs).
ImportState = Literal["staging", "done", "undoing", "undone"]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Search tokens are compared by prefix ranges: byte order on both databases.
BinaryText = String(200).with_variant(String(200, collation="C"), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use UTC-aware times")
        moment = value.astimezone(UTC)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)

    # On SQLite each of the two steps in one function: SQLAlchemy's DATETIME text
    # (``2030-01-01 10:00:00.000000``) written straight from the UTC time, and read straight
    # into one. The same values as process_*_value with DATETIME's own processors, at a
    # fraction of the calls (every scan and every imported row writes several).
    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError("naive datetime given to the store; use UTC-aware times")
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

        return process

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], Any] | None:
        parse = dialect.type_descriptor(self.impl_instance).result_processor(dialect, coltype)
        if dialect.name != "sqlite" or parse is None:
            return super().result_processor(dialect, coltype)
        read = cast(Callable[[Any], datetime], parse)

        def process(value: Any) -> datetime | None:
            if value is None:
                return None
            moment = read(value)
            if moment.tzinfo is None:
                return moment.replace(tzinfo=UTC)
            return moment.astimezone(UTC)

        return process


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Venue(Base):
    __tablename__ = "venue"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    address: Mapped[str | None] = mapped_column(String(400))
    capacity: Mapped[int | None] = mapped_column(Integer)


class Seat(Base):
    """A numbered seat of a venue, e.g. 'A12'."""

    __tablename__ = "seat"
    __table_args__ = (UniqueConstraint("venue_id", "label"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venue.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)


class Category(Base):
    __tablename__ = "category"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class Event(Base):
    __tablename__ = "event"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), index=True)
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venue.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    capacity: Mapped[int | None] = mapped_column(Integer)
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    waitlist_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    registered_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Door policy: 'refuse' unpaid tickets, or 'admit' them with a flag; exit scans and re-entry.
    unpaid_policy: Mapped[str] = mapped_column(
        String(10), default="refuse", server_default="refuse"
    )
    allow_reentry: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # When the door opens and closes for this event (default: a day before start, 6 h after end).
    checkin_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checkin_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # An invite-only event's code: registering needs it (staff may override).
    invite_code: Mapped[str | None] = mapped_column(String(32))
    # The badge layout its tickets print with, unless their ticket type names its own (NULL:
    # the built-in name-company-qr); a stored layout's name or a built-in one.
    badge_layout: Mapped[str | None] = mapped_column(String(40))

    @property
    def zone(self) -> ZoneInfo:
        """The event's time zone (checked when the event was saved): every time of it a person
        reads is in it."""
        return event_zone(self.timezone)


class EventSession(Base):
    """A session or workshop inside an event, with its own room and capacity."""

    __tablename__ = "event_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    room: Mapped[str | None] = mapped_column(String(100))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int | None] = mapped_column(Integer)
    registered_count: Mapped[int] = mapped_column(Integer, default=0)
    # "scheduled", or "cancelled": its seats freed (kept on their tickets, as cancelled), its
    # door admits nobody (services.catalogue.program.cancel_session).
    status: Mapped[str] = mapped_column(String(16), default="scheduled", server_default="scheduled")


class TicketType(Base):
    __tablename__ = "ticket_type"
    __table_args__ = (UniqueConstraint("event_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    price_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    quantity: Mapped[int | None] = mapped_column(Integer)
    sales_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sales_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    priority_tier: Mapped[int] = mapped_column(Integer, default=1)
    attention: Mapped[str | None] = mapped_column(String(200))
    registered_count: Mapped[int] = mapped_column(Integer, default=0)
    badge_layout: Mapped[str | None] = mapped_column(String(40))  # NULL: the event's
    # A self-service kiosk sends this ticket to the desk (an ID check) instead of admitting it.
    needs_staff: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Its holders are awaited: the organizer is told when one arrives, and why (ArrivalAlert).
    alert: Mapped[str | None] = mapped_column(String(200))


def _imported(table: str) -> Index:
    """The rows of an import, found again when it is undone (NULL, the rest, are left out)."""
    where = text("import_run_id IS NOT NULL")
    return Index(
        f"ix_{table}_import_run", "import_run_id", sqlite_where=where, postgresql_where=where
    )


class Attendee(Base):
    __tablename__ = "attendee"
    __table_args__ = (_imported("attendee"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254), unique=True)
    company: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    failed_pin_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Locks since the last right PIN: each one is longer (eventdesk.services.people.auth).
    lockouts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The import that wrote this row (NULL: not imported).
    import_run_id: Mapped[int | None] = mapped_column(Integer)
    # The language the person registered with (eventdesk.i18n's code; NULL: the station's).
    language: Mapped[str | None] = mapped_column(String(20))
    # The shorter name their badges print instead of ``name`` (NULL: the name itself).
    badge_name: Mapped[str | None] = mapped_column(String(100))
    # The person is awaited: the organizer is told when they arrive, and why (ArrivalAlert).
    alert: Mapped[str | None] = mapped_column(String(200))
    # A staff note on the person, shown at the door with their answer; never printed.
    note: Mapped[str | None] = mapped_column(String(500))


class SearchToken(Base):
    """One folded word (name, email, company, ticket id) pointing at an attendee."""

    __tablename__ = "search_token"
    __table_args__ = (
        Index("ix_search_token_token", "token", "attendee_id"),
        Index("ix_search_token_attendee", "attendee_id", "token"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(BinaryText)
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendee.id", ondelete="CASCADE"))


class Order(Base):
    __tablename__ = "ticket_order"
    __table_args__ = (_imported("ticket_order"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("attendee.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    import_run_id: Mapped[int | None] = mapped_column(Integer)
    # A staff note on the order ("paid by invoice"), shown at the door; never printed.
    note: Mapped[str | None] = mapped_column(String(500))


class Ticket(Base):
    __tablename__ = "ticket"
    __table_args__ = (
        UniqueConstraint("event_id", "seat_label"),
        Index("ix_ticket_waitlist", "event_id", "status", "waitlist_seq"),
        Index("ix_ticket_attendee_event", "attendee_id", "event_id"),
        # Covering the stats snapshot: arrivals over time, and who is in by ticket type.
        Index(
            "ix_ticket_arrivals", "event_id", "checked_in_at", "status", "ticket_type_id", "inside"
        ),
        _imported("ticket"),
    )
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("ticket_order.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"))
    ticket_type_id: Mapped[int] = mapped_column(ForeignKey("ticket_type.id"), index=True)
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendee.id"))  # the buyer
    # Who the ticket is for, when the buyer names someone else (NULL: the buyer).
    holder_name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[TicketStatus] = mapped_column(String(16))
    # What is due in all: the type's price, lowered by goodwill refunds.
    price_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    seat_label: Mapped[str | None] = mapped_column(String(20))
    waitlist_seq: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The signed QR payload, issued with the ticket by a station holding the private key.
    qr_payload: Mapped[str | None] = mapped_column(String(200))
    # Set once, by one compare-and-set statement: the first check-in and where it happened.
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_station: Mapped[str | None] = mapped_column(String(100))
    inside: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # The import that wrote this ticket: admitted once that import is done.
    import_run_id: Mapped[int | None] = mapped_column(Integer)


class TicketSession(Base):
    """A ticket's seat in a session: registered, or waiting for the session alone (the event
    ticket stays registered when only the session is full), or cancelled with its session."""

    __tablename__ = "ticket_session"
    ticket_id: Mapped[str] = mapped_column(
        ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True
    )
    session_id: Mapped[int] = mapped_column(
        ForeignKey("event_session.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    status: Mapped[str] = mapped_column(
        String(16), default="registered", server_default="registered"
    )
    # The session's own waitlist: promoted in this order when a seat frees.
    waitlist_seq: Mapped[int | None] = mapped_column(Integer)


class Payment(Base):
    __tablename__ = "payment"
    __table_args__ = (Index("ix_payment_event", "event_id", "status", "currency"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("ticket.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(Integer)  # the ticket's: revenue without a join
    kind: Mapped[PaymentKind] = mapped_column(String(10))
    method: Mapped[PaymentMethod] = mapped_column(String(10))
    amount_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    reference: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[PaymentStatus] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    station: Mapped[str | None] = mapped_column(String(100))


class Staff(Base):
    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # organizer | staff | kiosk
    pin_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_pin_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Locks since the last right PIN: each one is longer (eventdesk.services.people.auth).
    lockouts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # What a station keeps to check the PIN offline (eventdesk.pins): made from pin_hash
    # whenever it is set (below), never a PIN the server accepts. Read only when asked for.
    offline_pin: Mapped[str | None] = mapped_column(String(200), deferred=True)
    # May override a door's refusal with their PIN and a reason (an organizer always may).
    can_override: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


@event.listens_for(Staff.pin_hash, "set")
def _offline_pin(target: Staff, value: str | None, _old: Any, _initiator: Any) -> None:
    target.offline_pin = offline_verifier(value)


class StationPinTry(Base):
    """The wrong PINs tried through one station's own login for one account (a staff name or
    an attendee's e-mail, folded), and that station's lock on it: a station locks its own
    tries, never the account everywhere (migration 0018)."""

    __tablename__ = "station_pin_try"
    station: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # staff | attendee
    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    failed_pin_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lockouts: Mapped[int] = mapped_column(Integer, default=0)


class StationUpload(Base):
    """How many rows a station's own login uploaded in one minute (scans decided offline,
    conflicts, refusals, badges printed offline): the server takes a bounded number a minute
    from a station (migration 0019)."""

    __tablename__ = "station_upload"
    station: Mapped[str] = mapped_column(String(100), primary_key=True)
    minute: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    rows: Mapped[int] = mapped_column(Integer)


class PinGrant(Base):
    """An attendee whose own e-mail and PIN a door's login had checked on the server: for a
    short while that door may admit the attendee's ticket by its id (migration 0018)."""

    __tablename__ = "pin_grant"
    station: Mapped[str] = mapped_column(String(100), primary_key=True)
    attendee_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    until: Mapped[datetime] = mapped_column(UTCDateTime())


class KioskUnlock(Base):
    """The wrong staff PINs typed at one kiosk's unlock (F12), and that unlock's lock: they lock
    the kiosk, not the staff account named."""

    __tablename__ = "kiosk_unlock"
    station: Mapped[str] = mapped_column(String(100), primary_key=True)
    failed_pin_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lockouts: Mapped[int] = mapped_column(Integer, default=0)


class TransactionLog(Base):
    """Every registration, payment, refund, cancellation and promotion, in order."""

    __tablename__ = "transaction_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id"), index=True)
    ticket_id: Mapped[str | None] = mapped_column(String(16), index=True)
    attendee_id: Mapped[int | None] = mapped_column(Integer)
    amount_cents: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str | None] = mapped_column(String(3))
    detail: Mapped[str | None] = mapped_column(Text)
    station: Mapped[str | None] = mapped_column(String(100))


class SigningKey(Base):
    """An Ed25519 public key that ticket payloads may be signed with. The private key stays in a
    file on the issuing station; every station verifies with the public key from here."""

    __tablename__ = "signing_key"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    station: Mapped[str | None] = mapped_column(String(100))


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


class BadgeLayout(Base):
    """A badge layout imported into the store: its TOML text as given (badges.layout reads
    it), by name. The built-in layouts are not stored; one stored under a built-in's name is
    taken before it."""

    __tablename__ = "badge_layout"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


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


class BadgeStock(Base):
    """A sheet stock an organizer added (badges.stocks reads it): its TOML text as given, by
    name. The built-in stocks are not stored; a stored stock never takes a built-in's name."""

    __tablename__ = "badge_stock"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


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


class RegistrationQuestion(Base):
    """A question an event asks at registration (services.people.questions): of the order
    (its buyer, once) or of each ticket's holder, for every ticket type or some."""

    __tablename__ = "registration_question"
    __table_args__ = (UniqueConstraint("event_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(String(200))
    # text | longtext | choice | choices | yesno | number | date
    kind: Mapped[str] = mapped_column(String(10))
    choices: Mapped[str | None] = mapped_column(Text)  # JSON: the options, in order
    required: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    ticket_types: Mapped[str | None] = mapped_column(Text)  # JSON ticket type ids; NULL: all
    per: Mapped[str] = mapped_column(String(10), default="order", server_default="order")
    position: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class QuestionAnswer(Base):
    """An answer to a registration question: an order's (``order_id``) or a ticket holder's
    (``ticket_id``), the other NULL; its value in the question's canonical form."""

    __tablename__ = "question_answer"
    __table_args__ = (
        UniqueConstraint("question_id", "order_id", name="uq_question_answer_order"),
        UniqueConstraint("question_id", "ticket_id", name="uq_question_answer_ticket"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("registration_question.id", ondelete="CASCADE")
    )
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket_order.id", ondelete="CASCADE"), index=True
    )
    ticket_id: Mapped[str | None] = mapped_column(
        ForeignKey("ticket.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[str] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())


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


class StationClock(Base):
    """How far each station's clock is from the server's, as the station last measured it:
    the stats screen shows a station whose clock is off (online the server's clock decides;
    offline the station's, corrected by this)."""

    __tablename__ = "station_clock"
    station: Mapped[str] = mapped_column(String(100), primary_key=True)
    skew_ms: Mapped[int] = mapped_column(BigInteger)  # the server's clock minus the station's
    measured_at: Mapped[datetime] = mapped_column(UTCDateTime())  # on the server's clock


class RegisteredLogin(Base):
    """A station's own login on a PostgreSQL server, and the station it is (``eventdesk roles``,
    eventdesk/services/stations/roles.py): the server binds what the login does to that station."""

    __tablename__ = "station_login"
    login: Mapped[str] = mapped_column(String(63), primary_key=True)
    station: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(8))  # door | desk
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=text("CURRENT_TIMESTAMP")
    )


class StationSecret(Base):
    """This database's secret, for the made-up PIN salt of an account nobody has."""

    __tablename__ = "station_secret"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    secret: Mapped[str] = mapped_column(Text)


class StationKey(Base):
    """The keys of a station's copy, encrypted at rest (eventdesk/migrations/stations_0020.py):
    its newest given only to that station's login or an organizer's, and never again once
    revoked; a station added again after that gets a new one (the older ones stay, for an
    organizer to read what a lost station's copy held)."""

    __tablename__ = "station_key"
    station: Mapped[str] = mapped_column(String(100), primary_key=True)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    copy_key: Mapped[str] = mapped_column(String(64))  # 32 random bytes, in hex
    passphrase: Mapped[str] = mapped_column(String(14))  # XXXX-XXXX-XXXX: unlocks it offline
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SyncReceipt(Base):
    """An undo a station made offline and uploaded: its nonce, so a repeated upload (after a
    crash with an unknown outcome) changes nothing. Scans have theirs in the scan log."""

    __tablename__ = "sync_receipt"
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    station: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


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


class ImportRun(Base):
    """One CSV import, written in short transactions so that a door never waits on it, and
    all or nothing for the person importing (see eventdesk.services.data.import_runs)."""

    __tablename__ = "import_run"
    __table_args__ = (Index("ix_import_run_state", "state"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"))
    state: Mapped[ImportState] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(500))
    rows: Mapped[int] = mapped_column(Integer)
    station: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Touched by every transaction of the import (database clock): a run in "staging" whose
    # heartbeat is old was left by a process that stopped.
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
