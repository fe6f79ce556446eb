"""badge stocks: the sheet stocks an organizer adds

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-27 10:00:00.000000

A sheet stock (badges/stocks.py: a page, its labels' size and grid, how it is cut, what the
printer cannot print) that an organizer adds from a TOML file is kept here as its text, by name,
as 0015 keeps badge layouts, so that every station lays sheets out on it. A door does not make
sheets: its copy leaves the table out. On PostgreSQL the stations' views are made again (as
0022 left them, an attendee's badge name shown), so that a desk's login reads the stocks.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventdesk.migrations import station_access_0013 as access
from eventdesk.migrations import stations_0018, stations_0020 as stations

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'badge_stock',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_badge_stock')),
    )
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        hidden = (*stations.HIDDEN, 'station_upload')
        for statement in (
            *access.view_statements(bind, shown=stations_0018.SHOWN, hidden=hidden),
            *access.walk_in_statements(),
        ):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for schema in access.VIEWS.values():
            op.execute(f'DROP VIEW IF EXISTS {schema}.badge_stock')
    op.drop_table('badge_stock')
