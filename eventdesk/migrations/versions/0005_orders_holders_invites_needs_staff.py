"""ticket holders, invite codes, needs-staff ticket types; partial refunds become goodwill

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_REFUNDED = (
    "(SELECT COALESCE(SUM(payment.amount_cents), 0) FROM payment "
    "WHERE payment.ticket_id = ticket.id AND payment.kind = 'refund' "
    "AND payment.status = 'completed')"
)
_PAID = (
    "(SELECT COALESCE(SUM(CASE WHEN payment.kind = 'payment' THEN payment.amount_cents "
    "ELSE -payment.amount_cents END), 0) FROM payment "
    "WHERE payment.ticket_id = ticket.id AND payment.status = 'completed')"
)


def upgrade() -> None:

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invite_code', sa.String(length=32), nullable=True))

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holder_name', sa.String(length=200), nullable=True))

    with op.batch_alter_table('ticket_type', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('needs_staff', sa.Boolean(), server_default='0', nullable=False)
        )

    # A partial refund recorded before this revision is goodwill now: it lowers what is due, so
    # what was paid still covers it (docs/architecture.md#money-and-orders). Full refunds (nothing left paid) are
    # left as they were: the door still refuses them as refunded.
    op.execute(
        f"UPDATE ticket SET price_cents = price_cents - {_REFUNDED} "
        f"WHERE status <> 'cancelled' AND {_REFUNDED} > 0 AND {_PAID} > 0 "
        f"AND price_cents >= {_REFUNDED}"
    )


def downgrade() -> None:

    with op.batch_alter_table('ticket_type', schema=None) as batch_op:
        batch_op.drop_column('needs_staff')

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('holder_name')

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('invite_code')
