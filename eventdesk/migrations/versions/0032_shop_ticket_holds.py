"""a shop's word on a ticket: held, valid between two times, an add-on of another

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-04 09:00:00.000000

``ticket.shop_hold``: a ticket the shop holds back ("blocked": pretix blocked it; "approval":
its order awaits the shop's approval), which the door does not admit, saying why;
``ticket.valid_from`` and ``valid_until``: the times a shop's ticket is valid between (pretix's
position validity), which the door honours; ``ticket.parent_id``: the ticket an add-on was
bought with. On PostgreSQL the stations' views are made again to show them, and the server's
refusals check them as the door does (migrations/shop_holds_0032.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventdesk.migrations import shop_holds_0032 as holds
from eventdesk.migrations import station_access_0013 as access
from eventdesk.migrations import stations_0018, stations_0020

revision: str = '0032'
down_revision: str | None = '0031'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The views as 0031 left them: what it hid stays hidden.
HIDDEN = (
    *stations_0020.HIDDEN,
    'station_upload',
    'arrival_alert',
    'station_login_event',
    'station_seen',
    'refusal_flood',
    'shop_push',
)
COLUMNS = ('shop_hold', 'valid_from', 'valid_until', 'parent_id')


def _views() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        for statement in (
            *access.view_statements(bind, shown=stations_0018.SHOWN, hidden=HIDDEN),
            *access.walk_in_statements(),
        ):
            op.execute(statement)


def upgrade() -> None:
    op.add_column('ticket', sa.Column('shop_hold', sa.String(length=16), nullable=True))
    op.add_column('ticket', sa.Column('valid_from', sa.DateTime(timezone=True), nullable=True))
    op.add_column('ticket', sa.Column('valid_until', sa.DateTime(timezone=True), nullable=True))
    op.add_column('ticket', sa.Column('parent_id', sa.String(length=16), nullable=True))
    _views()
    if op.get_bind().dialect.name == 'postgresql':
        for statement in holds.FUNCTIONS:
            op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == 'postgresql'
    if postgresql:
        for statement in holds.BEFORE:
            op.execute(statement)
        for schema in access.VIEWS.values():
            op.execute(f'DROP VIEW IF EXISTS {schema}.ticket')
    for column in reversed(COLUMNS):
        op.drop_column('ticket', column)
    _views()
