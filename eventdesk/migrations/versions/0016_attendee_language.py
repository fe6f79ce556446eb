"""attendee language: the language a person registered with (a kiosk answers them in it)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-25 16:00:00.000000

A catalogue's code (eventdesk.i18n: "de", "fr"), or NULL for the station's own language. The
stations' views of the attendee table are made again so that a door reads it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventdesk.migrations.station_access_0013 import (
    VIEWS,
    view_statements,
    walk_in_statements,
)

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('attendee', sa.Column('language', sa.String(length=20), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        for statement in [*view_statements(bind), *walk_in_statements()]:
            op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == 'postgresql'
    if postgresql:
        for schema in VIEWS.values():
            op.execute(f'DROP VIEW IF EXISTS {schema}.attendee')
    # Not a batch (a copy of the table): on SQLite, dropping the old table would take the
    # search tokens and tickets that refer to it along.
    op.drop_column('attendee', 'language')
    if postgresql:
        for statement in [*view_statements(bind), *walk_in_statements()]:
            op.execute(statement)
