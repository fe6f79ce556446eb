"""station clock: how far each station's clock is from the server's

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25 02:00:00.000000

A station measures its clock against the server's at each sync (eventdesk/services/stations/clock.py)
and keeps the difference here, so that the stats screen can say which station's clock is off.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'station_clock',
        sa.Column('station', sa.String(length=100), nullable=False),
        sa.Column('skew_ms', sa.BigInteger(), nullable=False),
        sa.Column('measured_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('station', name=op.f('pk_station_clock')),
    )


def downgrade() -> None:
    op.drop_table('station_clock')
