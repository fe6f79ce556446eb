"""The tables of selling offline from a quota (services.stations.quota): the places of a ticket
type an organizer gives a station to sell while its server is away, and each sale the server
took from one (its nonce: a sale uploaded twice is made once). Here, beside eventdesk.models
(which imports them at its end), to keep that file within its size."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from eventdesk.models import Base, UTCDateTime


class StationQuota(Base):
    """Places of a ticket type held for one station: ``places`` given in all, ``sold`` of them
    sold offline and uploaded (registered tickets now). The rest (``places - sold``) is held:
    no other sale takes it, so that the event is never sold over its places."""

    __tablename__ = "station_quota"
    __table_args__ = (UniqueConstraint("ticket_type_id", "station"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    ticket_type_id: Mapped[int] = mapped_column(ForeignKey("ticket_type.id", ondelete="CASCADE"))
    station: Mapped[str] = mapped_column(String(100))
    places: Mapped[int] = mapped_column(Integer, default=0)
    sold: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class QuotaSale(Base):
    """One sale made offline from a quota, as the server took it: by its nonce."""

    __tablename__ = "quota_sale"
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    quota_id: Mapped[int] = mapped_column(ForeignKey("station_quota.id", ondelete="CASCADE"))
    station: Mapped[str] = mapped_column(String(100))
    ticket_id: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class QuotaCode(Base):
    """A ticket's code signed ahead for a station's offline sales (services.stations.quota's
    ``give``): the station has no signing key, so the organizer's station signs codes for the
    places it gives, the station's copy holds them, and a walk-in sold offline takes one, so
    that their badge has a QR at once. The server keeps the code's ticket id and QR for the sale
    uploaded with it (and drops the row): the QR admits as any ticket's. Each id starts with U,
    a letter no other ticket id has (Crockford's base32 leaves it out), so no ticket made
    elsewhere ever takes a code's id."""

    __tablename__ = "quota_code"
    ticket_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    station: Mapped[str] = mapped_column(String(100))
    qr_payload: Mapped[str] = mapped_column(String(200))
    minted_at: Mapped[datetime] = mapped_column(UTCDateTime())
