"""search phrases: the words a person's email and name write together, as search tokens

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 12:30:00.000000

A query of several words ('zoe.sc') is first looked up as words written together (see
eventdesk/services/attendees.py, phrase_tokens): a space, then the words with a space between,
from the email's words before the @ and from the name's words from each word on. Here every
attendee already stored gets them, a batch of people at a time (the rule as it was written for
this revision). The table's columns and indexes stay as they were.
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
ATTENDEE = sa.table('attendee', sa.column('id'), sa.column('name'), sa.column('email'))
TOKEN = sa.table('search_token', sa.column('token'), sa.column('attendee_id'))


def phrases(name: str, email: str) -> set[str]:
    """eventdesk.services.attendees.phrase_tokens as of this revision."""
    run = words(name)
    found = {(' ' + ' '.join(run[start:]))[:200] for start in range(len(run) - 1)}
    local = words(email.rpartition('@')[0])
    if len(local) > 1:
        found.add((' ' + ' '.join(local))[:200])
    if len(found) < 2:  # none to compare (a one-word name and email make none at all)
        return found
    ordered = sorted(found)
    return {p for p, after in zip(ordered, [*ordered[1:], ''], strict=True) if not after.startswith(p)}


def upgrade() -> None:
    bind = op.get_bind()
    after = 0
    while True:
        people = bind.execute(
            sa.select(ATTENDEE.c.id, ATTENDEE.c.name, ATTENDEE.c.email)
            .where(ATTENDEE.c.id > after)
            .order_by(ATTENDEE.c.id)
            .limit(BATCH)
        ).all()
        if not people:
            return
        rows = [
            {'token': token, 'attendee_id': person}
            for person, name, email in people
            for token in sorted(phrases(name, email))
        ]
        if rows:
            bind.execute(sa.insert(TOKEN), rows)
        after = people[-1][0]


def downgrade() -> None:
    # Phrase tokens are the ones starting with a space, which no word has.
    op.execute("DELETE FROM search_token WHERE token >= ' ' AND token < '!'")
