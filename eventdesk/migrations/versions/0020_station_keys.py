"""the key of each station's copy

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-26 05:30:00.000000

A station's copy is encrypted at rest with a key the server makes and gives only to that station
(``station_key``, ``station_api.copy_key``; eventdesk/migrations/stations_0020.py). The table is
on SQLite too (the same schema everywhere); the function is PostgreSQL's.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventdesk.migrations import stations_0020 as stations


revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'station_key',
        sa.Column('station', sa.String(length=100), nullable=False),
        sa.Column('copy_key', sa.String(length=64), nullable=False),
        sa.Column('passphrase', sa.String(length=14), nullable=False),
        sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('station', 'made_at', name=op.f('pk_station_key')),
    )
    if op.get_bind().dialect.name == 'postgresql':
        for statement in stations.FUNCTIONS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for statement in stations.DOWNGRADE:
            op.execute(statement)
    op.drop_table('station_key')
