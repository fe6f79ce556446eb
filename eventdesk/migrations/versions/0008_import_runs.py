"""imports written in short transactions: the run, and the rows it is still writing

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 17:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('attendee', 'ticket_order', 'ticket')


def upgrade() -> None:
    op.create_table(
        'import_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('source', sa.String(length=500), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.Column('station', sa.String(length=100), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['event_id'], ['event.id'], name=op.f('fk_import_run_event_id_event')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_run')),
    )
    op.create_index('ix_import_run_state', 'import_run', ['state'], unique=False)
    where = sa.text('import_run_id IS NOT NULL')
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('import_run_id', sa.Integer(), nullable=True))
        op.create_index(
            f'ix_{table}_import_run',
            table,
            ['import_run_id'],
            unique=False,
            sqlite_where=where,
            postgresql_where=where,
        )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_index(f'ix_{table}_import_run', table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('import_run_id')
    op.drop_index('ix_import_run_state', table_name='import_run')
    op.drop_table('import_run')
