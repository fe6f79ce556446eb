"""arrival alerts: people and ticket types an organizer is told about when they arrive

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-28 10:00:00.000000

``attendee.alert`` and ``ticket_type.alert``: the organizer wants to know when this person (or
anyone holding this type) arrives, and why ("speaker, take to the green room"; NULL: not
watched). ``arrival_alert``: one row for each admission of a watched person, kept until an
organizer has seen it (``seen_at``). The row is written by the database itself (a trigger on
``scan_log``), so that every way an admission is logged makes it: the local decider, a
station's own login (through the server's functions), an offline admission uploaded later. Its
reason is the server's (the person's own, else their ticket type's), whatever a station's copy
said (the trigger's text: eventdesk/services/door/alert_trigger.py). No station reads the alerts (left out of the stations' views); the trigger's function
runs as the table's owner. The stations' views are made again (as 0023 left them) so that a
station reads the two new columns (its door tells the alert with the admission).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventdesk.migrations import station_access_0013 as access
from eventdesk.migrations import stations_0018, stations_0020
from eventdesk.services.door import alert_trigger

revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HIDDEN = (*stations_0020.HIDDEN, 'station_upload', 'arrival_alert')


def upgrade() -> None:
    op.add_column('attendee', sa.Column('alert', sa.String(length=200), nullable=True))
    op.add_column('ticket_type', sa.Column('alert', sa.String(length=200), nullable=True))
    op.create_table(
        'arrival_alert',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=True),
        sa.Column('scan_id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.String(length=16), nullable=True),
        sa.Column('attendee_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('station', sa.String(length=100), nullable=True),
        sa.Column('seen_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_arrival_alert')),
    )
    with op.batch_alter_table('arrival_alert', schema=None) as batch_op:
        batch_op.create_index('ix_arrival_alert_event_seen', ['event_id', 'seen_at'], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        for statement in (
            *alert_trigger.POSTGRESQL,
            *access.view_statements(bind, shown=stations_0018.SHOWN, hidden=HIDDEN),
            *access.walk_in_statements(),
        ):
            op.execute(statement)
    else:
        op.execute(alert_trigger.SQLITE_TRIGGER)


def downgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == 'postgresql'
    op.execute(
        f'DROP TRIGGER IF EXISTS {alert_trigger.NAME}' + (' ON scan_log' if postgresql else '')
    )
    if postgresql:
        op.execute(f'DROP FUNCTION IF EXISTS public.{alert_trigger.NAME}()')
        for schema in access.VIEWS.values():
            for table in ('attendee', 'ticket_type'):
                op.execute(f'DROP VIEW IF EXISTS {schema}.{table}')
    with op.batch_alter_table('arrival_alert', schema=None) as batch_op:
        batch_op.drop_index('ix_arrival_alert_event_seen')
    op.drop_table('arrival_alert')
    # Not a batch (a copy of the table): on SQLite, dropping the old table would take the
    # rows that refer to it along.
    op.drop_column('ticket_type', 'alert')
    op.drop_column('attendee', 'alert')
    if postgresql:
        hidden = (*stations_0020.HIDDEN, 'station_upload')
        for statement in (
            *access.view_statements(bind, shown=stations_0018.SHOWN, hidden=hidden),
            *access.walk_in_statements(),
        ):
            op.execute(statement)
