"""a name's family part, given apart: the part a list sorts under

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06 09:00:00.000000

``attendee.family_name`` and ``ticket.holder_family_name``: the family name of a person (of a
ticket's holder) where it was given apart from the whole name (registration's ``--family``, an
import's Last Name, a shop's name parts); NULL: the name alone is known, and a list sorts it by
its last word (eventdesk.collation). On PostgreSQL the stations' views are made again to show
them (a door's paper list and a badge sheet sort by them), and a desk's walk-in keeps the family
name given (migrations/name_parts_0034.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventdesk.migrations import name_parts_0034 as parts
from eventdesk.migrations import station_access_0013 as access
from eventdesk.migrations import stations_0018, stations_0020

revision: str = '0034'
down_revision: str | None = '0033'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The views as 0033 left them (0032's): what it hid stays hidden.
HIDDEN = (
    *stations_0020.HIDDEN,
    'station_upload',
    'arrival_alert',
    'station_login_event',
    'station_seen',
    'refusal_flood',
    'shop_push',
)
COLUMNS = (('attendee', 'family_name'), ('ticket', 'holder_family_name'))


def _views() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        for statement in (
            *access.view_statements(bind, shown=stations_0018.SHOWN, hidden=HIDDEN),
            *access.walk_in_statements(),
        ):
            op.execute(statement)


def upgrade() -> None:
    for table, column in COLUMNS:
        op.add_column(table, sa.Column(column, sa.String(length=200), nullable=True))
    _views()
    if op.get_bind().dialect.name == 'postgresql':
        for statement in parts.FUNCTIONS:
            op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == 'postgresql'
    if postgresql:
        for statement in parts.BEFORE:
            op.execute(statement)
        for schema in access.VIEWS.values():
            for table, _column in COLUMNS:
                op.execute(f'DROP VIEW IF EXISTS {schema}.{table}')
    # Not a batch (a copy of the table): on SQLite, dropping the old table would take the rows
    # that refer to it along.
    for table, column in reversed(COLUMNS):
        op.drop_column(table, column)
    _views()
