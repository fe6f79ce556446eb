"""station access: what a station's own login may do on a PostgreSQL server

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-25 03:00:00.000000

Stations log in as their own logins and work through views and SECURITY DEFINER functions,
never table grants (see eventdesk/migrations/station_access_0013.py). SQLite is one box: it has
no logins and needs none of it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventdesk.migrations import station_access_0013 as access


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'station_login',
        sa.Column('login', sa.String(length=63), nullable=False),
        sa.Column('station', sa.String(length=100), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column(
            'created_at',
            sa.DateTime(timezone=True),
            server_default=sa.text('CURRENT_TIMESTAMP'),
            nullable=False,
        ),
        sa.CheckConstraint("kind IN ('door', 'desk')", name=op.f('ck_station_login_kind')),
        sa.PrimaryKeyConstraint('login', name=op.f('pk_station_login')),
    )
    op.create_table(
        'station_secret',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('secret', sa.Text(), nullable=False),
        sa.CheckConstraint('id = 1', name=op.f('ck_station_secret_one')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_station_secret')),
    )
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    for statement in access.upgrade_statements(bind):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for statement in access.DOWNGRADE:
            op.execute(statement)
    op.drop_table('station_secret')
    op.drop_table('station_login')
