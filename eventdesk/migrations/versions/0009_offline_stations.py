"""offline stations: scans decided offline, their conflicts, and what changed since a refresh

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 20:30:00.000000

On PostgreSQL every table a door's mirror holds gets ``sync_xid``: the id of the transaction
that last wrote the row (a trigger sets it), and a deleted row leaves its key in ``sync_gone``.
A station refreshes its mirror with the rows whose ``sync_xid`` is at or above the oldest
transaction still running at its last refresh (``pg_snapshot_xmin``): nothing committed late
by a long transaction is missed. SQLite is one box: it has no mirror and needs none of it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables a door's mirror holds, and the columns that name a row of each.
TRACKED = {
    'event': ('id',),
    'event_session': ('id',),
    'ticket_type': ('id',),
    'attendee': ('id',),
    'ticket': ('id',),
    'ticket_session': ('ticket_id', 'session_id'),
    'session_checkin': ('ticket_id', 'session_id'),
    'payment': ('id', 'ticket_id'),
    'import_run': ('id',),
    'signing_key': ('id',),
}

# A check-in updates its ticket: with no index on the ticket's sync_xid the update stays a
# heap-only one (no index touched), as it was before the mirror; a refresh reads the ticket
# table through once instead (tens of milliseconds for 100,000 tickets, bench/offline.py).
UNINDEXED = {'ticket'}

_TOUCH = """
CREATE FUNCTION eventdesk_sync_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.sync_xid := pg_current_xact_id();
    RETURN NEW;
END $$
"""
# SECURITY DEFINER: a door station's role deletes a session check-in (an undo) without a
# GRANT on sync_gone.
_GONE = """
CREATE FUNCTION eventdesk_sync_gone() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public AS $$
BEGIN
    INSERT INTO sync_gone (tbl, key)
    SELECT TG_TABLE_NAME, jsonb_object_agg(k, to_jsonb(OLD) -> k) FROM unnest(TG_ARGV) AS k;
    RETURN OLD;
END $$
"""


def upgrade() -> None:
    with op.batch_alter_table('scan_log', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('offline', sa.Boolean(), server_default='0', nullable=False)
        )
    op.create_table(
        'scan_conflict',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=True),
        sa.Column('ticket_id', sa.String(length=16), nullable=True),
        sa.Column('nonce', sa.String(length=64), nullable=False),
        sa.Column('reason', sa.String(length=24), nullable=False),
        sa.Column('station', sa.String(length=100), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('operator', sa.String(length=100), nullable=True),
        sa.Column('other_station', sa.String(length=100), nullable=True),
        sa.Column('other_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('detail', sa.String(length=400), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scan_conflict')),
        sa.UniqueConstraint('nonce', name=op.f('uq_scan_conflict_nonce')),
    )
    op.create_index('ix_scan_conflict_event', 'scan_conflict', ['event_id', 'at'], unique=False)
    op.create_index(
        op.f('ix_scan_conflict_ticket_id'), 'scan_conflict', ['ticket_id'], unique=False
    )
    op.create_table(
        'sync_receipt',
        sa.Column('nonce', sa.String(length=64), nullable=False),
        sa.Column('station', sa.String(length=100), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('nonce', name=op.f('pk_sync_receipt')),
    )
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(
        'CREATE TABLE sync_gone (tbl text NOT NULL, key jsonb NOT NULL, '
        'sync_xid xid8 NOT NULL DEFAULT pg_current_xact_id())'
    )
    op.execute('CREATE INDEX ix_sync_gone_xid ON sync_gone (sync_xid)')
    op.execute(_TOUCH)
    op.execute(_GONE)
    for table, key in TRACKED.items():
        op.execute(
            f'ALTER TABLE {table} ADD COLUMN sync_xid xid8 NOT NULL '
            'DEFAULT pg_current_xact_id()'
        )
        if table not in UNINDEXED:
            op.execute(f'CREATE INDEX ix_{table}_sync_xid ON {table} (sync_xid)')
        op.execute(
            f'CREATE TRIGGER {table}_sync_touch BEFORE INSERT OR UPDATE ON {table} '
            'FOR EACH ROW EXECUTE FUNCTION eventdesk_sync_touch()'
        )
        args = ', '.join(f"'{column}'" for column in key)
        op.execute(
            f'CREATE TRIGGER {table}_sync_gone AFTER DELETE ON {table} '
            f'FOR EACH ROW EXECUTE FUNCTION eventdesk_sync_gone({args})'
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in TRACKED:
            op.execute(f'DROP TRIGGER {table}_sync_gone ON {table}')
            op.execute(f'DROP TRIGGER {table}_sync_touch ON {table}')
            op.execute(f'ALTER TABLE {table} DROP COLUMN sync_xid')
        op.execute('DROP FUNCTION eventdesk_sync_gone()')
        op.execute('DROP FUNCTION eventdesk_sync_touch()')
        op.execute('DROP TABLE sync_gone')
    op.drop_table('sync_receipt')
    op.drop_index(op.f('ix_scan_conflict_ticket_id'), table_name='scan_conflict')
    op.drop_index('ix_scan_conflict_event', table_name='scan_conflict')
    op.drop_table('scan_conflict')
    with op.batch_alter_table('scan_log', schema=None) as batch_op:
        batch_op.drop_column('offline')
