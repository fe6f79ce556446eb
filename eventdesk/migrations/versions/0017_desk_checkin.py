"""desk check-in and refused uploads: a desk's own login admits through the server's functions;
an offline scan the server refuses at upload is recorded

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-25 20:00:00.000000

The desk's row rule on tickets no longer refuses the server's own functions' writes, so a
desk's login checks people in, undoes and lets out as a door's does; and ``upload_refusal``
keeps each offline scan the server refused when its station uploaded it, for ``report
conflicts`` (eventdesk/migrations/stations_0017.py). The table is on SQLite too (the same
schema everywhere); the functions are PostgreSQL's.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventdesk.migrations import stations_0017 as stations


revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'upload_refusal',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('nonce', sa.String(length=64), nullable=False),
        sa.Column('station', sa.String(length=100), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=True),
        sa.Column('ticket_id', sa.String(length=16), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('operator', sa.String(length=100), nullable=True),
        sa.Column('result', sa.String(length=24), nullable=False),
        sa.Column('detail', sa.String(length=400), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_upload_refusal')),
        sa.UniqueConstraint('nonce', name=op.f('uq_upload_refusal_nonce')),
    )
    op.create_index('ix_upload_refusal_event', 'upload_refusal', ['event_id', 'at'])
    if op.get_bind().dialect.name == 'postgresql':
        for statement in (*stations.UPGRADE, *stations.REFUSED):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for statement in stations.DOWNGRADE:
            op.execute(statement)
    op.drop_index('ix_upload_refusal_event', table_name='upload_refusal')
    op.drop_table('upload_refusal')
