"""a scan's nonce and the answer given to it: the same nonce again gets the same answer

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 16:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('scan_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nonce', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('answer', sa.Text(), nullable=True))
        batch_op.create_index('uq_scan_log_nonce', ['nonce'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('scan_log', schema=None) as batch_op:
        batch_op.drop_index('uq_scan_log_nonce')
        batch_op.drop_column('answer')
        batch_op.drop_column('nonce')
