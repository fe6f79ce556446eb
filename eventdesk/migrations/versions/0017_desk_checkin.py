"""desk check-in: a desk's own login admits through the server's functions

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-25 20:00:00.000000

The desk's row rule on tickets no longer refuses the server's own functions' writes, so a
desk's login checks people in, undoes and lets out as a door's does
(eventdesk/migrations/desk_rules_0017.py). Nothing changes on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from eventdesk.migrations import desk_rules_0017 as rules


revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for statement in rules.UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for statement in rules.DOWNGRADE:
            op.execute(statement)
