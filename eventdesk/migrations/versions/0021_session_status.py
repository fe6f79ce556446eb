"""session status: a session can be cancelled

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-26 16:00:00.000000

``event_session.status``: "scheduled", or "cancelled" (its seats freed and kept on their
tickets as cancelled, ``ticket_session.status``; its door admits nobody). The stations' views
of the table are made again so that a station reads it; a desk's login may now add a session
to a ticket someone holds and take one off (``eventdesk.grants``, given again after this
upgrade; eventdesk/migrations/stations_0021.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventdesk.migrations import station_access_0013 as access
from eventdesk.migrations import stations_0018, stations_0020 as stations
from eventdesk.migrations import stations_0021 as desk_seats

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _views() -> list[str]:
    """The stations' views with the column, and as 0020 left them: none of station_key (0020)
    nor of station_upload (0019: stations write it only through their functions), so that the
    downgrades before this one find no view in their way."""
    bind = op.get_bind()
    hidden = (*stations.HIDDEN, 'station_upload')
    return [
        *access.view_statements(bind, shown=stations_0018.SHOWN, hidden=hidden),
        *access.walk_in_statements(),
    ]


def upgrade() -> None:
    op.add_column(
        'event_session',
        sa.Column('status', sa.String(length=16), server_default='scheduled', nullable=False),
    )
    if op.get_bind().dialect.name == 'postgresql':
        for statement in (*_views(), *desk_seats.FUNCTIONS):
            op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == 'postgresql'
    if postgresql:
        for statement in desk_seats.DOWNGRADE:
            op.execute(statement)
        for schema in access.VIEWS.values():
            op.execute(f'DROP VIEW IF EXISTS {schema}.event_session')
    # Not a batch (a copy of the table): on SQLite, dropping the old table would take the
    # seats and session check-ins that refer to it along.
    op.drop_column('event_session', 'status')
    if postgresql:
        for statement in _views():
            op.execute(statement)
