"""registration questions: what an event asks at registration, and the answers

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-28 10:00:00.000000

An event's questions (services/people/questions.py): a key, the text asked, a kind (text, long
text, a choice, several choices, yes/no, a number, a date), the options of a choice, whether it
is required, for which ticket types, asked of the order or of each ticket's holder, and in
which order. An answer belongs to an order or to a ticket (the other column NULL); it goes with
its question, order or ticket. On PostgreSQL the stations' views are made again (as 0023 left
them), so that a desk's login reads the questions and answers.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventdesk.migrations import station_access_0013 as access
from eventdesk.migrations import stations_0018, stations_0020 as stations

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'registration_question',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('text', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('choices', sa.Text(), nullable=True),
        sa.Column('required', sa.Boolean(), server_default='0', nullable=False),
        sa.Column('ticket_types', sa.Text(), nullable=True),
        sa.Column('per', sa.String(length=10), server_default='order', nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['event_id'], ['event.id'],
            name=op.f('fk_registration_question_event_id_event'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_question')),
        sa.UniqueConstraint(
            'event_id', 'key', name=op.f('uq_registration_question_event_id')
        ),
    )
    op.create_table(
        'question_answer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=True),
        sa.Column('ticket_id', sa.String(length=16), nullable=True),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['question_id'], ['registration_question.id'],
            name=op.f('fk_question_answer_question_id_registration_question'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['order_id'], ['ticket_order.id'],
            name=op.f('fk_question_answer_order_id_ticket_order'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['ticket_id'], ['ticket.id'],
            name=op.f('fk_question_answer_ticket_id_ticket'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_question_answer')),
        sa.UniqueConstraint('question_id', 'order_id', name='uq_question_answer_order'),
        sa.UniqueConstraint('question_id', 'ticket_id', name='uq_question_answer_ticket'),
    )
    op.create_index(
        op.f('ix_question_answer_order_id'), 'question_answer', ['order_id'], unique=False
    )
    op.create_index(
        op.f('ix_question_answer_ticket_id'), 'question_answer', ['ticket_id'], unique=False
    )
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        hidden = (*stations.HIDDEN, 'station_upload')
        for statement in (
            *access.view_statements(bind, shown=stations_0018.SHOWN, hidden=hidden),
            *access.walk_in_statements(),
        ):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for schema in access.VIEWS.values():
            for table in ('question_answer', 'registration_question'):
                op.execute(f'DROP VIEW IF EXISTS {schema}.{table}')
    op.drop_index(op.f('ix_question_answer_ticket_id'), table_name='question_answer')
    op.drop_index(op.f('ix_question_answer_order_id'), table_name='question_answer')
    op.drop_table('question_answer')
    op.drop_table('registration_question')
