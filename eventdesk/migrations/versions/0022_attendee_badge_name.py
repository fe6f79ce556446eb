"""attendee badge name: the shorter name a person's badges print

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-27 09:00:00.000000

``attendee.badge_name``: printed on their badges instead of their name (NULL: the name itself;
a ticket bought for someone else prints that person's name). The stations' views are made
again so that a station reads it, a desk's walk-in keeps it, and a desk's login may change it
(``eventdesk.grants``, given again after this upgrade; eventdesk/migrations/stations_0022.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventdesk.migrations import station_access_0013 as access
from eventdesk.migrations import stations_0022 as stations

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('attendee', sa.Column('badge_name', sa.String(length=100), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        for statement in (*stations.FUNCTIONS, *stations.view_statements(bind)):
            op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == 'postgresql'
    if postgresql:
        for statement in stations.DOWNGRADE:
            op.execute(statement)
        for schema in access.VIEWS.values():
            op.execute(f'DROP VIEW IF EXISTS {schema}.attendee')
    # Not a batch (a copy of the table): on SQLite, dropping the old table would take the
    # search tokens and tickets that refer to it along.
    op.drop_column('attendee', 'badge_name')
    if postgresql:
        for statement in stations.view_statements(bind):
            op.execute(statement)
