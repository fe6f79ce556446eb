"""money owed holds back whoever is not inside

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-05 09:00:00.000000

No table changes: on PostgreSQL the server's ``_refusal`` checks money owed only for a ticket
whose holder is not inside, as the door does (migrations/paid_once_0033.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from eventdesk.migrations import paid_once_0033 as paid_once

revision: str = '0033'
down_revision: str | None = '0032'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for statement in paid_once.FUNCTIONS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for statement in paid_once.BEFORE:
            op.execute(statement)
