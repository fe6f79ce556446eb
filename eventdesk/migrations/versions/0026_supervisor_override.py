"""supervisor override: the staff accounts that may admit despite a door's refusal

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-29 10:00:00.000000

``staff.can_override``: this account may override a door's refusal with its PIN and a reason
(services.door.override; an organizer always may). On PostgreSQL the stations' views are made
again (as 0025 left them) so that a station reads the new column (its copy knows who may
override while the server is away).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventdesk.migrations import station_access_0013 as access
from eventdesk.migrations import stations_0018, stations_0020

revision: str = '0026'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HIDDEN = (*stations_0020.HIDDEN, 'station_upload', 'arrival_alert')


def _views() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        for schema in access.VIEWS.values():
            op.execute(f'DROP VIEW IF EXISTS {schema}.staff')
        for statement in (
            *access.view_statements(bind, shown=stations_0018.SHOWN, hidden=HIDDEN),
            *access.walk_in_statements(),
        ):
            op.execute(statement)


def upgrade() -> None:
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('can_override', sa.Boolean(), server_default='0', nullable=False)
        )
    _views()


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for schema in access.VIEWS.values():
            op.execute(f'DROP VIEW IF EXISTS {schema}.staff')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('can_override')
    _views()
