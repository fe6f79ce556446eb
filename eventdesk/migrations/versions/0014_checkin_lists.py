"""check-in lists: which tickets a door admits, when, how often, what it asks; session waitlists

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-25 10:00:00.000000

A list's rules (services/door/lists.py), each ticket's admissions on a list (one row a list,
ticket and day), the answers given at admission, and a session seat's own status (a full session
waitlists the seat, not the event ticket). On PostgreSQL, a station's own login admits on a list
through the server's functions (eventdesk/migrations/checkin_lists_0014.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventdesk.migrations import checkin_lists_0014 as lists
from eventdesk.migrations.station_access_0013 import view_statements, walk_in_statements


TRACKED = {'checkin_list': ('id',), 'list_entry': ('list_id', 'ticket_id', 'day')}

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'checkin_list',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=80), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('ticket_types', sa.Text(), nullable=True),
        sa.Column('sessions', sa.Text(), nullable=True),
        sa.Column('entries', sa.String(length=10), nullable=True),
        sa.Column('days', sa.Text(), nullable=True),
        sa.Column('hours', sa.Text(), nullable=True),
        sa.Column('unpaid', sa.String(length=10), nullable=True),
        sa.Column('staff_pass', sa.Boolean(), server_default='0', nullable=False),
        sa.Column('min_gap_minutes', sa.Integer(), nullable=True),
        sa.Column('questions', sa.Text(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['event_id'], ['event.id'],
            name=op.f('fk_checkin_list_event_id_event'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin_list')),
        sa.UniqueConstraint('event_id', 'slug', name=op.f('uq_checkin_list_event_id')),
    )
    op.create_table(
        'list_entry',
        sa.Column('list_id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.String(length=16), nullable=False),
        sa.Column('day', sa.String(length=10), nullable=False),
        sa.Column('first_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('station', sa.String(length=100), nullable=True),
        sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('entries', sa.Integer(), server_default='1', nullable=False),
        sa.Column('inside', sa.Boolean(), server_default='1', nullable=False),
        sa.ForeignKeyConstraint(
            ['list_id'], ['checkin_list.id'],
            name=op.f('fk_list_entry_list_id_checkin_list'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['ticket_id'], ['ticket.id'],
            name=op.f('fk_list_entry_ticket_id_ticket'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('list_id', 'ticket_id', 'day', name=op.f('pk_list_entry')),
    )
    op.create_index(op.f('ix_list_entry_ticket_id'), 'list_entry', ['ticket_id'], unique=False)
    op.create_table(
        'checkin_answer',
        sa.Column('ticket_id', sa.String(length=16), nullable=False),
        sa.Column('list_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('station', sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ['list_id'], ['checkin_list.id'],
            name=op.f('fk_checkin_answer_list_id_checkin_list'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['ticket_id'], ['ticket.id'],
            name=op.f('fk_checkin_answer_ticket_id_ticket'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('ticket_id', 'list_id', 'key', name=op.f('pk_checkin_answer')),
    )
    op.create_index(
        op.f('ix_checkin_answer_list_id'), 'checkin_answer', ['list_id'], unique=False
    )
    with op.batch_alter_table('ticket_session') as batch:
        batch.add_column(
            sa.Column(
                'status', sa.String(length=16), server_default='registered', nullable=False
            )
        )
        batch.add_column(sa.Column('waitlist_seq', sa.Integer(), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    # A door's mirror copies the lists and their entries: what changed since a refresh, as
    # migration 0009 tracks the other tables it copies.
    for table, key in TRACKED.items():
        op.execute(
            f'ALTER TABLE {table} ADD COLUMN sync_xid xid8 NOT NULL '
            'DEFAULT pg_current_xact_id()'
        )
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
    for statement in lists.upgrade_statements(bind):
        op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == 'postgresql'
    if postgresql:
        for statement in lists.downgrade_statements():
            op.execute(statement)
    with op.batch_alter_table('ticket_session') as batch:
        batch.drop_column('waitlist_seq')
        batch.drop_column('status')
    op.drop_index(op.f('ix_checkin_answer_list_id'), table_name='checkin_answer')
    op.drop_table('checkin_answer')
    op.drop_index(op.f('ix_list_entry_ticket_id'), table_name='list_entry')
    op.drop_table('list_entry')
    op.drop_table('checkin_list')
    if postgresql:  # the views again, of the tables as 0013 had them
        for statement in [*view_statements(bind), *walk_in_statements()]:
            op.execute(statement)
