"""search phrases: the words a person's email writes together, as a search token

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 12:30:00.000000

A query of several words ('zoe.sc') is first looked up as words written together (see
eventdesk/services/people/attendees.py, phrase_tokens): a space, then the email's words before the @
with a space between. Here every attendee already stored gets theirs, a batch of people at a
time (the rule as it was written for this revision). The table's columns and indexes stay as they were.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventdesk.text import words


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000  # people read and their phrases written at a time
ATTENDEE = sa.table('attendee', sa.column('id'), sa.column('email'))
TOKEN = sa.table('search_token', sa.column('token'), sa.column('attendee_id'))


def phrases(email: str) -> set[str]:
    """eventdesk.services.people.attendees.phrase_tokens as of this revision."""
    local = words(email.rpartition('@')[0])
    return {(' ' + ' '.join(local))[:200]} if len(local) > 1 else set()


def upgrade() -> None:
    bind = op.get_bind()
    after = 0
    while True:
        people = bind.execute(
            sa.select(ATTENDEE.c.id, ATTENDEE.c.email)
            .where(ATTENDEE.c.id > after)
            .order_by(ATTENDEE.c.id)
            .limit(BATCH)
        ).all()
        if not people:
            return
        rows = [
            {'token': token, 'attendee_id': person}
            for person, email in people
            for token in sorted(phrases(email))
        ]
        if rows:
            bind.execute(sa.insert(TOKEN), rows)
        after = people[-1][0]


def downgrade() -> None:
    # Phrase tokens are the ones starting with a space, which no word has.
    op.execute("DELETE FROM search_token WHERE token >= ' ' AND token < '!'")
