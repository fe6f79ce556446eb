"""a station's word checked again: an upload sent again recognised as itself

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-01 09:00:00.000000

On PostgreSQL (eventdesk/migrations/stations_0029.py): a run of offline admissions records the
conflicts among them in the statement that admits them, and skips a nonce the server has already
(an upload sent again after its answer was lost).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from eventdesk.migrations import stations_0029 as stations

revision: str = '0029'
down_revision: str | None = '0028'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for statement in stations.FUNCTIONS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for statement in stations.DOWNGRADE:
            op.execute(statement)
