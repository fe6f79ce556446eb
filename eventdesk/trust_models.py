"""The tables of what the server knows of its stations beyond their logins (migration 0029): the
events a station's login is bound to, when each station last uploaded everything it had (the
cut-off of a lost station's copy), and the refusals a station's flood brought beyond what the
server keeps. Here, beside eventdesk.models (the migrations' env.py imports them with it), to
keep that file within its size."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from eventdesk.models import Base, UTCDateTime


class LoginEvent(Base):
    """An event a station's login admits (``roles add LOGIN ... --event E1,E2``): the server
    refuses from it the tickets of every other event. A login with none admits every event's
    (as before logins were bound)."""

    __tablename__ = "station_login_event"
    login: Mapped[str] = mapped_column(String(63), primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class StationSeen(Base):
    """When a station last finished a round of sync with nothing left to upload (and what kind
    of station its login was): what a lost station's copy still holds was decided after that,
    or it would have been uploaded then (services.stations.lost_copy)."""

    __tablename__ = "station_seen"
    station: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str | None] = mapped_column(String(8))
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RefusalFlood(Base):
    """The refusals of one station's uploads past what the server keeps of them (a flood):
    counted, first and last, never stored one by one."""

    __tablename__ = "refusal_flood"
    station: Mapped[str] = mapped_column(String(100), primary_key=True)
    refused: Mapped[int] = mapped_column(Integer, default=0)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_at: Mapped[datetime] = mapped_column(UTCDateTime())
