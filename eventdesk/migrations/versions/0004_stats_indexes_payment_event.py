"""stats indexes, payment event

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 06:12:27.477539
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_payment_event', ['event_id', 'status', 'currency'], unique=False)

    # Payments made before this revision: their event is their ticket's.
    op.execute("UPDATE payment SET event_id = (SELECT ticket.event_id FROM ticket WHERE ticket.id = payment.ticket_id)")

    with op.batch_alter_table('scan_log', schema=None) as batch_op:
        batch_op.create_index('ix_scan_log_tally', ['event_id', 'station', 'result', 'at'], unique=False)

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_arrivals', ['event_id', 'checked_in_at', 'status', 'ticket_type_id', 'inside'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_arrivals')

    with op.batch_alter_table('scan_log', schema=None) as batch_op:
        batch_op.drop_index('ix_scan_log_tally')

    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index('ix_payment_event')
        batch_op.drop_column('event_id')


