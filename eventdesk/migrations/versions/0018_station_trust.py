"""sign-in a station cannot abuse, and the line scanned checked by the server

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-26 03:30:00.000000

Wrong PINs tried through a station count on that station (``station_pin_try``); a door admits by
ticket id only after the attendee's own e-mail and PIN (``pin_grant``); a station copies no PIN
hash the server accepts (``staff.offline_pin``, made here for every account from its hash); a
repaired line is checked on the server (eventdesk/migrations/stations_0018.py). The tables and
the column are on SQLite too (the same schema everywhere); the functions are PostgreSQL's.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventdesk.migrations import station_access_0013 as access
from eventdesk.migrations import stations_0018 as stations
from eventdesk.pins import offline_verifier


revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'station_pin_try',
        sa.Column('station', sa.String(length=100), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('key', sa.String(length=320), nullable=False),
        sa.Column('failed_pin_attempts', sa.Integer(), nullable=False),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('lockouts', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('station', 'kind', 'key', name=op.f('pk_station_pin_try')),
    )
    op.create_table(
        'pin_grant',
        sa.Column('station', sa.String(length=100), nullable=False),
        sa.Column('attendee_id', sa.Integer(), nullable=False),
        sa.Column('until', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('station', 'attendee_id', name=op.f('pk_pin_grant')),
    )
    with op.batch_alter_table('staff') as batch:
        batch.add_column(sa.Column('offline_pin', sa.String(length=200), nullable=True))
    bind = op.get_bind()
    for staff_id, pin_hash in bind.execute(sa.text('SELECT id, pin_hash FROM staff')).all():
        bind.execute(
            sa.text('UPDATE staff SET offline_pin = :v WHERE id = :i'),
            {'v': offline_verifier(pin_hash), 'i': staff_id},
        )
    if bind.dialect.name == 'postgresql':
        for statement in (*stations.FUNCTIONS, *stations.view_statements(bind),
                          *access.walk_in_statements()):
            op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        for statement in stations.DOWNGRADE:
            op.execute(statement)
        for schema in access.VIEWS.values():
            op.execute(f'DROP VIEW IF EXISTS {schema}.staff')
    with op.batch_alter_table('staff') as batch:
        batch.drop_column('offline_pin')
    op.drop_table('pin_grant')
    op.drop_table('station_pin_try')
    if bind.dialect.name == 'postgresql':
        for statement in [
            *access.view_statements(bind, hidden=('upload_refusal',)),
            *access.walk_in_statements(),
        ]:
            op.execute(statement)
