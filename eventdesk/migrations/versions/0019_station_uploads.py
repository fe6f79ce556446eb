"""history a station cannot invent, and a bound on what it uploads

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-26 03:40:00.000000

An offline admission is logged only with its admission, a conflict's other station and time are
read from the server's rows, and a station uploads at most so many rows a minute
(``station_upload`` counts them; eventdesk/migrations/stations_0019.py). The table is on SQLite
too (the same schema everywhere); the functions are PostgreSQL's.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventdesk.migrations import stations_0019 as stations


revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'station_upload',
        sa.Column('station', sa.String(length=100), nullable=False),
        sa.Column('minute', sa.DateTime(timezone=True), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('station', 'minute', name=op.f('pk_station_upload')),
    )
    if op.get_bind().dialect.name == 'postgresql':
        for statement in (*stations.FUNCTIONS, *stations.BOUNDED, *stations.UPLOAD_ADMITS,
                          *stations.DESK_LOG):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for statement in stations.DOWNGRADE:
            op.execute(statement)
    op.drop_table('station_upload')
