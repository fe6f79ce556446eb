"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-21 04:33:13.565848
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('attendee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('email_key', sa.String(length=254), nullable=False),
    sa.Column('company', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=50), nullable=True),
    sa.Column('pin_hash', sa.String(length=200), nullable=True),
    sa.Column('failed_pin_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendee')),
    sa.UniqueConstraint('email_key', name=op.f('uq_attendee_email_key'))
    )
    op.create_table('category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_category')),
    sa.UniqueConstraint('name', name=op.f('uq_category_name'))
    )
    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_key', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('pin_hash', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_pin_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff')),
    sa.UniqueConstraint('name_key', name=op.f('uq_staff_name_key'))
    )
    op.create_table('venue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=400), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_venue')),
    sa.UniqueConstraint('name', name=op.f('uq_venue_name'))
    )
    op.create_table('event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('venue_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('visibility', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('waitlist_enabled', sa.Boolean(), nullable=False),
    sa.Column('registered_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_event_category_id_category')),
    sa.ForeignKeyConstraint(['venue_id'], ['venue.id'], name=op.f('fk_event_venue_id_venue')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event')),
    sa.UniqueConstraint('slug', name=op.f('uq_event_slug'))
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_venue_id'), ['venue_id'], unique=False)

    op.create_table('search_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=200).with_variant(sa.String(length=200, collation='C'), 'postgresql'), nullable=False),
    sa.Column('attendee_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['attendee_id'], ['attendee.id'], name=op.f('fk_search_token_attendee_id_attendee'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_token'))
    )
    with op.batch_alter_table('search_token', schema=None) as batch_op:
        batch_op.create_index('ix_search_token_attendee', ['attendee_id', 'token'], unique=False)
        batch_op.create_index('ix_search_token_token', ['token', 'attendee_id'], unique=False)

    op.create_table('seat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['venue_id'], ['venue.id'], name=op.f('fk_seat_venue_id_venue'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seat')),
    sa.UniqueConstraint('venue_id', 'label', name=op.f('uq_seat_venue_id'))
    )
    with op.batch_alter_table('seat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seat_venue_id'), ['venue_id'], unique=False)

    op.create_table('event_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('room', sa.String(length=100), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('registered_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_session_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_session'))
    )
    with op.batch_alter_table('event_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_session_event_id'), ['event_id'], unique=False)

    op.create_table('ticket_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['buyer_id'], ['attendee.id'], name=op.f('fk_ticket_order_buyer_id_attendee')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_ticket_order_event_id_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_order'))
    )
    with op.batch_alter_table('ticket_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_order_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_order_event_id'), ['event_id'], unique=False)

    op.create_table('ticket_type',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('price_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=True),
    sa.Column('sales_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sales_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('priority_tier', sa.Integer(), nullable=False),
    sa.Column('attention', sa.String(length=200), nullable=True),
    sa.Column('registered_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_ticket_type_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_type')),
    sa.UniqueConstraint('event_id', 'name', name=op.f('uq_ticket_type_event_id'))
    )
    with op.batch_alter_table('ticket_type', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_type_event_id'), ['event_id'], unique=False)

    op.create_table('transaction_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('ticket_id', sa.String(length=16), nullable=True),
    sa.Column('attendee_id', sa.Integer(), nullable=True),
    sa.Column('amount_cents', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('station', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_transaction_log_event_id_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transaction_log'))
    )
    with op.batch_alter_table('transaction_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transaction_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_transaction_log_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transaction_log_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('ticket',
    sa.Column('id', sa.String(length=16), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('ticket_type_id', sa.Integer(), nullable=False),
    sa.Column('attendee_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('price_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('seat_label', sa.String(length=20), nullable=True),
    sa.Column('waitlist_seq', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['attendee_id'], ['attendee.id'], name=op.f('fk_ticket_attendee_id_attendee')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_ticket_event_id_event')),
    sa.ForeignKeyConstraint(['order_id'], ['ticket_order.id'], name=op.f('fk_ticket_order_id_ticket_order')),
    sa.ForeignKeyConstraint(['ticket_type_id'], ['ticket_type.id'], name=op.f('fk_ticket_ticket_type_id_ticket_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket')),
    sa.UniqueConstraint('event_id', 'seat_label', name=op.f('uq_ticket_event_id'))
    )
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_attendee_event', ['attendee_id', 'event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_ticket_type_id'), ['ticket_type_id'], unique=False)
        batch_op.create_index('ix_ticket_waitlist', ['event_id', 'status', 'waitlist_seq'], unique=False)

    op.create_table('payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('station', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_payment_ticket_id_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment'))
    )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('ticket_session',
    sa.Column('ticket_id', sa.String(length=16), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['event_session.id'], name=op.f('fk_ticket_session_session_id_event_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_session_ticket_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', 'session_id', name=op.f('pk_ticket_session'))
    )
    with op.batch_alter_table('ticket_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_session_session_id'), ['session_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('ticket_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_session_session_id'))

    op.drop_table('ticket_session')
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_ticket_id'))

    op.drop_table('payment')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_waitlist')
        batch_op.drop_index(batch_op.f('ix_ticket_ticket_type_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_order_id'))
        batch_op.drop_index('ix_ticket_attendee_event')

    op.drop_table('ticket')
    with op.batch_alter_table('transaction_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transaction_log_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_transaction_log_event_id'))
        batch_op.drop_index(batch_op.f('ix_transaction_log_at'))

    op.drop_table('transaction_log')
    with op.batch_alter_table('ticket_type', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_type_event_id'))

    op.drop_table('ticket_type')
    with op.batch_alter_table('ticket_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_order_event_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_order_buyer_id'))

    op.drop_table('ticket_order')
    with op.batch_alter_table('event_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_session_event_id'))

    op.drop_table('event_session')
    with op.batch_alter_table('seat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seat_venue_id'))

    op.drop_table('seat')
    with op.batch_alter_table('search_token', schema=None) as batch_op:
        batch_op.drop_index('ix_search_token_token')
        batch_op.drop_index('ix_search_token_attendee')

    op.drop_table('search_token')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_venue_id'))
        batch_op.drop_index(batch_op.f('ix_event_starts_at'))
        batch_op.drop_index(batch_op.f('ix_event_category_id'))

    op.drop_table('event')
    op.drop_table('venue')
    op.drop_table('staff')
    op.drop_table('category')
    op.drop_table('attendee')

