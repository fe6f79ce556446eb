"""staff notes: a note on a person and on an order, shown at the door, never printed

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-27 12:00:00.000000

``attendee.note`` and ``ticket_order.note``: what the staff wrote about a person ("Press: escort
to the press room") or an order ("paid by invoice, collect PO"), shown with the door's answer
and on the desk's card; a badge never prints them. On PostgreSQL a station's mirror now holds
the orders' notes, so ``ticket_order`` is tracked as migration 0009 tracks the others; the
stations' views are made again so that a station reads the notes, and a desk's login may change
them (``eventdesk.grants``, given again after this upgrade).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventdesk.migrations import station_access_0013 as access
from eventdesk.migrations import stations_0018, stations_0022

revision: str = '0026'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ('attendee', 'ticket_order')
# The stations' views as 0025 left them: the arrival alerts are no station's to read.
HIDDEN = (*stations_0022.HIDDEN, 'arrival_alert')


def _views(bind: sa.engine.Connection) -> list[str]:
    return [
        *access.view_statements(bind, shown=stations_0018.SHOWN, hidden=HIDDEN),
        *access.walk_in_statements(),
    ]


def upgrade() -> None:
    for table in _TABLES:
        op.add_column(table, sa.Column('note', sa.String(length=500), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    op.execute(
        'ALTER TABLE ticket_order ADD COLUMN sync_xid xid8 NOT NULL DEFAULT pg_current_xact_id()'
    )
    op.execute('CREATE INDEX ix_ticket_order_sync_xid ON ticket_order (sync_xid)')
    op.execute(
        'CREATE TRIGGER ticket_order_sync_touch BEFORE INSERT OR UPDATE ON ticket_order '
        'FOR EACH ROW EXECUTE FUNCTION eventdesk_sync_touch()'
    )
    op.execute(
        'CREATE TRIGGER ticket_order_sync_gone AFTER DELETE ON ticket_order '
        "FOR EACH ROW EXECUTE FUNCTION eventdesk_sync_gone('id')"
    )
    for statement in _views(bind):
        op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == 'postgresql'
    if postgresql:
        for schema in access.VIEWS.values():
            for table in _TABLES:
                op.execute(f'DROP VIEW IF EXISTS {schema}.{table}')
        op.execute('DROP TRIGGER ticket_order_sync_gone ON ticket_order')
        op.execute('DROP TRIGGER ticket_order_sync_touch ON ticket_order')
        op.execute('ALTER TABLE ticket_order DROP COLUMN sync_xid')
    # Not a batch (a copy of the table): on SQLite, dropping the old table would take the
    # rows that refer to it along.
    for table in _TABLES:
        op.drop_column(table, 'note')
    if postgresql:
        for statement in _views(bind):
            op.execute(statement)
