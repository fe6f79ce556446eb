"""a station's word checked again: uploads sent again, logins bound to their events, lost copies

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-01 09:00:00.000000

``station_login_event``: the events a station's login admits (none: every event's).
``station_seen``: when each station last ended a round of sync with nothing left to upload (a
lost station's copy is taken from then on only). ``refusal_flood``: a station's refusals past
what the server keeps, counted. On PostgreSQL (eventdesk/migrations/stations_0029.py): an upload
sent again is recognised as itself, a walk-in sold offline is uploaded in one statement, each
function that admits refuses another event's ticket from a bound login, an organizer may act as
a named station for one connection (a lost copy taken through that station's checks), an
override decided offline names only an account whose PIN the station's copy held and gets its
transaction-log row, a desk logs only the actions it took, once each, a station's refusals
are kept up to a bound, and any other login's transaction left idle is ended within 30 s.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventdesk.migrations import stations_0029 as stations

revision: str = '0029'
down_revision: str | None = '0028'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'station_login_event',
        sa.Column('login', sa.String(length=63), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['event_id'],
            ['event.id'],
            name=op.f('fk_station_login_event_event_id_event'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('login', 'event_id', name=op.f('pk_station_login_event')),
    )
    with op.batch_alter_table('station_login_event', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_station_login_event_event_id'), ['event_id'], unique=False
        )
    op.create_table(
        'station_seen',
        sa.Column('station', sa.String(length=100), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=True),
        sa.Column('synced_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('station', name=op.f('pk_station_seen')),
    )
    op.create_table(
        'refusal_flood',
        sa.Column('station', sa.String(length=100), nullable=False),
        sa.Column('refused', sa.Integer(), nullable=False),
        sa.Column('first_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('station', name=op.f('pk_refusal_flood')),
    )
    if op.get_bind().dialect.name == 'postgresql':
        for statement in (*stations.FUNCTIONS, *stations.TRUST, stations.DATABASE_IDLE):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for statement in (*stations.DROP_TRUST, *stations.DOWNGRADE, stations.DATABASE_IDLE_RESET):
            op.execute(statement)
    op.drop_table('refusal_flood')
    op.drop_table('station_seen')
    with op.batch_alter_table('station_login_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_station_login_event_event_id'))
    op.drop_table('station_login_event')
