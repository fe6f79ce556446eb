"""What an event offers: venues and seats, categories, events and their sessions, ticket types,
badge layouts and stock, registration questions."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from eventdesk.event_time import event_zone
from eventdesk.models.base import Base, UTCDateTime


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


class BadgeLayout(Base):
    """A badge layout imported into the store: its TOML text as given (badges.layout reads
    it), by name. The built-in layouts are not stored; one stored under a built-in's name is
    taken before it."""

    __tablename__ = "badge_layout"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BadgeStock(Base):
    """A sheet stock an organizer added (badges.stocks reads it): its TOML text as given, by
    name. The built-in stocks are not stored; a stored stock never takes a built-in's name."""

    __tablename__ = "badge_stock"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


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
