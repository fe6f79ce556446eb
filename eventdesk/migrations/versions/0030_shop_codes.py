"""a shop's tickets: their codes found by lookup, their orders by the shop's own code

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-02 09:00:00.000000

``ix_ticket_qr_payload``: a ticket is found by the code in its QR, unique across the database
(a shop's barcode kept unchanged is looked up at the door; our own signed payloads name their
ticket). ``ticket_order.shop`` and ``shop_ref``: the shop an imported order was sold in
(eventbrite, tito, csv, pretix) and the order's code there, by which an import again finds it
(services.data.shop_export); ``ticket.shop_ref``: a shop's own name of a ticket whose code may
change (pretix: its order's code and its position); ``revoked_code``: a code a shop no longer
admits, which the door names as revoked (a station's copy holds it too); ``shop_push``: each
of our check-ins sent to the shop, with its answer (no station's to read). On PostgreSQL the stations' views are made again to show them (a
desk finds a person by the shop's order code); what 0029 added stays no station's to read.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventdesk.migrations import station_access_0013 as access
from eventdesk.migrations import stations_0018, stations_0020

revision: str = '0030'
down_revision: str | None = '0029'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The views as 0029 left them: 0028's hidden tables, and 0029's own (a login's events, when a
# station last synced, the refusals counted), which it made no views of; and the check-ins
# pushed to a shop (the organizer's station pushes them).
HIDDEN = (
    *stations_0020.HIDDEN,
    'station_upload',
    'arrival_alert',
    'station_login_event',
    'station_seen',
    'refusal_flood',
    'shop_push',
)


def _views() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        for statement in (
            *access.view_statements(bind, shown=stations_0018.SHOWN, hidden=HIDDEN),
            *access.walk_in_statements(),
        ):
            op.execute(statement)


def upgrade() -> None:
    # Not a batch (a copy of the table): on SQLite, dropping the old table would take the rows
    # that refer to it along.
    op.add_column('ticket_order', sa.Column('shop', sa.String(length=16), nullable=True))
    op.add_column('ticket_order', sa.Column('shop_ref', sa.String(length=64), nullable=True))
    op.create_index('ix_ticket_order_shop', 'ticket_order', ['event_id', 'shop', 'shop_ref'])
    op.create_index('ix_ticket_qr_payload', 'ticket', ['qr_payload'], unique=True)
    op.add_column('ticket', sa.Column('shop_ref', sa.String(length=64), nullable=True))
    op.create_table(
        'revoked_code',
        sa.Column('code', sa.String(length=200), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.String(length=16), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['event_id'],
            ['event.id'],
            name=op.f('fk_revoked_code_event_id_event'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('code', name=op.f('pk_revoked_code')),
    )
    op.create_index(op.f('ix_revoked_code_event_id'), 'revoked_code', ['event_id'])
    op.create_table(
        'shop_push',
        sa.Column('scan_id', sa.Integer(), nullable=False),
        sa.Column('pushed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=24), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint('scan_id', name=op.f('pk_shop_push')),
    )
    op.create_index('ix_ticket_shop_ref', 'ticket', ['event_id', 'shop_ref'])
    _views()


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for schema in access.VIEWS.values():
            for table in ('revoked_code', 'ticket', 'ticket_order'):
                op.execute(f'DROP VIEW IF EXISTS {schema}.{table}')
    op.drop_table('shop_push')
    op.drop_index(op.f('ix_revoked_code_event_id'), table_name='revoked_code')
    op.drop_table('revoked_code')
    op.drop_index('ix_ticket_shop_ref', table_name='ticket')
    op.drop_column('ticket', 'shop_ref')
    op.drop_index('ix_ticket_qr_payload', table_name='ticket')
    op.drop_index('ix_ticket_order_shop', table_name='ticket_order')
    op.drop_column('ticket_order', 'shop_ref')
    op.drop_column('ticket_order', 'shop')
    _views()
