"""badge layouts: stored layouts, and which one an event and each ticket type print

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-25 13:00:00.000000

A badge layout is a small TOML file (badges/layout.py); one imported is kept here as its text,
by name. An event names its default layout, a ticket type its own (NULL: the event's, then the
built-in name-company-qr). A door's mirror copies the stored layouts (its badges print from its
copy while the server is away), so the table is tracked as 0009 tracks the others.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventdesk.migrations.station_access_0013 import (
    VIEWS,
    view_statements,
    walk_in_statements,
)

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'badge_layout',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_badge_layout')),
    )
    with op.batch_alter_table('event') as batch:
        batch.add_column(sa.Column('badge_layout', sa.String(length=40), nullable=True))
    with op.batch_alter_table('ticket_type') as batch:
        batch.add_column(sa.Column('badge_layout', sa.String(length=40), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    op.execute(
        'ALTER TABLE badge_layout ADD COLUMN sync_xid xid8 NOT NULL '
        'DEFAULT pg_current_xact_id()'
    )
    op.execute('CREATE INDEX ix_badge_layout_sync_xid ON badge_layout (sync_xid)')
    op.execute(
        'CREATE TRIGGER badge_layout_sync_touch BEFORE INSERT OR UPDATE ON badge_layout '
        'FOR EACH ROW EXECUTE FUNCTION eventdesk_sync_touch()'
    )
    op.execute(
        'CREATE TRIGGER badge_layout_sync_gone AFTER DELETE ON badge_layout '
        "FOR EACH ROW EXECUTE FUNCTION eventdesk_sync_gone('name')"
    )
    for statement in [*view_statements(bind), *walk_in_statements()]:
        op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == 'postgresql'
    if postgresql:  # the views of what changes go first (made again after, as 0014 had them)
        for schema in VIEWS.values():
            for table in ('badge_layout', 'event', 'ticket_type'):
                op.execute(f'DROP VIEW IF EXISTS {schema}.{table}')
    with op.batch_alter_table('ticket_type') as batch:
        batch.drop_column('badge_layout')
    with op.batch_alter_table('event') as batch:
        batch.drop_column('badge_layout')
    op.drop_table('badge_layout')
    if postgresql:
        for statement in [*view_statements(bind), *walk_in_statements()]:
            op.execute(statement)
