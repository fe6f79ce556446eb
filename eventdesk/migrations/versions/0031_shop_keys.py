"""a shop's keys: the public keys an event's tickets are signed with in the shop

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-03 09:00:00.000000

``shop_key``: each public key a shop signs the event's tickets with (pretix's ``valid_keys``,
scheme pretix_sig1), so that a door tells a code the shop signed from a forged one, offline too
(a station's copy holds them). On PostgreSQL the stations' views are made again to show it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventdesk.migrations import station_access_0013 as access
from eventdesk.migrations import stations_0018, stations_0020

revision: str = '0031'
down_revision: str | None = '0030'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The views as 0030 left them: what it hid stays hidden.
HIDDEN = (
    *stations_0020.HIDDEN,
    'station_upload',
    'arrival_alert',
    'station_login_event',
    'station_seen',
    'refusal_flood',
    'shop_push',
)


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
        'shop_key',
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('public_key', sa.String(length=200), nullable=False),
        sa.Column('scheme', sa.String(length=20), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['event_id'], ['event.id'], name=op.f('fk_shop_key_event_id_event'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('event_id', 'public_key', name=op.f('pk_shop_key')),
    )
    _views()


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for schema in access.VIEWS.values():
            op.execute(f'DROP VIEW IF EXISTS {schema}.shop_key')
    op.drop_table('shop_key')
    _views()
