"""escalating PIN lockouts; a kiosk's staff unlock locks that kiosk, not the staff account

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    # How many times the account was locked since its last right PIN: each lock is longer.
    with op.batch_alter_table('attendee', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('lockouts', sa.Integer(), server_default='0', nullable=False)
        )

    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('lockouts', sa.Integer(), server_default='0', nullable=False)
        )

    op.create_table('kiosk_unlock',
    sa.Column('station', sa.String(length=100), nullable=False),
    sa.Column('failed_pin_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lockouts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('station', name=op.f('pk_kiosk_unlock'))
    )


def downgrade() -> None:

    op.drop_table('kiosk_unlock')

    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('lockouts')

    with op.batch_alter_table('attendee', schema=None) as batch_op:
        batch_op.drop_column('lockouts')
