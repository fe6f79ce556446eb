"""codes signed ahead for a station's offline sales

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07 09:00:00.000000

``quota_code``: a ticket's code signed ahead by the organizer's station for a station's offline
sales (eventdesk.quota_models.QuotaCode), so that a walk-in sold offline has a QR at once. On
PostgreSQL a desk's login reads its own station's codes only, and the server keeps a code's QR
for the ticket of the sale uploaded with it (migrations/offline_codes_0035.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventdesk.migrations import offline_codes_0035 as codes

revision: str = '0035'
down_revision: str | None = '0034'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'quota_code',
        sa.Column('ticket_id', sa.String(length=16), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('station', sa.String(length=100), nullable=False),
        sa.Column('qr_payload', sa.String(length=200), nullable=False),
        sa.Column('minted_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['event_id'],
            ['event.id'],
            name=op.f('fk_quota_code_event_id_event'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_quota_code')),
    )
    op.create_index(op.f('ix_quota_code_event_id'), 'quota_code', ['event_id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        for statement in (*codes.VIEW_STATEMENTS, *codes.FUNCTIONS):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for statement in (*codes.BEFORE, *codes.DROP_VIEWS):
            op.execute(statement)
    op.drop_index(op.f('ix_quota_code_event_id'), table_name='quota_code')
    op.drop_table('quota_code')
