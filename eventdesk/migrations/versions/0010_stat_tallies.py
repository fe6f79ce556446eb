"""stat tallies: the live stats' counts, kept by triggers

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 03:00:00.000000

The stats snapshot read every checked-in ticket, waitlisted ticket, payment, session check-in
and scan of the event each time it was taken. The counts are now kept in ``stat_tally`` by
triggers, in the transaction that changes what they count, and filled here from the rows
already there (see eventdesk/services/stats/counting.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventdesk.services.stats import counting as tallies


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'stat_tally',
        sa.Column('event_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('key', sa.String(length=130), nullable=False),
        sa.Column('shard', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.Column('extra', sa.BigInteger(), nullable=False),
        sa.Column('last_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('event_id', 'kind', 'key', 'shard', name=op.f('pk_stat_tally')),
    )
    dialect = op.get_bind().dialect.name
    op.execute(tallies.backfill(dialect))
    if dialect == 'postgresql':
        for statement in tallies.postgresql_statements():
            op.execute(statement)
    else:
        for statement in tallies.sqlite_triggers().values():
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name in tallies.TRIGGER_NAMES:
        table = name.rsplit('_tally_', 1)[0]
        op.execute(
            f'DROP TRIGGER IF EXISTS {name} ON {table}'
            if dialect == 'postgresql'
            else f'DROP TRIGGER IF EXISTS {name}'
        )
    if dialect == 'postgresql':
        for table in ('ticket', 'payment', 'session_checkin', 'scan_log'):
            op.execute(f'DROP FUNCTION IF EXISTS eventdesk_tally_{table}()')
    op.drop_table('stat_tally')
