"""Who comes and what they hold: attendees (and their search tokens), orders, tickets and their
session seats, payments, answers to questions, import runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from eventdesk.models.base import (
    Base,
    BinaryText,
    ImportState,
    PaymentKind,
    PaymentMethod,
    PaymentStatus,
    TicketStatus,
    UTCDateTime,
    imported,
)


class Attendee(Base):
    __tablename__ = "attendee"
    __table_args__ = (imported("attendee"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))  # the whole name, in the person's own order
    # The part of the name a list sorts under, where it was given apart (registration, an
    # import's Last Name, a shop's name parts); NULL: told from the name (eventdesk.collation).
    family_name: Mapped[str | None] = mapped_column(String(200))
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
    __table_args__ = (
        imported("ticket_order"),
        Index("ix_ticket_order_shop", "event_id", "shop", "shop_ref"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("attendee.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    import_run_id: Mapped[int | None] = mapped_column(Integer)
    # A staff note on the order ("paid by invoice"), shown at the door; never printed.
    note: Mapped[str | None] = mapped_column(String(500))
    # The shop the order was sold in (services.data.shop_export.SHOPS) and its own code there:
    # an import from that shop again finds the order by them (NULL: sold here).
    shop: Mapped[str | None] = mapped_column(String(16))
    shop_ref: Mapped[str | None] = mapped_column(String(64))


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
        # A ticket is found by its code: a shop's barcode is looked up at the door.
        Index("ix_ticket_qr_payload", "qr_payload", unique=True),
        Index("ix_ticket_shop_ref", "event_id", "shop_ref"),
        imported("ticket"),
    )
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("ticket_order.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"))
    ticket_type_id: Mapped[int] = mapped_column(ForeignKey("ticket_type.id"), index=True)
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendee.id"))  # the buyer
    # Who the ticket is for, when the buyer names someone else (NULL: the buyer).
    holder_name: Mapped[str | None] = mapped_column(String(200))
    # The holder's family name, where it was given apart (as attendee.family_name).
    holder_family_name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[TicketStatus] = mapped_column(String(16))
    # What is due in all: the type's price, lowered by goodwill refunds.
    price_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    seat_label: Mapped[str | None] = mapped_column(String(20))
    waitlist_seq: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The code in the ticket's QR: our signed payload, issued with the ticket by a station
    # holding the private key, or a shop's own code, kept unchanged (services.data.shop_export).
    qr_payload: Mapped[str | None] = mapped_column(String(200))
    # Set once, by one compare-and-set statement: the first check-in and where it happened.
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_station: Mapped[str | None] = mapped_column(String(100))
    inside: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # The import that wrote this ticket: admitted once that import is done.
    import_run_id: Mapped[int | None] = mapped_column(Integer)
    # A shop's own name of the ticket whose code may change (pretix: order code and position).
    shop_ref: Mapped[str | None] = mapped_column(String(64))
    # What a shop says of the ticket beyond its order's state (services.data.pretix): held
    # ("blocked": the shop blocked it; "approval": its order awaits the shop's approval), the
    # times it is valid between, and the ticket an add-on of it was bought with.
    shop_hold: Mapped[str | None] = mapped_column(String(16))
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    parent_id: Mapped[str | None] = mapped_column(String(16))


class RevokedCode(Base):
    """A code a shop no longer admits (pretix's revoked secrets; a code a shop made again for
    its ticket): the door says so, where an unknown line is only not a ticket."""

    __tablename__ = "revoked_code"
    code: Mapped[str] = mapped_column(String(200), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[str | None] = mapped_column(String(16))
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ShopKey(Base):
    """A public key a shop signs an event's tickets with (pretix's ``valid_keys``, scheme
    pretix_sig1: base64 of a PEM Ed25519 key): a code signed by none of the event's keys is no
    ticket of it, offline too (eventdesk.shop_codes)."""

    __tablename__ = "shop_key"
    event_id: Mapped[int] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), primary_key=True
    )
    public_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    scheme: Mapped[str] = mapped_column(String(20))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ShopPush(Base):
    """One of our check-ins sent to the shop it was sold in (services.data.pretix_checkins),
    with the shop's answer: sent once."""

    __tablename__ = "shop_push"
    scan_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # scan_log.id
    pushed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(24))  # the shop's: ok | error | …
    reason: Mapped[str | None] = mapped_column(String(200))


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
