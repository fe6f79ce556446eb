"""The station's copy of its quotas and its sales made offline from them (the copy's tables,
made with the rest by services.stations.mirror; services.stations.quota_sale sells and
uploads). Here, in a module of their own, to keep that file within its size.

``station_quota`` is copied whole at each refresh (a few rows), and ``quota_code`` with it: the
codes signed ahead for this station's offline sales (eventdesk.quota_models.QuotaCode; a
station's own login reads its station's only), each taken by the sale that uses it.
``sale_outbox`` holds each walk-in sold here offline, in order, until the server has it: the
person, the ticket type, how it was paid, whether it was admitted at once, its nonce; the copy
also holds the person, the order, the ticket and its payment (provisional rows: the person's and
order's ids negative, the ticket's id chosen here) so that the desk finds them, the door admits
them and a badge prints offline. Like the scans' outbox, the sale outbox is kept when a copy of
another version is made again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Column, Index, Integer, MetaData, String, Table

from eventdesk.models import UTCDateTime
from eventdesk.quota_models import QuotaCode, StationQuota

SALES = MetaData()

QUOTA = Table(
    "station_quota",
    SALES,
    *(Column(c.name, c.type, primary_key=c.primary_key) for c in StationQuota.__table__.columns),
    Column("mirror_gen", Integer),  # services.stations.mirror's GEN: the copy that wrote it
)
CODE = Table(
    "quota_code",
    SALES,
    *(Column(c.name, c.type, primary_key=c.primary_key) for c in QuotaCode.__table__.columns),
    Column("mirror_gen", Integer),
)
# Copied whole at each refresh (services.stations.mirror's WHOLE).
QUOTA_WHOLE: dict[str, tuple[Table, Any]] = {
    "station_quota": (QUOTA, StationQuota),
    "quota_code": (CODE, QuotaCode),
}

SALE_OUTBOX = Table(
    "sale_outbox",
    SALES,
    Column("seq", Integer, primary_key=True),
    Column("nonce", String(64), nullable=False, unique=True),
    Column("station", String(100), nullable=False),
    Column("operator", String(100)),
    Column("at", UTCDateTime(), nullable=False),
    Column("event_id", Integer, nullable=False),
    Column("ticket_type_id", Integer, nullable=False),
    Column("ticket_id", String(16), nullable=False),  # the provisional ticket's, in the copy
    Column("attendee_id", Integer, nullable=False),  # the provisional person's (negative)
    Column("order_id", Integer, nullable=False),  # the provisional order's (negative)
    Column("name", String(200), nullable=False),
    Column("email", String(254), nullable=False),
    Column("company", String(200)),
    Column("method", String(10)),  # cash | card | NULL (not paid yet)
    Column("admitted", Boolean, nullable=False),
    Column("state", String(10), nullable=False),  # pending | done | refused
    Column("problem", String(400)),
    Column("server_ticket_id", String(16)),  # the ticket the server made for it
    Column("uploaded_at", UTCDateTime()),
    Index("ix_sale_outbox_state", "state", "seq"),
)
