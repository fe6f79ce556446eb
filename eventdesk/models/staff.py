"""The staff and their PINs: accounts, a station's PIN tries and grants, the kiosk's unlocks,
signing keys, the transaction log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from eventdesk.models.base import Base, UTCDateTime
from eventdesk.pins import offline_verifier


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


class SigningKey(Base):
    """An Ed25519 public key that ticket payloads may be signed with. The private key stays in a
    file on the issuing station; every station verifies with the public key from here."""

    __tablename__ = "signing_key"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    station: Mapped[str | None] = mapped_column(String(100))


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
