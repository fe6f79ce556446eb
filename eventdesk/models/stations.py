"""What the server keeps of its stations: uploads, clocks, registered logins, secrets and keys,
sync receipts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from eventdesk.models.base import Base, UTCDateTime


class StationUpload(Base):
    """How many rows a station's own login uploaded in one minute (scans decided offline,
    conflicts, refusals, badges printed offline): the server takes a bounded number a minute
    from a station (migration 0019)."""

    __tablename__ = "station_upload"
    station: Mapped[str] = mapped_column(String(100), primary_key=True)
    minute: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    rows: Mapped[int] = mapped_column(Integer)


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
