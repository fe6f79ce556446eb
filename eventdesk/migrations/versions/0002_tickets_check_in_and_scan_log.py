"""tickets, check-in and scan log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 04:46:00.590125
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('scan_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('station', sa.String(length=100), nullable=True),
    sa.Column('operator', sa.String(length=100), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('ticket_id', sa.String(length=16), nullable=True),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('payload', sa.String(length=256), nullable=True),
    sa.Column('result', sa.String(length=24), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scan_log'))
    )
    with op.batch_alter_table('scan_log', schema=None) as batch_op:
        batch_op.create_index('ix_scan_log_event_at', ['event_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_scan_log_result'), ['result'], unique=False)
        batch_op.create_index(batch_op.f('ix_scan_log_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('signing_key',
    sa.Column('id', sa.String(length=16), nullable=False),
    sa.Column('public_key', sa.LargeBinary(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('station', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_key'))
    )
    op.create_table('session_checkin',
    sa.Column('ticket_id', sa.String(length=16), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('station', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['event_session.id'], name=op.f('fk_session_checkin_session_id_event_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_session_checkin_ticket_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', 'session_id', name=op.f('pk_session_checkin'))
    )
    with op.batch_alter_table('session_checkin', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_checkin_session_id'), ['session_id'], unique=False)

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unpaid_policy', sa.String(length=10), server_default='refuse', nullable=False))
        batch_op.add_column(sa.Column('allow_reentry', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('checkin_opens_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('checkin_closes_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('qr_payload', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('checked_in_station', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('inside', sa.Boolean(), server_default='0', nullable=False))




def downgrade() -> None:

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('inside')
        batch_op.drop_column('checked_in_station')
        batch_op.drop_column('checked_in_at')
        batch_op.drop_column('qr_payload')

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('checkin_closes_at')
        batch_op.drop_column('checkin_opens_at')
        batch_op.drop_column('allow_reentry')
        batch_op.drop_column('unpaid_policy')

    with op.batch_alter_table('session_checkin', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_checkin_session_id'))

    op.drop_table('session_checkin')
    op.drop_table('signing_key')
    with op.batch_alter_table('scan_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scan_log_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_scan_log_result'))
        batch_op.drop_index('ix_scan_log_event_at')

    op.drop_table('scan_log')

