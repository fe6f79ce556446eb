"""station quotas: places of a ticket type a station sells while its server is away

Revision ID: 0028
Revises: 0027
Create Date: 2026-11-30 10:00:00.000000

``station_quota``: the places of a ticket type an organizer gives a station (``places`` in all,
``sold`` of them sold offline and uploaded); what is unsold is held, so that no other sale
takes it (services.stations.quota). ``quota_sale``: each sale the server took from a quota, by
its nonce. On PostgreSQL the stations' views are made again (as 0027 left them) so that a
station reads the quotas (its copy counts what it may still sell), and a station uploads its
sales through ``station_api.quota_sale`` (eventdesk/migrations/station_quota_sale.py), which
checks each against the quota the server gave.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventdesk.migrations import station_access_0013 as access
from eventdesk.migrations import station_quota_sale, stations_0018, stations_0020

revision: str = '0028'
down_revision: str | None = '0027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HIDDEN = (*stations_0020.HIDDEN, 'station_upload', 'arrival_alert')
TABLES = ('quota_sale', 'station_quota')


def _views() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        for statement in (
            *access.view_statements(bind, shown=stations_0018.SHOWN, hidden=HIDDEN),
            *access.walk_in_statements(),
        ):
            op.execute(statement)


def upgrade() -> None:
    op.create_table(
        'station_quota',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('ticket_type_id', sa.Integer(), nullable=False),
        sa.Column('station', sa.String(length=100), nullable=False),
        sa.Column('places', sa.Integer(), nullable=False),
        sa.Column('sold', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['event_id'],
            ['event.id'],
            name=op.f('fk_station_quota_event_id_event'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['ticket_type_id'],
            ['ticket_type.id'],
            name=op.f('fk_station_quota_ticket_type_id_ticket_type'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_station_quota')),
        sa.UniqueConstraint(
            'ticket_type_id', 'station', name=op.f('uq_station_quota_ticket_type_id')
        ),
    )
    with op.batch_alter_table('station_quota', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_station_quota_event_id'), ['event_id'], unique=False
        )
    op.create_table(
        'quota_sale',
        sa.Column('nonce', sa.String(length=64), nullable=False),
        sa.Column('quota_id', sa.Integer(), nullable=False),
        sa.Column('station', sa.String(length=100), nullable=False),
        sa.Column('ticket_id', sa.String(length=16), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['quota_id'],
            ['station_quota.id'],
            name=op.f('fk_quota_sale_quota_id_station_quota'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('nonce', name=op.f('pk_quota_sale')),
    )
    _views()
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(station_quota_sale.FUNCTION)
        op.execute(f'REVOKE ALL ON FUNCTION {station_quota_sale.SIGNATURE} FROM PUBLIC')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'DROP FUNCTION IF EXISTS {station_quota_sale.SIGNATURE}')
        for schema in access.VIEWS.values():
            for table in TABLES:
                op.execute(f'DROP VIEW IF EXISTS {schema}.{table}')
    op.drop_table('quota_sale')
    with op.batch_alter_table('station_quota', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_station_quota_event_id'))
    op.drop_table('station_quota')
